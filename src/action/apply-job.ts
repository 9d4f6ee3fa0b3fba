import * as core from '@actions/core';
import { applyChange } from '../apply/apply-change.js';
import type { ApplyResult } from '../apply/apply-result.js';
import { resolveCluster } from '../cluster/connection.js';
import { renderApplyReport } from '../report/apply-report.js';
import { ensureCommit } from '../sources/git-files.js';
import { InputError } from '../sources/input-error.js';
import { baseFor } from './event.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { PlanChangeSettings } from '../plan-change.js';
import { describeReach, reachedTargets, targetSettings } from '../plan-targets.js';
import { readTargetsConfig } from '../sources/targets-config.js';
import {
  changeSettings,
  sharedSettings,
  targetsConfigOf,
  type JobContext,
  type JobOutcome,
} from './job-settings.js';

export const applyCommentMarker = '<!-- config-rollout:apply -->';

/** On merge: apply the change to the cluster, verify the rollouts, report back to the job and the merged PR. */
export async function runApplyJob({
  settings,
  event,
  workspace,
  env,
  github,
}: JobContext): Promise<JobOutcome> {
  const base = baseFor(event, settings.baseRef);
  await ensureCommit(base, workspace);
  const { cluster } = await resolveCluster(
    { kubeconfigContent: settings.kubeconfig, context: settings.context },
    env,
  );
  if (!cluster) {
    throw new InputError(
      `Apply needs a cluster: set the 'kubeconfig' input, or KUBECONFIG (e.g. with azure/k8s-set-context).`,
    );
  }
  const runUrl =
    env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY'] && env['GITHUB_RUN_ID']
      ? `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${env['GITHUB_RUN_ID']}`
      : undefined;
  const deployment =
    settings.environment && github && !settings.dryRun
      ? await github.createDeployment(event.sha, settings.environment, 'config-rollout apply')
      : undefined;
  // Whatever happens from here on, the Deployment record gets a final status: never `in_progress` for ever.
  const finishDeployment = async (ok: boolean, description: string) => {
    if (deployment === undefined) return;
    await github!
      .setDeploymentStatus(
        deployment,
        ok ? 'success' : 'failure',
        description.split('\n')[0]!.slice(0, 140),
        runUrl,
      )
      .catch((error: unknown) =>
        core.warning(
          `Could not set the deployment's status: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  };
  // One run for `manifests`; for a config file, one per target the change reaches, each with its own context.
  const configFile = targetsConfigOf(settings, workspace);
  const runs: { name?: string; settings: Omit<PlanChangeSettings, 'cluster'>; cluster: KubeConfig }[] = [];
  if (configFile === undefined) runs.push({ settings: changeSettings(settings, base, workspace), cluster });
  else {
    const shared = sharedSettings(settings, base, workspace);
    const reach = await reachedTargets(readTargetsConfig(configFile, workspace).targets, shared, configFile);
    core.info(`config-rollout: ${describeReach(reach)}`);
    for (const target of reach.reached) {
      const own = await resolveCluster(
        { kubeconfigContent: settings.kubeconfig, context: target.context ?? settings.context },
        env,
      );
      runs.push({
        name: target.name,
        settings: targetSettings(target, shared, reach.before?.get(target.name)),
        cluster: own.cluster ?? cluster,
      });
    }
  }
  const results: { name?: string; result: ApplyResult }[] = [];
  let open = false;
  try {
    if (deployment !== undefined)
      await github!.setDeploymentStatus(deployment, 'in_progress', 'Applying the change', runUrl);
    for (const run of runs) {
      const result = await applyChange({
        ...run.settings,
        cluster: run.cluster,
        dryRun: settings.dryRun,
        prune: settings.prune,
        applyScope: settings.applyScope,
        forceConflicts: settings.forceConflicts,
        maxParallel: settings.maxParallel,
        stopOnFirstFailure: true,
        deletePods: settings.deletePods,
        rollback: settings.rollback,
        timeoutMs: settings.timeoutMs,
        failureGraceMs: settings.failureGraceMs,
        log: (line) => core.info(line),
        // One log group per phase, so a person can fold the run and open the phase that failed.
        phase: (name) => {
          if (open) core.endGroup();
          core.startGroup(`Apply${run.name !== undefined ? ` ${run.name}` : ''}: ${name}`);
          open = true;
        },
      });
      results.push({ ...(run.name !== undefined ? { name: run.name } : {}), result });
      // A target that fails stops the rest: what is left is not applied, and the report says which ran.
      if (result.result !== 'applied' && result.result !== 'no-change') break;
    }
  } catch (error) {
    await finishDeployment(false, `Apply failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    if (open) core.endGroup();
  }
  const result = combinedResult(
    results.map((r) => r.result),
    settings.dryRun,
  );

  core.setOutput('result', result.result);
  core.setOutput(
    'changed-configmaps',
    JSON.stringify(result.configMaps.filter((c) => c.outcome !== 'kept').map((c) => c.ref)),
  );
  core.setOutput(
    'restarted-workloads',
    JSON.stringify(
      result.workloads
        .filter((w) => w.restarted)
        .map((w) => ({ workload: w.workload, outcome: w.outcome, seconds: w.seconds ?? null })),
    ),
  );
  const report =
    configFile === undefined
      ? renderApplyReport(result)
      : results.length === 0
        ? 'The change reaches none of the targets: nothing to apply.\n'
        : results.map((r) => `#### Target \`${r.name}\`\n\n${renderApplyReport(r.result)}`).join('\n');
  if (settings.summary) await core.summary.addRaw(report).write();
  const ok = result.result === 'applied' || result.result === 'no-change';
  await finishDeployment(ok, result.message);
  if (settings.comment && github && result.result !== 'no-change') {
    try {
      const pr = await github.findPullRequestForCommit(event.sha);
      if (pr !== undefined) {
        const comment = await github.createComment(pr, `${applyCommentMarker}\n${report}`);
        core.setOutput('comment-url', comment.url);
      }
    } catch (error) {
      core.warning(
        `Could not comment on the merged pull request: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { failure: ok ? undefined : result.message };
}

/**
 * The targets' results as one: the first that did not succeed decides (the runs stopped there), else applied
 * when any applied; the config maps, workloads and objects of every run.
 */
function combinedResult(results: readonly ApplyResult[], dryRun: boolean): ApplyResult {
  const [first] = results;
  if (!first) {
    const message = 'The change reaches none of the targets: nothing to apply.';
    return { result: 'no-change', dryRun, message, configMaps: [], workloads: [] };
  }
  if (results.length === 1) return first;
  const failed = results.find((r) => r.result !== 'applied' && r.result !== 'no-change');
  const decisive = failed ?? results.find((r) => r.result === 'applied') ?? first;
  return {
    ...decisive,
    configMaps: results.flatMap((r) => r.configMaps),
    workloads: results.flatMap((r) => r.workloads),
    objects: results.flatMap((r) => r.objects ?? []),
  };
}
