// The plan's own findings (immutable ConfigMaps, workloads defined more than once, Secrets only as config
// sources when asked) and hasBlockers.
import { describe, expect, it } from 'vitest';
import { hasBlockers, planRollout } from '../../src/plan/plan.js';
import { configMap, deployment, objects, plan } from './helpers.js';

const messages = (p: ReturnType<typeof plan>) => p.findings.map((f) => `${f.code}: ${f.message}`);

describe('plan findings', () => {
  it('says an immutable ConfigMap whose data changes must take a new name', () => {
    const p = plan(
      configMap('a', { k: '1' }, 'immutable: true\n'),
      configMap('a', { k: '2' }, 'immutable: true\n'),
    );
    expect(messages(p)).toEqual([
      'immutable-changed: ConfigMap default/a is immutable and its data changes: create it under a new name (e.g. with a content-hash suffix) and point its consumers at the new name.',
    ]);
  });

  it('says the API refuses making an immutable ConfigMap mutable again', () => {
    const p = plan(configMap('a', { k: '1' }, 'immutable: true\n'), configMap('a', { k: '1' }));
    expect(messages(p)).toEqual([
      'immutable-changed: ConfigMap default/a is immutable and this change sets `immutable: false`, which the API refuses: create it under a new name (e.g. with a content-hash suffix) and point its consumers at the new name.',
    ]);
  });

  it('says nothing of an immutable ConfigMap that stays the same', () => {
    const p = plan(
      configMap('a', { k: '1' }, 'immutable: true\n'),
      configMap('a', { k: '1' }, 'immutable: true\n'),
    );
    expect(p.findings).toEqual([]);
  });

  it('names every earlier definition of a workload defined three times', () => {
    const reader = deployment('api', '        envFrom: [{configMapRef: {name: a}}]');
    const p = plan(
      configMap('a', { k: '1' }) + reader,
      configMap('a', { k: '2' }) + reader + reader + reader,
    );
    const duplicate = p.findings.filter((f) => f.code === 'duplicate-workload');
    // The finding points at the last definition, the one applied last.
    expect(duplicate.map((f) => [f.message, f.line])).toEqual([
      [
        'Deployment/default/api is defined 3 times (also at head.yaml:9, head.yaml:25); applying them in turn leaves the last one, and the plan counts the readers of all.',
        41,
      ],
    ]);
  });

  it('plans no Secret reader unless Secrets are config sources', () => {
    const secret = (v: string) =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: "${v}"}\n`;
    const reader = deployment('api', '        envFrom: [{secretRef: {name: s}}]');
    const p = planRollout({
      base: objects(secret('1') + reader, 'base.yaml'),
      head: objects(secret('2') + reader, 'head.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect([p.configMaps, p.consumers]).toEqual([[], []]);
  });

  it('reports what is wrong with a Secret when Secrets are config sources', () => {
    const secret = `---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {"bad key": "1"}\n`;
    const p = planRollout({
      base: objects(secret, 'base.yaml'),
      head: objects(secret, 'head.yaml'),
      options: { volumeMounts: 'restart', secrets: true },
    });
    expect(p.findings.map((f) => f.code)).toEqual(['invalid-key']);
  });
});

describe('hasBlockers', () => {
  it.each([
    ['a blocker among warnings', 'immutable: true\n', ['blocker', 'warning'], true],
    ['warnings only', '', ['warning'], false],
  ])('%s', (_, immutable, severities, expected) => {
    // A new key that is no env var name is a warning; a data change to an immutable ConfigMap is a blocker.
    const reader = deployment('api', '        envFrom: [{configMapRef: {name: a}}]');
    const p = plan(
      configMap('a', { k: '1' }, immutable) + reader,
      configMap('a', { k: '1', '1st': '2' }, immutable) + reader,
    );
    expect([p.findings.map((f) => f.severity), hasBlockers(p)]).toEqual([severities, expected]);
  });
});
