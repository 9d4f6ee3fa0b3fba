import { isPlainObject, type KubeObject } from './manifests.js';
import { read } from './workload-kinds.js';

/**
 * Rollout health with the same rules as `kubectl rollout status` (pkg/kubectl/polymorphichelpers/rollout_status.go):
 * done, still progressing (with kubectl's message), or failed. Pure: the object in, the verdict out.
 */
export type RolloutState = 'done' | 'progressing' | 'failed';

export interface RolloutStatus {
  state: RolloutState;
  message: string;
  /** Short progress figures for logs: `2 of 3 updated, 1 available`. */
  progress: string;
}

const num = (value: unknown, fallback = 0): number => (typeof value === 'number' ? value : fallback);

function observed(object: KubeObject): boolean {
  const generation = num(object.metadata['generation']);
  const observedGeneration = num(read(object, ['status', 'observedGeneration']));
  return generation <= observedGeneration;
}

export function deploymentStatus(d: KubeObject): RolloutStatus {
  const name = d.metadata.name;
  const replicas = num(read(d, ['spec', 'replicas']), 1);
  const status = isPlainObject(d['status']) ? d['status'] : {};
  const updated = num(status['updatedReplicas']);
  const total = num(status['replicas']);
  const available = num(status['availableReplicas']);
  const progress = `${updated} of ${replicas} updated, ${available} available`;
  if (!observed(d)) return waiting('Waiting for deployment spec update to be observed...', progress);
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  const progressing = conditions.find((c) => isPlainObject(c) && c['type'] === 'Progressing');
  if (isPlainObject(progressing) && progressing['reason'] === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `deployment "${name}" exceeded its progress deadline`, progress };
  }
  if (updated < replicas) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
      progress,
    );
  }
  if (total > updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`,
      progress,
    );
  }
  if (available < updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
      progress,
    );
  }
  return { state: 'done', message: `deployment "${name}" successfully rolled out`, progress };
}

export function statefulSetStatus(s: KubeObject): RolloutStatus {
  const strategy = read(s, ['spec', 'updateStrategy', 'type']) ?? 'RollingUpdate';
  const replicas = num(read(s, ['spec', 'replicas']), 1);
  const status = isPlainObject(s['status']) ? s['status'] : {};
  const ready = num(status['readyReplicas']);
  const updated = num(status['updatedReplicas']);
  const progress = `${updated} of ${replicas} updated, ${ready} ready`;
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'failed',
      message: 'rollout status is only available for RollingUpdate strategy type',
      progress,
    };
  }
  if (num(status['observedGeneration']) === 0 || !observed(s)) {
    return waiting('Waiting for statefulset spec update to be observed...', progress);
  }
  if (ready < replicas) return waiting(`Waiting for ${replicas - ready} pods to be ready...`, progress);
  const partition = read(s, ['spec', 'updateStrategy', 'rollingUpdate', 'partition']);
  if (typeof partition === 'number') {
    if (updated < replicas - partition) {
      return waiting(
        `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
        progress,
      );
    }
    return {
      state: 'done',
      message: `partitioned roll out complete: ${updated} new pods have been updated...`,
      progress,
    };
  }
  const updateRevision = status['updateRevision'];
  if (updateRevision !== status['currentRevision']) {
    return waiting(
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${String(updateRevision)}...`,
      progress,
    );
  }
  return {
    state: 'done',
    message: `statefulset rolling update complete ${num(status['currentReplicas'])} pods at revision ${String(updateRevision)}...`,
    progress,
  };
}

export function daemonSetStatus(ds: KubeObject): RolloutStatus {
  const name = ds.metadata.name;
  const strategy = read(ds, ['spec', 'updateStrategy', 'type']) ?? 'RollingUpdate';
  const status = isPlainObject(ds['status']) ? ds['status'] : {};
  const desired = num(status['desiredNumberScheduled']);
  const updated = num(status['updatedNumberScheduled']);
  const available = num(status['numberAvailable']);
  const progress = `${updated} of ${desired} updated, ${available} available`;
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'failed',
      message: 'rollout status is only available for RollingUpdate strategy type',
      progress,
    };
  }
  if (!observed(ds)) return waiting('Waiting for daemon set spec update to be observed...', progress);
  if (updated < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
      progress,
    );
  }
  if (available < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
      progress,
    );
  }
  return { state: 'done', message: `daemon set "${name}" successfully rolled out`, progress };
}

const statusByKind: Record<string, (o: KubeObject) => RolloutStatus> = {
  Deployment: deploymentStatus,
  StatefulSet: statefulSetStatus,
  DaemonSet: daemonSetStatus,
};

/** Rollout status of a workload kind that rolls (Deployment, StatefulSet, DaemonSet); undefined otherwise. */
export function rolloutStatus(object: KubeObject): RolloutStatus | undefined {
  return statusByKind[object.kind]?.(object);
}

function waiting(message: string, progress: string): RolloutStatus {
  return { state: 'progressing', message, progress };
}

/** Waiting reasons that mean a container will not come up by itself. */
const failingWaitReasons = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Why a pod is failing right now (crash-looping, unable to pull or configure a container, or unschedulable),
 * or undefined while it may still come up. The caller decides how long a failure must last.
 */
export function podFailure(pod: KubeObject): string | undefined {
  const status = isPlainObject(pod['status']) ? pod['status'] : {};
  for (const field of ['initContainerStatuses', 'containerStatuses']) {
    const list = status[field];
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      const waitingState = read(container, ['state', 'waiting']);
      const reason = read(waitingState, ['reason']);
      if (typeof reason === 'string' && failingWaitReasons.has(reason)) {
        const message = read(waitingState, ['message']);
        const restarts = num(read(container, ['restartCount']));
        const detail = typeof message === 'string' && message !== '' ? `: ${message}` : '';
        return `container ${String(read(container, ['name']))} ${reason}${restarts > 0 ? ` (${restarts} restarts)` : ''}${detail}`;
      }
    }
  }
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  const scheduled = conditions.find((c) => isPlainObject(c) && c['type'] === 'PodScheduled');
  if (
    isPlainObject(scheduled) &&
    scheduled['status'] === 'False' &&
    scheduled['reason'] === 'Unschedulable'
  ) {
    return `Unschedulable${typeof scheduled['message'] === 'string' ? `: ${scheduled['message']}` : ''}`;
  }
  return undefined;
}
