import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/plan/manifests.js';
import {
  daemonSetStatus,
  deploymentStatus,
  podFailure,
  rolloutStatus,
  statefulSetStatus,
} from '../../src/plan/rollout-status.js';
import { expectTestdata, testdataObject } from '../testdata.js';

const object = (kind: string, generation: number, spec: object, status: object): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'w', generation },
  spec,
  status,
});

describe('deploymentStatus (kubectl rollout status parity)', () => {
  it.each([
    [
      'spec not observed',
      2,
      { replicas: 3 },
      { observedGeneration: 1 },
      'progressing',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'deadline exceeded',
      2,
      { replicas: 3 },
      {
        observedGeneration: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
      'failed',
      'deployment "w" exceeded its progress deadline',
    ],
    [
      'too few updated',
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 1, replicas: 3 },
      'progressing',
      'Waiting for deployment "w" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      'old pending termination',
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 },
      'progressing',
      'Waiting for deployment "w" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      'not all available',
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 },
      'progressing',
      'Waiting for deployment "w" rollout to finish: 2 of 3 updated replicas are available...',
    ],
    [
      'done',
      2,
      { replicas: 3 },
      { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      'done',
      'deployment "w" successfully rolled out',
    ],
    [
      'replicas default to 1',
      1,
      {},
      { observedGeneration: 1, updatedReplicas: 0 },
      'progressing',
      'Waiting for deployment "w" rollout to finish: 0 out of 1 new replicas have been updated...',
    ],
  ])('%s', (_name, generation, spec, status, state, message) => {
    expect(deploymentStatus(object('Deployment', generation, spec, status))).toMatchObject({
      state,
      message,
    });
  });
});

describe('statefulSetStatus', () => {
  it.each([
    ['OnDelete is refused', { updateStrategy: { type: 'OnDelete' } }, { observedGeneration: 1 }, 'failed'],
    ['not observed', { replicas: 2 }, { observedGeneration: 0 }, 'progressing'],
    ['not ready', { replicas: 2 }, { observedGeneration: 1, readyReplicas: 1 }, 'progressing'],
    [
      'partition pending',
      { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
      { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 },
      'progressing',
    ],
    [
      'partition done',
      { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
      { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2 },
      'done',
    ],
    [
      'revisions differ',
      { replicas: 2 },
      { observedGeneration: 1, readyReplicas: 2, updateRevision: 'b', currentRevision: 'a' },
      'progressing',
    ],
    [
      'done',
      { replicas: 2 },
      {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 2,
        updateRevision: 'b',
        currentRevision: 'b',
      },
      'done',
    ],
  ])('%s', (_name, spec, status, state) => {
    expect(statefulSetStatus(object('StatefulSet', 1, spec, status)).state).toBe(state);
  });
});

describe('daemonSetStatus', () => {
  it.each([
    ['OnDelete is refused', { updateStrategy: { type: 'OnDelete' } }, { observedGeneration: 1 }, 'failed'],
    [
      'not updated',
      {},
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 },
      'progressing',
    ],
    [
      'not available',
      {},
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 },
      'progressing',
    ],
    [
      'done',
      {},
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
      'done',
    ],
  ])('%s', (_name, spec, status, state) => {
    expect(daemonSetStatus(object('DaemonSet', 1, spec, status)).state).toBe(state);
  });
});

// A spec change the controller has not observed yet (observedGeneration 1, generation 2) leaves the status of the
// old generation in place: complete as it looks, the rollout of the new one has not started.
describe('rollout status of the same object before and after its controller observes the new generation', () => {
  const statusOf = (file: string) => rolloutStatus(testdataObject(file));
  it.each([
    [
      'statefulset-unobserved.yaml',
      'progressing',
      'Waiting for statefulset spec update to be observed...',
      '3 of 3 updated, 3 ready',
    ],
    [
      'statefulset-complete.yaml',
      'done',
      'statefulset rolling update complete 3 pods at revision db-2...',
      '3 of 3 updated, 3 ready',
    ],
    [
      'daemonset-unobserved.yaml',
      'progressing',
      'Waiting for daemon set spec update to be observed...',
      '2 of 2 updated, 2 available',
    ],
    [
      'daemonset-complete.yaml',
      'done',
      'daemon set "agent" successfully rolled out',
      '2 of 2 updated, 2 available',
    ],
  ])('%s: %s', (file, state, message, progress) => {
    expectTestdata(file, statusOf, { state, message, progress });
  });

  it('has no status for a kind that does not roll out', () => {
    expect(rolloutStatus(testdataObject('job-once.yaml'))).toBeUndefined();
  });
});

describe('podFailure', () => {
  const pod = (status: object): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    status,
  });
  it('names a crash-looping container with its restarts', () => {
    expect(
      podFailure(
        pod({
          containerStatuses: [
            {
              name: 'app',
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
            },
          ],
        }),
      ),
    ).toBe('container app CrashLoopBackOff (3 restarts): back-off 40s');
  });
  it('sees config errors in init containers and unschedulable pods', () => {
    expect(
      podFailure(
        pod({
          initContainerStatuses: [
            { name: 'i', state: { waiting: { reason: 'CreateContainerConfigError' } } },
          ],
        }),
      ),
    ).toBe('container i CreateContainerConfigError');
    expect(
      podFailure(
        pod({
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes' },
          ],
        }),
      ),
    ).toBe('Unschedulable: 0/3 nodes');
  });
  it('is quiet while a pod may still come up', () => {
    expect(
      podFailure(
        pod({ containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] }),
      ),
    ).toBeUndefined();
    expect(podFailure(pod({}))).toBeUndefined();
  });
});
