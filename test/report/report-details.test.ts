// Report details at the edge of each rule: pacing counts what rolls, a cell names six keys, several blockers,
// warnings past the count, the plan JSON's consumer lines, a finding's second place and a replaced Secret, a
// root written with backslashes. From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import type { RestartAction, RestartDecision } from '../../src/plan/decide.js';
import type { Finding } from '../../src/plan/findings.js';
import { planRollout } from '../../src/plan/plan.js';
import { renderBlockers, renderNotes, renderWarnings } from '../../src/report/comment-findings.js';
import { repositoryPath } from '../../src/report/comment-links.js';
import { renderWorkloads } from '../../src/report/comment-workloads.js';
import { planToJson } from '../../src/report/plan-json.js';
import { configMap, deployment, objects, plan } from '../plan/helpers.js';

const decision = (
  workload: string,
  action: RestartAction,
  more: Partial<RestartDecision> = {},
): RestartDecision => ({
  workload,
  action,
  reasons: [],
  configMaps: ['a/cfg'],
  reads: [{ configMap: 'a/cfg', keys: ['K'], ways: ['env'] }],
  pods: 2,
  strategy: 'RollingUpdate',
  source: null,
  ...more,
});
const finding = (severity: Finding['severity'], message = 'm'): Finding => ({
  severity,
  code: 'drift',
  message,
  file: null,
  line: null,
});

describe('the workload table', () => {
  it('paces what rolls: restarts, deleted pods and new templates, not what a reloader or the next run does', () => {
    const rows = [
      decision('Deployment/a/r', 'restart'),
      decision('StatefulSet/a/d', 'delete-pods'),
      decision('Deployment/a/t', 'none', { note: 'rolls by itself: its pod template changes' }),
      decision('Deployment/a/l', 'none', { note: 'Reloader restarts it' }),
      decision('CronJob/a/n', 'next-run', { pods: null }),
    ];
    expect(renderWorkloads(rows, { links: undefined, maxParallel: 2, detail: 'full' })).toContain(
      'The merge rolls 3 workloads, 2 at a time (`max-parallel`: 2 waves)',
    );
  });

  it('lists names without a pacing line when max-parallel is not given', () => {
    expect(
      renderWorkloads([decision('Deployment/a/r', 'restart')], {
        links: undefined,
        maxParallel: undefined,
        detail: 'names',
      }),
    ).toBe('#### What merging does to each workload\n\n- 🔄 restart (1): Deployment in a: r');
  });

  it('names six keys in a cell, and counts the seventh', () => {
    const keys = (n: number) => [...'abcdefg'].slice(0, n);
    const cell = (n: number) =>
      renderWorkloads(
        [
          decision('Deployment/a/r', 'restart', {
            reads: [{ configMap: 'a/cfg', keys: keys(n), ways: ['env'] }],
          }),
        ],
        {
          links: undefined,
          maxParallel: undefined,
          detail: 'full',
        },
      );
    expect(cell(6)).toContain('| `cfg: a, b, c, d, e, f` |');
    expect(cell(7)).toContain('| `cfg: a, b, c, d, e, f +1 more` |');
  });
});

describe('findings in the comment', () => {
  it('says how many blockers there are and to fix them all', () => {
    expect(renderBlockers([finding('blocker')], undefined)!.split('\n')[1]).toBe(
      '> **This blocks the merge** — fix it first; a merge with a blocker writes nothing.',
    );
    expect(renderBlockers([finding('blocker'), finding('blocker')], undefined)!.split('\n')[1]).toBe(
      '> **2 problems block the merge** — fix them first; a merge with a blocker writes nothing.',
    );
  });

  it('counts the warnings past the ones listed', () => {
    const text = renderWarnings(
      [finding('warning', 'a'), finding('warning', 'b'), finding('warning', 'c')],
      undefined,
      {
        count: 1,
        messageChars: 100,
      },
    )!;
    expect(text).toBe('#### 3 warnings\n\n- ⚠️ **drift** — a\n- …and 2 more warnings.');
  });

  it('counts the notes past the ones listed', () => {
    const text = renderNotes([finding('info', 'a'), finding('info', 'b'), finding('info', 'c')], undefined, {
      count: 2,
      messageChars: 100,
    })!;
    expect(text).toContain('\n- …and 1 more note.\n');
  });
});

describe('the plan JSON', () => {
  it("gives each consumer's file and line, and a finding's second place", () => {
    const reads = '        envFrom: [{configMapRef: {name: c}}]';
    const p = plan(
      configMap('c', { K: '1' }) + deployment('api', reads),
      configMap('c', { K: '2' }) + deployment('api', reads),
    );
    const json = planToJson({
      ...p,
      findings: [{ ...finding('blocker'), file: 'a.yaml', line: 2, also: [{ file: 'b.yaml', line: 9 }] }],
    });
    expect(json.consumers.map((c) => [c.file, c.line])).toEqual([['head.yaml', 9]]);
    expect(json.findings).toEqual([
      {
        severity: 'blocker',
        code: 'drift',
        message: 'm',
        file: 'a.yaml',
        line: 2,
        also: [{ file: 'b.yaml', line: 9 }],
      },
    ]);
  });

  it('names the Secret a renamed secretGenerator output replaces without the Secret/ prefix', () => {
    const secret = (name: string, token: string) =>
      `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\nstringData: {TOKEN: ${token}}\n`;
    const p = planRollout({
      base: objects(secret('app-creds-7h2k9mbf8g', 'a'), 'base.yaml'),
      head: objects(secret('app-creds-c5m4tkkgh2', 'b'), 'head.yaml'),
      options: { volumeMounts: 'restart', secrets: true, fingerprintKey: 'k' },
    });
    expect(planToJson(p).secrets?.map((s) => [s.ref, s.replaces])).toEqual([
      ['default/app-creds-c5m4tkkgh2', 'default/app-creds-7h2k9mbf8g'],
    ]);
  });
});

describe('repository paths', () => {
  it('takes a root written with backslashes', () => {
    expect(repositoryPath('/work/repo/k8s/api.yaml', '\\work\\repo')).toBe('k8s/api.yaml');
  });
});
