import { AppsV1Api, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { configMapRef, secretRef, type ConfigMapSnapshot } from '../plan/configmaps.js';
import { toWorkload, type Workload } from '../plan/consumers.js';
import type { KubeObject } from '../plan/manifests.js';
import type { LiveState } from '../plan/plan.js';
import { workloadKinds } from '../plan/workload-kinds.js';
import type { AccessCheck } from './access-review.js';
import { makeApiClient } from './api-client.js';
import { withRetry } from './api-errors.js';

/** Objects per list page: large enough to keep requests few, small enough to bound each response. */
const pageSize = 500;

interface Page {
  items: unknown[];
  metadata?: { _continue?: string };
}

type Lister = (namespace: string, next: string | undefined) => Promise<Page>;

/** Plain JSON of a typed client object (dates as strings), with the kind list items don't carry. */
function plain(item: unknown, apiVersion: string, kind: string): KubeObject {
  return { ...(JSON.parse(JSON.stringify(item)) as KubeObject), apiVersion, kind };
}

/** A list call for every kind the plan reads, by kind. */
function listers(kc: KubeConfig): Record<string, Lister> {
  const core = makeApiClient(kc, CoreV1Api);
  const apps = makeApiClient(kc, AppsV1Api);
  const batch = makeApiClient(kc, BatchV1Api);
  const args = (namespace: string, next: string | undefined) => ({
    namespace,
    limit: pageSize,
    _continue: next,
  });
  return {
    ConfigMap: (ns, next) => core.listNamespacedConfigMap(args(ns, next)),
    Secret: (ns, next) => core.listNamespacedSecret(args(ns, next)),
    Pod: (ns, next) => core.listNamespacedPod(args(ns, next)),
    Deployment: (ns, next) => apps.listNamespacedDeployment(args(ns, next)),
    StatefulSet: (ns, next) => apps.listNamespacedStatefulSet(args(ns, next)),
    DaemonSet: (ns, next) => apps.listNamespacedDaemonSet(args(ns, next)),
    ReplicaSet: (ns, next) => apps.listNamespacedReplicaSet(args(ns, next)),
    Job: (ns, next) => batch.listNamespacedJob(args(ns, next)),
    CronJob: (ns, next) => batch.listNamespacedCronJob(args(ns, next)),
  };
}

async function listAll(list: Lister, namespace: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: string | undefined;
  do {
    const page = await withRetry(() => list(namespace, next));
    items.push(...page.items);
    next = page.metadata?._continue || undefined;
  } while (next);
  return items;
}

/** Objects a controller owns (a Deployment's ReplicaSets and pods, a CronJob's Jobs) roll with their owner. */
function controlled(object: KubeObject): boolean {
  const owners = object.metadata['ownerReferences'];
  return Array.isArray(owners) && owners.some((o) => (o as { controller?: boolean }).controller === true);
}

export function liveConfigMap(object: KubeObject): ConfigMapSnapshot {
  const namespace = String(object.metadata.namespace);
  const record = (value: unknown) =>
    value && typeof value === 'object' ? (value as Record<string, string>) : {};
  return {
    kind: 'ConfigMap',
    ref: configMapRef(namespace, object.metadata.name),
    namespace,
    name: object.metadata.name,
    data: { ...record(object['data']) },
    binaryData: { ...record(object['binaryData']) },
    immutable: object['immutable'] === true,
    source: null,
  };
}

/**
 * Read what the plan needs from the namespaces a change touches: one paged list per kind and namespace,
 * never a GET per object.
 */
export async function readLiveState(
  kc: KubeConfig,
  namespaces: readonly string[],
  secrets = false,
): Promise<LiveState> {
  const list = listers(kc);
  const configMaps = new Map<string, ConfigMapSnapshot>();
  const workloads: Workload[] = [];
  await Promise.all(
    namespaces.flatMap((namespace) => [
      listAll(list['ConfigMap']!, namespace).then((items) => {
        for (const item of items) {
          const snapshot = liveConfigMap(plain(item, 'v1', 'ConfigMap'));
          configMaps.set(snapshot.ref, snapshot);
        }
      }),
      ...(secrets
        ? [
            listAll(list['Secret']!, namespace).then((items) => {
              for (const item of items) {
                const snapshot = liveSecret(plain(item, 'v1', 'Secret'));
                configMaps.set(snapshot.ref, snapshot);
              }
            }),
          ]
        : []),
      ...workloadKinds.map((kind) =>
        listAll(list[kind.kind]!, namespace).then((items) => {
          const apiVersion = kind.resource.group
            ? `${kind.resource.group}/${kind.resource.version}`
            : kind.resource.version;
          for (const item of items) {
            const object = plain(item, apiVersion, kind.kind);
            if (controlled(object)) continue;
            const workload = toWorkload(object, namespace, null);
            if (workload) workloads.push(workload);
          }
        }),
      ),
    ]),
  );
  workloads.sort((a, b) => a.id.localeCompare(b.id));
  return { namespaces: [...namespaces], configMaps, workloads };
}

/** A live Secret, its values as canonical base64 (as the manifests' Secrets are kept). */
export function liveSecret(object: KubeObject): ConfigMapSnapshot {
  const namespace = String(object.metadata.namespace);
  const data: Record<string, string> = {};
  const raw = object['data'];
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, string>))
      data[k] = Buffer.from(v, 'base64').toString('base64');
  }
  return {
    kind: 'Secret',
    ref: secretRef(namespace, object.metadata.name),
    namespace,
    name: object.metadata.name,
    data,
    binaryData: {},
    immutable: object['immutable'] === true,
    source: null,
  };
}

/** The permissions a live plan needs: list ConfigMaps (and Secrets) and every workload kind in each namespace. */
export function planAccessChecks(namespaces: readonly string[], secrets = false): AccessCheck[] {
  return namespaces.flatMap((namespace) => [
    { verb: 'list', group: '', resource: 'configmaps', namespace },
    ...(secrets ? [{ verb: 'list', group: '', resource: 'secrets', namespace }] : []),
    ...workloadKinds.map((k) => ({
      verb: 'list',
      group: k.resource.group,
      resource: k.resource.plural,
      namespace,
    })),
  ]);
}
