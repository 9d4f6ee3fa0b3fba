// kustomize's hash-suffixed generator names: a content change is a new name, paired with the old one so a
// reviewer sees one ConfigMap whose keys changed, and its readers roll by themselves.
import { describe, expect, it } from 'vitest';
import { pairGeneratedNames, reportedConfigMaps } from '../../src/plan/generated-names.js';
import { planToJson } from '../../src/report/plan-json.js';
import { renderPlanComment } from '../../src/report/comment.js';
import { planRollout } from '../../src/plan/plan.js';
import { configMap, deployment, objects, plan } from './helpers.js';

const before = 'app-config-7h2k9mbf8g';
const after = 'app-config-c5m4tkkgh2';
const reads = (name: string) => `        envFrom: [{configMapRef: {name: ${name}}}]`;

describe('hash-suffixed generator names', () => {
  it('pairs the old and the new ConfigMap of one generator: one ConfigMap whose keys changed', () => {
    const p = plan(
      configMap(before, { LOG_LEVEL: 'info', POOL: '5' }) + deployment('api', reads(before)),
      configMap(after, { LOG_LEVEL: 'debug', POOL: '5' }) + deployment('api', reads(after)),
    );
    expect(p.replacements.map((r) => [r.from, r.to, r.change.change, r.change.keys])).toEqual([
      [
        `default/${before}`,
        `default/${after}`,
        'modified',
        { added: [], removed: [], changed: ['LOG_LEVEL'] },
      ],
    ]);
    // The merge still creates the new one and keeps the old one (pruned only after the readers rolled).
    expect(p.configMaps.map((c) => [c.name, c.change])).toEqual([
      [before, 'removed'],
      [after, 'added'],
    ]);
    expect(p.consumers).toMatchObject([
      {
        workload: 'Deployment/default/api',
        action: 'none',
        note: `rolls by itself: ${before} → ${after}`,
        reads: [{ configMap: `default/${after}`, keys: ['LOG_LEVEL'], ways: ['envFrom'] }],
      },
    ]);
    expect(p.consumers[0]!.reasons.at(-1)).toBe(
      `It now reads ${after} in place of ${before} (a hash-suffixed name, made anew with the content): its pod template changes, so applying it rolls new pods.`,
    );
    expect(planToJson(p).configMaps).toEqual([
      {
        ref: `default/${after}`,
        change: 'modified',
        keys: { added: [], removed: [], changed: ['LOG_LEVEL'] },
        immutable: false,
        replaces: `default/${before}`,
        // Where the head defines the new one.
        file: 'head.yaml',
        line: 2,
      },
    ]);
    const text = renderPlanComment(p);
    expect(text).toContain(
      `**✅ No blockers** · merging rolls out the new template of Deployment api (2 pods) · writes 1 other object · planned offline`,
    );
    expect(text).toContain(
      `<details><summary><code>default/${after}</code> — <code>LOG_LEVEL</code> <code>info</code> → <code>debug</code> · read by Deployment api</summary>`,
    );
    expect(text).not.toContain(`<code>default/${before}</code>`);
  });

  it('leaves names without a kustomize hash, and generators with two candidates, unpaired', () => {
    const plain = plan(configMap('app-abc', { a: '1' }), configMap('app-def', { a: '2' }));
    expect(plain.replacements).toEqual([]);
    const twice = plan(
      configMap(before, { a: '1' }),
      configMap(after, { a: '2' }) + configMap('app-config-bbbbbbbbbb', { a: '3' }),
    );
    expect(twice.replacements).toEqual([]);
    expect(reportedConfigMaps(twice.configMaps, twice.replacements)).toHaveLength(3);
    // Another namespace or kind is another generator.
    const elsewhere = plan(
      configMap(before, { a: '1' }),
      configMap(after, { a: '2' }).replace('metadata:\n', 'metadata:\n  namespace: other\n'),
    );
    expect(pairGeneratedNames(elsewhere.configMaps)).toEqual([]);
  });

  it('leaves a generator with two old names unpaired, and a name with more than ten hash letters plain', () => {
    const twoOld = plan(
      configMap(before, { a: '1' }) + configMap('app-config-bbbbbbbbbb', { a: '3' }),
      configMap(after, { a: '2' }),
    );
    expect(twoOld.replacements).toEqual([]);
    const eleven = plan(
      configMap('app-config-bbbbbbbbbbb', { a: '1' }),
      configMap('app-config-ddddddddddd', { a: '2' }),
    );
    expect(eleven.replacements).toEqual([]);
  });

  it('names the Secret a renamed secretGenerator output replaces', () => {
    const secret = (name: string, token: string) =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\nstringData: {TOKEN: ${token}}\n`;
    const creds = (name: string) => `        envFrom: [{secretRef: {name: ${name}}}]`;
    const p = planRollout({
      base: objects(
        secret('app-creds-7h2k9mbf8g', 'a') + deployment('api', creds('app-creds-7h2k9mbf8g')),
        'base.yaml',
      ),
      head: objects(
        secret('app-creds-c5m4tkkgh2', 'b') + deployment('api', creds('app-creds-c5m4tkkgh2')),
        'head.yaml',
      ),
      options: { volumeMounts: 'restart', secrets: true },
    });
    expect(p.consumers.map((c) => [c.note, c.reasons.at(-1)])).toEqual([
      [
        'rolls by itself: app-creds-7h2k9mbf8g → app-creds-c5m4tkkgh2',
        'It now reads app-creds-c5m4tkkgh2 in place of app-creds-7h2k9mbf8g (a hash-suffixed name, made anew with the content): its pod template changes, so applying it rolls new pods.',
      ],
    ]);
  });

  it('still blocks a reader left on the old name, which the merge removes', () => {
    const p = plan(
      configMap(before, { a: '1' }) + deployment('api', reads(before)),
      configMap(after, { a: '2' }) + deployment('api', reads(before)),
    );
    expect(p.replacements).toHaveLength(1);
    expect(p.findings.map((f) => f.code)).toEqual(['missing-configmap']);
    expect(p.consumers.map((c) => c.action)).toEqual(['blocked']);
  });
});
