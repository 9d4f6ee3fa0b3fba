import { isPlainObject, type KubeObject } from './manifests.js';

/**
 * How a config change reaches a kind's pods:
 * - rolling: a pod-template change rolls new pods (Deployment; StatefulSet/DaemonSet with RollingUpdate);
 * - delete-pods: the controller re-creates pods from the current template only when they are deleted
 *   (StatefulSet/DaemonSet with OnDelete, a bare ReplicaSet);
 * - recreate: the pod template can't change in place; delete and create again (bare Pod, Job);
 * - next-run: each scheduled run starts new pods that read the ConfigMap then (CronJob).
 */
export type RestartMethod = 'rolling' | 'delete-pods' | 'recreate' | 'next-run';

/** Where a kind's objects live in the API, for the cluster adapter's list calls. */
export interface ApiResource {
  group: string;
  version: string;
  plural: string;
}

export interface WorkloadKind {
  kind: string;
  resource: ApiResource;
  /** Path from the object to its pod template (`metadata` + `spec`); empty for a Pod, which is its own. */
  templatePath: readonly string[];
  restartMethod(body: KubeObject): RestartMethod;
  /** `kubectl rollout status` covers it, and so does our rollout watch. */
  rollsOut: boolean;
  /** How many pods a restart replaces; null when the object doesn't say (a DaemonSet's nodes, a Job's runs). */
  expectedPods(body: KubeObject): number | null;
  /** How its pods are replaced, as a reviewer names it (`RollingUpdate 25%/25%`, `OnDelete`). */
  strategy(body: KubeObject): string | null;
}

const byUpdateStrategy = (body: KubeObject): RestartMethod =>
  read(body, ['spec', 'updateStrategy', 'type']) === 'OnDelete' ? 'delete-pods' : 'rolling';

/** `spec.replicas`, which the API defaults to 1. */
const replicas = (body: KubeObject): number | null => {
  const value = read(body, ['spec', 'replicas']);
  return value === undefined || value === null ? 1 : typeof value === 'number' ? value : null;
};

/** A DaemonSet runs a pod per matching node: the count is known only from the cluster's status. */
const scheduledPods = (body: KubeObject): number | null => {
  const value = read(body, ['status', 'desiredNumberScheduled']);
  return typeof value === 'number' ? value : null;
};

/** `RollingUpdate` with its limits when the manifest sets them, else the type alone. */
function strategyAt(path: readonly string[], fallback: string): (body: KubeObject) => string {
  return (body) => {
    const type = String(read(body, [...path, 'type']) ?? fallback);
    const rolling = read(body, [...path, 'rollingUpdate']);
    if (type !== 'RollingUpdate' || !isPlainObject(rolling)) return type;
    const limits = ['maxUnavailable', 'maxSurge', 'partition']
      .filter((field) => rolling[field] !== undefined)
      .map((field) => `${field} ${String(rolling[field])}`);
    return limits.length > 0 ? `${type} (${limits.join(', ')})` : type;
  };
}

/** The one table of workload kinds: adding a kind is adding a row. */
export const workloadKinds: readonly WorkloadKind[] = [
  {
    kind: 'Deployment',
    resource: { group: 'apps', version: 'v1', plural: 'deployments' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'rolling',
    rollsOut: true,
    expectedPods: replicas,
    strategy: strategyAt(['spec', 'strategy'], 'RollingUpdate'),
  },
  {
    kind: 'StatefulSet',
    resource: { group: 'apps', version: 'v1', plural: 'statefulsets' },
    templatePath: ['spec', 'template'],
    restartMethod: byUpdateStrategy,
    rollsOut: true,
    expectedPods: replicas,
    strategy: strategyAt(['spec', 'updateStrategy'], 'RollingUpdate'),
  },
  {
    kind: 'DaemonSet',
    resource: { group: 'apps', version: 'v1', plural: 'daemonsets' },
    templatePath: ['spec', 'template'],
    restartMethod: byUpdateStrategy,
    rollsOut: true,
    expectedPods: scheduledPods,
    strategy: strategyAt(['spec', 'updateStrategy'], 'RollingUpdate'),
  },
  {
    kind: 'ReplicaSet',
    resource: { group: 'apps', version: 'v1', plural: 'replicasets' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'delete-pods',
    rollsOut: false,
    expectedPods: replicas,
    strategy: () => 'delete pods',
  },
  {
    kind: 'CronJob',
    resource: { group: 'batch', version: 'v1', plural: 'cronjobs' },
    templatePath: ['spec', 'jobTemplate', 'spec', 'template'],
    restartMethod: () => 'next-run',
    rollsOut: false,
    expectedPods: () => null,
    strategy: () => 'next run',
  },
  {
    kind: 'Job',
    resource: { group: 'batch', version: 'v1', plural: 'jobs' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'recreate',
    rollsOut: false,
    expectedPods: () => null,
    strategy: () => 'delete and create',
  },
  {
    kind: 'Pod',
    resource: { group: '', version: 'v1', plural: 'pods' },
    templatePath: [],
    restartMethod: () => 'recreate',
    rollsOut: false,
    expectedPods: () => 1,
    strategy: () => 'delete and create',
  },
];

const kindsByName = new Map(workloadKinds.map((k) => [k.kind, k]));

export function workloadKindOf(kind: string): WorkloadKind | undefined {
  return kindsByName.get(kind);
}

/** The pod template of a workload: `{ metadata, spec }`, or undefined when the object has none. */
export interface PodTemplate {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

export function podTemplateOf(kind: WorkloadKind, body: KubeObject): PodTemplate | undefined {
  const template = kind.templatePath.length === 0 ? body : read(body, kind.templatePath);
  if (!isPlainObject(template) || !isPlainObject(template['spec'])) return undefined;
  const metadata = isPlainObject(template['metadata']) ? template['metadata'] : {};
  return { metadata, spec: template['spec'] };
}

export function read(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const step of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[step];
  }
  return current;
}
