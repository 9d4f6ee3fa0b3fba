import { apiMessage } from '../cluster/api-errors.js';
import { configHashAnnotation } from '../plan/config-hash.js';
import type { Workload } from '../plan/consumers.js';
import type { RolloutStep } from '../plan/deploy-plan.js';
import type { KubeObject } from '../plan/manifests.js';
import { containsFields } from '../plan/template-match.js';
import { podTemplateOf, read } from '../plan/workload-kinds.js';
import type { WorkloadResult } from './apply-result.js';
import { hasFailed, type ApplyRun } from './apply-run.js';
import { replacePodsOneByOne } from './delete-pods.js';
import { watchRollout, type RolloutOutcome } from './rollout-watch.js';
import { applyWholeObject } from './write-objects.js';

/** How the pods of the revision being rolled out are told from the old ones. */
export type NewPodTest = (pod: KubeObject) => boolean;

/** Pods whose template carries this config hash (null: carries none). */
export const podsWithHash =
  (hash: string | null): NewPodTest =>
  (pod) =>
    (((pod.metadata['annotations'] as Record<string, string> | undefined) ?? {})[configHashAnnotation] ??
      null) === hash;

/**
 * Pods created since a write the API server stamped at `time` (managedFields times have second resolution,
 * and the pods of the new revision are created after the write that made it).
 */
export const podsCreatedSince =
  (time: string | undefined): NewPodTest =>
  (pod) => {
    const since = Date.parse(time ?? '');
    const created = Date.parse(String(pod.metadata['creationTimestamp'] ?? ''));
    return Number.isNaN(since) || Number.isNaN(created) || created >= since;
  };

/** When an object was last written, by the API server's clock. */
export function lastWriteTime(object: KubeObject | undefined): string | undefined {
  const entries = (object?.metadata['managedFields'] as { time?: string }[] | undefined) ?? [];
  return (
    entries
      .map((e) => e.time ?? '')
      .sort()
      .at(-1) || undefined
  );
}

/**
 * Phase 6: write each workload of the change, restart each reader that needs it, and watch every one of them
 * to a verdict, `maxParallel` at a time; after the first failure no new one starts (stopOnFirstFailure).
 */
export async function rollOut(run: ApplyRun): Promise<void> {
  const queue = [...run.deploy.rollouts];
  const lanes = Array.from({ length: Math.max(1, run.settings.maxParallel) }, async () => {
    while (queue.length > 0) {
      if (hasFailed(run) && run.settings.stopOnFirstFailure) break;
      const step = queue.shift()!;
      try {
        run.workloads.push(await rollOutOne(run, step));
      } catch (error) {
        // A write the API server refuses (or a watch that can't be set up) fails this workload, and the
        // change is rolled back like any failed rollout: never an exception that leaves it half-on.
        run.workloads.push({
          workload: step.workload.id,
          action: actionOf(step),
          outcome: 'failed',
          restarted: false,
          reason: `could not ${step.type === 'apply' ? 'write it' : 'restart'}: ${apiMessage(error)}`,
        });
      }
    }
  });
  await Promise.all(lanes);
  for (const step of queue) {
    run.workloads.push({
      workload: step.workload.id,
      action: actionOf(step),
      outcome: 'skipped',
      restarted: false,
      reason: 'not started: an earlier rollout failed',
    });
  }
  for (const decision of run.deploy.untouched) {
    run.workloads.push({
      workload: decision.workload,
      action: decision.action,
      // Nothing to do now (none, next-run, wait-for-sync) is untouched; what needs a hand is skipped.
      outcome: ['none', 'next-run', 'wait-for-sync'].includes(decision.action) ? 'untouched' : 'skipped',
      restarted: false,
      reason: decision.reasons.at(-1) ?? '',
    });
  }
}

function actionOf(step: RolloutStep): string {
  if (step.type === 'apply') return 'apply';
  if (step.type === 'await-template') return 'await-template';
  return step.decision.action;
}

async function rollOutOne(run: ApplyRun, step: RolloutStep): Promise<WorkloadResult> {
  const { settings, cluster } = run;
  const { workload } = step;
  const id = workload.id;
  const base = { workload: id, action: actionOf(step) };
  if (step.type === 'apply') {
    const written = await applyWholeObject(run, { ...step.object, id }, step.body);
    if (written.outcome === 'failed')
      return { ...base, outcome: 'failed', restarted: false, reason: written.detail ?? 'writing it failed' };
    const changed = written.outcome !== 'unchanged';
    const method = workload.kind.restartMethod(step.body);
    if (settings.dryRun)
      return {
        ...base,
        outcome: 'healthy',
        restarted: changed,
        reason: 'dry run: accepted by the API server',
      };
    if (!workload.kind.rollsOut) {
      return {
        ...base,
        outcome: 'healthy',
        restarted: false,
        reason: `${written.outcome}; a ${workload.kind.kind} has no rollout to watch`,
      };
    }
    if (method === 'delete-pods' && settings.deletePods !== true) {
      return {
        ...base,
        outcome: 'skipped',
        restarted: false,
        reason: `${written.outcome}; updateStrategy is OnDelete, so its pods keep the old template until deleted (set delete-pods to replace them)`,
      };
    }
    const live = await cluster.readWorkload(workload.kind.kind, workload.namespace, workload.name);
    const isNew = step.hash ? podsWithHash(step.hash) : podsCreatedSince(lastWriteTime(live));
    settings.log(
      `${id}: ${changed ? 'written; watching its rollout' : 'already as the change has it; checking its rollout'}`,
    );
    const outcome = await verify(run, workload, method === 'delete-pods', isNew);
    return { ...(await toResult(run, workload, changed, outcome)), action: base.action };
  }
  if (step.type === 'await-template') {
    const appeared = await awaitTemplate(run, step);
    if (!appeared.ok) return { ...base, outcome: 'failed', restarted: false, reason: appeared.reason };
    const outcome = await verify(run, workload, false, podsCreatedSince(appeared.since));
    return { ...(await toResult(run, workload, false, outcome)), action: base.action };
  }
  const live = await cluster.readWorkload(workload.kind.kind, workload.namespace, workload.name);
  if (workload.kind.kind === 'Deployment' && read(live, ['spec', 'paused']) === true) {
    return {
      ...base,
      outcome: 'skipped',
      restarted: false,
      reason: 'paused: resume it to roll out the new config',
    };
  }
  const restarted = step.previousHash !== step.hash;
  if (restarted) {
    run.attempted.add(id);
    await cluster.patchTemplateAnnotations(workload.kind.kind, workload.namespace, workload.name, {
      [configHashAnnotation]: step.hash,
    });
  }
  if (settings.dryRun)
    return { ...base, outcome: 'healthy', restarted, reason: 'dry run: restart accepted by the API server' };
  settings.log(`${id}: ${restarted ? 'restarting' : 'already at this config; checking its rollout'}`);
  const outcome = await verify(run, workload, step.type === 'delete-pods', podsWithHash(step.hash));
  return { ...(await toResult(run, workload, restarted, outcome)), action: base.action };
}

/** apply-scope config: another step applies the new template; wait (bounded) until the cluster has it. */
async function awaitTemplate(
  run: ApplyRun,
  step: Extract<RolloutStep, { type: 'await-template' }>,
): Promise<{ ok: true; since: string | undefined } | { ok: false; reason: string }> {
  const { workload } = step;
  const deadline = Date.now() + run.settings.timeoutMs;
  let said = false;
  for (;;) {
    const live = await run.cluster.readWorkload(workload.kind.kind, workload.namespace, workload.name);
    const template = live ? podTemplateOf(workload.kind, live) : undefined;
    if (template && containsFields(template, step.template)) return { ok: true, since: lastWriteTime(live) };
    if (Date.now() >= deadline) {
      return {
        ok: false,
        reason: `its new pod template did not appear within ${Math.round(run.settings.timeoutMs / 1000)}s: apply-scope is config, so your pipeline must apply it (kubectl apply, helm upgrade) before or while config-rollout runs.`,
      };
    }
    if (!said) run.settings.log(`${workload.id}: waiting for your pipeline to apply its new pod template`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Watch a workload's rollout to a verdict: a rolling update, or OnDelete pods replaced one by one. */
export async function verify(
  run: ApplyRun,
  workload: Workload,
  podsByHand: boolean,
  isNewPod: NewPodTest,
): Promise<RolloutOutcome> {
  const { settings, cluster } = run;
  const watchOptions = {
    timeoutMs: settings.timeoutMs,
    failureGraceMs: settings.failureGraceMs,
    log: settings.log,
  };
  if (!podsByHand) {
    const target = { kind: workload.kind.kind, namespace: workload.namespace, name: workload.name, isNewPod };
    return watchRollout(settings.cluster, target, watchOptions);
  }
  const live =
    (await cluster.readWorkload(workload.kind.kind, workload.namespace, workload.name)) ?? workload.body;
  const labels =
    (read(live, ['spec', 'selector', 'matchLabels']) as Record<string, string> | undefined) ?? {};
  const expected =
    workload.kind.kind === 'DaemonSet'
      ? Number(read(live, ['status', 'desiredNumberScheduled']) ?? 0)
      : Number(read(live, ['spec', 'replicas']) ?? 1);
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return replacePodsOneByOne(
    settings.cluster,
    cluster,
    { namespace: workload.namespace, selector, expected, isNewPod },
    watchOptions,
  );
}

async function toResult(
  run: ApplyRun,
  workload: Workload,
  restarted: boolean,
  outcome: RolloutOutcome,
): Promise<WorkloadResult> {
  if (outcome.healthy) {
    return {
      workload: workload.id,
      action: 'restart',
      outcome: 'healthy',
      restarted,
      seconds: outcome.seconds,
      reason: `healthy in ${outcome.seconds}s`,
    };
  }
  const events = await run.cluster
    .recentEvents(workload.namespace, workload.kind.kind, workload.name)
    .catch(() => []);
  return {
    workload: workload.id,
    action: 'restart',
    outcome: 'failed',
    restarted,
    seconds: outcome.seconds,
    reason: outcome.message,
    failures: [...outcome.podFailures, ...events],
  };
}
