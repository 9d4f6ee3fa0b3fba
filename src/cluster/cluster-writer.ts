import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ConfigMapSnapshot } from '../plan/configmaps.js';
import type { ConfigMapPatch } from '../plan/configmap-patch.js';
import type { KubeObject } from '../plan/manifests.js';
import { statusOf, withRetry } from './api-errors.js';
import { liveConfigMap } from './live-state.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Field manager recorded on every write, so `managedFields` say who changed what. */
export const fieldManager = 'config-rollout';

/** A write refused because the object changed since it was read (HTTP 409). */
export class ConflictError extends Error {}

export interface LiveConfigMap {
  snapshot: ConfigMapSnapshot;
  resourceVersion: string;
}

/** The writes apply makes, each retried on transient errors; 409 surfaces as ConflictError. */
export interface ClusterWriter {
  readConfigMap(namespace: string, name: string): Promise<LiveConfigMap | undefined>;
  /** Merge-patch keys with a resourceVersion precondition. */
  patchConfigMap(
    namespace: string,
    name: string,
    patch: ConfigMapPatch,
    resourceVersion: string,
  ): Promise<LiveConfigMap>;
  createConfigMap(snapshot: ConfigMapSnapshot, labels?: Record<string, string>): Promise<LiveConfigMap>;
  deleteConfigMap(namespace: string, name: string, resourceVersion?: string): Promise<void>;
  readWorkload(kind: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** Set (string) or remove (null) pod-template annotations of a Deployment, StatefulSet or DaemonSet. */
  patchTemplateAnnotations(
    kind: string,
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<KubeObject>;
  deletePod(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** Recent warning events about an object, newest last, for failure reports. */
  recentEvents(namespace: string, kind: string, name: string): Promise<string[]>;
}

export function createClusterWriter(kc: KubeConfig, options: { dryRun: boolean }): ClusterWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const dryRun = options.dryRun ? 'All' : undefined;
  const asConfigMap = (item: unknown): LiveConfigMap => {
    const object = {
      ...(JSON.parse(JSON.stringify(item)) as KubeObject),
      apiVersion: 'v1',
      kind: 'ConfigMap',
    };
    return {
      snapshot: liveConfigMap(object),
      resourceVersion: String(object.metadata['resourceVersion'] ?? ''),
    };
  };
  const conflicts = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await withRetry(call);
    } catch (error) {
      if (statusOf(error) === 409)
        throw new ConflictError('the object changed since it was read (409 Conflict)');
      throw error;
    }
  };
  const notFound = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withRetry(call);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  const workloadApi = (kind: string) => {
    switch (kind) {
      case 'Deployment':
        return {
          read: (namespace: string, name: string) => apps.readNamespacedDeployment({ namespace, name }),
          patch: (namespace: string, name: string, body: object) =>
            apps.patchNamespacedDeployment({ namespace, name, body, dryRun, fieldManager }, mergePatch),
          apiVersion: 'apps/v1',
        };
      case 'StatefulSet':
        return {
          read: (namespace: string, name: string) => apps.readNamespacedStatefulSet({ namespace, name }),
          patch: (namespace: string, name: string, body: object) =>
            apps.patchNamespacedStatefulSet({ namespace, name, body, dryRun, fieldManager }, mergePatch),
          apiVersion: 'apps/v1',
        };
      case 'DaemonSet':
        return {
          read: (namespace: string, name: string) => apps.readNamespacedDaemonSet({ namespace, name }),
          patch: (namespace: string, name: string, body: object) =>
            apps.patchNamespacedDaemonSet({ namespace, name, body, dryRun, fieldManager }, mergePatch),
          apiVersion: 'apps/v1',
        };
      case 'CronJob':
        return {
          read: (namespace: string, name: string) => batch.readNamespacedCronJob({ namespace, name }),
          patch: undefined,
          apiVersion: 'batch/v1',
        };
      default:
        throw new Error(`config-rollout does not restart a ${kind} through its template`);
    }
  };
  const plainWorkload = (kind: string, apiVersion: string, item: unknown): KubeObject => ({
    ...(JSON.parse(JSON.stringify(item)) as KubeObject),
    apiVersion,
    kind,
  });

  return {
    readConfigMap: async (namespace, name) => {
      const item = await notFound(() => core.readNamespacedConfigMap({ namespace, name }));
      return item ? asConfigMap(item) : undefined;
    },
    patchConfigMap: async (namespace, name, patch, resourceVersion) =>
      asConfigMap(
        await conflicts(() =>
          core.patchNamespacedConfigMap(
            { namespace, name, body: { metadata: { resourceVersion }, ...patch }, dryRun, fieldManager },
            mergePatch,
          ),
        ),
      ),
    createConfigMap: async (snapshot, labels) =>
      asConfigMap(
        await conflicts(() =>
          core.createNamespacedConfigMap({
            namespace: snapshot.namespace,
            body: {
              metadata: { name: snapshot.name, namespace: snapshot.namespace, ...(labels ? { labels } : {}) },
              data: snapshot.data,
              binaryData: snapshot.binaryData,
              immutable: snapshot.immutable || undefined,
            },
            dryRun,
            fieldManager,
          }),
        ),
      ),
    deleteConfigMap: async (namespace, name, resourceVersion) => {
      await notFound(() =>
        core.deleteNamespacedConfigMap({
          namespace,
          name,
          dryRun,
          body: resourceVersion ? { preconditions: { resourceVersion } } : undefined,
        }),
      );
    },
    readWorkload: async (kind, namespace, name) => {
      const api = workloadApi(kind);
      const item = await notFound<unknown>(() => api.read(namespace, name));
      return item ? plainWorkload(kind, api.apiVersion, item) : undefined;
    },
    patchTemplateAnnotations: async (kind, namespace, name, annotations) => {
      const api = workloadApi(kind);
      if (!api.patch) throw new Error(`a ${kind} is not restarted through its template`);
      const body = { spec: { template: { metadata: { annotations } } } };
      return plainWorkload(kind, api.apiVersion, await conflicts(() => api.patch!(namespace, name, body)));
    },
    deletePod: async (namespace, name) => {
      await notFound(() => core.deleteNamespacedPod({ namespace, name, dryRun }));
    },
    listPods: async (namespace, labelSelector) => {
      const list = await withRetry(() => core.listNamespacedPod({ namespace, labelSelector }));
      return list.items.map((p) => ({
        ...(JSON.parse(JSON.stringify(p)) as KubeObject),
        apiVersion: 'v1',
        kind: 'Pod',
      }));
    },
    recentEvents: async (namespace, kind, name) => {
      const list = await withRetry(() =>
        core.listNamespacedEvent({
          namespace,
          fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
        }),
      );
      return list.items
        .filter((e) => e.type === 'Warning')
        .slice(-5)
        .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`.trim());
    },
  };
}
