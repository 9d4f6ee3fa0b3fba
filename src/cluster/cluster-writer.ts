import type { KubeConfig } from '@kubernetes/client-node';
import type { ConfigMapSnapshot, SourceKind } from '../plan/configmaps.js';
import type { ConfigMapPatch } from '../plan/configmap-patch.js';
import type { KubeObject } from '../plan/manifests.js';
import { workloadKindOf } from '../plan/workload-kinds.js';
import { defaultRetry, statusOf, withRetry, type RetryOptions } from './api-errors.js';
import { createApiRequest, type ApiRequest } from './api-request.js';
import { ApiResources, resourcePath, type ResolvedResource } from './api-resources.js';
import { liveConfigMap, liveSecret } from './live-state.js';
import { ConflictError, retryOnConflict } from './retry-on-conflict.js';

const mergePatch = 'application/merge-patch+json';
const applyPatch = 'application/apply-patch+yaml';

/** Field manager recorded on every write, so `managedFields` say who changed what. */
export const fieldManager = 'config-rollout';

export { ConflictError };

/** A server-side apply refused because fields it sets are owned by other managers. */
export class FieldConflictError extends Error {
  constructor(
    message: string,
    /** The managers that own the conflicting fields, and the fields. */
    readonly conflicts: { manager: string; field: string }[],
  ) {
    super(message);
  }
}

/** A kind the API server does not serve (a CRD not installed, a removed API version). */
export class UnknownKindError extends Error {}

export interface LiveConfigMap {
  snapshot: ConfigMapSnapshot;
  resourceVersion: string;
}

/** The object to read or write: its kind and where it lives. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
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
  /** Set (string) or remove (null) pod-template annotations of a workload, by its kind's template path. */
  patchTemplateAnnotations(
    kind: string,
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<KubeObject>;
  /** Any object, by kind (discovery finds its resource). */
  readObject(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Server-side apply as `config-rollout`. Without `force`, fields owned by another manager that would change
   * are a FieldConflictError naming them.
   */
  applyObject(body: KubeObject, options?: { force?: boolean }): Promise<KubeObject>;
  /** Replace the whole object (PUT) at a resourceVersion: how rollback puts a previous state back exactly. */
  replaceObject(body: KubeObject, resourceVersion: string): Promise<KubeObject>;
  /** Merge-patch an object at a resourceVersion (managedFields hand-over). */
  patchObject(ref: ObjectRef, patch: Record<string, unknown>, resourceVersion: string): Promise<KubeObject>;
  createObject(body: KubeObject): Promise<KubeObject>;
  /** Delete (404 is fine); with a uid, only that incarnation of the object. */
  deleteObject(ref: ObjectRef, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void>;
  /** The resource that serves a kind, or undefined when the API server does not serve it. */
  resolveKind(apiVersion: string, kind: string): Promise<ResolvedResource | undefined>;
  /** Forget discovery, so kinds of CRDs created since are found. */
  forgetKinds(): void;
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

const conflictMessage = 'the object changed since it was read (409 Conflict)';

interface StatusBody {
  message?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

function statusBodyOf(error: unknown): StatusBody | undefined {
  const body = (error as { body?: unknown } | null)?.body;
  try {
    return typeof body === 'string' ? (JSON.parse(body) as StatusBody) : (body as StatusBody | undefined);
  } catch {
    return undefined;
  }
}

/** The managers and fields of a server-side apply conflict, from the API server's Status causes. */
export function fieldConflictsOf(error: unknown): { manager: string; field: string }[] {
  const causes = statusBodyOf(error)?.details?.causes ?? [];
  return causes
    .filter((c) => c.reason === 'FieldManagerConflict')
    .map((c) => ({
      manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'another manager',
      field: c.field ?? '',
    }));
}

export function createClusterWriter(kc: KubeConfig, options: ClusterWriterOptions): ClusterWriter {
  const request: ApiRequest = createApiRequest(kc);
  const resources = new ApiResources(request);
  const retry = options.retry ?? defaultRetry;
  const retried = <T>(call: () => Promise<T>): Promise<T> => withRetry(call, retry);
  const dryRun = options.dryRun ? 'All' : undefined;
  const writeQuery = { dryRun, fieldManager };
  const typed = (item: KubeObject | undefined, apiVersion: string, kind: string): KubeObject | undefined =>
    item ? { ...item, apiVersion, kind } : undefined;
  const asConfigMap = (item: KubeObject, kind: SourceKind = 'ConfigMap'): LiveConfigMap => {
    const object = { ...item, apiVersion: 'v1', kind };
    return {
      snapshot: kind === 'Secret' ? liveSecret(object) : liveConfigMap(object),
      resourceVersion: String(object.metadata['resourceVersion'] ?? ''),
    };
  };
  const conflicts = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await retried(call);
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(conflictMessage);
      throw error;
    }
  };
  const notFound = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await retried(call);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      if (statusOf(error) === 409) throw new ConflictError(conflictMessage);
      throw error;
    }
  };
  const sourcePath = (kind: SourceKind, namespace: string, name?: string) =>
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind === 'Secret' ? 'secrets' : 'configmaps'}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  const resourceOf = async (ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): Promise<ResolvedResource> => {
    const resource = await resources.resolve(ref.apiVersion, ref.kind);
    if (!resource)
      throw new UnknownKindError(`the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    return resource;
  };
  const pathOf = async (ref: ObjectRef, withName = true) =>
    resourcePath(await resourceOf(ref), ref.namespace, withName ? ref.name : undefined);
  const refOf = (body: KubeObject): ObjectRef => ({
    apiVersion: body.apiVersion,
    kind: body.kind,
    namespace: typeof body.metadata.namespace === 'string' ? body.metadata.namespace : null,
    name: body.metadata.name,
  });
  const workloadRef = (kind: string, namespace: string, name: string): ObjectRef => {
    const resource = workloadKindOf(kind)?.resource;
    if (!resource) throw new Error(`config-rollout does not restart a ${kind} through its template`);
    return {
      apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
      kind,
      namespace,
      name,
    };
  };
  const readObject = async (ref: ObjectRef) =>
    typed(
      await notFound(async () => request<KubeObject>('GET', await pathOf(ref))),
      ref.apiVersion,
      ref.kind,
    );

  return {
    readConfigMap: async (namespace, name, kind = 'ConfigMap') => {
      const item = await notFound(() => request<KubeObject>('GET', sourcePath(kind, namespace, name)));
      return item ? asConfigMap(item, kind) : undefined;
    },
    patchConfigMap: async (namespace, name, patch, resourceVersion, kind = 'ConfigMap') => {
      // A Secret has no binaryData: its patch is `data` alone, values already base64.
      const body = kind === 'Secret' ? { data: patch.data } : patch;
      const item = await conflicts(() =>
        request<KubeObject>('PATCH', sourcePath(kind, namespace, name), {
          body: { metadata: { resourceVersion }, ...body },
          contentType: mergePatch,
          query: writeQuery,
        }),
      );
      return asConfigMap(item, kind);
    },
    createConfigMap: async (snapshot, labels) => {
      const metadata = { name: snapshot.name, namespace: snapshot.namespace, ...(labels ? { labels } : {}) };
      const body =
        snapshot.kind === 'Secret'
          ? { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: snapshot.data }
          : {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata,
              data: snapshot.data,
              binaryData: snapshot.binaryData,
            };
      const item = await conflicts(() =>
        request<KubeObject>('POST', sourcePath(snapshot.kind, snapshot.namespace), {
          body: snapshot.immutable ? { ...body, immutable: true } : body,
          query: writeQuery,
        }),
      );
      return asConfigMap(item, snapshot.kind);
    },
    deleteConfigMap: async (namespace, name, resourceVersion, kind = 'ConfigMap') => {
      await notFound(() =>
        request('DELETE', sourcePath(kind, namespace, name), {
          body: resourceVersion ? { preconditions: { resourceVersion } } : undefined,
          query: { dryRun },
        }),
      );
    },
    readWorkload: (kind, namespace, name) => readObject(workloadRef(kind, namespace, name)),
    patchTemplateAnnotations: async (kind, namespace, name, annotations) => {
      const ref = workloadRef(kind, namespace, name);
      const templatePath = workloadKindOf(kind)!.templatePath;
      if (kind === 'CronJob' || templatePath.length === 0)
        throw new Error(`a ${kind} is not restarted through its template`);
      let body: Record<string, unknown> = { metadata: { annotations } };
      for (const step of [...templatePath].reverse()) body = { [step]: body };
      const path = await pathOf(ref);
      // No precondition here, so a 409 is the API server losing a race with a controller's status update:
      // sending the same patch again is safe and is what kubectl does.
      const item = await retryOnConflict(
        () =>
          conflicts(() =>
            request<KubeObject>('PATCH', path, { body, contentType: mergePatch, query: writeQuery }),
          ),
        { retries: retry.attempts - 1 },
      );
      return typed(item, ref.apiVersion, kind)!;
    },
    readObject,
    applyObject: async (body, { force = false } = {}) => {
      const ref = refOf(body);
      const path = await pathOf(ref);
      try {
        const item = await retried(() =>
          request<KubeObject>('PATCH', path, {
            body,
            contentType: applyPatch,
            query: { ...writeQuery, force: force ? 'true' : undefined },
          }),
        );
        return typed(item, ref.apiVersion, ref.kind)!;
      } catch (error) {
        const fields = statusOf(error) === 409 ? fieldConflictsOf(error) : [];
        if (fields.length > 0)
          throw new FieldConflictError(statusBodyOf(error)?.message ?? 'field conflicts', fields);
        if (statusOf(error) === 409) throw new ConflictError(conflictMessage);
        throw error;
      }
    },
    replaceObject: async (body, resourceVersion) => {
      const ref = refOf(body);
      const path = await pathOf(ref);
      const item = await conflicts(() =>
        request<KubeObject>('PUT', path, {
          body: { ...body, metadata: { ...body.metadata, resourceVersion } },
          query: writeQuery,
        }),
      );
      return typed(item, ref.apiVersion, ref.kind)!;
    },
    patchObject: async (ref, patch, resourceVersion) => {
      const path = await pathOf(ref);
      const metadata = {
        ...((patch['metadata'] as Record<string, unknown> | undefined) ?? {}),
        resourceVersion,
      };
      const item = await conflicts(() =>
        request<KubeObject>('PATCH', path, {
          body: { ...patch, metadata },
          contentType: mergePatch,
          query: writeQuery,
        }),
      );
      return typed(item, ref.apiVersion, ref.kind)!;
    },
    createObject: async (body) => {
      const ref = refOf(body);
      const item = await conflicts(async () =>
        request<KubeObject>('POST', await pathOf(ref, false), { body, query: writeQuery }),
      );
      return typed(item, ref.apiVersion, ref.kind)!;
    },
    deleteObject: async (ref, preconditions) => {
      const path = await pathOf(ref);
      const body =
        preconditions && (preconditions.uid || preconditions.resourceVersion)
          ? { preconditions, propagationPolicy: 'Background' }
          : { propagationPolicy: 'Background' };
      await notFound(() => request('DELETE', path, { body, query: { dryRun } }));
    },
    resolveKind: (apiVersion, kind) => resources.resolve(apiVersion, kind),
    forgetKinds: () => resources.forget(),
    deletePod: async (namespace, name) => {
      await notFound(() =>
        request(
          'DELETE',
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
          {
            query: { dryRun },
          },
        ),
      );
    },
    listPods: async (namespace, labelSelector) => {
      const list = await retried(() =>
        request<{ items?: KubeObject[] }>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
          query: { labelSelector },
        }),
      );
      return (list.items ?? []).map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' }));
    },
    recentEvents: async (namespace, kind, name) => {
      const list = await retried(() =>
        request<{ items?: { type?: string; reason?: string; message?: string }[] }>(
          'GET',
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
          { query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` } },
        ),
      );
      return (list.items ?? [])
        .filter((e) => e.type === 'Warning')
        .slice(-5)
        .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`.trim());
    },
  };
}
