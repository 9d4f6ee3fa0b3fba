import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../plan/manifests.js';
import { requestTimeoutOf } from './api-client.js';
import { toClusterError, type ClusterProblem } from './cluster-error.js';

export interface WatchTarget {
  /** Collection path, e.g. `/apis/apps/v1/namespaces/shop/deployments`. */
  path: string;
  apiVersion: string;
  kind: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ObjectWatch {
  /** The objects as last seen, by name. */
  readonly objects: ReadonlyMap<string, KubeObject>;
  stop(): void;
}

/** A watch the API server refuses for good (no credentials, no permission): retrying can't help. */
const fatalStatuses = new Set([401, 403]);

/** Nor can it when the credentials can't be had at all. */
const fatalProblems = new Set<ClusterProblem>(['credential-plugin-missing', 'credential-plugin-failed']);

/** `/apis/apps/v1/namespaces/shop/deployments` → `watching deployments in namespace shop`. */
function watching(target: WatchTarget): string {
  const match = /\/namespaces\/([^/]+)\/([^/?]+)/.exec(target.path);
  const what = match ? `${match[2]} in namespace ${match[1]}` : target.path;
  return `watching ${what}${target.labelSelector ? ` (${target.labelSelector})` : ''}`;
}

/**
 * Keep a live view of a collection with the watch API, not by polling. The first watch has no
 * resourceVersion, so the server starts with the current state (synthetic ADDED events); a dropped stream
 * resumes from the last resourceVersion seen (bookmarks keep it fresh); 410 Gone starts over from the
 * current state. A stream that stays silent for the request timeout (a stalled connection looks just like a
 * quiet watch) is dropped and resumed too. Refusals that retrying can't fix (401, 403, a credential plugin
 * that is missing or fails) go to `onFatal`, as a ClusterError's message.
 */
export function watchObjects(
  kc: KubeConfig,
  target: WatchTarget,
  onChange: () => void,
  onFatal: (message: string) => void = () => {},
): ObjectWatch {
  const objects = new Map<string, KubeObject>();
  const watch = new Watch(kc);
  const idleMs = requestTimeoutOf(kc);
  let resourceVersion: string | undefined;
  let stopped = false;
  // Each stream is one attempt; callbacks of a stream that was dropped (or replaced) are ignored, so one
  // failure never starts two streams.
  let attempt = 0;
  let controller: AbortController | undefined;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  const drop = () => {
    attempt++;
    controller?.abort();
    controller = undefined;
    clearTimeout(idleTimer);
  };

  const restart = (gone: boolean) => {
    if (stopped) return;
    drop();
    if (gone) resourceVersion = undefined;
    // The first retry after things went well is immediate (a server-side timeout, a routine 410); then back off.
    const delay = failures === 0 ? 0 : Math.min(5_000, 100 * 2 ** Math.min(failures - 1, 6));
    failures++;
    retryTimer = setTimeout(() => void start(), delay);
  };

  const fail = (message: string) => {
    if (stopped) return;
    stopped = true;
    drop();
    onFatal(message);
  };

  const start = async () => {
    if (stopped) return;
    const mine = ++attempt;
    const current = () => !stopped && mine === attempt;
    const resetIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (current()) restart(false);
      }, idleMs);
    };
    // Starting over: the server re-sends the current state, so forget what may have been deleted meanwhile.
    if (resourceVersion === undefined) objects.clear();
    resetIdle();
    try {
      const started = await watch.watch(
        target.path,
        {
          allowWatchBookmarks: true,
          resourceVersion,
          labelSelector: target.labelSelector,
          fieldSelector: target.fieldSelector,
        },
        (phase: string, object: KubeObject & { code?: number; message?: string }) => {
          if (!current()) return;
          resetIdle();
          if (phase === 'ERROR') {
            if (object.code !== undefined && fatalStatuses.has(object.code)) {
              const status = { statusCode: object.code, body: { message: object.message } };
              return fail(toClusterError(status, watching(target), kc).message);
            }
            // 410 Gone: our resourceVersion is too old to resume from; start over from the current state.
            restart(object.code === 410);
            return;
          }
          const rv = object.metadata?.['resourceVersion'];
          if (typeof rv === 'string') resourceVersion = rv;
          if (phase === 'BOOKMARK') return;
          failures = 0;
          const name = object.metadata.name;
          if (phase === 'DELETED') objects.delete(name);
          else objects.set(name, { ...object, apiVersion: target.apiVersion, kind: target.kind });
          onChange();
        },
        (error: unknown) => {
          if (!current()) return;
          const status = (error as { statusCode?: number } | null)?.statusCode;
          if (status !== undefined && fatalStatuses.has(status))
            return fail(toClusterError(error, watching(target), kc).message);
          restart(status === 410);
        },
      );
      // Stopped or replaced (say by the idle timer) while connecting: this stream is not wanted any more.
      if (current()) controller = started;
      else started.abort();
    } catch (error) {
      if (!current()) return;
      const failure = toClusterError(error, watching(target), kc);
      if (fatalProblems.has(failure.problem)) fail(failure.message);
      else restart(false);
    }
  };

  void start();
  return {
    objects,
    stop: () => {
      stopped = true;
      clearTimeout(retryTimer);
      drop();
    },
  };
}
