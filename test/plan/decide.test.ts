import { describe, expect, it } from 'vitest';
import { keyPatch, valuesOf } from '../../src/plan/configmap-patch.js';
import { configMap, deployment, plan } from './helpers.js';

const cm = (data: Record<string, string>, extra = '') => configMap('app-config', data, extra);
const envKey = (key: string, optional = false) =>
  `        env:\n        - name: V\n          valueFrom: {configMapKeyRef: {name: app-config, key: ${key}${optional ? ', optional: true' : ''}}}`;
const envFrom = '        envFrom: [{configMapRef: {name: app-config}}]';
const volume = (mount: string, items = '') => ({
  container: `        volumeMounts: [${mount}]`,
  pod: `      volumes: [{name: cfg, configMap: {name: app-config${items}}}]\n`,
});

const consumer = (p: ReturnType<typeof plan>, id = 'Deployment/default/api') =>
  p.consumers.find((c) => c.workload === id);
const codes = (p: ReturnType<typeof plan>) => p.findings.map((f) => `${f.severity}:${f.code}`);

describe('restart decisions', () => {
  it('restarts a Deployment that reads a changed key through env', () => {
    const p = plan(
      cm({ level: 'info' }) + deployment('api', envKey('level')),
      cm({ level: 'debug' }) + deployment('api', envKey('level')),
    );
    expect(consumer(p)).toEqual({
      workload: 'Deployment/default/api',
      action: 'restart',
      reasons: [
        'Container `app` reads app-config (changed `level`) as an env var: env vars are fixed when a container starts.',
      ],
      configMaps: ['default/app-config'],
      reads: [{ configMap: 'default/app-config', keys: ['level'], ways: ['env'] }],
      pods: 2,
      strategy: 'RollingUpdate',
      source: { file: 'head.yaml', line: 9 },
    });
    expect(p.findings).toEqual([]);
  });

  it('does nothing for a workload that reads only unchanged keys', () => {
    const p = plan(
      cm({ level: 'info', other: 'a' }) + deployment('api', envKey('level')),
      cm({ level: 'info', other: 'b' }) + deployment('api', envKey('level')),
    );
    expect(consumer(p)).toMatchObject({
      action: 'none',
      reasons: ['Reads only keys that did not change (`level`).'],
    });
  });

  it('restarts for any key through envFrom, including an added one', () => {
    const p = plan(
      cm({ a: '1' }) + deployment('api', envFrom),
      cm({ a: '1', b: '2' }) + deployment('api', envFrom),
    );
    expect(consumer(p)?.action).toBe('restart');
    expect(consumer(p)?.reasons[0]).toContain('added `b`');
  });

  it.each([
    ['plain volume, no hot reload', `{name: cfg, mountPath: /etc/cfg}`, 'restart', 'restart'],
    ['plain volume, hot-reload setting', `{name: cfg, mountPath: /etc/cfg}`, 'hot-reload', 'wait-for-sync'],
    [
      'subPath mount, hot-reload setting',
      `{name: cfg, mountPath: /etc/a, subPath: a}`,
      'hot-reload',
      'restart',
    ],
  ] as const)('%s → %s', (_name, mount, policy, action) => {
    const v = volume(mount);
    const p = plan(
      cm({ a: '1' }) + deployment('api', v.container, v.pod),
      cm({ a: '2' }) + deployment('api', v.container, v.pod),
      policy,
    );
    expect(consumer(p)?.action).toBe(action);
  });

  it('honours the hot-reload annotation on the workload', () => {
    const v = volume('{name: cfg, mountPath: /etc/cfg}');
    const meta = `      annotations: {config-rollout.io/hot-reload: "true"}\n`;
    const p = plan(
      cm({ a: '1' }) + deployment('api', v.container, v.pod, '', meta),
      cm({ a: '2' }) + deployment('api', v.container, v.pod, '', meta),
    );
    expect(consumer(p)?.action).toBe('wait-for-sync');
  });

  it('ignores a subPath mount of a key that did not change', () => {
    const v = volume('{name: cfg, mountPath: /etc/a, subPath: a}');
    const p = plan(
      cm({ a: '1', b: '1' }) + deployment('api', v.container, v.pod),
      cm({ a: '1', b: '2' }) + deployment('api', v.container, v.pod),
    );
    expect(consumer(p)?.action).toBe('none');
  });

  it('ignores keys a volume does not list in items', () => {
    const v = volume('{name: cfg, mountPath: /etc/cfg}', ', items: [{key: a, path: a.txt}]');
    const p = plan(
      cm({ a: '1', b: '1' }) + deployment('api', v.container, v.pod),
      cm({ a: '1', b: '2' }) + deployment('api', v.container, v.pod),
    );
    expect(consumer(p)?.action).toBe('none');
  });

  it('restarts for an init container even when the setting trusts hot reload', () => {
    const init = `      initContainers:\n      - name: init\n        volumeMounts: [{name: cfg, mountPath: /cfg}]\n      volumes: [{name: cfg, configMap: {name: app-config}}]\n`;
    const p = plan(
      cm({ a: '1' }) + deployment('api', '', init),
      cm({ a: '2' }) + deployment('api', '', init),
      'hot-reload',
    );
    expect(consumer(p)?.action).toBe('restart');
    expect(consumer(p)?.reasons[0]).toContain('init container runs only when a pod starts');
  });

  it('blocks when a required key is removed, and not when the reference is optional', () => {
    const required = plan(
      cm({ a: '1', b: '1' }) + deployment('api', envKey('b')),
      cm({ a: '1' }) + deployment('api', envKey('b')),
    );
    expect(consumer(required)?.action).toBe('blocked');
    expect(codes(required)).toEqual(['blocker:missing-key']);
    // At the ConfigMap the author edited, and at the workload that needs the key.
    expect(required.findings[0]).toMatchObject({
      file: 'head.yaml',
      line: 2,
      also: [{ file: 'head.yaml', line: 9 }],
    });
    const optional = plan(
      cm({ a: '1', b: '1' }) + deployment('api', envKey('b', true)),
      cm({ a: '1' }) + deployment('api', envKey('b', true)),
    );
    expect(consumer(optional)?.action).toBe('restart');
    expect(codes(optional)).toEqual([]);
  });

  it('blocks when a volume lists a removed key in items', () => {
    const v = volume('{name: cfg, mountPath: /etc/cfg}', ', items: [{key: b, path: b}]');
    const p = plan(
      cm({ a: '1', b: '1' }) + deployment('api', v.container, v.pod),
      cm({ a: '1' }) + deployment('api', v.container, v.pod),
    );
    expect(consumer(p)?.action).toBe('blocked');
    expect(codes(p)).toEqual(['blocker:missing-key']);
  });

  it('blocks when a required ConfigMap is removed', () => {
    const p = plan(cm({ a: '1' }) + deployment('api', envFrom), deployment('api', envFrom));
    expect(consumer(p)?.action).toBe('blocked');
    expect(codes(p)).toEqual(['blocker:missing-configmap']);
  });

  it('needs nothing when the pod template changes with the config (checksum annotation updated)', () => {
    const meta = (sum: string) => `      annotations: {checksum/config: "${sum}"}\n`;
    const p = plan(
      cm({ a: '1' }) + deployment('api', envFrom, '', '', meta('111')),
      cm({ a: '2' }) + deployment('api', envFrom, '', '', meta('222')),
    );
    expect(consumer(p)?.action).toBe('none');
    expect(consumer(p)?.reasons.at(-1)).toContain('annotation `checksum/config`');
  });

  it('restarts and warns when a checksum annotation did not change with its ConfigMap (stale)', () => {
    const meta = `      annotations: {checksum/config: "111"}\n`;
    const p = plan(
      cm({ a: '1' }) + deployment('api', envFrom, '', '', meta),
      cm({ a: '2' }) + deployment('api', envFrom, '', '', meta),
    );
    expect(consumer(p)?.action).toBe('restart');
    expect(consumer(p)?.reasons.at(-1)).toContain('stale');
    expect(codes(p)).toEqual(['warning:stale-checksum']);
  });

  it('needs nothing when the ConfigMap name changes with its content (kustomize hash suffix)', () => {
    const ref = (name: string) => `        envFrom: [{configMapRef: {name: ${name}}}]`;
    const p = plan(
      configMap('app-abc', { a: '1' }) + deployment('api', ref('app-abc')),
      configMap('app-def', { a: '2' }) + deployment('api', ref('app-def')),
    );
    expect(consumer(p)?.action).toBe('none');
    expect(p.findings).toEqual([]);
  });

  it('needs nothing for a workload new in this change', () => {
    const p = plan(cm({ a: '1' }), cm({ a: '2' }) + deployment('api', envFrom));
    expect(consumer(p)?.action).toBe('none');
    expect(consumer(p)?.reasons[0]).toContain('New in this change');
  });

  it('leaves workloads that Reloader or Wave restart to them', () => {
    const body = (annotation: string) =>
      deployment('api', envFrom).replace(
        'metadata:\n  name: api',
        `metadata:\n  name: api\n  annotations: {${annotation}}`,
      );
    for (const annotation of [
      'reloader.stakater.com/auto: "true"',
      'configmap.reloader.stakater.com/reload: "app-config"',
      'wave.pusher.com/update-on-config-change: "true"',
    ]) {
      const p = plan(cm({ a: '1' }) + body(annotation), cm({ a: '2' }) + body(annotation));
      expect(consumer(p)?.action).toBe('none');
    }
    const other = 'configmap.reloader.stakater.com/reload: "something-else"';
    expect(consumer(plan(cm({ a: '1' }) + body(other), cm({ a: '2' }) + body(other)))?.action).toBe(
      'restart',
    );
  });

  it('restarts when a Reloader `reload` annotation names only one of two changed ConfigMaps it reads', () => {
    const reads = `        envFrom: [{configMapRef: {name: app-config}}, {configMapRef: {name: flags}}]`;
    const annotated = (names: string) =>
      deployment('api', reads).replace(
        'metadata:\n  name: api',
        `metadata:\n  name: api\n  annotations: {configmap.reloader.stakater.com/reload: "${names}"}`,
      );
    const change = (names: string) =>
      plan(
        cm({ a: '1' }) + configMap('flags', { f: 'off' }) + annotated(names),
        cm({ a: '2' }) + configMap('flags', { f: 'on' }) + annotated(names),
      );
    const one = consumer(change('app-config'));
    expect(one?.action).toBe('restart');
    expect(one?.configMaps).toEqual(['default/app-config', 'default/flags']);
    expect(one?.reasons.join(' ')).not.toContain('Reloader');
    expect(consumer(change('flags, app-config'))).toMatchObject({
      action: 'none',
      reasons: [
        'Container `app` loads app-config (changed `a`) through envFrom: env vars are fixed when a container starts.',
        'Container `app` loads flags (changed `f`) through envFrom: env vars are fixed when a container starts.',
        'Reloader restarts it (`configmap.reloader.stakater.com/reload` names these ConfigMaps).',
      ],
    });
  });

  it('restarts a workload annotated `config-rollout.io/hot-reload: "false"` under the hot-reload setting', () => {
    const v = volume('{name: cfg, mountPath: /etc/cfg}');
    for (const [where, value] of [
      ['template', '"false"'],
      ['template', 'false'],
      ['workload', '"false"'],
    ] as const) {
      const annotation = `{config-rollout.io/hot-reload: ${value}}`;
      const w =
        where === 'template'
          ? deployment('api', v.container, v.pod, '', `      annotations: ${annotation}\n`)
          : deployment('api', v.container, v.pod).replace(
              'metadata:\n  name: api',
              `metadata:\n  name: api\n  annotations: ${annotation}`,
            );
      const p = plan(cm({ a: '1' }) + w, cm({ a: '2' }) + w, 'hot-reload');
      expect(consumer(p), `${where} ${value}`).toMatchObject({
        action: 'restart',
        reasons: [
          'Container `app` mounts app-config (changed `a`) as a volume: the files refresh in place, but the workload does not declare hot reload (`config-rollout.io/hot-reload: "true"`), so it needs a restart to read them.',
        ],
      });
    }
  });

  it('still restarts a paused Deployment, with a warning', () => {
    const spec = '  paused: true\n';
    const p = plan(
      cm({ a: '1' }) + deployment('api', envFrom, '', spec),
      cm({ a: '2' }) + deployment('api', envFrom, '', spec),
    );
    expect(consumer(p)?.action).toBe('restart');
    expect(codes(p)).toEqual(['warning:paused-deployment']);
  });

  const kinds = (kind: string, apiVersion: string, spec: string) =>
    `---\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: w}\nspec:\n${spec}`;
  const template = (indent: string) =>
    `${indent}template:\n${indent}  spec:\n${indent}    containers: [{name: c, envFrom: [{configMapRef: {name: app-config}}]}]\n`;
  it.each([
    ['StatefulSet', 'apps/v1', template('  '), 'restart'],
    ['StatefulSet', 'apps/v1', `  updateStrategy: {type: OnDelete}\n${template('  ')}`, 'delete-pods'],
    ['DaemonSet', 'apps/v1', `  updateStrategy: {type: OnDelete}\n${template('  ')}`, 'delete-pods'],
    ['DaemonSet', 'apps/v1', template('  '), 'restart'],
    ['ReplicaSet', 'apps/v1', template('  '), 'delete-pods'],
    ['Job', 'batch/v1', template('  '), 'recreate'],
    [
      'CronJob',
      'batch/v1',
      `  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n${template('      ')}`,
      'next-run',
    ],
    ['Pod', 'v1', '  containers: [{name: c, envFrom: [{configMapRef: {name: app-config}}]}]\n', 'recreate'],
  ])('%s (%#) → %s', (kind, apiVersion, spec, action) => {
    const w = kinds(kind, apiVersion, spec);
    const p = plan(cm({ a: '1' }) + w, cm({ a: '2' }) + w);
    expect(consumer(p, `${kind}/default/w`)?.action).toBe(action);
  });

  it('says a suspended CronJob starts nothing now', () => {
    const w = kinds(
      'CronJob',
      'batch/v1',
      `  suspend: true\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n${template('      ')}`,
    );
    const p = plan(cm({ a: '1' }) + w, cm({ a: '2' }) + w);
    expect(consumer(p, 'CronJob/default/w')?.reasons.at(-1)).toContain('suspended');
  });
});

describe('keys named like object internals', () => {
  // The cluster writer sends plain JSON (src/cluster/api-request.ts), which keeps such a key: nothing blocks it.
  it('plans a `__proto__` key like any other (a valid ConfigMap key)', () => {
    const reader = deployment(
      'api',
      '        env:\n        - name: V\n          valueFrom: {configMapKeyRef: {name: app-config, key: __proto__}}',
    );
    const p = plan(
      // JSON.parse: in an object literal `__proto__:` would set the prototype, not a key.
      configMap('app-config', JSON.parse('{"__proto__": "a", "constructor": "c"}')) + reader,
      configMap('app-config', JSON.parse('{"__proto__": "b", "constructor": "c"}')) + reader,
    );
    expect(p.configMaps[0]!.keys).toEqual({ added: [], removed: [], changed: ['__proto__'] });
    expect(p.consumers.map((c) => [c.workload, c.action])).toEqual([['Deployment/default/api', 'restart']]);
    expect(p.findings).toEqual([]);
    const patch = keyPatch(valuesOf(p.configMaps[0]!.head, ['__proto__']));
    expect(JSON.stringify(patch)).toBe('{"data":{"__proto__":"b"},"binaryData":{"__proto__":null}}');
  });
});

describe('ConfigMap findings', () => {
  it('blocks a data change to an immutable ConfigMap', () => {
    const p = plan(cm({ a: '1' }, 'immutable: true\n'), cm({ a: '2' }, 'immutable: true\n'));
    expect(codes(p)).toEqual(['blocker:immutable-changed']);
    expect(p.configMaps[0]).toMatchObject({ change: 'modified', immutable: true });
  });

  it('allows making a ConfigMap immutable, but not mutable again', () => {
    expect(codes(plan(cm({ a: '1' }), cm({ a: '1' }, 'immutable: true\n')))).toEqual([]);
    expect(codes(plan(cm({ a: '1' }, 'immutable: true\n'), cm({ a: '1' })))).toEqual([
      'blocker:immutable-changed',
    ]);
  });

  it('flags values YAML does not read as strings, at their line', () => {
    const head =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  port: 8080\n  debug: true\n  ok: "yes"\n';
    const p = plan('', head);
    expect(p.findings.map((f) => [f.code, f.line])).toEqual([
      ['non-string-value', 5],
      ['non-string-value', 6],
    ]);
    expect(p.findings[0]!.message).toContain('`port: "8080"`');
  });

  it('flags invalid keys and ConfigMaps over 1 MiB', () => {
    const big = 'x'.repeat(1024 * 1024);
    const p = plan(
      '',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  "bad key": "1"\n  big: "${big}"\n`,
    );
    expect(codes(p).sort()).toEqual(['blocker:configmap-too-large', 'blocker:invalid-key']);
  });

  it('warns when the same ConfigMap is defined twice with different data', () => {
    const p = plan('', cm({ a: '1' }) + cm({ a: '2' }));
    expect(codes(p)).toEqual(['warning:duplicate-configmap']);
    expect(p.configMaps[0]!.head!.data).toEqual({ a: '2' });
    expect(codes(plan('', cm({ a: '1' }) + cm({ a: '1' })))).toEqual([]);
  });

  it('warns about envFrom keys that are not valid env var names', () => {
    const p = plan(
      cm({ a: '1' }) + deployment('api', envFrom),
      cm({ a: '1', '1st': 'x' }) + deployment('api', envFrom),
    );
    expect(codes(p)).toEqual(['warning:invalid-env-name']);
    expect(p.findings[0]!.message).toContain('`1st`');
  });

  it('checks envFrom keys with their prefix, which can make a name valid or invalid', () => {
    const from = (prefix: string) =>
      `        envFrom: [{configMapRef: {name: app-config}, prefix: ${JSON.stringify(prefix)}}]`;
    const valid = plan(
      cm({ a: '1' }) + deployment('api', from('APP_')),
      cm({ a: '1', '1st': 'x' }) + deployment('api', from('APP_')),
    );
    expect(codes(valid)).toEqual([]);
    const invalid = plan(
      cm({ a: '1' }) + deployment('api', from('9')),
      cm({ a: '2' }) + deployment('api', from('9')),
    );
    expect(invalid.findings.map((f) => f.message)).toEqual([
      'Deployment/default/api: envFrom app-config (prefix `9`) skips `9a`: not valid env var names, so Kubernetes leaves them out silently.',
    ]);
  });

  it('diffs keys across data and binaryData', () => {
    const base =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1", b: "2", c: "3"}\nbinaryData: {bin: AAAA}\n';
    const head =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1", b: "changed", d: "4"}\nbinaryData: {bin: AAAB}\n';
    expect(plan(base, head).configMaps).toMatchObject([
      { ref: 'default/c', change: 'modified', keys: { added: ['d'], removed: ['c'], changed: ['b', 'bin'] } },
    ]);
  });
});
