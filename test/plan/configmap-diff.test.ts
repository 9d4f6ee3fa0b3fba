import { describe, expect, it } from 'vitest';
import {
  contentHash,
  diffConfigMap,
  diffKeys,
  secretFingerprint,
  touchedKeys,
} from '../../src/plan/configmap-diff.js';
import { expectTestdata, testdataSnapshot } from '../testdata.js';

const base = () => testdataSnapshot('configmap-base.yaml');
const summary = (file: string) => {
  const c = diffConfigMap(base(), testdataSnapshot(file));
  return { kind: c.kind, ref: c.ref, namespace: c.namespace, name: c.name, change: c.change, keys: c.keys };
};

describe('diffConfigMap', () => {
  it.each([
    [
      'configmap-head.yaml',
      'modified',
      // `logo` moves from binaryData to data with the same text: changed.
      { added: ['retries'], removed: ['mode'], changed: ['level', 'logo'] },
    ],
    ['configmap-head-same.yaml', 'unchanged', { added: [], removed: [], changed: [] }],
    ['configmap-head-immutable.yaml', 'unchanged', { added: [], removed: [], changed: [] }],
  ])('base → %s: %s', (file, change, keys) => {
    expectTestdata(file, summary, {
      kind: 'ConfigMap',
      ref: 'shop/app-config',
      namespace: 'shop',
      name: 'app-config',
      change,
      keys,
    });
  });

  it('keeps both sides, and says immutable when either side is', () => {
    const head = testdataSnapshot('configmap-head.yaml');
    const c = diffConfigMap(base(), head);
    expect([c.base, c.head]).toEqual([base(), head]);
    expect(c.immutable).toBe(false);
    expect('fingerprints' in c).toBe(false);
    const immutable = testdataSnapshot('configmap-head-immutable.yaml');
    expect(diffConfigMap(base(), immutable).immutable).toBe(true);
    expect(diffConfigMap(immutable, base()).immutable).toBe(true);
    expect(diffConfigMap(immutable, null).immutable).toBe(true);
    expect(diffConfigMap(null, immutable).immutable).toBe(true);
    expect([diffConfigMap(null, base()).immutable, diffConfigMap(base(), null).immutable]).toEqual([
      false,
      false,
    ]);
  });

  it('takes a ConfigMap only the head has for added, and one only the base has for removed', () => {
    expect(diffConfigMap(null, base())).toMatchObject({
      change: 'added',
      ref: 'shop/app-config',
      keys: { added: ['level', 'logo', 'mode', 'timeout'], removed: [], changed: [] },
      base: null,
    });
    expect(diffConfigMap(base(), null)).toMatchObject({
      change: 'removed',
      name: 'app-config',
      keys: { added: [], removed: ['level', 'logo', 'mode', 'timeout'], changed: [] },
      head: null,
    });
  });

  it('sorts each key list', () => {
    const head = { ...base(), data: { z: '1', a: '1', timeout: '1', level: '2' }, binaryData: { b: 'AAAA' } };
    expect(diffKeys(base(), head)).toEqual({
      added: ['a', 'b', 'z'],
      removed: ['logo', 'mode'],
      changed: ['level', 'timeout'],
    });
    expect(diffKeys(null, null)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('fingerprints each Secret value under the run key, never showing the value', () => {
    const c = diffConfigMap(testdataSnapshot('secret-base.yaml'), testdataSnapshot('secret-head.yaml'), 'k1');
    expect(c).toMatchObject({ kind: 'Secret', ref: 'Secret/shop/app-creds', change: 'modified' });
    expect(c.keys).toEqual({ added: [], removed: [], changed: ['password'] });
    const fp = (text: string, key = 'k1') => secretFingerprint(Buffer.from(text).toString('base64'), key);
    expect(c.fingerprints).toEqual({
      base: { password: fp('old'), user: fp('admin') },
      head: { password: fp('new'), user: fp('admin') },
    });
    expect(JSON.stringify(c.fingerprints)).not.toMatch(/old|new|admin/);
    const added = diffConfigMap(null, testdataSnapshot('secret-head.yaml'), 'k1');
    expect(added.fingerprints).toEqual({ base: {}, head: { password: fp('new'), user: fp('admin') } });
  });
});

describe('secretFingerprint', () => {
  it('is 8 hex digits of an HMAC: the same per run key, different across keys and values', () => {
    expect(secretFingerprint('value', 'key')).toBe('90fbfcf1');
    expect(secretFingerprint('value', 'key')).toBe(secretFingerprint('value', 'key'));
    expect(secretFingerprint('value', 'other key')).not.toBe(secretFingerprint('value', 'key'));
    expect(secretFingerprint('other value', 'key')).not.toBe(secretFingerprint('value', 'key'));
  });
});

describe('touchedKeys', () => {
  it('is every key added, removed or changed', () => {
    const c = diffConfigMap(base(), testdataSnapshot('configmap-head.yaml'));
    expect([...touchedKeys(c)].sort()).toEqual(['level', 'logo', 'mode', 'retries']);
  });
});

describe('contentHash', () => {
  it('does not depend on key order, and keeps data and binaryData apart', () => {
    const hash = contentHash(base());
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(testdataSnapshot('configmap-head-same.yaml'))).toBe(hash);
    expect(contentHash({ data: { ...base().data, logo: 'AAAA' }, binaryData: {} })).not.toBe(hash);
    expect(contentHash(testdataSnapshot('configmap-head.yaml'))).not.toBe(hash);
    expect(contentHash({ data: {}, binaryData: {} })).toBe(
      'bdbec3e7cd63163808f33795b1bb80c7716e92fd5b53b4ece62d15604ea2bd52',
    );
  });
});
