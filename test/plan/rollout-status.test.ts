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

  it('gives progress figures: updated of desired, and available', () => {
    const d = object(
      'Deployment',
      1,
      { replicas: 3 },
      { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 1 },
    );
    expect(deploymentStatus(d).progress).toBe('2 of 3 updated, 1 available');
  });
});

describe('statefulSetStatus', () => {
  const rolling = (partition: number) => ({
    replicas: 3,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition } },
  });
  it.each([
    [
      'OnDelete is refused',
      { updateStrategy: { type: 'OnDelete' } },
      { observedGeneration: 1 },
      'failed',
      'rollout status is only available for RollingUpdate strategy type',
      '0 of 1 updated, 0 ready',
    ],
    [
      'not observed',
      { replicas: 2 },
      { observedGeneration: 0 },
      'progressing',
      'Waiting for statefulset spec update to be observed...',
      '0 of 2 updated, 0 ready',
    ],
    [
      'not ready',
      { replicas: 2 },
      { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 2 },
      'progressing',
      'Waiting for 1 pods to be ready...',
      '2 of 2 updated, 1 ready',
    ],
    [
      'partition pending',
      rolling(1),
      { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 },
      'progressing',
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
      '1 of 3 updated, 3 ready',
    ],
    [
      'partition done',
      rolling(1),
      { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2 },
      'done',
      'partitioned roll out complete: 2 new pods have been updated...',
      '2 of 3 updated, 3 ready',
    ],
    [
      'partition 0, all updated',
      rolling(0),
      { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3 },
      'done',
      'partitioned roll out complete: 3 new pods have been updated...',
      '3 of 3 updated, 3 ready',
    ],
    [
      'revisions differ',
      { replicas: 2 },
      {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 1,
        updateRevision: 'b',
        currentRevision: 'a',
      },
      'progressing',
      'waiting for statefulset rolling update to complete 1 pods at revision b...',
      '1 of 2 updated, 2 ready',
    ],
    [
      'done',
      { replicas: 2 },
      {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 2,
        currentReplicas: 2,
        updateRevision: 'b',
        currentRevision: 'b',
      },
      'done',
      'statefulset rolling update complete 2 pods at revision b...',
      '2 of 2 updated, 2 ready',
    ],
  ])('%s', (_name, spec, status, state, message, progress) => {
    expect(statefulSetStatus(object('StatefulSet', 1, spec, status))).toEqual({ state, message, progress });
  });
});

describe('daemonSetStatus', () => {
  it.each([
    [
      'OnDelete is refused',
      { updateStrategy: { type: 'OnDelete' } },
      { observedGeneration: 1 },
      'failed',
      'rollout status is only available for RollingUpdate strategy type',
      '0 of 0 updated, 0 available',
    ],
    [
      'not updated',
      {},
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 },
      'progressing',
      'Waiting for daemon set "w" rollout to finish: 2 out of 3 new pods have been updated...',
      '2 of 3 updated, 3 available',
    ],
    [
      'not available',
      {},
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 },
      'progressing',
      'Waiting for daemon set "w" rollout to finish: 2 of 3 updated pods are available...',
      '3 of 3 updated, 2 available',
    ],
    [
      'done',
      { updateStrategy: { type: 'RollingUpdate' } },
      { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
      'done',
      'daemon set "w" successfully rolled out',
      '3 of 3 updated, 3 available',
    ],
  ])('%s', (_name, spec, status, state, message, progress) => {
    expect(daemonSetStatus(object('DaemonSet', 1, spec, status))).toEqual({ state, message, progress });
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
