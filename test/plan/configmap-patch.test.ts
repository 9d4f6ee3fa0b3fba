import { describe, expect, it } from 'vitest';
import { keyPatch, sameValues, valuesOf } from '../../src/plan/configmap-patch.js';
import { testdataSnapshot } from '../testdata.js';

describe('valuesOf and keyPatch', () => {
  it('reads each key from data or binaryData, null where absent', () => {
    const head = testdataSnapshot('configmap-head.yaml');
    expect(valuesOf(head, ['level', 'mode', 'logo'])).toEqual({
      level: { value: 'debug', binary: false },
      mode: null,
      logo: { value: 'AAAA', binary: false },
    });
    expect(valuesOf(testdataSnapshot('configmap-base.yaml'), ['logo'])).toEqual({
      logo: { value: 'AAAA', binary: true },
    });
    expect(valuesOf(null, ['a'])).toEqual({ a: null });
    expect(valuesOf(undefined, ['a'])).toEqual({ a: null });
  });

  it('patches exactly the keys given: set in one field, removed from the other, null removes both', () => {
    expect(
      keyPatch({ a: { value: '1', binary: false }, b: { value: 'AAAA', binary: true }, c: null }),
    ).toEqual({
      data: { a: '1', b: null, c: null },
      binaryData: { a: null, b: 'AAAA', c: null },
    });
    expect(keyPatch({})).toEqual({ data: {}, binaryData: {} });
  });

  it('compares values with where they live; absent and undefined are the same', () => {
    const one = { a: { value: '1', binary: false } };
    expect(sameValues(one, { a: { value: '1', binary: false } })).toBe(true);
    expect(sameValues(one, { a: { value: '2', binary: false } })).toBe(false);
    expect(sameValues(one, { a: { value: '1', binary: true } })).toBe(false);
    expect(sameValues(one, { a: null })).toBe(false);
    expect(sameValues(one, {})).toBe(false);
    expect(sameValues({ a: null }, {})).toBe(true);
    expect(sameValues({ a: null }, one)).toBe(false);
    expect(sameValues({}, one)).toBe(true);
  });
});
