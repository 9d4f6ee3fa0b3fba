import { describe, expect, it } from 'vitest';
import { diffConfigMap } from '../../src/plan/configmap-diff.js';
import type { ConfigMapSnapshot } from '../../src/plan/configmaps.js';
import { renderValueDiff } from '../../src/report/value-diff.js';
import { expectTestdata, testdataSnapshot } from '../testdata.js';

const wide = { valueChars: 300, diffLines: 60 };
const base = () => testdataSnapshot('configmap-base.yaml');
const withData = (snapshot: ConfigMapSnapshot, data: Record<string, string>, binaryData = {}) => ({
  ...snapshot,
  data,
  binaryData,
});

describe('renderValueDiff', () => {
  it('shows one-line values as -/+, binary values by size, keys in order', () => {
    expectTestdata(
      'configmap-head.yaml',
      (f) => renderValueDiff(diffConfigMap(base(), testdataSnapshot(f)), wide),
      [
        '@@ level (changed) @@',
        '- info',
        '+ debug',
        '@@ logo (changed) @@',
        '  binary: 4 base64 chars → 4 base64 chars',
        '@@ mode (removed) @@',
        '- fast',
        '@@ retries (added) @@',
        '+ 3',
      ].join('\n'),
    );
  });

  it('shows a binary value added or removed as none on the other side', () => {
    const change = diffConfigMap(
      withData(base(), {}, { old: 'AAAA' }),
      withData(base(), {}, { new: 'AAAAAAAA' }),
    );
    expect(renderValueDiff(change, wide).split('\n')).toEqual([
      '@@ new (added) @@',
      '  binary: none → 8 base64 chars',
      '@@ old (removed) @@',
      '  binary: 4 base64 chars → none',
    ]);
  });

  it('shows multi-line values as a unified diff with two lines of context', () => {
    const change = diffConfigMap(
      withData(base(), { conf: 'a\nb\nc\nD\ne\nf\ng\nH\ni\nj\nk\n', short: 'x\nz' }),
      withData(base(), { conf: 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n', short: 'x\ny', fresh: 'one\ntwo' }),
    );
    expect(renderValueDiff(change, wide).split('\n')).toEqual([
      '@@ conf (changed) @@',
      '  ~ lines 2-10 → 2-10',
      '  b',
      '  c',
      '- D',
      '+ d',
      '  e',
      '  f',
      '  g',
      '- H',
      '+ h',
      '  i',
      '  j',
      '@@ fresh (added) @@',
      '  ~ lines 1-0 → 1-2',
      '+ one',
      '+ two',
      '@@ short (changed) @@',
      '  ~ lines 1-2 → 1-2',
      '  x',
      '- z',
      '+ y',
    ]);
  });

  it('cuts long values and long diffs, saying how much is left out', () => {
    const change = diffConfigMap(
      withData(base(), { line: 'abcdef', conf: '1\n2\n3\n4\n' }),
      withData(base(), { line: 'abcxyz', conf: 'one\ntwo\nthree\nfour\n' }),
    );
    expect(renderValueDiff(change, { valueChars: 3, diffLines: 4 }).split('\n')).toEqual([
      '@@ conf (changed) @@',
      '  ~ lines 1-4 → 1-4',
      '- 1',
      '- 2',
      '- 3',
      '  … 5 more diff lines',
      '@@ line (changed) @@',
      '- abc… (3 more characters)',
      '+ abc… (3 more characters)',
    ]);
  });

  it('compares values over 64 KiB by size only', () => {
    const big = 'x\n'.repeat(32 * 1024 + 1);
    const change = diffConfigMap(withData(base(), { conf: 'a\nb' }), withData(base(), { conf: big }));
    expect(renderValueDiff(change, wide).split('\n')).toEqual([
      '@@ conf (changed) @@',
      `  3 → ${big.length} characters (too large to diff here)`,
    ]);
    const removed = diffConfigMap(withData(base(), { conf: big }), withData(base(), {}));
    expect(renderValueDiff(removed, wide)).toBe(
      `@@ conf (removed) @@\n  ${big.length} → 0 characters (too large to diff here)`,
    );
  });

  it('shows a Secret by fingerprints only, never its values', () => {
    const change = diffConfigMap(
      testdataSnapshot('secret-base.yaml'),
      testdataSnapshot('secret-head.yaml'),
      'k',
    );
    const text = renderValueDiff(change, wide);
    expect(text).toBe(
      `@@ password (changed) @@\n  fingerprint ${change.fingerprints!.base['password']} → ${change.fingerprints!.head['password']}`,
    );
    const added = diffConfigMap(null, testdataSnapshot('secret-head.yaml'), 'k');
    expect(renderValueDiff(added, wide).split('\n')).toEqual([
      '@@ password (added) @@',
      `  fingerprint none → ${added.fingerprints!.head['password']}`,
      '@@ user (added) @@',
      `  fingerprint none → ${added.fingerprints!.head['user']}`,
    ]);
    const removed = diffConfigMap(testdataSnapshot('secret-head.yaml'), null, 'k');
    expect(renderValueDiff(removed, wide)).toContain(
      `  fingerprint ${removed.fingerprints!.base['user']} → none`,
    );
  });
});
