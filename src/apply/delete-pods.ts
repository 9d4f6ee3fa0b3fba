import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterWriter } from '../cluster/cluster-writer.js';
import { watchObjects } from '../cluster/object-watch.js';
import type { KubeObject } from '../plan/manifests.js';
import { podFailure } from '../plan/rollout-status.js';
import type { RolloutOutcome, RolloutWatchOptions } from './rollout-watch.js';

export interface PodReplacement {
  namespace: string;
  /** `app=api,tier=web`: the workload's pods. */
  selector: string;
  /** How many pods the workload should run once done. */
  expected: number;
  isNewPod(pod: KubeObject): boolean;
}

function ready(pod: KubeObject): boolean {
  const conditions =
    (pod['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * For `updateStrategy: OnDelete`: the new template is recorded, but a pod is replaced only when deleted.
 * Delete old pods one at a time, each only once its predecessor's replacement is Ready, and stop at the
 * first replacement that fails (crash-looping, unschedulable) beyond the grace period.
 */
export async function replacePodsOneByOne(
  kc: KubeConfig,
  cluster: ClusterWriter,
  target: PodReplacement,
  options: RolloutWatchOptions,
): Promise<RolloutOutcome> {
  const now = options.now ?? Date.now;
  const started = now();
  let notify: () => void = () => undefined;
  const pods = watchObjects(
    kc,
    {
      path: `/api/v1/namespaces/${target.namespace}/pods`,
      apiVersion: 'v1',
      kind: 'Pod',
      labelSelector: target.selector,
    },
    () => notify(),
  );
  const current = () => [...pods.objects.values()].filter((p) => !p.metadata['deletionTimestamp']);
  const outcome = (healthy: boolean, message: string, podFailures: string[] = []): RolloutOutcome => ({
    healthy,
    seconds: Math.round((now() - started) / 100) / 10,
    message,
    podFailures,
  });
  /** Resolve when `done` holds; fail when a new pod keeps failing past the grace period or time runs out. */
  const waitFor = (done: () => boolean, what: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      const failingSince = new Map<string, number>();
      const deadline = setTimeout(
        () => finish(`no ${what} within ${Math.round(options.timeoutMs / 1000)}s`),
        options.timeoutMs,
      );
      const tick = setInterval(() => notify(), 250);
      const finish = (failure: string | undefined) => {
        clearTimeout(deadline);
        clearInterval(tick);
        notify = () => undefined;
        resolve(failure);
      };
      notify = () => {
        if (done()) return finish(undefined);
        for (const pod of current().filter(target.isNewPod)) {
          const reason = podFailure(pod);
          if (!reason) {
            failingSince.delete(pod.metadata.name);
            continue;
          }
          const since = failingSince.get(pod.metadata.name) ?? now();
          failingSince.set(pod.metadata.name, since);
          if (now() - since >= options.failureGraceMs) return finish(`pod ${pod.metadata.name}: ${reason}`);
        }
      };
      notify();
    });

  try {
    const settled = await waitFor(() => current().length >= target.expected, 'pods listed');
    if (settled) return outcome(false, settled);
    for (;;) {
      const old = current().filter((p) => !target.isNewPod(p));
      if (old.length === 0) break;
      const victim = old.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0]!;
      const readyNew = current().filter((p) => target.isNewPod(p) && ready(p)).length;
      options.log(
        `deleting pod ${victim.metadata.name} (${readyNew} of ${target.expected} pods on the new config)`,
      );
      await cluster.deletePod(target.namespace, victim.metadata.name);
      const failure = await waitFor(
        () => current().filter((p) => target.isNewPod(p) && ready(p)).length > readyNew,
        `Ready replacement for ${victim.metadata.name}`,
      );
      if (failure) return outcome(false, `replacement pod failed: ${failure}`, [failure]);
    }
    const last = await waitFor(
      () => current().filter((p) => target.isNewPod(p) && ready(p)).length >= target.expected,
      'all pods Ready on the new config',
    );
    return last
      ? outcome(false, last, [last])
      : outcome(true, `all ${target.expected} pods replaced and Ready`);
  } finally {
    pods.stop();
  }
}
