// Restart decisions: mixed sync and unmounted deliveries, the words of reasons and findings that name several
// things, and removed ConfigMaps read optionally or by a volume no container mounts.
import { describe, expect, it } from 'vitest';
import { configMap, deployment, plan } from './helpers.js';

const decided = (p: ReturnType<typeof plan>) => p.consumers.map((c) => [c.action, c.reasons]);
const found = (p: ReturnType<typeof plan>) => p.findings.map((f) => `${f.code}: ${f.message}`);

describe('restart decisions', () => {
  it('waits for the sync when one mount syncs and another volume is mounted by no container', () => {
    const pod = '      volumes: [{name: a, configMap: {name: a}}, {name: b, configMap: {name: b}}]\n';
    const container = '        volumeMounts: [{name: a, mountPath: /etc/a}]';
    const p = plan(
      configMap('a', { k: '1' }) + configMap('b', { k: '1' }) + deployment('api', container, pod),
      configMap('a', { k: '2' }) + configMap('b', { k: '2' }) + deployment('api', container, pod),
      'hot-reload',
    );
    expect(p.consumers.map((c) => c.action)).toEqual(['wait-for-sync']);
  });

  it('says a removed ConfigMap an env var requires stops the container config', () => {
    const container = '        env: [{name: A, valueFrom: {configMapKeyRef: {name: a, key: k}}}]';
    const p = plan(configMap('a', { k: '1' }) + deployment('api', container), deployment('api', container));
    expect(decided(p)).toEqual([
      [
        'blocked',
        [
          'Container `app` requires ConfigMap a, which this change removes: new pods would not start (CreateContainerConfigError).',
        ],
      ],
    ]);
  });

  it('names a pod volume no container mounts as what requires a removed ConfigMap', () => {
    const pod = '      volumes: [{name: a, configMap: {name: a}}]\n';
    const p = plan(configMap('a', { k: '1' }) + deployment('api', '', pod), deployment('api', '', pod));
    expect(decided(p)).toEqual([
      [
        'blocked',
        [
          'A pod volume requires ConfigMap a, which this change removes: new pods would not start (stuck in ContainerCreating).',
        ],
      ],
    ]);
  });

  it('restarts a workload whose optional envFrom source is removed, saying the ConfigMap is removed', () => {
    const container = '        envFrom: [{configMapRef: {name: a, optional: true}}]';
    const p = plan(configMap('a', { k: '1' }) + deployment('api', container), deployment('api', container));
    expect(decided(p)).toEqual([
      [
        'restart',
        [
          'Container `app` loads a (ConfigMap removed) through envFrom: env vars are fixed when a container starts.',
        ],
      ],
    ]);
  });

  it('lists the unchanged keys a workload reads, sorted', () => {
    const container = [
      '        env:',
      '        - {name: B, valueFrom: {configMapKeyRef: {name: a, key: b}}}',
      '        - {name: A, valueFrom: {configMapKeyRef: {name: a, key: a}}}',
    ].join('\n');
    const p = plan(
      configMap('a', { a: '1', b: '1', c: '1' }) + deployment('api', container),
      configMap('a', { a: '1', b: '1', c: '2' }) + deployment('api', container),
    );
    expect(decided(p)).toEqual([['none', ['Reads only keys that did not change (`a`, `b`).']]]);
  });

  it('names every template annotation that changes, sorted', () => {
    const container = '        envFrom: [{configMapRef: {name: a}}]';
    const meta = (v: string) => `      annotations: {z: "${v}", b: "${v}"}\n`;
    const p = plan(
      configMap('a', { k: '1' }) + deployment('api', container, '', '', meta('1')),
      configMap('a', { k: '2' }) + deployment('api', container, '', '', meta('2')),
    );
    expect(p.consumers[0]!.reasons.at(-1)).toBe(
      'Its pod template changes in this change (annotation `b`, `z`), so applying it rolls new pods.',
    );
  });
});

describe('findings of restart decisions', () => {
  it('names every changed ConfigMap a stale checksum missed', () => {
    const container = '        envFrom: [{configMapRef: {name: a}}, {configMapRef: {name: b}}]';
    const meta = '      annotations: {checksum/config: "1"}\n';
    const reader = deployment('api', container, '', '', meta);
    const p = plan(
      configMap('a', { k: '1' }) + configMap('b', { k: '1' }) + reader,
      configMap('a', { k: '2' }) + configMap('b', { k: '2' }) + reader,
    );
    expect(found(p)).toEqual([
      'stale-checksum: Deployment/default/api: `checksum/config` did not change although default/a, default/b did; update the checksum, or let config-rollout restart it.',
    ]);
  });

  it('names the keys envFrom skips without a prefix', () => {
    const container = '        envFrom: [{configMapRef: {name: a}}]';
    const p = plan(
      configMap('a', { ok: '1' }) + deployment('api', container),
      configMap('a', { ok: '1', '1st': '2' }) + deployment('api', container),
    );
    expect(found(p)).toEqual([
      'invalid-env-name: Deployment/default/api: envFrom a skips `1st`: not valid env var names, so Kubernetes leaves them out silently.',
    ]);
  });

  it('does not check key names a volume or an env var reads: files and keyRefs may have any name', () => {
    const container = [
      '        env: [{name: A, valueFrom: {configMapKeyRef: {name: a, key: "1st"}}}]',
      '        volumeMounts: [{name: a, mountPath: /etc/a}]',
    ].join('\n');
    const pod = '      volumes: [{name: a, configMap: {name: a}}]\n';
    const p = plan(
      configMap('a', { '1st': '1', '10-app.conf': '1' }) + deployment('api', container, pod),
      configMap('a', { '1st': '2', '10-app.conf': '2' }) + deployment('api', container, pod),
    );
    expect(found(p)).toEqual([]);
  });
});
