// Rollout and pod verdicts at their edges, and the plan scope and reference graph orders.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/plan/manifests.js';
import { buildReferenceGraph } from '../../src/plan/reference-graph.js';
import { deploymentStatus, podFailure, statefulSetStatus } from '../../src/plan/rollout-status.js';
import { PlanScope } from '../../src/plan/plan-scope.js';
import { objects } from './helpers.js';

const pod = (status: object): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  status,
});
const waitingFor = (reason: string, message?: string) =>
  pod({
    containerStatuses: [
      { name: 'app', state: { waiting: { reason, ...(message === undefined ? {} : { message }) } } },
    ],
  });

describe('podFailure', () => {
  it.each([
    'CrashLoopBackOff',
    'ImagePullBackOff',
    'ErrImagePull',
    'InvalidImageName',
    'CreateContainerConfigError',
    'CreateContainerError',
    'RunContainerError',
  ])('%s is a failure', (reason) => {
    expect(podFailure(waitingFor(reason))).toBe(`container app ${reason}`);
  });

  it('leaves out an empty message, and reads conditions past others', () => {
    expect(podFailure(waitingFor('ErrImagePull', ''))).toBe('container app ErrImagePull');
    const conditions = (scheduled: object) =>
      pod({ conditions: ['junk', { type: 'Ready', status: 'False', reason: 'Unschedulable' }, scheduled] });
    expect(podFailure(conditions({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }))).toBe(
      'Unschedulable',
    );
    expect(
      podFailure(conditions({ type: 'PodScheduled', status: 'True', reason: 'Unschedulable' })),
    ).toBeUndefined();
    expect(
      podFailure(conditions({ type: 'PodScheduled', status: 'False', reason: 'SchedulerError' })),
    ).toBeUndefined();
    expect(podFailure(pod({ conditions: 'junk' }))).toBeUndefined();
  });
});

describe('rollout status edges', () => {
  const deployment = (conditions: unknown): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w', generation: 1 },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1, conditions },
  });

  it('finds the Progressing condition among others, and only a deadline exceeded fails', () => {
    const deadline = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' };
    expect(
      deploymentStatus(
        deployment(['junk', { type: 'Available', reason: 'ProgressDeadlineExceeded' }, deadline]),
      ).state,
    ).toBe('failed');
    expect(
      deploymentStatus(deployment([{ type: 'Available', reason: 'ProgressDeadlineExceeded' }])).state,
    ).toBe('done');
    expect(
      deploymentStatus(deployment([{ type: 'Progressing', reason: 'NewReplicaSetAvailable' }])).state,
    ).toBe('done');
    expect(deploymentStatus(deployment('junk')).state).toBe('done');
  });

  it('waits for a StatefulSet whose status has not been written yet', () => {
    const s: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: {} };
    expect(statefulSetStatus(s).message).toBe('Waiting for statefulset spec update to be observed...');
  });
});

describe('orders and filters', () => {
  it('lists defined ConfigMaps, undefined and unread ones sorted', () => {
    const graph = buildReferenceGraph(
      objects(`apiVersion: v1
kind: ConfigMap
metadata: {name: z}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    envFrom: [{configMapRef: {name: m}}, {configMapRef: {name: k}}, {configMapRef: {name: z}}]
`),
    );
    expect(graph.configMaps.map((c) => c.name)).toEqual(['a', 'b', 'z']);
    expect(graph.undefinedReferenced).toEqual(['default/k', 'default/m']);
    expect(graph.unconsumed).toEqual(['default/a', 'default/b']);
  });

  it('reads the changed files of each side, and widens only by names that are not empty', () => {
    const file = (path: string, text: string) => ({ path, text });
    const base = [file('b/a.yaml', 'kind: Pod # one\n'), file('b/s.yaml', 'kind: Pod # same app\n')];
    const head = [file('h/a.yaml', 'kind: Pod # two\n'), file('h/s.yaml', 'kind: Pod # same app\n')];
    const scope = new PlanScope(base, head, { secrets: false, defaultNamespace: 'default' });
    expect(scope.changed('base').map((f) => f.path)).toEqual(['b/a.yaml']);
    expect(scope.changed('head').map((f) => f.path)).toEqual(['h/a.yaml']);
    expect(scope.files('base').map((f) => f.path)).toEqual(['b/a.yaml']);
    expect(scope.include([{ namespace: 'default', name: '' }])).toBe(false);
    expect(
      scope.include([
        { namespace: 'default', name: 'nothing' },
        { namespace: null, name: 'app' },
      ]),
    ).toBe(true);
    expect(scope.skipped).toBe(0);
    const escaped = file('e.yaml', 'name: "\\x61pp"\n');
    const crlf = file('c.yaml', 'name: "a\\\r\n  pp"\n');
    const withEscapes = new PlanScope([escaped, crlf], [escaped, crlf], {
      secrets: false,
      defaultNamespace: 'default',
    });
    expect(withEscapes.files('head').map((f) => f.path)).toEqual(['e.yaml', 'c.yaml']);
  });
});
