// Restart decisions in detail: the short note each table row shows, what a blocked reader reads, the words of a
// blocker that names several keys or readers, and which checksum annotations plausibly cover a changed
// ConfigMap. From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { toWorkload } from '../../src/plan/consumers.js';
import { planRollout } from '../../src/plan/plan.js';
import { configMap, deployment, objects, plan } from './helpers.js';

const envFrom = (name = 'app-config') => `        envFrom: [{configMapRef: {name: ${name}}}]`;
const env = (...pairs: [string, string, string][]) =>
  `        env:\n${pairs.map(([v, cm, key]) => `        - {name: ${v}, valueFrom: {configMapKeyRef: {name: ${cm}, key: ${key}}}}`).join('\n')}`;
const annotated = (annotations: string, container = envFrom()) =>
  deployment('api', container).replace(
    'metadata:\n  name: api',
    `metadata:\n  name: api\n  annotations: {${annotations}}`,
  );
const found = (p: ReturnType<typeof plan>) => p.findings.map((f) => `${f.code}: ${f.message}`);

describe('the note of a decision', () => {
  it.each([
    [
      'reads only unchanged keys',
      configMap('app-config', { a: '1', b: '1' }) + deployment('api', env(['A', 'app-config', 'a'])),
      configMap('app-config', { a: '1', b: '2' }) + deployment('api', env(['A', 'app-config', 'a'])),
    ],
    [
      'no container mounts it',
      configMap('app-config', { a: '1' }) +
        deployment('api', '', '      volumes: [{name: cfg, configMap: {name: app-config}}]\n'),
      configMap('app-config', { a: '2' }) +
        deployment('api', '', '      volumes: [{name: cfg, configMap: {name: app-config}}]\n'),
    ],
    [
      'new: starts with the new config',
      configMap('app-config', { a: '1' }),
      configMap('app-config', { a: '2' }) + deployment('api', envFrom()),
    ],
    [
      'rolls by itself: its pod template changes',
      configMap('app-config', { a: '1' }) + deployment('api', envFrom()),
      configMap('app-config', { a: '2' }) + deployment('api', envFrom()).replace('app:1', 'app:2'),
    ],
    [
      'Reloader restarts it',
      configMap('app-config', { a: '1' }) + annotated('reloader.stakater.com/auto: "true"'),
      configMap('app-config', { a: '2' }) + annotated('reloader.stakater.com/auto: "true"'),
    ],
    [
      'Reloader restarts it',
      configMap('app-config', { a: '1' }) + annotated('configmap.reloader.stakater.com/reload: "app-config"'),
      configMap('app-config', { a: '2' }) + annotated('configmap.reloader.stakater.com/reload: "app-config"'),
    ],
    [
      'Wave restarts it',
      configMap('app-config', { a: '1' }) + annotated('wave.pusher.com/update-on-config-change: "true"'),
      configMap('app-config', { a: '2' }) + annotated('wave.pusher.com/update-on-config-change: "true"'),
    ],
  ])('%s', (note, base, head) => {
    expect(plan(base, head).consumers.map((c) => [c.action, c.note])).toEqual([['none', note]]);
  });
});

describe('a blocked reader', () => {
  it('reads only what blocks it: the removed key, not the other changed ConfigMaps it reads', () => {
    const container = `${env(['POOL', 'app-config', 'pool'])}\n${envFrom('other')}`;
    const p = plan(
      configMap('app-config', { pool: '5', level: 'info' }) +
        configMap('other', { a: '1' }) +
        deployment('api', container),
      configMap('app-config', { level: 'debug' }) +
        configMap('other', { a: '2' }) +
        deployment('api', container),
    );
    expect(p.consumers.map((c) => [c.action, c.reads])).toEqual([
      ['blocked', [{ configMap: 'default/app-config', keys: ['pool'], ways: ['env'] }]],
    ]);
  });

  it('names the env var, not a key, that needs a removed ConfigMap', () => {
    const container = env(['POOL', 'app-config', 'pool']);
    const p = plan(
      configMap('app-config', { pool: '5' }) + deployment('api', container),
      deployment('api', container),
    );
    expect(found(p)).toEqual([
      'missing-configmap: Deployment/default/api requires ConfigMap app-config, which this change removes: new pods would not start. Needed by container `app` env `POOL`. Keep it, or mark the references `optional: true`.',
    ]);
  });

  it('names every removed key, sorted, and every reader of them, with the references to mark optional', () => {
    const container = `${env(['B', 'app-config', 'b'], ['A', 'app-config', 'a'])}\n        volumeMounts: [{name: cfg, mountPath: /etc/cfg}]`;
    const pod = '      volumes: [{name: cfg, configMap: {name: app-config, items: [{key: a, path: a}]}}]\n';
    const p = plan(
      configMap('app-config', { a: '1', b: '1', c: '1' }) + deployment('api', container, pod),
      configMap('app-config', { c: '2' }) + deployment('api', container, pod),
    );
    expect(found(p)).toEqual([
      'missing-key: app-config no longer has keys `a`, `b`, which Deployment/default/api requires: new pods would not start. Needed by container `app` env `B` (key `b`); container `app` env `A` (key `a`); container `app` volume `cfg` at `/etc/cfg`. Keep the keys, or mark the references `optional: true`.',
    ]);
    expect(p.consumers[0]!.reads).toEqual([
      { configMap: 'default/app-config', keys: ['a', 'b'], ways: ['env', 'volume'] },
    ]);
  });

  it('has no blocker for a source it reads optionally, beside one it requires', () => {
    const container = `${env(['POOL', 'app-config', 'pool'])}\n        envFrom: [{configMapRef: {name: extra, optional: true}}]`;
    const p = plan(
      configMap('app-config', { pool: '5', level: 'info' }) +
        configMap('extra', { a: '1' }) +
        deployment('api', container),
      configMap('app-config', { level: 'debug' }) + deployment('api', container),
    );
    expect(p.findings.map((f) => f.code)).toEqual(['missing-key']);
  });

  it('points a blocker of a reader found only in the cluster at the ConfigMap alone', () => {
    const [reader] = objects(deployment('api', env(['POOL', 'app-config', 'pool'])));
    const p = planRollout({
      base: objects(configMap('app-config', { pool: '5', level: 'info' }), 'base.yaml'),
      head: objects(configMap('app-config', { level: 'debug' }), 'head.yaml'),
      live: {
        namespaces: ['default'],
        configMaps: new Map(),
        workloads: [toWorkload(reader!.body, 'default', null)!],
      },
      options: { volumeMounts: 'restart' },
    });
    const blocker = p.findings.find((f) => f.code === 'missing-key')!;
    expect([blocker.file, blocker.line, 'also' in blocker]).toEqual(['head.yaml', 2, false]);
  });
});

/** The checksum annotations a restart calls stale, given the pod template's annotations. */
function staleChecksums(
  annotations: string,
  changed = 'app-config',
  kind: 'ConfigMap' | 'Secret' = 'ConfigMap',
) {
  const source = (v: string) =>
    kind === 'ConfigMap'
      ? configMap(changed, { a: v })
      : `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${changed}}\nstringData: {a: "${v}"}\n`;
  const reads =
    kind === 'ConfigMap' ? envFrom(changed) : `        envFrom: [{secretRef: {name: ${changed}}}]`;
  const reader = deployment('api', reads, '', '', `      annotations: {${annotations}}\n`);
  const p = planRollout({
    base: objects(source('1') + reader, 'base.yaml'),
    head: objects(source('2') + reader, 'head.yaml'),
    options: { volumeMounts: 'restart', secrets: kind === 'Secret' },
  });
  const reason = p.consumers[0]!.reasons.find((r) => r.includes('the checksum is stale'));
  return reason ? [...reason.matchAll(/`([^`]+)`/g)].map((m) => m[1]) : [];
}

describe('stale checksum annotations', () => {
  // Beside a second checksum annotation, one is stale only if it plausibly covers the changed ConfigMap.
  it.each([
    ['checksum/config.yaml', true],
    ['checksum/config.yml', true],
    ['checksum/config.json', true],
    ['checksum/config.tpl', true],
    ['checksum/templates-config', true],
    ['checksum/template-config', true],
    ['checksum/config', true],
    ['checksum/configmap', true],
    ['checksum/configmaps', true],
    ['checksum/configs', true],
    ['checksum/cm', true],
    ['checksum/cm.yaml', true],
    ['checksum/Config', true],
    ['checksum/secret', false],
    ['checksum/secret-config', true],
    ['checksum/app-config', true],
    ['checksum/app', true],
    ['checksum/app-configmap', true],
    ['checksum/app-dashboards', false],
  ])('%s beside checksum/dashboards, app-config changed: stale %s', (annotation, stale) => {
    expect(staleChecksums(`${annotation}: "1", checksum/dashboards: "1"`)).toEqual(stale ? [annotation] : []);
  });

  it.each([
    ['checksum/secret', true],
    ['checksum/secrets', true],
    ['checksum/config', false],
    ['checksum/cm', false],
  ])('%s beside checksum/dashboards, Secret app-creds changed: stale %s', (annotation, stale) => {
    expect(staleChecksums(`${annotation}: "1", checksum/dashboards: "1"`, 'app-creds', 'Secret')).toEqual(
      stale ? [annotation] : [],
    );
  });

  it('calls checksum/config stale for a changed ConfigMap whose name does not say config', () => {
    expect(staleChecksums('checksum/config: "1", checksum/dashboards: "1"', 'grafana')).toEqual([
      'checksum/config',
    ]);
  });

  it('calls the only checksum annotation stale whatever it names, other annotations aside', () => {
    expect(staleChecksums('checksum/dashboards: "1", prometheus.io/scrape: "true"')).toEqual([
      'checksum/dashboards',
    ]);
  });

  it('calls stale each checksum that covers one of the changed ConfigMaps the workload reads, and no other', () => {
    const reads = `        envFrom: [{configMapRef: {name: grafana}}, {configMapRef: {name: app-config}}]`;
    const meta =
      '      annotations: {checksum/grafana: "1", checksum/app-config: "1", checksum/other: "1", checksum/grafana-dashboards: "1"}\n';
    const reader = deployment('api', reads, '', '', meta);
    const p = plan(
      configMap('grafana', { a: '1' }) +
        configMap('app-config', { a: '1' }) +
        configMap('other', { a: '1' }) +
        reader,
      configMap('grafana', { a: '2' }) +
        configMap('app-config', { a: '2' }) +
        configMap('other', { a: '2' }) +
        reader,
    );
    expect(p.consumers[0]!.reasons.at(-1)).toBe(
      '`checksum/app-config`, `checksum/grafana` did not change with the ConfigMap: the checksum is stale, so it will not roll by itself.',
    );
  });
});

describe('a reader of an added ConfigMap that has no keys', () => {
  it('reads none of the changed keys, and says so', () => {
    const reader = deployment('api', envFrom('empty'));
    const p = plan(reader, configMap('empty', {}) + reader);
    expect(p.consumers.map((c) => [c.action, c.reasons])).toEqual([
      ['none', ['Reads only keys that did not change (none of the changed keys).']],
    ]);
  });
});
