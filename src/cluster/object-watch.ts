import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../plan/manifests.js';

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

/**
 * Keep a live view of a collection with the watch API, not by polling. The first watch has no
 * resourceVersion, so the server starts with the current state (synthetic ADDED events); a dropped stream
 * resumes from the last resourceVersion seen (bookmarks keep it fresh); 410 Gone starts over from the
 * current state.
 */
export function watchObjects(kc: KubeConfig, target: WatchTarget, onChange: () => void): ObjectWatch {
  const objects = new Map<string, KubeObject>();
  const watch = new Watch(kc);
  let resourceVersion: string | undefined;
  let stopped = false;
  let abort: AbortController | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const restart = (gone: boolean) => {
    if (stopped) return;
    if (gone) resourceVersion = undefined;
    const delay = gone ? 0 : Math.min(5_000, 100 * 2 ** Math.min(failures, 6));
    failures++;
    timer = setTimeout(() => void start(), delay);
  };

  const start = async () => {
    if (stopped) return;
    // Starting over: the server re-sends the current state, so forget what may have been deleted meanwhile.
    if (resourceVersion === undefined) objects.clear();
    try {
      abort = await watch.watch(
        target.path,
        {
          allowWatchBookmarks: true,
          resourceVersion,
          labelSelector: target.labelSelector,
          fieldSelector: target.fieldSelector,
        },
        (phase: string, object: KubeObject & { code?: number }) => {
          if (phase === 'ERROR') {
            // 410 Gone: our resourceVersion is too old to resume from; start over from the current state.
            abort?.abort();
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
          const status = (error as { statusCode?: number; code?: number } | null)?.statusCode;
          restart(status === 410);
        },
      );
    } catch {
      restart(false);
    }
  };

  void start();
  return {
    objects,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort?.abort();
    },
  };
}
