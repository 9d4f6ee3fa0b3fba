import type { KubeConfig } from '@kubernetes/client-node';
import { watchObjects } from '../cluster/object-watch.js';
import type { KubeObject } from '../plan/manifests.js';
import { podFailure, rolloutStatus } from '../plan/rollout-status.js';
import { workloadKindOf, read } from '../plan/workload-kinds.js';

export interface RolloutTarget {
  kind: string;
  namespace: string;
  name: string;
  /** The pods of the revision being rolled out (the others are old pods on their way out). */
  isNewPod(pod: KubeObject): boolean;
}

export interface RolloutWatchOptions {
  /** Give up after this long: StatefulSets and DaemonSets have no deadline of their own. */
  timeoutMs: number;
  /** How long a new pod may crash-loop, fail to pull or be unschedulable before the rollout is failed. */
  failureGraceMs: number;
  log(message: string): void;
  now?: () => number;
}

export interface RolloutOutcome {
  healthy: boolean;
  /** Seconds from the start of the watch to the verdict. */
  seconds: number;
  message: string;
  /** Why new pods fail, one line per pod. */
  podFailures: string[];
}

/** Short names in logs, as kubectl prints them. */
const shortKinds: Record<string, string> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds' };

function collectionPath(kind: string, namespace: string): { path: string; apiVersion: string } {
  const resource = workloadKindOf(kind)?.resource;
  if (!resource) throw new Error(`no rollout to watch for a ${kind}`);
  const prefix = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  return {
    path: `${prefix}/namespaces/${namespace}/${resource.plural}`,
    apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
  };
}

function selectorOf(object: KubeObject): string | undefined {
  const labels = read(object, ['spec', 'selector', 'matchLabels']);
  if (!labels || typeof labels !== 'object') return undefined;
  return Object.entries(labels as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Watch one rollout to a verdict with `kubectl rollout status` rules, and fail it sooner than kubectl does:
 * new pods failing for longer than the grace period, or no verdict within the timeout.
 */
export function watchRollout(
  kc: KubeConfig,
  target: RolloutTarget,
  options: RolloutWatchOptions,
): Promise<RolloutOutcome> {
  const now = options.now ?? Date.now;
  const started = now();
  const label = `${shortKinds[target.kind] ?? target.kind.toLowerCase()}/${target.name}`;
  return new Promise((resolve) => {
    const failingSince = new Map<string, { since: number; reason: string }>();
    let lastProgress = '';
    let lastMessage = 'no status yet';
    let podWatch: ReturnType<typeof watchObjects> | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (healthy: boolean, message: string, podFailures: string[] = []) => {
      if (settled) return;
      settled = true;
      workloadWatch.stop();
      podWatch?.stop();
      for (const t of timers) clearTimeout(t);
      const seconds = Math.round((now() - started) / 100) / 10;
      options.log(
        `${label}: ${healthy ? 'healthy' : 'FAILED'} after ${seconds}s${healthy ? '' : `: ${message}`}`,
      );
      resolve({ healthy, seconds, message, podFailures });
    };

    const evaluate = () => {
      if (settled) return;
      const object = workloadWatch.objects.get(target.name);
      if (object && !podWatch) {
        const selector = selectorOf(object);
        if (selector) {
          podWatch = watchObjects(
            kc,
            {
              path: `/api/v1/namespaces/${target.namespace}/pods`,
              apiVersion: 'v1',
              kind: 'Pod',
              labelSelector: selector,
            },
            evaluate,
            (message) => finish(false, `cannot watch the pods of ${label}: ${message}`),
          );
        }
      }
      // New pods that keep failing fail the rollout once the grace period has passed.
      const current = new Set<string>();
      for (const pod of podWatch?.objects.values() ?? []) {
        if (!target.isNewPod(pod)) continue;
        const reason = podFailure(pod);
        const name = pod.metadata.name;
        if (!reason) continue;
        current.add(name);
        if (!failingSince.has(name)) {
          failingSince.set(name, { since: now(), reason });
          timers.push(setTimeout(evaluate, options.failureGraceMs + 20));
        } else failingSince.get(name)!.reason = reason;
      }
      for (const name of [...failingSince.keys()]) if (!current.has(name)) failingSince.delete(name);
      const expired = [...failingSince.entries()].filter(
        ([, f]) => now() - f.since >= options.failureGraceMs,
      );
      if (expired.length > 0) {
        const reasons = expired.map(([pod, f]) => `pod ${pod}: ${f.reason}`);
        finish(
          false,
          `new pods are failing: ${reasons[0]}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ''}`,
          reasons,
        );
        return;
      }
      if (!object) return;
      const status = rolloutStatus(object);
      if (!status) return finish(false, `${target.kind} has no rollout status`);
      lastMessage = status.message;
      if (status.progress !== lastProgress) {
        lastProgress = status.progress;
        options.log(`${label}: ${status.progress}`);
      }
      if (status.state === 'done') finish(true, status.message);
      else if (status.state === 'failed')
        finish(
          false,
          status.message,
          [...failingSince.values()].map((f) => f.reason),
        );
    };

    const { path, apiVersion } = collectionPath(target.kind, target.namespace);
    const workloadWatch = watchObjects(
      kc,
      { path, apiVersion, kind: target.kind, fieldSelector: `metadata.name=${target.name}` },
      evaluate,
      (message) => finish(false, `cannot watch ${label}: ${message}`),
    );
    timers.push(
      setTimeout(() => {
        const failing = [...failingSince.entries()].map(([pod, f]) => `pod ${pod}: ${f.reason}`);
        finish(
          false,
          `no healthy rollout within ${Math.round(options.timeoutMs / 1000)}s: ${lastMessage}`,
          failing,
        );
      }, options.timeoutMs),
    );
  });
}
