// What a restart replaces and how, per kind (the kind table's expectedPods and strategy).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/plan/manifests.js';
import { workloadKindOf } from '../../src/plan/workload-kinds.js';

const body = (
  kind: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'w' },
  spec,
  status,
});

const size = (object: KubeObject) => {
  const kind = workloadKindOf(object.kind)!;
  return [kind.expectedPods(object), kind.strategy(object)];
};

describe('the size and pace of a restart, per kind', () => {
  it.each([
    ['Deployment', {}, {}, [1, 'RollingUpdate']],
    ['Deployment', { replicas: 4, strategy: { type: 'Recreate' } }, {}, [4, 'Recreate']],
    ['Deployment', { replicas: 0 }, {}, [0, 'RollingUpdate']],
    ['Deployment', { replicas: null }, {}, [1, 'RollingUpdate']],
    ['Deployment', { replicas: '3' }, {}, [null, 'RollingUpdate']],
    [
      'Deployment',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } } },
      {},
      [1, 'RollingUpdate (maxUnavailable 0, maxSurge 25%)'],
    ],
    ['Deployment', { strategy: { rollingUpdate: {} } }, {}, [1, 'RollingUpdate']],
    ['Deployment', { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }, {}, [1, 'Recreate']],
    [
      'StatefulSet',
      { replicas: 3, updateStrategy: { rollingUpdate: { partition: 2 } } },
      {},
      [3, 'RollingUpdate (partition 2)'],
    ],
    ['StatefulSet', { updateStrategy: { type: 'OnDelete' } }, {}, [1, 'OnDelete']],
    ['DaemonSet', {}, {}, [null, 'RollingUpdate']],
    ['DaemonSet', {}, { desiredNumberScheduled: 5 }, [5, 'RollingUpdate']],
    [
      'DaemonSet',
      { updateStrategy: { type: 'OnDelete' } },
      { desiredNumberScheduled: '5' },
      [null, 'OnDelete'],
    ],
    ['ReplicaSet', { replicas: 2 }, {}, [2, 'delete pods']],
    ['CronJob', {}, {}, [null, 'next run']],
    ['Job', { parallelism: 3 }, {}, [null, 'delete and create']],
    ['Pod', {}, {}, [1, 'delete and create']],
  ])('%s %j %j → %j', (kind, spec, status, expected) => {
    expect(size(body(kind, spec, status))).toEqual(expected);
  });
});
