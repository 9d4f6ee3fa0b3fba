// The PR comment piece by piece: the headline's counts and verdict, the order of the workloads, notes apart from
// findings, each ConfigMap's summary, and what a comment that must be summarised keeps.
import { describe, expect, it } from 'vitest';
import type { RestartAction, RestartDecision } from '../../src/plan/decide.js';
import type { Finding } from '../../src/plan/findings.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { renderPlanComment } from '../../src/report/comment.js';
import { testdataObjects } from '../testdata.js';

const objects = (...files: string[]) => files.flatMap(testdataObjects);

/** app-config and the app-creds Secret change; Deployment/shop/api loads both through envFrom. */
const fixturePlan = (): Plan =>
  planRollout({
    base: objects('configmap-base.yaml', 'secret-base.yaml', 'deployment-envfrom.yaml'),
    head: objects('configmap-head.yaml', 'secret-head.yaml', 'deployment-envfrom.yaml'),
    options: { volumeMounts: 'restart', secrets: true, fingerprintKey: 'k' },
  });

const decision = (workload: string, action: RestartAction): RestartDecision => ({
  workload,
  action,
  reasons: [`${action} because`],
  configMaps: [],
});

const note = (n: number, severity: Finding['severity'] = 'info'): Finding => ({
  severity,
  code: severity === 'info' ? 'skipped-document' : 'drift',
  message: `note ${n}`,
  file: `f${n}.yaml`,
  line: n,
});

const headlineOf = (text: string) => text.split('\n').find((l) => l.startsWith('**'));

describe('the comment headline', () => {
  it.each([
    [
      'ConfigMaps and Secrets, restarts, other actions, blockers and warnings',
      (p: Plan): Plan => ({
        ...p,
        consumers: [
          decision('Deployment/shop/a', 'restart'),
          decision('Deployment/shop/b', 'restart'),
          decision('Deployment/shop/c', 'wait-for-sync'),
          decision('Deployment/shop/d', 'none'),
          decision('Deployment/shop/e', 'blocked'),
        ],
        findings: [note(1, 'blocker'), note(2, 'warning'), note(3, 'warning'), note(4)],
      }),
      '**❌ Not safe to merge** · 1 ConfigMap and 1 Secret changed · 2 workloads need a restart · 1 workload needs other action · **1 blocker** · 2 warnings',
    ],
    [
      'one of each, in the singular',
      (p: Plan): Plan => ({
        ...p,
        configMaps: p.configMaps.filter((c) => c.kind === 'ConfigMap'),
        consumers: [
          decision('Deployment/shop/a', 'restart'),
          decision('Deployment/shop/c', 'delete-pods'),
          decision('Deployment/shop/d', 'recreate'),
          decision('Deployment/shop/e', 'next-run'),
        ],
        findings: [note(1, 'blocker'), note(2, 'blocker'), note(3, 'warning')],
      }),
      '**❌ Not safe to merge** · 1 ConfigMap changed · 1 workload needs a restart · 3 workloads need other action · **2 blockers** · 1 warning',
    ],
    [
      'a Secret alone',
      (p: Plan): Plan => ({
        ...p,
        configMaps: p.configMaps.filter((c) => c.kind === 'Secret'),
        consumers: [],
        findings: [],
      }),
      '**✅ Safe to merge** · 0 ConfigMaps and 1 Secret changed · 0 workloads need a restart',
    ],
    [
      'nothing changed',
      (p: Plan): Plan => ({
        ...p,
        configMaps: p.configMaps.map((c) => ({ ...c, change: 'unchanged' })),
        consumers: [],
        findings: [],
      }),
      '**✅ Nothing to roll out** · 0 ConfigMaps changed · 0 workloads need a restart',
    ],
  ])('%s', (_name, edit, headline) => {
    expect(headlineOf(renderPlanComment(edit(fixturePlan())))).toBe(headline);
  });
});

describe('the comment sections', () => {
  it('lists workloads by action (blocked first, none last), then by name', () => {
    const p = fixturePlan();
    const actions: RestartAction[] = [
      'none',
      'next-run',
      'restart',
      'blocked',
      'wait-for-sync',
      'recreate',
      'delete-pods',
    ];
    const consumers = [
      ...actions.map((a) => decision(`Deployment/shop/${a}`, a)),
      decision('Deployment/shop/a', 'restart'),
    ];
    const rows = renderPlanComment({ ...p, consumers })
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows).toEqual([
      '| `Deployment/shop/blocked` | ⛔ blocked | blocked because |',
      '| `Deployment/shop/a` | 🔄 restart | restart because |',
      '| `Deployment/shop/restart` | 🔄 restart | restart because |',
      '| `Deployment/shop/delete-pods` | 🗑️ delete pods | delete-pods because |',
      '| `Deployment/shop/recreate` | ♻️ recreate | recreate because |',
      '| `Deployment/shop/wait-for-sync` | ⏳ wait for sync | wait-for-sync because |',
      '| `Deployment/shop/next-run` | ⏭️ next run | next-run because |',
      '| `Deployment/shop/none` | ✅ none | none because |',
    ]);
  });

  it('says when no workload reads the changed ConfigMaps', () => {
    expect(renderPlanComment({ ...fixturePlan(), consumers: [] })).toContain(
      '\n\nNo workload in the manifests reads the changed ConfigMaps.\n\n',
    );
  });

  it('counts the workloads past the rows it shows', () => {
    const consumers = [
      ...Array.from({ length: 520 }, (_, i) =>
        decision(`Deployment/shop/r${String(i).padStart(3, '0')}`, 'restart'),
      ),
      ...Array.from({ length: 3 }, (_, i) => decision(`Deployment/shop/n${i}`, 'none')),
    ];
    const text = renderPlanComment({ ...fixturePlan(), consumers });
    expect(text.split('\n').filter((l) => l.startsWith('| `Deployment')).length).toBe(500);
    expect(text).toContain('\n\n…and 23 more workloads (520 🔄 restart, 3 ✅ none in all).\n\n');
  });

  it('lists findings with where they are, and notes apart under a fold', () => {
    const findings = [
      { ...note(1, 'blocker'), file: null, line: null },
      { ...note(2, 'warning'), line: null },
      ...Array.from({ length: 80 }, (_, i) => note(i + 10)),
    ];
    const text = renderPlanComment({ ...fixturePlan(), findings });
    expect(text).toContain(
      '#### Findings\n\n- ❌ **drift** — note 1\n- ⚠️ **drift** `f2.yaml` — note 2\n\n<details><summary>80 notes</summary>\n\n- ℹ️ **skipped-document** `f10.yaml:10` — note 10\n',
    );
    // A quarter of the findings shown (75 at full detail), at least 5.
    expect(text).toContain(
      '- ℹ️ **skipped-document** `f84.yaml:84` — note 84\n- …and 5 more notes.\n\n</details>',
    );
    const few = renderPlanComment({ ...fixturePlan(), findings: [note(1)] });
    expect(few).toContain('<details><summary>1 note</summary>');
    expect(few).not.toContain('#### Findings');
  });

  it('counts the findings past those it shows', () => {
    const findings = Array.from({ length: 305 }, (_, i) => note(i, 'warning'));
    const text = renderPlanComment({ ...fixturePlan(), findings });
    expect(text).toContain('- ⚠️ **drift** `f299.yaml:299` — note 299\n- …and 5 more findings.\n');
    expect(text).not.toMatch(/notes?<\/summary>/);
  });

  it('sums up each changed ConfigMap and Secret, and folds its diff', () => {
    const text = renderPlanComment(fixturePlan());
    expect(text).toContain('#### ConfigMaps and Secrets (Secret values are never shown)\n\n');
    expect(text).toContain(
      '<details><summary><code>Secret shop/app-creds</code> — modified: 1 changed key</summary>\n\n```diff\n@@ password (changed) @@\n',
    );
    expect(text).toContain(
      '<details><summary><code>shop/app-config</code> — modified: 2 changed, 1 added, 1 removed keys</summary>\n\n```diff\n@@ level (changed) @@\n- info\n+ debug\n',
    );
  });

  it.each([
    [null, 'configmap-head.yaml', 'new: 4 added keys'],
    ['configmap-base.yaml', null, 'removed: 4 removed keys'],
    ['configmap-base.yaml', 'configmap-head-immutable.yaml', null],
  ])('sums up %s → %s as %s', (base, head, summary) => {
    const p = planRollout({
      base: base ? objects(base) : [],
      head: head ? objects(head) : [],
      options: { volumeMounts: 'restart' },
    });
    const text = renderPlanComment(p);
    if (summary === null) expect(text).toContain('No ConfigMap changes in this change: nothing to restart.');
    else {
      expect(text).toContain(
        `#### ConfigMaps\n\n<details><summary><code>shop/app-config</code> — ${summary}</summary>`,
      );
    }
  });

  it('says a ConfigMap is immutable, and counts a single key in the singular', () => {
    const p = planRollout({
      base: objects('configmap-head-immutable.yaml'),
      head: objects('configmap-head-immutable.yaml').map((o) => ({
        ...o,
        body: { ...o.body, data: { ...(o.body['data'] as object), level: 'debug' } },
      })),
      options: { volumeMounts: 'restart' },
    });
    expect(renderPlanComment(p)).toContain(
      '<code>shop/app-config</code> — modified: 1 changed key (immutable)</summary>',
    );
  });
});

describe('a comment over the limit', () => {
  it('drops the value diffs first, saying it is summarised and where the full plan is', () => {
    const p = fixturePlan();
    const full = renderPlanComment(p);
    const text = renderPlanComment(p, { fullPlanHint: 'The job summary has it all.' }, full.length - 1);
    expect(text).not.toContain('```diff');
    expect(text).toContain(
      '- `Secret shop/app-creds` — modified: 1 changed key\n- `shop/app-config` — modified: 2 changed, 1 added, 1 removed keys',
    );
    expect(
      text.endsWith('\n\n_This plan is summarised to fit a GitHub comment. The job summary has it all._\n'),
    ).toBe(true);
    expect(renderPlanComment(p, {}, full.length)).toBe(full);
  });

  it('keeps the headline when nothing else fits', () => {
    const text = renderPlanComment(fixturePlan(), {}, 300);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toContain(
      '**✅ Safe to merge** · 1 ConfigMap and 1 Secret changed · 1 workload needs a restart',
    );
  });

  it('shows notices under the headline', () => {
    const text = renderPlanComment(fixturePlan(), {
      notices: ['Planned offline: no cluster credentials.', 'Second'],
    });
    expect(text).toContain(
      'workload needs a restart\n\n> Planned offline: no cluster credentials.\n\n> Second\n\n#### Workloads',
    );
  });
});
