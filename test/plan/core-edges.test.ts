// Small pure functions at their edges: binary drift, hashes of values, merged key sets, null values.
import { describe, expect, it } from 'vitest';
import { workloadConfigHash } from '../../src/plan/config-hash.js';
import { contentHash, diffConfigMap } from '../../src/plan/configmap-diff.js';
import { sameValues } from '../../src/plan/configmap-patch.js';
import type { ConfigMapReference } from '../../src/plan/consumers.js';
import { compareWithLive } from '../../src/plan/drift.js';
import { testdataSnapshot } from '../testdata.js';

const reads = (keys: string[]): ConfigMapReference => ({
  configMap: 'shop/app-config',
  workload: 'Deployment/shop/api',
  container: 'app',
  containerType: 'container',
  via: 'env',
  key: null,
  subPath: false,
  optional: false,
  keys,
  requiredKeys: [],
  runsOnce: false,
  envPrefix: null,
});

describe('edges of the pure core', () => {
  it('sees drift in binaryData: a changed value and a key only the cluster has', () => {
    const change = diffConfigMap(
      testdataSnapshot('configmap-base.yaml'),
      testdataSnapshot('configmap-head.yaml'),
    );
    const live = testdataSnapshot('configmap-live-as-base.yaml', { live: true });
    expect(compareWithLive(change, { ...live, binaryData: { logo: 'BBBB' } }).drifted).toEqual(['logo']);
    expect(compareWithLive(change, { ...live, binaryData: { logo: 'AAAA', extra: 'AAAA' } }).drifted).toEqual(
      ['extra'],
    );
  });

  it('hashes values: the same keys with another value hash differently', () => {
    const base = testdataSnapshot('configmap-base.yaml');
    expect(contentHash({ ...base, data: { ...base.data, level: 'warn' } })).not.toBe(contentHash(base));
  });

  it('hashes the keys of every reference to a ConfigMap together', () => {
    const base = testdataSnapshot('configmap-base.yaml');
    const changed = { ...base, data: { ...base.data, timeout: '1s' } };
    const references = [reads(['level']), reads(['timeout'])];
    expect(workloadConfigHash(references, new Map([['shop/app-config', changed]]))).not.toBe(
      workloadConfigHash(references, new Map([['shop/app-config', base]])),
    );
  });

  it('takes two absent values for the same', () => {
    expect(sameValues({ a: null }, { a: null })).toBe(true);
    expect(sameValues({ a: null, b: { value: '1', binary: false } }, { a: null, b: null })).toBe(false);
  });
});
