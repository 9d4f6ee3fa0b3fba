import { describe, expect, it } from 'vitest';
import { diffConfigMap } from '../../src/plan/configmap-diff.js';
import { compareWithLive, driftFindings } from '../../src/plan/drift.js';
import { expectTestdata, testdataSnapshot } from '../testdata.js';

// The change of every case: base → head changes `level`, removes `mode`, adds `retries`, moves `logo`.
const change = () =>
  diffConfigMap(testdataSnapshot('configmap-base.yaml'), testdataSnapshot('configmap-head.yaml'));
const live = (file: string) => testdataSnapshot(file, { live: true });
const at = { file: 'configmap-head.yaml', line: 2 };

describe('compareWithLive', () => {
  it.each([
    ['configmap-live-as-base.yaml', { drifted: [], conflicts: [], alreadyApplied: [] }],
    // Live already holds the head's values (a re-run, a hand-applied change): applied already, not a conflict.
    [
      'configmap-live-as-head.yaml',
      {
        drifted: ['level', 'logo', 'mode', 'retries'],
        conflicts: [],
        alreadyApplied: ['level', 'logo', 'mode', 'retries'],
      },
    ],
    ['configmap-live-edited.yaml', { drifted: ['timeout'], conflicts: [], alreadyApplied: [] }],
    ['configmap-live-conflict.yaml', { drifted: ['level'], conflicts: ['level'], alreadyApplied: [] }],
  ])('%s', (file, expected) => {
    expectTestdata(file, (f) => compareWithLive(change(), live(f)), {
      ref: 'shop/app-config',
      ...expected,
      missingLive: false,
    });
  });

  it('finds nothing to compare when the ConfigMap is not in the cluster', () => {
    expect(compareWithLive(change(), undefined)).toEqual({
      ref: 'shop/app-config',
      drifted: [],
      conflicts: [],
      alreadyApplied: [],
      missingLive: true,
    });
  });

  it('takes a key live only in the cluster for drift, and one the change adds too for a conflict', () => {
    const added = diffConfigMap(null, testdataSnapshot('configmap-base.yaml'));
    expect(compareWithLive(added, live('configmap-live-edited.yaml'))).toEqual({
      ref: 'shop/app-config',
      drifted: ['level', 'logo', 'mode', 'timeout'],
      conflicts: ['timeout'],
      alreadyApplied: ['level', 'logo', 'mode'],
      missingLive: false,
    });
  });

  it('tells a value in data from the same text in binaryData', () => {
    const moved = diffConfigMap(
      testdataSnapshot('configmap-base.yaml'),
      testdataSnapshot('configmap-head.yaml'),
    );
    const liveBase = live('configmap-live-as-base.yaml');
    const logoAsData = { ...liveBase, data: { ...liveBase.data, logo: 'AAAA' }, binaryData: {} };
    expect(compareWithLive(moved, logoAsData)).toMatchObject({ drifted: ['logo'], alreadyApplied: ['logo'] });
  });
});

describe('driftFindings', () => {
  const findingsFor = (file: string | undefined) => {
    const c = change();
    const snapshot = file === undefined ? undefined : live(file);
    return driftFindings(c, compareWithLive(c, snapshot), snapshot);
  };

  it.each(['configmap-live-as-base.yaml', 'configmap-live-as-head.yaml'])('%s: no finding', (file) => {
    expectTestdata(file, findingsFor, []);
  });

  it('warns about drift in a key the change does not touch, and keeps it', () => {
    expectTestdata('configmap-live-edited.yaml', findingsFor, [
      {
        severity: 'warning',
        code: 'drift',
        message:
          "ConfigMap shop/app-config: `timeout` differs in the cluster from the base (edited by hand?). This change does not touch it; apply keeps the cluster's value.",
        ...at,
      },
    ]);
  });

  it('blocks a key changed both in the cluster and by the change', () => {
    expectTestdata('configmap-live-conflict.yaml', findingsFor, [
      {
        severity: 'blocker',
        code: 'drift-conflict',
        message:
          'ConfigMap shop/app-config: `level` changed in the cluster since the base, and this change changes it too. Bring the manifests in line with the cluster (or the cluster with the base) first.',
        ...at,
      },
    ]);
  });

  it('words several drifted and conflicting keys in the plural', () => {
    const c = diffConfigMap(null, testdataSnapshot('configmap-base.yaml'));
    const edited = live('configmap-live-conflict.yaml');
    const snapshot = { ...edited, data: { ...edited.data, timeout: '1s', extra: 'x', other: 'y' } };
    const messages = driftFindings(c, compareWithLive(c, snapshot), snapshot).map((f) => f.message);
    expect(messages).toEqual([
      'ConfigMap shop/app-config: `level`, `timeout` changed in the cluster since the base, and this change changes them too. Bring the manifests in line with the cluster (or the cluster with the base) first.',
      "ConfigMap shop/app-config: `extra`, `other` differ in the cluster from the base (edited by hand?). This change does not touch them; apply keeps the cluster's values.",
    ]);
  });

  it('blocks a change to a ConfigMap the cluster holds as immutable', () => {
    expectTestdata('configmap-live-immutable.yaml', findingsFor, [
      {
        severity: 'blocker',
        code: 'live-immutable',
        message:
          "ConfigMap shop/app-config is immutable in the cluster, so its data can't be patched: create it under a new name and point its consumers at it.",
        ...at,
      },
    ]);
  });

  it('leaves a live immutable ConfigMap alone when the change does not touch it or it was immutable already', () => {
    const snapshot = live('configmap-live-immutable.yaml');
    const base = testdataSnapshot('configmap-base.yaml');
    const unchanged = diffConfigMap(base, testdataSnapshot('configmap-head-same.yaml'));
    expect(driftFindings(unchanged, compareWithLive(unchanged, snapshot), snapshot)).toEqual([]);
    const wasImmutable = diffConfigMap({ ...base, immutable: true }, testdataSnapshot('configmap-head.yaml'));
    expect(
      driftFindings(wasImmutable, compareWithLive(wasImmutable, snapshot), snapshot).map((f) => f.code),
    ).toEqual([]);
  });

  it('warns that applying creates a ConfigMap missing from the cluster, at the head or else the base', () => {
    expect(findingsFor(undefined)).toEqual([
      {
        severity: 'warning',
        code: 'drift',
        message:
          'ConfigMap shop/app-config is in the base manifests but not in the cluster; applying creates it.',
        ...at,
      },
    ]);
    const removed = diffConfigMap(testdataSnapshot('configmap-base.yaml'), null);
    expect(driftFindings(removed, compareWithLive(removed, undefined), undefined)).toMatchObject([
      { code: 'drift', file: 'configmap-base.yaml', line: 2 },
    ]);
    const added = diffConfigMap(null, testdataSnapshot('configmap-head.yaml'));
    expect(driftFindings(added, compareWithLive(added, undefined), undefined)).toEqual([]);
  });
});
