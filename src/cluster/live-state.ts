import type { KubeConfig } from '@kubernetes/client-node';
import { configMapRef, keyRecord, secretRef, type ConfigMapSnapshot } from '../plan/configmaps.js';
import { toWorkload, type Workload } from '../plan/consumers.js';
import type { KubeObject } from '../plan/manifests.js';
import type { LiveState } from '../plan/plan.js';
import { workloadKinds } from '../plan/workload-kinds.js';
import type { AccessCheck } from './access-review.js';
import { createObjectLister, type ListedResource } from './object-lists.js';

const configMaps: ListedResource = { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps' };
const secrets: ListedResource = { kind: 'Secret', group: '', version: 'v1', plural: 'secrets' };

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
    data: keyRecord(record(object['data'])),
    binaryData: keyRecord(record(object['binaryData'])),
    immutable: object['immutable'] === true,
    source: null,
  };
}

/**
 * Read what the plan needs from the namespaces a change touches: one paged list per kind and namespace,
 * never a GET per object. When lists fail, the error is that of the first list in this order (ConfigMaps of
 * the first namespace first), not of whichever failed first: the same failure reads the same every time.
 */
export async function readLiveState(
  kc: KubeConfig,
  namespaces: readonly string[],
  withSecrets = false,
): Promise<LiveState> {
  const list = await createObjectLister(kc);
  const sources = new Map<string, ConfigMapSnapshot>();
  const workloads: Workload[] = [];
  const lists = await Promise.allSettled(
    namespaces.flatMap((namespace) => [
      list(configMaps, namespace).then((items) => {
        for (const item of items) {
          const snapshot = liveConfigMap(item);
          sources.set(snapshot.ref, snapshot);
        }
      }),
      ...(withSecrets
        ? [
            list(secrets, namespace).then((items) => {
              for (const item of items) {
                const snapshot = liveSecret(item);
                sources.set(snapshot.ref, snapshot);
              }
            }),
          ]
        : []),
      ...workloadKinds.map((kind) =>
        list({ kind: kind.kind, ...kind.resource }, namespace).then((items) => {
          for (const object of items) {
            if (controlled(object)) continue;
            const workload = toWorkload(object, namespace, null);
            if (workload) workloads.push(workload);
          }
        }),
      ),
    ]),
  );
  const failed = lists.find((list) => list.status === 'rejected');
  if (failed) throw failed.reason;
  workloads.sort((a, b) => a.id.localeCompare(b.id));
  return { namespaces: [...namespaces], configMaps: sources, workloads };
}

/** A live Secret, its values as canonical base64 (as the manifests' Secrets are kept). */
export function liveSecret(object: KubeObject): ConfigMapSnapshot {
  const namespace = String(object.metadata.namespace);
  const data = keyRecord<string>();
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
