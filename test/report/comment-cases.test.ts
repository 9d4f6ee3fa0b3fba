// The comment on the cases a reviewer meets: the same edit in many ConfigMaps, a sidecar that reloads the
// config for the app beside it, and a changed ConfigMap that nothing in the manifests reads.
import { describe, expect, it } from 'vitest';
import { renderPlanComment } from '../../src/report/comment.js';
import { configMap, deployment, plan } from '../plan/helpers.js';

const reads = (name: string) => `        envFrom: [{configMapRef: {name: ${name}}}]`;

/** A pod whose app mounts `config` at /etc/app, and a sidecar with `image` and `args` that mounts it too. */
function withSidecar(image: string, args: string, sidecarPath = '/etc/app'): string {
  return deployment(
    'prom',
    `        volumeMounts: [{name: config, mountPath: /etc/app}]
      - name: reloader
        image: ${image}
        args: ${args}
        volumeMounts: [{name: config, mountPath: ${sidecarPath}}]
      volumes: [{name: config, configMap: {name: prom-config}}]`,
  );
}

describe('the comment on the cases a reviewer meets', () => {
  it('shows the same edit made to many ConfigMaps once, naming them', () => {
    const side = (level: string, other: string) =>
      ['a', 'b', 'c']
        .map((n) => configMap(`cfg-${n}`, { LOG_LEVEL: level }) + deployment(n, reads(`cfg-${n}`)))
        .join('') + configMap('cfg-d', { LOG_LEVEL: other });
    const text = renderPlanComment(plan(side('info', 'info'), side('warn', 'debug')));
    expect(text).toContain(
      '<details><summary><code>LOG_LEVEL</code> <code>info</code> → <code>warn</code> in 3 ConfigMaps · read by 3 workloads</summary>\n\n<code>default/cfg-a</code>, <code>default/cfg-b</code>, <code>default/cfg-c</code>\n\n```diff\n@@ LOG_LEVEL (changed) @@\n- info\n+ warn\n```',
    );
    expect(text.match(/@@ LOG_LEVEL \(changed\) @@/g)).toHaveLength(2);
    expect(text).toContain(
      '<details><summary><code>default/cfg-d</code> — <code>LOG_LEVEL</code> <code>info</code> → <code>debug</code> · read by no workload in these manifests — a controller may watch it through the API</summary>',
    );
  });

  it('waits for sync where a configmap-reload sidecar reloads the mounted files, and says so', () => {
    const pod = withSidecar(
      'ghcr.io/jimmidyson/configmap-reload:v0.14.0',
      '["--volume-dir=/etc/app", "--webhook-url=http://localhost:9090/-/reload"]',
    );
    const p = plan(
      configMap('prom-config', { 'prometheus.yml': 'a: 1' }) + pod,
      configMap('prom-config', { 'prometheus.yml': 'a: 2' }) + pod,
    );
    expect(p.consumers.map((c) => [c.action, c.reasons])).toEqual([
      [
        'wait-for-sync',
        [
          'Container `app` mounts prom-config (changed `prometheus.yml`) as a volume, and the configmap-reload sidecar `reloader` in the same pod reloads it.',
          'Container `reloader` mounts prom-config (changed `prometheus.yml`) as a volume, and the configmap-reload sidecar `reloader` in the same pod reloads it.',
          'The kubelet refreshes mounted files in place (about 60–90 s); no restart.',
        ],
      ],
    ]);
    const text = renderPlanComment(p);
    expect(text).toContain(
      '| Deployment `prom` | ⏳ wait for sync | `prom-config: prometheus.yml` | volume, sidecar reload |',
    );
    expect(text).toContain(
      '**sidecar reload**: a container in the pod (configmap-reload, Grafana’s sidecar…) reloads the files',
    );
    expect(text).toContain('merging lets the kubelet refresh the files of Deployment prom');
  });

  it('restarts when the reloader watches another folder than the one the app reads', () => {
    const pod = withSidecar(
      'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0',
      '["--watched-dir=/etc/rules"]',
      '/etc/app',
    );
    const p = plan(configMap('prom-config', { k: '1' }) + pod, configMap('prom-config', { k: '2' }) + pod);
    expect(p.consumers.map((c) => c.action)).toEqual(['restart']);
  });
});
