import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ConfigMapSnapshot, SourceKind } from '../plan/configmaps.js';
import type { ConfigMapPatch } from '../plan/configmap-patch.js';
import type { KubeObject } from '../plan/manifests.js';
import { makeApiClient } from './api-client.js';
import { defaultRetry, statusOf, withRetry, type RetryOptions } from './api-errors.js';
import { liveConfigMap, liveSecret } from './live-state.js';

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
  /** A ConfigMap, or a Secret with `kind: 'Secret'` (its values as base64, never logged). */
  readConfigMap(namespace: string, name: string, kind?: SourceKind): Promise<LiveConfigMap | undefined>;
  /** Merge-patch keys with a resourceVersion precondition. */
  patchConfigMap(
    namespace: string,
    name: string,
    patch: ConfigMapPatch,
    resourceVersion: string,
    kind?: SourceKind,
  ): Promise<LiveConfigMap>;
  /** Create the ConfigMap or Secret (by `snapshot.kind`). */
  createConfigMap(snapshot: ConfigMapSnapshot, labels?: Record<string, string>): Promise<LiveConfigMap>;
  deleteConfigMap(
    namespace: string,
    name: string,
    resourceVersion?: string,
    kind?: SourceKind,
  ): Promise<void>;
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

export interface ClusterWriterOptions {
  dryRun: boolean;
  /** How transient failures are retried (rollback is more patient than apply). */
  retry?: RetryOptions;
}

export function createClusterWriter(kc: KubeConfig, options: ClusterWriterOptions): ClusterWriter {
  const core = makeApiClient(kc, CoreV1Api);
  const apps = makeApiClient(kc, AppsV1Api);
  const batch = makeApiClient(kc, BatchV1Api);
  const retry = options.retry ?? defaultRetry;
  const retried = <T>(call: () => Promise<T>): Promise<T> => withRetry(call, retry);
  const dryRun = options.dryRun ? 'All' : undefined;
  const asConfigMap = (item: unknown, kind: SourceKind = 'ConfigMap'): LiveConfigMap => {
    const object = {
      ...(JSON.parse(JSON.stringify(item)) as KubeObject),
      apiVersion: 'v1',
      kind,
    };
    return {
      snapshot: kind === 'Secret' ? liveSecret(object) : liveConfigMap(object),
      resourceVersion: String(object.metadata['resourceVersion'] ?? ''),
    };
  };
  /** A Secret has no binaryData: its patch is `data` alone, values already base64. */
  const secretPatch = (patch: ConfigMapPatch) => ({ data: patch.data });
  const conflicts = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await retried(call);
    } catch (error) {
      if (statusOf(error) === 409)
        throw new ConflictError('the object changed since it was read (409 Conflict)');
      throw error;
    }
  };
  const notFound = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await retried(call);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      if (statusOf(error) === 409)
        throw new ConflictError('the object changed since it was read (409 Conflict)');
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
    readConfigMap: async (namespace, name, kind = 'ConfigMap') => {
      const item = await notFound<unknown>(() =>
        kind === 'Secret'
          ? core.readNamespacedSecret({ namespace, name })
          : core.readNamespacedConfigMap({ namespace, name }),
      );
      return item ? asConfigMap(item, kind) : undefined;
    },
    patchConfigMap: async (namespace, name, patch, resourceVersion, kind = 'ConfigMap') =>
      kind === 'Secret'
        ? asConfigMap(
            await conflicts(() =>
              core.patchNamespacedSecret(
                {
                  namespace,
                  name,
                  body: { metadata: { resourceVersion }, ...secretPatch(patch) },
                  dryRun,
                  fieldManager,
                },
                mergePatch,
              ),
            ),
            'Secret',
          )
        : asConfigMap(
            await conflicts(() =>
              core.patchNamespacedConfigMap(
                { namespace, name, body: { metadata: { resourceVersion }, ...patch }, dryRun, fieldManager },
                mergePatch,
              ),
            ),
          ),
    createConfigMap: async (snapshot, labels) =>
      snapshot.kind === 'Secret'
        ? asConfigMap(
            await conflicts(() =>
              core.createNamespacedSecret({
                namespace: snapshot.namespace,
                body: {
                  metadata: {
                    name: snapshot.name,
                    namespace: snapshot.namespace,
                    ...(labels ? { labels } : {}),
                  },
                  type: 'Opaque',
                  data: snapshot.data,
                  immutable: snapshot.immutable || undefined,
                },
                dryRun,
                fieldManager,
              }),
            ),
            'Secret',
          )
        : asConfigMap(
            await conflicts(() =>
              core.createNamespacedConfigMap({
                namespace: snapshot.namespace,
                body: {
                  metadata: {
                    name: snapshot.name,
                    namespace: snapshot.namespace,
                    ...(labels ? { labels } : {}),
                  },
                  data: snapshot.data,
                  binaryData: snapshot.binaryData,
                  immutable: snapshot.immutable || undefined,
                },
                dryRun,
                fieldManager,
              }),
            ),
          ),
    deleteConfigMap: async (namespace, name, resourceVersion, kind = 'ConfigMap') => {
      const request = {
        namespace,
        name,
        dryRun,
        body: resourceVersion ? { preconditions: { resourceVersion } } : undefined,
      };
      await notFound<unknown>(() =>
        kind === 'Secret' ? core.deleteNamespacedSecret(request) : core.deleteNamespacedConfigMap(request),
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
      // No precondition here, so a 409 is the API server losing a race with a controller's status update:
      // sending the same patch again is safe and is what kubectl does.
      for (let attempt = 1; ; attempt++) {
        try {
          return plainWorkload(
            kind,
            api.apiVersion,
            await conflicts(() => api.patch!(namespace, name, body)),
          );
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= retry.attempts) throw error;
        }
      }
    },
    deletePod: async (namespace, name) => {
      await notFound(() => core.deleteNamespacedPod({ namespace, name, dryRun }));
    },
    listPods: async (namespace, labelSelector) => {
      const list = await retried(() => core.listNamespacedPod({ namespace, labelSelector }));
      return list.items.map((p) => ({
        ...(JSON.parse(JSON.stringify(p)) as KubeObject),
        apiVersion: 'v1',
        kind: 'Pod',
      }));
    },
    recentEvents: async (namespace, kind, name) => {
      const list = await retried(() =>
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
