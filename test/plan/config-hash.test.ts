import { describe, expect, it } from 'vitest';
import { configHashAnnotation, workloadConfigHash } from '../../src/plan/config-hash.js';
import type { ConfigMapSnapshot } from '../../src/plan/configmaps.js';
import type { ConfigMapReference } from '../../src/plan/consumers.js';
import { expectTestdata, testdataSnapshot } from '../testdata.js';

/** A reference of workload `api` to `shop/<name>`: the keys it reads, or null for all of them (envFrom). */
const reads = (name: string, keys: string[] | null): ConfigMapReference => ({
  configMap: `shop/${name}`,
  workload: 'Deployment/shop/api',
  container: 'app',
  containerType: 'container',
  via: keys === null ? 'envFrom' : 'env',
  key: null,
  subPath: false,
  optional: false,
  keys,
  requiredKeys: [],
  runsOnce: false,
  envPrefix: null,
});

const configMaps = (...snapshots: ConfigMapSnapshot[]) => new Map(snapshots.map((s) => [s.ref, s]));
const renamed = (snapshot: ConfigMapSnapshot, name: string) => ({ ...snapshot, name, ref: `shop/${name}` });
const hashOf = (references: ConfigMapReference[]) => (file: string) =>
  workloadConfigHash(references, configMaps(testdataSnapshot(file)));

describe('workloadConfigHash', () => {
  it('is the annotation config-rollout sets on the pod template', () => {
    expect(configHashAnnotation).toBe('config-rollout.io/config-hash');
  });

  // A new value for the same data restarts every workload on the upgrade of config-rollout: it is pinned.
  it.each([
    ['every key', 'configmap-base.yaml', [reads('app-config', null)], '7f88f8578db7de5fe98d265e12ffc09a'],
    ['one key', 'configmap-base.yaml', [reads('app-config', ['level'])], '19353d44a07863ca49c9d4d41c6f49ab'],
    [
      'an absent ConfigMap',
      'configmap-base.yaml',
      [reads('other', null)],
      'b847c8caf2c60e63c420b671e227dfb3',
    ],
  ])('%s of %s: a pinned value', (_what, file, references, hash) => {
    expectTestdata(file, hashOf(references), hash);
  });

  it('does not depend on the order of keys in the ConfigMap', () => {
    const all = [reads('app-config', null)];
    expect(hashOf(all)('configmap-head-same.yaml')).toBe(hashOf(all)('configmap-base.yaml'));
    const some = [reads('app-config', ['mode', 'logo', 'level'])];
    expect(hashOf(some)('configmap-head-same.yaml')).toBe(hashOf(some)('configmap-base.yaml'));
  });

  it('does not depend on the order of references, nor on keys read twice', () => {
    const a = renamed(testdataSnapshot('configmap-base.yaml'), 'a');
    const b = renamed(testdataSnapshot('configmap-head.yaml'), 'b');
    const one = workloadConfigHash([reads('a', ['level']), reads('b', null)], configMaps(a, b));
    expect(workloadConfigHash([reads('b', null), reads('a', ['level'])], configMaps(b, a))).toBe(one);
    expect(
      workloadConfigHash(
        [reads('b', ['level']), reads('a', ['level', 'level']), reads('b', null)],
        configMaps(a, b),
      ),
    ).toBe(one);
  });

  it('changes with a key the workload reads, and only with those', () => {
    const base = testdataSnapshot('configmap-base.yaml');
    const timeoutOnly = [reads('app-config', ['timeout'])];
    const levelOnly = [reads('app-config', ['level'])];
    const head = { ...base, data: { ...base.data, level: 'debug' } };
    expect(workloadConfigHash(timeoutOnly, configMaps(head))).toBe(
      workloadConfigHash(timeoutOnly, configMaps(base)),
    );
    expect(workloadConfigHash(levelOnly, configMaps(head))).not.toBe(
      workloadConfigHash(levelOnly, configMaps(base)),
    );
  });

  it('reads every key once any reference reads them all', () => {
    const base = testdataSnapshot('configmap-base.yaml');
    const head = { ...base, data: { ...base.data, timeout: '1s' } };
    for (const references of [
      [reads('app-config', ['level']), reads('app-config', null)],
      [reads('app-config', null), reads('app-config', ['level'])],
    ]) {
      expect(workloadConfigHash(references, configMaps(head))).not.toBe(
        workloadConfigHash(references, configMaps(base)),
      );
    }
  });

  it('tells data from binaryData, a key from its value, and an absent ConfigMap from an empty one', () => {
    const base = testdataSnapshot('configmap-base.yaml');
    const all = [reads('app-config', null)];
    const hashes = [
      workloadConfigHash(all, configMaps(base)),
      // `logo` in data instead of binaryData
      workloadConfigHash(all, configMaps({ ...base, data: { ...base.data, logo: 'AAAA' }, binaryData: {} })),
      // the same text split differently between key and value
      workloadConfigHash(all, configMaps({ ...base, data: { level: 'info' }, binaryData: {} })),
      workloadConfigHash(all, configMaps({ ...base, data: { leve: 'linfo' }, binaryData: {} })),
      workloadConfigHash(all, configMaps({ ...base, data: {}, binaryData: {} })),
      workloadConfigHash(all, configMaps()),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashes.every((h) => /^[0-9a-f]{32}$/.test(h))).toBe(true);
  });
});
