import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { resolveCluster } from '../cluster/connection.js';
import { uploadPlanArtifact } from '../github/plan-artifact.js';
import { hasBlockers } from '../plan/plan.js';
import { describeReach, planTargets, reachedTargets } from '../plan-targets.js';
import { commentMarker, jobSummaryLimit, type CommentContext } from '../report/comment.js';
import { renderTargetsComment, targetsToJson, type PlannedTarget } from '../report/targets-report.js';
import { readTargetsConfig } from '../sources/targets-config.js';
import {
  annotate,
  failureOf,
  repositoryLinks,
  runPageUrl,
  sharedSettings,
  type JobContext,
  type JobOutcome,
} from './plan-job.js';

/**
 * The plan job for a config file's targets: the targets the change reaches, each planned against its own
 * context (offline for forks), one comment grouped by target, every finding annotated, the check failed when
 * any target fails it.
 */
export async function runTargetsPlanJob(
  { settings, event, workspace, tempDir, env, github }: JobContext,
  base: string,
  configFile: string,
): Promise<JobOutcome> {
  const { targets } = readTargetsConfig(configFile, workspace);
  const shared = sharedSettings(settings, base, workspace);
  const reach = await reachedTargets(targets, shared, configFile);
  core.info(`config-rollout: ${describeReach(reach)}`);
  core.startGroup('Plan the targets the change reaches');
  const planned = await planTargets(
    reach,
    shared,
    async (target) =>
      event.fromFork
        ? {
            cluster: undefined,
            notice:
              'Planned offline, from the manifests alone: pull requests from forks never get cluster credentials.',
          }
        : resolveCluster(
            {
              kubeconfigContent: settings.kubeconfig,
              context: target.context ?? settings.context,
              offline: settings.offline,
            },
            env,
          ),
    settings.onUnreachable,
  ).finally(() => core.endGroup());

  const reported: PlannedTarget[] = planned.map((p) => ({
    name: p.target.name,
    plan: p.plan,
    notices: p.notice ? [p.notice] : [],
  }));
  const planPath = join(tempDir, 'config-rollout-plan.json');
  await writeFile(planPath, JSON.stringify(targetsToJson(reported), null, 2));
  const artifact = await uploadPlanArtifact(planPath, env).catch((error: unknown) => {
    core.warning(
      `Could not upload the plan as an artifact: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  });
  const changed = planned.flatMap((p) =>
    p.plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => `${p.target.name}:${c.ref}`),
  );
  core.setOutput('plan', planPath);
  core.setOutput('changed-configmaps', JSON.stringify(changed));
  core.setOutput('restarted-workloads', '[]');
  core.setOutput('result', planned.length > 0 ? 'planned' : 'no-change');
  for (const p of planned) annotate(p.plan.findings);

  const context: CommentContext = {
    links: repositoryLinks(env, event.headSha, workspace),
    commit: event.headSha,
    maxParallel: settings.maxParallel,
  };
  const runUrl = runPageUrl(env);
  const whole = [
    runUrl ? `[job summary](${runUrl})` : 'job summary',
    artifact ? `[plan JSON](${artifact.url})` : 'the `plan` output',
  ];
  const body = renderTargetsComment(reported, reach.of, {
    ...context,
    fullPlanHint: `The whole plan: ${whole.join(' · ')}.`,
  });
  if (settings.summary) {
    await core.summary.addRaw(renderTargetsComment(reported, reach.of, context, jobSummaryLimit)).write();
  }
  if (settings.comment && github && event.pullRequest !== undefined) {
    try {
      const comment = await github.upsertStickyComment(event.pullRequest, commentMarker, body, {
        create: planned.length > 0,
      });
      if (comment) core.setOutput('comment-url', comment.url);
    } catch (error) {
      core.warning(
        `Could not comment on the pull request: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const failures = planned.flatMap((p) => {
    const failure = failureOf(p.plan, settings.failOn);
    return failure ? [`${p.target.name}: ${failure}`] : [];
  });
  if (planned.some((p) => hasBlockers(p.plan))) core.info('Blockers found: merging this change is gated.');
  return { failure: failures.length > 0 ? failures.join('\n') : undefined };
}
