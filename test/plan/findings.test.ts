import { describe, expect, it } from 'vitest';
import { finding, sortFindings } from '../../src/plan/findings.js';

describe('sortFindings', () => {
  it('puts blockers first, then orders by file, line, code and message', () => {
    const at = (file: string | null, line: number | null) => (file ? { file, line: line ?? 0 } : null);
    const f = (
      severity: 'blocker' | 'warning' | 'info',
      code: 'drift' | 'invalid-key',
      message: string,
      where: ReturnType<typeof at>,
    ) => finding(severity, code, message, where);
    const sorted = sortFindings([
      f('info', 'drift', 'i', null),
      f('warning', 'drift', 'w-b2', at('b.yaml', 2)),
      f('warning', 'invalid-key', 'w-a10', at('a.yaml', 10)),
      f('warning', 'drift', 'w-a10', at('a.yaml', 10)),
      f('warning', 'drift', 'w-a9', at('a.yaml', 9)),
      f('warning', 'drift', 'w-none', null),
      f('blocker', 'drift', 'z', at('z.yaml', 1)),
      f('blocker', 'drift', 'y', at('z.yaml', 1)),
    ]);
    expect(
      sorted.map((x) => `${x.severity} ${x.file ?? '-'}:${x.line ?? '-'} ${x.code} ${x.message}`),
    ).toEqual([
      'blocker z.yaml:1 drift y',
      'blocker z.yaml:1 drift z',
      'warning -:- drift w-none',
      'warning a.yaml:9 drift w-a9',
      'warning a.yaml:10 drift w-a10',
      'warning a.yaml:10 invalid-key w-a10',
      'warning b.yaml:2 drift w-b2',
      'info -:- drift i',
    ]);
    expect(finding('info', 'drift', 'm')).toEqual({
      severity: 'info',
      code: 'drift',
      message: 'm',
      file: null,
      line: null,
    });
  });

  it('puts a finding without a file before those with one, whichever comes first', () => {
    const none = finding('warning', 'drift', 'no file');
    const a = finding('warning', 'drift', 'a', { file: 'a.yaml', line: 1 });
    expect(sortFindings([none, a]).map((x) => x.message)).toEqual(['no file', 'a']);
    expect(sortFindings([a, none]).map((x) => x.message)).toEqual(['no file', 'a']);
  });
});
