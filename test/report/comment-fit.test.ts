// How the comment fits its limit, at the exact character where each choice flips: the whole plan when it fits
// (with the footer saying where the whole plan is), else each part's richest rendering that leaves room for the
// longest note of what was left out, blockers first with 400 characters kept for the rest. From the mutation
// run's survivors of comment.ts (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/plan/findings.js';
import { reportedConfigMaps } from '../../src/plan/generated-names.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { commentMarker, renderPlanComment } from '../../src/report/comment.js';
import { configMapDetails, renderConfigMaps } from '../../src/report/comment-configmaps.js';
import { renderBlockers, renderWarnings } from '../../src/report/comment-findings.js';
import { renderHeadline } from '../../src/report/comment-headline.js';
import { renderWorkloads, tableDetails } from '../../src/report/comment-workloads.js';
import { testdataObjects } from '../testdata.js';

const hint = 'The whole plan is in the job summary.';

/** The whole-change fixture, with a reader of unchanged keys, one warning and one note. */
function examplePlan(extraFindings: Finding[] = []): Plan {
  const p = planRollout({
    base: testdataObjects('whole-change-base.yaml'),
    head: testdataObjects('whole-change-head.yaml'),
    options: { volumeMounts: 'restart' },
  });
  return {
    ...p,
    consumers: [
      ...p.consumers,
      {
        workload: 'Deployment/shop/quiet',
        action: 'none',
        reasons: ['Reads only keys that did not change (`DB_POOL_SIZE`).'],
        configMaps: ['shop/shop-config'],
        reads: [],
        note: 'reads only unchanged keys',
        pods: 1,
        strategy: 'RollingUpdate',
        source: null,
      },
    ],
    findings: [
      ...extraFindings,
      {
        severity: 'warning',
        code: 'drift',
        message: 'a warning about shop-config',
        file: 'k8s/a.yaml',
        line: 3,
      },
      {
        severity: 'info',
        code: 'skipped-document',
        message: 'a note about a template',
        file: 'k8s/b.yaml',
        line: 1,
      },
    ],
  };
}

/** Characters a list of parts takes in the comment: each is followed by a blank line (or the final line break). */
const room = (parts: readonly string[]) => parts.reduce((n, p) => n + p.length + 2, 0);

const everyPart = [
  'the workload table (leaner rows)',
  'warnings',
  'the other objects',
  'the ConfigMap diffs',
  'notes',
  'the names of workloads that read only unchanged keys',
];
/** The longest note of what was left out, which the budget keeps room for. */
const longestCutNote = (limit: number) => `_Shortened to fit ${limit} characters: ${everyPart.join(', ')}._`;

/** The smallest limit at which these parts fit beside the longest cut note (which names the limit itself). */
function boundary(parts: readonly string[]): number {
  let limit = room(parts);
  for (let i = 0; i < 3; i++) limit = room([...parts, longestCutNote(limit)]);
  return limit;
}

describe('a comment that fits', () => {
  const p = examplePlan();
  const whole = renderPlanComment(p, { fullPlanHint: hint }, 1_000_000);

  it('is the whole plan, with the footer, up to the last character', () => {
    expect(whole.endsWith(`\n\n<sub>${hint}</sub>\n`)).toBe(true);
    expect(renderPlanComment(p, { fullPlanHint: hint }, whole.length)).toBe(whole);
    const cut = renderPlanComment(p, { fullPlanHint: hint }, whole.length - 1);
    expect(cut).not.toContain(`<sub>${hint}</sub>`);
    expect(cut.endsWith(`. ${hint}_\n`)).toBe(true);
  });

  it('stays within every limit from 500 characters up, and cuts only what it says it left out', () => {
    for (let limit = 500; limit <= whole.length; limit += 7) {
      const text = renderPlanComment(p, {}, limit);
      expect(text.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
      // No blockers here: nothing needs cutting mid-text.
      expect(text, `limit ${limit}`).not.toContain('more characters)');
    }
  });
});

describe('what a comment over its limit keeps', () => {
  const p = examplePlan();
  const head = [commentMarker, renderHeadline(p, undefined)];
  const tables = tableDetails.map((detail) =>
    renderWorkloads(p.consumers, { links: undefined, maxParallel: undefined, detail })!,
  );
  const warnings = renderWarnings(p.findings, undefined, { count: 300, messageChars: 2_000 })!;

  it('says which parts it left out or made leaner, in the order they come', () => {
    const limit = 600;
    const text = renderPlanComment(p, {}, limit);
    const leanest = tables.find((t) => room([...head, t]) + room([longestCutNote(limit)]) <= limit)!;
    expect(text).toBe(
      [...head, leanest, `_Shortened to fit ${limit} characters: ${everyPart.join(', ')}._`].join('\n\n') +
        '\n',
    );
  });

  it('gives the workload table its richest rendering from the character where it fits beside the longest cut note', () => {
    const at = boundary([...head, tables[0]!]);
    expect(renderPlanComment(p, {}, at)).toContain(tables[0]);
    const below = renderPlanComment(p, {}, at - 1);
    expect(below).not.toContain(tables[0]);
    expect(below).toContain(tables[1]);
    expect(below).toContain('the workload table (leaner rows)');
  });

  it('counts what the table took before it places the warnings', () => {
    const at = boundary([...head, tables[0]!, warnings]);
    expect(renderPlanComment(p, {}, at)).toContain(warnings);
    const below = renderPlanComment(p, {}, at - 1);
    expect([below.includes(tables[0]!), below.includes('#### 1 warning')]).toEqual([true, false]);
  });

  it('counts the readers of unchanged keys when their names do not fit', () => {
    // A long note, which does not fit either: the readers' count takes what is left after the diffs.
    const longNote: Finding = {
      severity: 'info',
      code: 'skipped-document',
      message: `a note ${'and more '.repeat(60)}`,
      file: 'k8s/b.yaml',
      line: 1,
    };
    const few: Plan = { ...p, findings: [longNote], objects: [] };
    const count = '1 workload reads only unchanged keys of the changed ConfigMaps: nothing to do.';
    const diffs = renderConfigMaps(
      reportedConfigMaps(few.configMaps, few.replacements).filter((c) => c.change !== 'unchanged'),
      few.consumers,
      configMapDetails[0]!,
    )!;
    const fewHead = [commentMarker, renderHeadline(few, undefined)];
    const at = boundary([...fewHead, tables[0]!, diffs, count]);
    expect(renderPlanComment(few, {}, at)).toBe(
      [
        ...fewHead,
        tables[0],
        count,
        diffs,
        `_Shortened to fit ${at} characters: notes, the names of workloads that read only unchanged keys._`,
      ].join('\n\n') + '\n',
    );
  });
});

describe('blockers in a comment over its limit', () => {
  const blocker: Finding = {
    severity: 'blocker',
    code: 'missing-key',
    message: `shop-config no longer has key ${'`K`, '.repeat(150)}which Deployment/shop/web requires.`,
    file: 'k8s/config.yaml',
    line: 4,
  };
  const p = examplePlan([blocker]);
  const head = [commentMarker, renderHeadline(p, undefined)];
  const renderings = [2_000, 400, 160].map((chars) => renderBlockers(p.findings, undefined, chars)!);

  it('renders them as fully as leaves 400 characters for the rest', () => {
    expect(new Set(renderings).size).toBe(3);
    const at = room([...head, renderings[0]!]) + 400;
    expect(renderPlanComment(p, {}, at)).toContain(renderings[0]);
    const below = renderPlanComment(p, {}, at - 1);
    expect([below.includes(renderings[0]!), below.includes(renderings[1]!)]).toEqual([false, true]);
  });

  it('keeps the leanest rendering even when nothing else fits, and cuts the text to the limit', () => {
    const limit = room(head) + 100;
    const text = renderPlanComment(p, {}, limit);
    expect(text.length).toBeLessThanOrEqual(limit);
    expect(text).toContain(renderings[2]!.slice(0, 40));
    expect(text).toMatch(/… \(\d+ more characters\)$/);
  });
});
