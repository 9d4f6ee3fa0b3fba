// Each leaner rendering the budget can pick, called directly: the workload table at every detail, the ConfigMap
// section at every detail, the unchanged readers named or counted, and the headline's verbs under a blocker.
import { describe, expect, it } from 'vitest';
import type { RestartAction, RestartDecision } from '../../src/plan/decide.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderConfigMaps } from '../../src/report/comment-configmaps.js';
import { renderHeadline } from '../../src/report/comment-headline.js';
import { renderUnchangedReaders, renderWorkloads } from '../../src/report/comment-workloads.js';
import { configMap, plan } from '../plan/helpers.js';

const decision = (
  workload: string,
  action: RestartAction,
  more: Partial<RestartDecision> = {},
): RestartDecision => ({
  workload,
  action,
  reasons: [],
  configMaps: ['a/cfg'],
  reads: [{ configMap: 'a/cfg', keys: ['K1', 'K2'], ways: ['env'] }],
  pods: 2,
  strategy: 'RollingUpdate',
  source: { file: 'k8s/w.yaml', line: 3 },
  ...more,
});

const consumers = [
  decision('Deployment/a/r', 'restart'),
  decision('Deployment/b/s', 'restart', {
    reads: [{ configMap: 'Secret/b/creds', keys: [], ways: ['envFrom', 'init'] }],
  }),
  decision('CronJob/a/n', 'next-run', { pods: null }),
  decision('Deployment/a/t', 'none', { note: 'rolls by itself: its pod template changes' }),
  decision('Deployment/a/u', 'none', { reads: [], note: 'reads only unchanged keys' }),
];
const links = { repositoryUrl: 'https://github.com/o/r', sha: 'abc' };
const render = (detail: Parameters<typeof renderWorkloads>[1]['detail'], maxParallel?: number) =>
  renderWorkloads(consumers, { links, maxParallel, detail });

describe('the workload table at every detail', () => {
  it('full: keys of every row, linked names with namespaces (the rows span two)', () => {
    expect(
      render('full')!
        .split('\n')
        .filter((l) => l.startsWith('| [')),
    ).toEqual([
      '| [Deployment `a/r`](https://github.com/o/r/blob/abc/k8s/w.yaml#L3) | 🔄 restart<br><sub>2 pods · RollingUpdate</sub> | `cfg: K1, K2` | env |',
      '| [Deployment `b/s`](https://github.com/o/r/blob/abc/k8s/w.yaml#L3) | 🔄 restart<br><sub>2 pods · RollingUpdate</sub> | `Secret creds: (whole ConfigMap)` | envFrom, init |',
      '| [CronJob `a/n`](https://github.com/o/r/blob/abc/k8s/w.yaml#L3) | ⏭️ next run | `cfg: K1, K2` | env |',
      '| [Deployment `a/t`](https://github.com/o/r/blob/abc/k8s/w.yaml#L3) | ✅ none: rolls by itself: its pod template changes | `cfg: K1, K2` | env |',
    ]);
  });

  it('compact-others: other actions count their keys instead', () => {
    const rows = render('compact-others')!
      .split('\n')
      .filter((l) => l.startsWith('| ['));
    expect(rows[0]).toContain('| `cfg: K1, K2` | env |');
    expect(rows[2]).toBe(
      '| [CronJob `a/n`](https://github.com/o/r/blob/abc/k8s/w.yaml#L3) | ⏭️ next run | 2 keys of 1 ConfigMap | env |',
    );
  });

  it('compact: no links, no keys; names: by action, kind and namespace; counts', () => {
    const compact = render('compact')!;
    expect(compact).not.toContain('](');
    expect(compact).toContain(
      '| Deployment `b/s` | 🔄 restart<br><sub>2 pods · RollingUpdate</sub> |  | envFrom, init |',
    );
    expect(render('names', 1)).toBe(
      [
        '#### What merging does to each workload',
        '- 🔄 restart (2): Deployment in a: r; Deployment in b: s\n- ⏭️ next run (1): CronJob in a: n\n- ✅ none (1): Deployment in a: t',
        'The merge rolls 3 workloads, 1 at a time (`max-parallel`: 3 waves), and watches each until it is healthy; one that fails rolls the whole change back.',
      ].join('\n\n'),
    );
    expect(render('counts')).toBe(
      '#### What merging does to each workload\n\n🔄 restart: 2 · ⏭️ next run: 1 · ✅ none: 1',
    );
  });

  it('says nothing of pacing without max-parallel or anything that rolls, and has no table without rows', () => {
    expect(render('full')).not.toContain('The merge rolls');
    const quiet = renderWorkloads([decision('CronJob/a/n', 'next-run')], {
      links,
      maxParallel: 5,
      detail: 'full',
    })!;
    expect(quiet).not.toContain('The merge rolls');
    expect(
      quiet.endsWith(
        '<sub>**next run**: a CronJob’s next Job reads the new values. **env**, **envFrom**: read once, when a container starts.</sub>',
      ),
    ).toBe(true);
    expect(renderWorkloads([consumers[4]!], { links, maxParallel: 5, detail: 'full' })).toBeUndefined();
  });

  it('explains every action that appears', () => {
    const all = (['delete-pods', 'recreate', 'wait-for-sync'] as const).map((a, i) =>
      decision(`Deployment/a/x${i}`, a),
    );
    const text = renderWorkloads(all, { links: undefined, maxParallel: undefined, detail: 'full' })!;
    expect(text).toContain(
      '**delete pods**: its controller replaces a pod only when it is deleted (OnDelete, ReplicaSet)',
    );
    expect(text).toContain('**recreate**: a Job or bare Pod is deleted and created again');
    expect(text).toContain(
      '**wait for sync**: mounted files refresh in place within about a minute; nothing restarts',
    );
    expect(text).toContain('| Deployment `x0` | 🗑️ delete pods<br><sub>2 pods</sub> |');
  });

  it('names the unchanged readers, or counts them', () => {
    const list = [consumers[4]!, decision('Deployment/b/v', 'none', { reads: [] })];
    expect(renderUnchangedReaders(list, true)).toBe(
      '<details><summary>2 workloads read only unchanged keys of the changed ConfigMaps: nothing to do.</summary>\n\n`Deployment a/u`, `Deployment b/v`\n\n</details>',
    );
    expect(renderUnchangedReaders([consumers[4]!], false)).toBe(
      '1 workload reads only unchanged keys of the changed ConfigMaps: nothing to do.',
    );
    expect(renderUnchangedReaders([consumers[0]!], true)).toBeUndefined();
  });
});

describe('the ConfigMap section at every detail', () => {
  const many = Array.from({ length: 14 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const p = plan(
    many.map((n) => configMap(n, { LEVEL: 'info' })).join('') + configMap('other', { A: '1', B: '1' }),
    many.map((n) => configMap(n, { LEVEL: 'warn' })).join('') + configMap('other', { A: '2', C: '1' }),
  );
  const changed = p.configMaps.filter((c) => c.change !== 'unchanged');
  const readers = [
    decision('Deployment/default/x', 'restart', { configMaps: ['default/c00', 'default/other'] }),
  ];

  it('summaries: twelve names of a group, then how many more; readers and unread ConfigMaps of a group', () => {
    const text = renderConfigMaps(changed, readers, 'summaries')!;
    expect(text).toContain(
      '- <code>LEVEL</code> <code>info</code> → <code>warn</code> in 14 ConfigMaps · read by 1 workload; 13 read by no workload in these manifests: <code>default/c00</code>,',
    );
    expect(text).toContain('<code>default/c11</code>, and 2 more\n');
    expect(text).toContain(
      '- <code>default/other</code> — changed <code>A</code>; added <code>C</code>; removed <code>B</code> · read by Deployment x',
    );
  });

  it('by-keys: the keys each edit touches, every name; counts: how many and how many distinct edits', () => {
    const text = renderConfigMaps(changed, readers, 'by-keys')!;
    expect(text).toContain('- changed <code>LEVEL</code> in 14 ConfigMaps: default/c00, default/c01,');
    expect(text).toContain(
      'default/c13\n- changed <code>A</code>; added <code>C</code>; removed <code>B</code> in 1 ConfigMap: default/other',
    );
    expect(renderConfigMaps(changed, readers, 'counts')).toBe(
      '#### ConfigMaps\n\n15 changed sources (2 distinct edits): names and diffs left out here.',
    );
    expect(renderConfigMaps([changed[0]!], [], 'counts')).toBe(
      '#### ConfigMaps\n\n1 ConfigMap: names and diffs left out here.',
    );
    expect(renderConfigMaps([], [], 'diffs')).toBeUndefined();
  });

  it('names five readers, then how many more', () => {
    const six = Array.from({ length: 6 }, (_, i) =>
      decision(`Deployment/default/w${i}`, 'restart', { configMaps: ['default/other'] }),
    );
    expect(renderConfigMaps(changed.slice(-1), six, 'summaries')).toContain(
      '· read by Deployment w0, Deployment w1, Deployment w2, Deployment w3, Deployment w4 and 1 more',
    );
  });

  it('shows a short one-line edit as before → after, and a long one by its key', () => {
    const edit = (before: string, after: string) =>
      renderConfigMaps(
        plan(configMap('c', { K: before }), configMap('c', { K: after })).configMaps,
        [],
        'summaries',
      )!;
    expect(edit('', 'x')).toContain('— <code>K</code> <code>""</code> → <code>x</code> ·');
    expect(edit('a'.repeat(30), 'b'.repeat(30))).toContain(`<code>${'a'.repeat(30)}</code> → `);
    expect(edit('a'.repeat(30), 'b'.repeat(31))).toContain('— changed <code>K</code> ·');
    const added = renderConfigMaps(plan('', configMap('c', { K: 'v' })).configMaps, [], 'summaries')!;
    expect(added).toContain('— new ConfigMap with <code>K</code> ·');
  });
});

describe('the headline under a blocker', () => {
  it.each([
    ['restart', 'merging would restart Deployment w (2 pods)'],
    ['delete-pods', 'merging would delete the pods of Deployment w (2 pods)'],
    ['recreate', 'merging would re-create Deployment w'],
    ['wait-for-sync', 'merging would let the kubelet refresh the files of Deployment w'],
  ] as const)('%s: %s', (action, phrase) => {
    const base = plan(configMap('c', { K: '1' }), configMap('c', { K: '2' }));
    const p: Plan = {
      ...base,
      consumers: [decision('Deployment/a/w', action)],
      findings: [{ severity: 'blocker', code: 'drift', message: 'm', file: null, line: null }],
    };
    expect(renderHeadline(p, undefined)).toContain(
      `**❌ 1 blocker: merging stops before writing anything** · ${phrase} ·`,
    );
  });

  it('rolls out a new template, and counts pods as "at least" when some are unknown', () => {
    const base = plan(configMap('c', { K: '1' }), configMap('c', { K: '2' }));
    const rolls = decision('Deployment/a/w', 'none', { note: 'rolls by itself: its pod template changes' });
    const blocked: Plan = {
      ...base,
      consumers: [rolls],
      findings: [{ severity: 'blocker', code: 'drift', message: 'm', file: null, line: null }],
    };
    expect(renderHeadline(blocked, undefined)).toContain(
      'merging would roll out the new template of Deployment w (2 pods)',
    );
    const many = Array.from({ length: 5 }, (_, i) =>
      decision(`DaemonSet/a/d${i}`, 'restart', { pods: i === 0 ? null : 3 }),
    );
    expect(renderHeadline({ ...base, consumers: many, findings: [] }, undefined)).toContain(
      'merging restarts 5 DaemonSets (at least 12 pods)',
    );
  });
});
