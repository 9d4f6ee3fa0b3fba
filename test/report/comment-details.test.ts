// The headline's and the ConfigMap section's words in detail: what is counted, named or left unsaid, at the
// number where each rule flips. From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import type { RestartAction, RestartDecision } from '../../src/plan/decide.js';
import type { Finding } from '../../src/plan/findings.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderConfigMaps } from '../../src/report/comment-configmaps.js';
import { renderHeadline } from '../../src/report/comment-headline.js';
import { configMap, plan } from '../plan/helpers.js';

const decision = (
  workload: string,
  action: RestartAction,
  more: Partial<RestartDecision> = {},
): RestartDecision => ({
  workload,
  action,
  reasons: [],
  configMaps: ['default/c'],
  reads: [{ configMap: 'default/c', keys: ['K'], ways: ['env'] }],
  pods: 2,
  strategy: 'RollingUpdate',
  source: null,
  ...more,
});
const finding = (severity: Finding['severity']): Finding => ({
  severity,
  code: 'drift',
  message: 'm',
  file: null,
  line: null,
});

/** One ConfigMap changed, read by the given workloads, with the given findings and other objects. */
function planOf(consumers: RestartDecision[], more: Partial<Plan> = {}): Plan {
  return { ...plan(configMap('c', { K: '1' }), configMap('c', { K: '2' })), consumers, ...more };
}
const verdictLine = (p: Plan) => renderHeadline(p, undefined).split('\n')[1];
/** An object the change writes besides config, as the plan lists it. */
const otherObjects = plan(
  '',
  'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 1}]}\n',
).objects;

describe('the headline', () => {
  it('names a reader the pipeline rolls with its pods', () => {
    const waits = decision('Deployment/default/api', 'none', {
      note: 'your pipeline rolls its new template; the merge waits for it',
      pods: 3,
    });
    expect(verdictLine(planOf([waits]))).toBe(
      '**✅ No blockers** · merging waits for your pipeline to roll out Deployment api (3 pods) · planned offline: drift and live health not checked',
    );
    expect(verdictLine(planOf([waits], { findings: [finding('blocker')] }))).toContain(
      '· merging would wait for your pipeline to roll out Deployment api (3 pods) ·',
    );
  });

  it('counts warnings only, and says nothing of other objects when there are none', () => {
    expect(
      verdictLine(planOf([decision('Deployment/default/a', 'restart')], { findings: [finding('info')] })),
    ).toBe(
      '**✅ No blockers** · merging restarts Deployment a (2 pods) · planned offline: drift and live health not checked',
    );
    expect(
      verdictLine(planOf([decision('Deployment/default/a', 'restart')], { applyScope: 'config' })),
    ).not.toContain('other object');
  });

  it('leaves other objects to the pipeline under apply-scope config: merging does not write them', () => {
    const p = planOf([decision('Deployment/default/a', 'restart')], { objects: otherObjects });
    expect(verdictLine(p)).toContain('· writes 1 other object ·');
    const config = verdictLine({ ...p, applyScope: 'config' });
    expect(config).toContain('· 1 other object left to your pipeline ·');
    expect(config).not.toContain('writes');
  });

  it('says the other objects merging would write under a blocker', () => {
    const p = planOf([decision('Deployment/default/a', 'restart')], {
      findings: [finding('blocker')],
      objects: otherObjects,
    });
    expect(verdictLine(p)).toContain(
      '· merging would restart Deployment a (2 pods) · write 1 other object ·',
    );
  });

  it('counts ConfigMaps and Secrets written when no workload needs a restart', () => {
    const secret = (v: string) =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {T: "${v}"}\n`;
    const both = plan(configMap('c', { K: '1' }) + secret('a'), configMap('c', { K: '2' }) + secret('b'));
    const withSecrets: Plan = {
      ...both,
      configMaps: [
        ...both.configMaps,
        { ...both.configMaps[0]!, kind: 'Secret', ref: 'Secret/default/s', name: 's' },
      ],
    };
    expect(verdictLine(withSecrets)).toContain(
      '· merging writes 1 ConfigMap and 1 Secret; no workload needs a restart ·',
    );
  });

  it('names workloads with their namespace when they are in several, up to four, then counts them', () => {
    const restarts = (n: number) =>
      Array.from({ length: n }, (_, i) => decision(`Deployment/ns-${i % 2}/app-${i}`, 'restart'));
    expect(verdictLine(planOf(restarts(4)))).toContain(
      '· merging restarts Deployment ns-0/app-0 (2 pods), Deployment ns-1/app-1 (2), Deployment ns-0/app-2 (2), Deployment ns-1/app-3 (2) ·',
    );
    expect(verdictLine(planOf(restarts(5)))).toContain('· merging restarts 5 Deployments (10 pods) ·');
  });
});

describe('the ConfigMap section', () => {
  const many = Array.from({ length: 13 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const identical = plan(
    many.map((n) => configMap(n, { LEVEL: 'info' })).join(''),
    many.map((n) => configMap(n, { LEVEL: 'warn' })).join(''),
  ).configMaps;

  it('names every ConfigMap of an identical edit with its diff, and twelve of them in a summary', () => {
    const diffs = renderConfigMaps(identical, [], 'diffs')!;
    expect(diffs).toContain('<code>default/c12</code>');
    expect(diffs).not.toContain('more');
    const summaries = renderConfigMaps(identical, [], 'summaries')!;
    expect(summaries).toContain('<code>default/c11</code>, and 1 more');
    const twelve = renderConfigMaps(identical.slice(0, 12), [], 'summaries')!;
    expect(twelve.endsWith('<code>default/c11</code>')).toBe(true);
    expect(twelve).not.toContain('more');
  });

  it('says a group nothing reads is read by no workload, and nothing else', () => {
    expect(renderConfigMaps(identical, [], 'summaries')).toContain(
      '- <code>LEVEL</code> <code>info</code> → <code>warn</code> in 13 ConfigMaps · 13 read by no workload in these manifests: ',
    );
  });

  it('keeps an immutable ConfigMap apart from a mutable one with the same edit', () => {
    const [a, b] = identical;
    const text = renderConfigMaps([a!, { ...b!, immutable: true }], [], 'summaries')!;
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toEqual([
      '- <code>default/c00</code> — <code>LEVEL</code> <code>info</code> → <code>warn</code> · read by no workload in these manifests — a controller may watch it through the API',
      '- <code>default/c01</code> — <code>LEVEL</code> <code>info</code> → <code>warn</code> (immutable) · read by no workload in these manifests — a controller may watch it through the API',
    ]);
  });

  it('says a removed ConfigMap is removed, immutable or not, not which keys it lost', () => {
    const [gone] = plan(configMap('gone', { A: '1', B: '2' }), '').configMaps;
    for (const change of [gone!, { ...gone!, immutable: true }]) {
      const text = renderConfigMaps([change], [], 'summaries')!;
      expect(text).toContain('- <code>default/gone</code> — ConfigMap removed · ');
      expect(text).not.toContain('<code>A</code>');
    }
  });

  it('by keys: one line per kind of edit, added and removed ConfigMaps included', () => {
    const p = plan(
      configMap('gone', { A: '1' }) + configMap('kept', { A: '1' }),
      configMap('new', { A: '1' }) + configMap('kept', { A: '2' }),
    );
    const changed = p.configMaps.filter((c) => c.change !== 'unchanged');
    expect(renderConfigMaps(changed, [], 'by-keys')).toBe(
      [
        '#### ConfigMaps',
        '- ConfigMap removed in 1 ConfigMap: default/gone\n- changed <code>A</code> in 1 ConfigMap: default/kept\n- new ConfigMap in 1 ConfigMap: default/new',
      ].join('\n\n'),
    );
  });

  it.each([
    [
      'one key changed and one added',
      { K: '1' },
      { K: '2', X: '1' },
      'changed <code>K</code>; added <code>X</code>',
    ],
    [
      'one key changed and one removed',
      { K: '1', R: '1' },
      { K: '2' },
      'changed <code>K</code>; removed <code>R</code>',
    ],
    ['a value emptied', { K: 'x' }, { K: '' }, '<code>K</code> <code>x</code> → <code>""</code>'],
    [
      'eight keys changed',
      Object.fromEntries([...'abcdefgh'].map((k) => [k, '1'])),
      Object.fromEntries([...'abcdefgh'].map((k) => [k, '2'])),
      `changed ${[...'abcdefgh'].map((k) => `<code>${k}</code>`).join(', ')} ·`,
    ],
  ])('describes an edit of %s', (_, before, after, words) => {
    const changed = plan(configMap('c', before), configMap('c', after)).configMaps;
    expect(renderConfigMaps(changed, [], 'summaries')).toContain(`— ${words}`);
  });

  it('names five readers without saying "and 0 more"', () => {
    const five = Array.from({ length: 5 }, (_, i) => decision(`Deployment/default/w${i}`, 'restart'));
    const changed = plan(configMap('c', { K: '1' }), configMap('c', { K: '2' })).configMaps;
    expect(
      renderConfigMaps(changed, five, 'summaries')!.endsWith(
        '· read by Deployment w0, Deployment w1, Deployment w2, Deployment w3, Deployment w4',
      ),
    ).toBe(true);
  });
});
