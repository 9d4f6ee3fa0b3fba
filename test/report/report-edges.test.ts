// The edges of the rendered reports: limits met exactly, lists of two, values that end or don't end in a newline.
import { describe, expect, it } from 'vitest';
import { diffConfigMap } from '../../src/plan/configmap-diff.js';
import type { ConfigMapSnapshot } from '../../src/plan/configmaps.js';
import { buildReferenceGraph } from '../../src/plan/reference-graph.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { commentMarker, renderPlanComment } from '../../src/report/comment.js';
import { codeSpan } from '../../src/report/markdown-text.js';
import { planToJson } from '../../src/report/plan-json.js';
import { renderRefsTable } from '../../src/report/refs-table.js';
import { renderValueDiff } from '../../src/report/value-diff.js';
import { testdataObjects, testdataSnapshot } from '../testdata.js';

const wide = { valueChars: 300, diffLines: 60 };
const base = () => testdataSnapshot('configmap-base.yaml');
const data = (snapshot: ConfigMapSnapshot, values: Record<string, string>) => ({
  ...snapshot,
  data: values,
  binaryData: {},
});
const diff = (before: Record<string, string>, after: Record<string, string>, limits = wide) =>
  renderValueDiff(diffConfigMap(data(base(), before), data(base(), after)), limits).split('\n');

const plan = (): Plan =>
  planRollout({
    base: testdataObjects('configmap-base.yaml'),
    head: testdataObjects('configmap-head.yaml'),
    options: { volumeMounts: 'restart' },
  });

describe('value diff edges', () => {
  it('diffs a value that is multi-line on one side only', () => {
    expect(diff({ c: 'a\nb' }, { c: 'a' })).toEqual([
      '@@ c (changed) @@',
      '  ~ lines 1-2 → 1-1',
      '  a',
      '- b',
    ]);
    expect(diff({ c: 'a' }, { c: 'a\nb' })).toEqual([
      '@@ c (changed) @@',
      '  ~ lines 1-1 → 1-2',
      '  a',
      '+ b',
    ]);
  });

  it('diffs an empty value as no lines, and a trailing newline as none changed', () => {
    expect(diff({ c: '' }, { c: 'one\ntwo' })).toEqual([
      '@@ c (changed) @@',
      '  ~ lines 1-0 → 1-2',
      '+ one',
      '+ two',
    ]);
    expect(diff({ c: 'a\nb\n' }, { c: 'a\nb' })).toEqual(['@@ c (changed) @@']);
  });

  it('keeps a diff exactly as long as the limit, and diffs a value of exactly 64 KiB', () => {
    expect(diff({ c: '1\n2\n' }, { c: '3\n4\n' }, { valueChars: 10, diffLines: 5 })).toEqual([
      '@@ c (changed) @@',
      '  ~ lines 1-2 → 1-2',
      '- 1',
      '- 2',
      '+ 3',
      '+ 4',
    ]);
    const exact = 'x\n'.repeat(32 * 1024);
    expect(exact.length).toBe(64 * 1024);
    const lastChanged = `${'x\n'.repeat(32 * 1024 - 1)}y\n`;
    expect(diff({ c: exact }, { c: lastChanged })).toEqual([
      '@@ c (changed) @@',
      '  ~ lines 32766-32768 → 32766-32768',
      '  x',
      '  x',
      '- x',
      '+ y',
    ]);
    expect(diff({ c: `${exact}y\n` }, { c: exact })[1]).toBe(
      '  65538 → 65536 characters (too large to diff here)',
    );
  });
});

describe('comment edges', () => {
  it('lists warnings when no ConfigMap changes', () => {
    const p = planRollout({
      base: testdataObjects('configmap-base.yaml'),
      head: testdataObjects('configmap-head-same.yaml'),
      options: { volumeMounts: 'restart' },
    });
    const finding = {
      severity: 'warning' as const,
      code: 'drift' as const,
      message: 'm',
      file: null,
      line: null,
    };
    expect(renderPlanComment({ ...p, findings: [finding] })).toContain(
      'No ConfigMap changes in this change: nothing to restart.\n\n#### 1 warning\n\n- ⚠️ **drift** — m\n',
    );
  });

  it('puts each ConfigMap a workload reads on a line of its own, naming at most six keys of each', () => {
    const p = plan();
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const consumers = [
      {
        workload: 'Deployment/shop/api',
        action: 'restart' as const,
        reasons: ['One.', 'Two.'],
        configMaps: ['shop/app-config', 'Secret/shop/creds'],
        reads: [
          { configMap: 'Secret/shop/creds', keys: ['password'], ways: ['env' as const] },
          { configMap: 'shop/app-config', keys, ways: ['volume' as const, 'hot-reload' as const] },
        ],
        pods: null,
        strategy: null,
        source: null,
      },
    ];
    expect(renderPlanComment({ ...p, consumers })).toContain(
      '| Deployment `api` | 🔄 restart | `Secret creds: password`<br>`app-config: a, b, c, d, e, f +2 more` | env<br>volume, hot-reload |',
    );
  });

  it('shows every note when they fit, and counts the rest only when some are left out', () => {
    const note = (n: number) => ({
      severity: 'info' as const,
      code: 'skipped-document' as const,
      message: `n${n}`,
      file: null,
      line: null,
    });
    const text = renderPlanComment({ ...plan(), findings: Array.from({ length: 75 }, (_, i) => note(i)) });
    expect(text).toContain('- ℹ️ **skipped-document** — n74\n\n</details>');
    expect(text).not.toContain('more note');
  });

  it('names the keys of an edit, whichever way they changed', () => {
    const one = (keys: { added?: string[]; removed?: string[]; changed?: string[] }) => {
      const p = plan();
      const configMaps = p.configMaps.map((c) => ({
        ...c,
        keys: { added: [], removed: [], changed: [], ...keys },
      }));
      return /<code>shop\/app-config<\/code> — (.*) · read by/.exec(
        renderPlanComment({ ...p, configMaps }),
      )?.[1];
    };
    expect(one({ added: ['a'] })).toBe('added <code>a</code>');
    expect(one({ removed: ['a'] })).toBe('removed <code>a</code>');
    expect(one({ changed: ['a', 'b'] })).toBe('changed <code>a</code>, <code>b</code>');
    const many = Array.from({ length: 10 }, (_, i) => `k${i}`);
    expect(one({ added: many })).toBe(
      `added ${many
        .slice(0, 8)
        .map((k) => `<code>${k}</code>`)
        .join(', ')} and 2 more`,
    );
    expect(one({})).toBe('modified');
  });

  it('says what it left out without a hint, and cuts even the headline when nothing fits', () => {
    const p = plan();
    const full = renderPlanComment(p);
    expect(renderPlanComment(p, {}, full.length - 1)).toMatch(
      /\n\n_Shortened to fit \d+ characters: [^_]+\._\n$/,
    );
    const tiny = renderPlanComment(p, {}, 150);
    expect(tiny.length).toBeLessThanOrEqual(150);
    expect(tiny.startsWith(`${commentMarker}\n\n### config-rollout plan\n**✅ No blockers**`)).toBe(true);
    expect(tiny).toMatch(/… \(\d+ more characters\)$/);
  });
});

describe('JSON, refs and code span edges', () => {
  it('has no secrets field without Secrets', () => {
    expect('secrets' in planToJson(plan())).toBe(false);
  });

  it('lists several undefined and unread ConfigMaps', () => {
    const graph = buildReferenceGraph(testdataObjects('pod-reads-every-way.yaml'));
    const text = renderRefsTable({
      ...graph,
      undefinedReferenced: ['a/x', 'a/y'],
      unconsumed: ['b/x', 'b/y'],
    });
    expect(text).toContain(
      '\nReferenced but not defined in the manifests: a/x, a/y\nDefined but read by no workload: b/x, b/y\n',
    );
  });

  it('makes one space of a CRLF in a code span', () => {
    expect(codeSpan('two\r\nlines')).toBe('`two lines`');
  });
});
