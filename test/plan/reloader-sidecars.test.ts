// Which pod volumes a reloading sidecar watches: by image, and by the folder its flags name.
import { describe, expect, it } from 'vitest';
import { reloadedVolumes, reloaderSidecars } from '../../src/plan/reloader-sidecars.js';

const app = {
  name: 'app',
  image: 'example/app:1',
  volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
};

function pod(sidecar: Record<string, unknown>, field: 'containers' | 'initContainers' = 'containers') {
  const spec: Record<string, unknown> = { containers: [app] };
  spec[field] = [...((spec[field] as unknown[] | undefined) ?? []), { name: 'reloader', ...sidecar }];
  return spec;
}

const mounts = (...pairs: [string, string][]) => pairs.map(([name, mountPath]) => ({ name, mountPath }));

describe('reloading sidecars', () => {
  it.each([
    ['ghcr.io/jimmidyson/configmap-reload:v0.14.0', ['--volume-dir=/etc/app'], 'configmap-reload'],
    ['jimmidyson/configmap-reload', ['--volume-dir', '/etc/app/'], 'configmap-reload'],
    ['registry.local:5000/mirror/configmap-reload@sha256:abc', ['--volume-dir=/etc'], 'configmap-reload'],
    [
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      ['--watched-dir=/etc/app/rules'],
      'prometheus-config-reloader',
    ],
    [
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      ['--config-file=/etc/app/prometheus.yaml'],
      'prometheus-config-reloader',
    ],
    ['victoriametrics/operator:config-reloader-v0.50.0', [], 'config-reloader'],
    ['victoriametrics/operator:v0.50.0', [], undefined],
    ['victoriametrics/config-reloader:v0.50.0', ['--watched-dir=/etc/app'], 'config-reloader'],
    ['quay.io/kiwigrid/k8s-sidecar:1.28.0', [], 'k8s-sidecar (Grafana)'],
    ['example/nginx-reloader:2', [], 'nginx-reloader'],
    ['rosskukulinski/nginx-kubernetes-reload:v2.0.1', [], 'nginx-reloader'],
  ])('%s %j → %s', (image, args, name) => {
    const volumes = reloadedVolumes(pod({ image, args, volumeMounts: mounts(['config', '/etc/app']) }));
    expect(volumes.get('config')).toBe(name === undefined ? undefined : `${name} sidecar \`reloader\``);
  });

  it.each([
    ['jimmidyson/configmap-reload', ['--volume-dir=/etc/app']],
    ['jimmidyson/configmap-reload', ['--volume-dir', '/etc/app']],
    [
      'jimmidyson/configmap-reload',
      ['--webhook-url=http://localhost:9090/-/reload', '--volume-dir', '/etc/app'],
    ],
    ['quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0', ['--watched-dir=/etc/app']],
    [
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      ['--config-file=/etc/app/prometheus.yaml'],
    ],
    [
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      ['--config-file', '/etc/app/prometheus.yaml'],
    ],
    ['victoriametrics/operator:config-reloader-v0.50.0', ['--watched-dir=/etc/app']],
    ['victoriametrics/operator:config-reloader-v0.50.0', ['--config-file=/etc/app/vmagent.yaml']],
    ['jimmidyson/configmap-reload', ['--volume-dir=/etc/app/']],
  ])('%s %j watches only the mount its flag names', (image, args) => {
    const spec = pod({ image, args, volumeMounts: mounts(['config', '/etc/app/'], ['other', '/var/other']) });
    expect([...reloadedVolumes(spec).keys()]).toEqual(['config']);
  });

  it('watches every folder its flags name, and every mount when a flag has no value', () => {
    const both = pod({
      image: 'jimmidyson/configmap-reload',
      args: ['--volume-dir=/etc/app', '--volume-dir=/etc/rules'],
      volumeMounts: mounts(['config', '/etc/app'], ['rules', '/etc/rules'], ['other', '/var/other']),
    });
    expect([...reloadedVolumes(both).keys()]).toEqual(['config', 'rules']);
    const bare = pod({
      image: 'jimmidyson/configmap-reload',
      args: ['--volume-dir'],
      volumeMounts: mounts(['config', '/etc/app'], ['other', '/var/other']),
    });
    expect([...reloadedVolumes(bare).keys()]).toEqual(['config', 'other']);
  });

  it('takes a folder only from its own flags, not the value of another flag', () => {
    // prometheus-operator's reloader: the rendered config goes to config_out, which it does not watch.
    const spec = pod({
      image: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      args: [
        '--config-envsubst-file',
        '/etc/prometheus/config_out/prometheus.env.yaml',
        '--config-file',
        '/etc/prometheus/config/prometheus.yaml.gz',
        '--watched-dir',
        '/etc/prometheus/rules/',
      ],
      volumeMounts: mounts(
        ['config', '/etc/prometheus/config'],
        ['config-out', '/etc/prometheus/config_out'],
        ['rules', '/etc/prometheus/rules'],
      ),
    });
    expect([...reloadedVolumes(spec).keys()]).toEqual(['config', 'rules']);
  });

  it('skips a mount without a name, also when it watches every mount', () => {
    const spec = pod({
      image: 'quay.io/kiwigrid/k8s-sidecar:1.28.0',
      volumeMounts: [
        { mountPath: '/tmp/dashboards' },
        { name: 42, mountPath: '/x' },
        ...mounts(['config', '/etc/app']),
      ],
    });
    expect([...reloadedVolumes(spec).keys()]).toEqual(['config']);
  });

  it('reloads only the volumes it watches when its flags name folders', () => {
    const spec = pod({
      image: 'jimmidyson/configmap-reload',
      command: ['/configmap-reload', '--volume-dir=/etc/rules'],
      volumeMounts: mounts(['config', '/etc/app'], ['rules', '/etc/rules']),
    });
    expect([...reloadedVolumes(spec)]).toEqual([['rules', 'configmap-reload sidecar `reloader`']]);
  });

  it('counts a native sidecar (an init container) and skips what is not a container', () => {
    const spec = pod(
      {
        image: 'jimmidyson/configmap-reload',
        restartPolicy: 'Always',
        args: ['--volume-dir=/etc/app'],
        volumeMounts: [...mounts(['config', '/etc/app']), 'junk', { mountPath: '/x' }],
      },
      'initContainers',
    );
    spec['containers'] = [app, null, { name: 'no-image' }];
    expect([...reloadedVolumes(spec)]).toEqual([['config', 'configmap-reload sidecar `reloader`']]);
    expect(reloadedVolumes({ containers: 'not a list' }).size).toBe(0);
  });

  it('is no reloader: an image merely named like one elsewhere in its path, or a mount at the root', () => {
    expect(
      reloadedVolumes(pod({ image: 'configmap-reload/app:1', volumeMounts: mounts(['config', '/etc/app']) }))
        .size,
    ).toBe(0);
    const root = pod({
      image: 'jimmidyson/configmap-reload',
      args: ['--volume-dir=/etc/app'],
      volumeMounts: mounts(['config', '/']),
    });
    expect(reloadedVolumes(root).size).toBe(0);
  });

  it('lists each reloader once per image name in one table', () => {
    expect(new Set(reloaderSidecars.map((s) => s.image)).size).toBe(reloaderSidecars.length);
  });
});
