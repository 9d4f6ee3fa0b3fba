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
}

const byUpdateStrategy = (body: KubeObject): RestartMethod =>
  read(body, ['spec', 'updateStrategy', 'type']) === 'OnDelete' ? 'delete-pods' : 'rolling';

/** The one table of workload kinds: adding a kind is adding a row. */
export const workloadKinds: readonly WorkloadKind[] = [
  {
    kind: 'Deployment',
    resource: { group: 'apps', version: 'v1', plural: 'deployments' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'rolling',
    rollsOut: true,
  },
  {
    kind: 'StatefulSet',
    resource: { group: 'apps', version: 'v1', plural: 'statefulsets' },
    templatePath: ['spec', 'template'],
    restartMethod: byUpdateStrategy,
    rollsOut: true,
  },
  {
    kind: 'DaemonSet',
    resource: { group: 'apps', version: 'v1', plural: 'daemonsets' },
    templatePath: ['spec', 'template'],
    restartMethod: byUpdateStrategy,
    rollsOut: true,
  },
  {
    kind: 'ReplicaSet',
    resource: { group: 'apps', version: 'v1', plural: 'replicasets' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'delete-pods',
    rollsOut: false,
  },
  {
    kind: 'CronJob',
    resource: { group: 'batch', version: 'v1', plural: 'cronjobs' },
    templatePath: ['spec', 'jobTemplate', 'spec', 'template'],
    restartMethod: () => 'next-run',
    rollsOut: false,
  },
  {
    kind: 'Job',
    resource: { group: 'batch', version: 'v1', plural: 'jobs' },
    templatePath: ['spec', 'template'],
    restartMethod: () => 'recreate',
    rollsOut: false,
  },
  {
    kind: 'Pod',
    resource: { group: '', version: 'v1', plural: 'pods' },
    templatePath: [],
    restartMethod: () => 'recreate',
    rollsOut: false,
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
