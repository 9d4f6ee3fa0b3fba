// The PR comment piece by piece: the headline (what merging does), blockers first, the workload table and its
// legend, warnings and notes, each ConfigMap's summary, and what a comment over its limit keeps.
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

const decision = (
  workload: string,
  action: RestartAction,
  more: Partial<RestartDecision> = {},
): RestartDecision => ({
  workload,
  action,
  reasons: [`${action} because`],
  configMaps: ['shop/app-config'],
  reads: [{ configMap: 'shop/app-config', keys: ['level'], ways: ['env'] }],
  pods: 2,
  strategy: 'RollingUpdate',
  source: null,
  ...more,
});

const note = (n: number, severity: Finding['severity'] = 'info'): Finding => ({
  severity,
  code: severity === 'info' ? 'skipped-document' : 'drift',
  message: `note ${n}`,
  file: `f${n}.yaml`,
  line: n,
});

const headlineOf = (text: string) => text.split('\n').find((l) => l.startsWith('**'));

describe('the comment headline says what merging does', () => {
  it.each([
    [
      'restarts with their pods, the other actions, blockers and warnings',
      (p: Plan): Plan => ({
        ...p,
        consumers: [
          decision('Deployment/shop/a', 'restart', { pods: 3 }),
          decision('StatefulSet/shop/b', 'restart'),
          decision('Deployment/shop/c', 'wait-for-sync'),
          decision('Deployment/shop/d', 'none'),
          decision('Deployment/shop/e', 'blocked'),
          decision('CronJob/shop/f', 'next-run', { pods: null }),
        ],
        findings: [note(1, 'blocker'), note(2, 'warning'), note(3, 'warning'), note(4)],
      }),
      '**❌ 1 blocker: merging stops before writing anything** · merging would restart Deployment a (3 pods), StatefulSet b (2) · let the kubelet refresh the files of Deployment c · CronJob f picks it up on the next run · 2 warnings · planned offline: drift and live health not checked',
    ],
    [
      'every other action, and names across namespaces',
      (p: Plan): Plan => ({
        ...p,
        live: true,
        consumers: [
          decision('Deployment/a/x', 'delete-pods', { pods: 1 }),
          decision('Job/b/y', 'recreate', { pods: null }),
          decision('Deployment/c/z', 'none', { note: 'rolls by itself: its pod template changes' }),
          decision('CronJob/a/n1', 'next-run'),
          decision('CronJob/a/n2', 'next-run'),
        ],
        findings: [],
      }),
      '**✅ No blockers** · merging deletes the pods of Deployment x (1 pod) · re-creates Job y · rolls out the new template of Deployment z (2 pods) · CronJob n1, CronJob n2 pick it up on the next run',
    ],
    [
      'by kind when long',
      (p: Plan): Plan => ({
        ...p,
        live: true,
        consumers: [
          ...Array.from({ length: 5 }, (_, i) => decision(`Deployment/shop/d${i}`, 'restart', { pods: 3 })),
          decision('DaemonSet/shop/ds', 'restart', { pods: null }),
          decision('StatefulSet/shop/s', 'restart', { pods: 2 }),
        ],
        findings: [],
      }),
      '**✅ No blockers** · merging restarts 5 Deployments (15 pods), 1 DaemonSet, 1 StatefulSet (2 pods)',
    ],
    [
      'a Secret nothing reads',
      (p: Plan): Plan => ({
        ...p,
        configMaps: p.configMaps.filter((c) => c.kind === 'Secret'),
        consumers: [],
        findings: [],
      }),
      '**✅ No blockers** · merging writes 1 Secret; no workload needs a restart · planned offline: drift and live health not checked',
    ],
    [
      'nothing changed',
      (p: Plan): Plan => ({
        ...p,
        live: true,
        configMaps: p.configMaps.map((c) => ({ ...c, change: 'unchanged' })),
        consumers: [],
        findings: [],
      }),
      '**✅ Nothing to roll out**',
    ],
  ])('%s', (_name, edit, headline) => {
    expect(headlineOf(renderPlanComment(edit(fixturePlan())))).toBe(headline);
  });

  it('names the commit the plan was made at', () => {
    const text = renderPlanComment(fixturePlan(), { commit: '0123456789abcdef' });
    expect(text).toContain('### config-rollout plan · `0123456`\n**✅ No blockers** · merging restarts');
  });
});

describe('the comment sections', () => {
  it('lists workloads by action (blocked first, none last), then by name, with their size', () => {
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
      ...actions.map((a) =>
        decision(`Deployment/shop/${a}`, a, a === 'none' ? { note: 'Reloader restarts it' } : {}),
      ),
      decision('Deployment/shop/a', 'restart', { pods: 1, strategy: 'RollingUpdate (maxSurge 0)' }),
    ];
    const rows = renderPlanComment({ ...p, consumers })
      .split('\n')
      .filter((l) => l.startsWith('| Deployment'));
    const keys = '`app-config: level` | env |';
    expect(rows).toEqual([
      `| Deployment \`blocked\` | ⛔ blocked<br><sub>2 pods · RollingUpdate</sub> | ${keys}`,
      `| Deployment \`a\` | 🔄 restart<br><sub>1 pod · RollingUpdate (maxSurge 0)</sub> | ${keys}`,
      `| Deployment \`restart\` | 🔄 restart<br><sub>2 pods · RollingUpdate</sub> | ${keys}`,
      `| Deployment \`delete-pods\` | 🗑️ delete pods<br><sub>2 pods</sub> | ${keys}`,
      `| Deployment \`recreate\` | ♻️ recreate | ${keys}`,
      `| Deployment \`wait-for-sync\` | ⏳ wait for sync | ${keys}`,
      `| Deployment \`next-run\` | ⏭️ next run | ${keys}`,
      `| Deployment \`none\` | ✅ none: Reloader restarts it | ${keys}`,
    ]);
  });

  it('explains each action and each way of reading once, under the table', () => {
    const consumers = [
      decision('Deployment/shop/a', 'restart', {
        reads: [{ configMap: 'shop/app-config', keys: ['level'], ways: ['subPath'] }],
      }),
      decision('Deployment/shop/b', 'restart', {
        reads: [{ configMap: 'shop/app-config', keys: ['level'], ways: ['envFrom', 'init'] }],
      }),
    ];
    const text = renderPlanComment({ ...fixturePlan(), consumers });
    expect(text).toContain(
      '\n\n<sub>**restart**: a rolling restart (`kubectl rollout restart`), paced by the workload’s own strategy. **env**, **envFrom**: read once, when a container starts. **subPath**: a file mounted this way is never updated. **init**: an init container runs only when a pod starts.</sub>\n\n',
    );
  });

  it('says how the merge paces the restarts', () => {
    const consumers = Array.from({ length: 12 }, (_, i) => decision(`Deployment/shop/r${i}`, 'restart'));
    const text = renderPlanComment({ ...fixturePlan(), consumers }, { maxParallel: 5 });
    expect(text).toContain(
      'The merge rolls 12 workloads, 5 at a time (`max-parallel`: 3 waves), and watches each until it is healthy; one that fails rolls the whole change back.',
    );
  });

  it('folds the workloads that read only unchanged keys into one line', () => {
    const consumers = [
      decision('Deployment/shop/r', 'restart'),
      ...Array.from({ length: 3 }, (_, i) =>
        decision(`Deployment/shop/n${i}`, 'none', { note: 'reads only unchanged keys', reads: [] }),
      ),
    ];
    const text = renderPlanComment({ ...fixturePlan(), consumers });
    expect(text).toContain(
      '<details><summary>3 workloads read only unchanged keys of the changed ConfigMaps: nothing to do.</summary>\n\n`Deployment n0`, `Deployment n1`, `Deployment n2`\n\n</details>',
    );
    expect(text.split('\n').filter((l) => l.startsWith('| Deployment'))).toHaveLength(1);
  });

  it('says when no workload reads the changed ConfigMaps', () => {
    expect(renderPlanComment({ ...fixturePlan(), consumers: [] })).toContain(
      '\n\nNo workload in the manifests reads the changed ConfigMaps.\n\n',
    );
  });

  it('puts every blocker in a CAUTION alert under the headline, warnings in a list, notes under a fold', () => {
    const findings = [
      { ...note(1, 'blocker'), file: null, line: null },
      { ...note(5, 'blocker'), also: [{ file: 'w.yaml', line: 7 }] },
      { ...note(2, 'warning'), line: null },
      ...Array.from({ length: 80 }, (_, i) => note(i + 10)),
    ];
    const text = renderPlanComment({ ...fixturePlan(), findings });
    expect(text).toContain(
      '\n\n> [!CAUTION]\n> **2 problems block the merge** — fix them first; a merge with a blocker writes nothing.\n>\n> - ❌ **drift** — note 1\n> - ❌ **drift** — note 5 (`f5.yaml:5` · `w.yaml:7`)\n\n#### What merging does',
    );
    expect(text).toContain('#### 1 warning\n\n- ⚠️ **drift** — note 2 (`f2.yaml`)\n\n');
    expect(text).toContain(
      '<details><summary>80 notes</summary>\n\n- ℹ️ **skipped-document** — note 10 (`f10.yaml:10`)\n',
    );
    expect(text).toContain('- ℹ️ **skipped-document** — note 89 (`f89.yaml:89`)\n\n</details>');
  });

  it('counts the warnings past those it shows', () => {
    const findings = Array.from({ length: 305 }, (_, i) => note(i, 'warning'));
    const text = renderPlanComment({ ...fixturePlan(), findings });
    expect(text).toContain('- ⚠️ **drift** — note 299 (`f299.yaml:299`)\n- …and 5 more warnings.\n');
    expect(text).not.toMatch(/notes?<\/summary>/);
  });

  it('sums up each changed ConfigMap and Secret with its changed keys and readers, and folds its diff', () => {
    const text = renderPlanComment(fixturePlan());
    expect(text).toContain('#### ConfigMaps and Secrets (Secret values are never shown)\n\n');
    expect(text).toContain(
      '<details><summary><code>Secret shop/app-creds</code> — changed <code>password</code> · read by Deployment api</summary>\n\n```diff\n@@ password (changed) @@\n',
    );
    expect(text).toContain(
      '<details><summary><code>shop/app-config</code> — changed <code>level</code>, <code>logo</code>; added <code>retries</code>; removed <code>mode</code> · read by Deployment api</summary>\n\n```diff\n@@ level (changed) @@\n- info\n+ debug\n',
    );
  });

  it.each([
    [
      null,
      'configmap-head.yaml',
      'new ConfigMap with <code>level</code>, <code>logo</code>, <code>retries</code>, <code>timeout</code>',
    ],
    ['configmap-base.yaml', null, 'ConfigMap removed'],
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
        `#### ConfigMaps\n\n<details><summary><code>shop/app-config</code> — ${summary} · read by no workload in these manifests — a controller may watch it through the API</summary>`,
      );
    }
  });

  it('says a ConfigMap is immutable, and shows a one-line edit as before → after', () => {
    const p = planRollout({
      base: objects('configmap-head-immutable.yaml'),
      head: objects('configmap-head-immutable.yaml').map((o) => ({
        ...o,
        body: { ...o.body, data: { ...(o.body['data'] as object), level: 'debug' } },
      })),
      options: { volumeMounts: 'restart' },
    });
    expect(renderPlanComment(p)).toContain(
      '<code>shop/app-config</code> — <code>level</code> <code>info</code> → <code>debug</code> (immutable) ·',
    );
  });
});

describe('a comment over the limit', () => {
  it('makes the ConfigMap diffs leaner first, saying what it left out and where the full plan is', () => {
    const p = fixturePlan();
    const full = renderPlanComment(p);
    const hint = 'The job summary has it all.';
    const text = renderPlanComment(p, { fullPlanHint: hint }, full.length - 1);
    expect(text).not.toContain('```diff');
    expect(text).toContain(
      '- <code>Secret shop/app-creds</code> — changed <code>password</code> · read by Deployment api\n- <code>shop/app-config</code> — changed',
    );
    expect(
      text.endsWith(`\n\n_Shortened to fit ${full.length - 1} characters: the ConfigMap diffs. ${hint}_\n`),
    ).toBe(true);
    // With room for everything, nothing is left out.
    expect(renderPlanComment(p, {}, full.length + 1)).toBe(full);
  });

  it('keeps the headline and the blockers when nothing else fits', () => {
    const p = { ...fixturePlan(), findings: [note(1, 'blocker')] };
    const text = renderPlanComment(p, {}, 1_200);
    expect(text.length).toBeLessThanOrEqual(1_200);
    expect(text).toContain(
      '**❌ 1 blocker: merging stops before writing anything** · merging would restart Deployment api',
    );
    expect(text).toContain('> - ❌ **drift** — note 1 (`f1.yaml:1`)');
    expect(text).toContain('2 changed sources: names and diffs left out here.');
    expect(text).toContain('\n\n_Shortened to fit 1200 characters: the ConfigMap diffs._\n');
  });

  it('shows notices under the headline', () => {
    const text = renderPlanComment(fixturePlan(), {
      notices: ['Planned offline: no cluster credentials.', 'Second'],
    });
    expect(text).toContain(
      'not checked\n\n> Planned offline: no cluster credentials.\n\n> Second\n\n#### What merging does to each workload',
    );
  });
});
