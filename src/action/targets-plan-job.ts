import * as core from '@actions/core';
import { resolveCluster } from '../cluster/connection.js';
import { hasBlockers } from '../plan/plan.js';
import { describeReach, planTargets, reachedTargets } from '../plan-targets.js';
import type { CommentContext } from '../report/comment.js';
import { renderTargetsComment, targetsToJson, type PlannedTarget } from '../report/targets-report.js';
import { readTargetsConfig } from '../sources/targets-config.js';
import { sharedSettings, type JobContext, type JobOutcome } from './job-settings.js';
import { annotate, failureOf, publishPlan, repositoryLinks } from './publish-plan.js';

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
  const changed = planned.flatMap((p) =>
    p.plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => `${p.target.name}:${c.ref}`),
  );
  core.setOutput('changed-configmaps', JSON.stringify(changed));
  core.setOutput('restarted-workloads', '[]');
  core.setOutput('result', planned.length > 0 ? 'planned' : 'no-change');
  for (const p of planned) annotate(p.plan.findings);

  const context: CommentContext = {
    links: repositoryLinks(env, event.headSha, workspace),
    commit: event.headSha,
    maxParallel: settings.maxParallel,
  };
  await publishPlan(
    { settings, event, tempDir, env, github },
    targetsToJson(reported),
    (hint, limit) =>
      renderTargetsComment(
        reported,
        reach.of,
        { ...context, ...(hint ? { fullPlanHint: hint } : {}) },
        limit,
      ),
    planned.length > 0,
  );
  const failures = planned.flatMap((p) => {
    const failure = failureOf(p.plan, settings.failOn);
    return failure ? [`${p.target.name}: ${failure}`] : [];
  });
  if (planned.some((p) => hasBlockers(p.plan))) core.info('Blockers found: merging this change is gated.');
  return { failure: failures.length > 0 ? failures.join('\n') : undefined };
}
