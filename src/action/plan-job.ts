import * as core from '@actions/core';
import { resolveCluster } from '../cluster/connection.js';
import { planChangeOrOffline } from '../plan-change.js';
import { renderPlanComment, type CommentContext } from '../report/comment.js';
import { planToJson } from '../report/plan-json.js';
import { ensureCommit } from '../sources/git-files.js';
import { baseFor } from './event.js';
import { changeSettings, targetsConfigOf, type JobContext, type JobOutcome } from './job-settings.js';
import { annotate, failureOf, publishPlan, repositoryLinks } from './publish-plan.js';
import { runTargetsPlanJob } from './targets-plan-job.js';

/** On a pull request (or merge queue): plan the change, comment once per PR, annotate, gate the merge. */
export async function runPlanJob({
  settings,
  event,
  workspace,
  tempDir,
  env,
  github,
}: JobContext): Promise<JobOutcome> {
  const base = baseFor(event, settings.baseRef);
  await ensureCommit(base, workspace);
  const configFile = targetsConfigOf(settings, workspace);
  if (configFile !== undefined) {
    return runTargetsPlanJob({ settings, event, workspace, tempDir, env, github }, base, configFile);
  }
  const { cluster, notice } = event.fromFork
    ? {
        cluster: undefined,
        notice:
          'Planned offline, from the manifests alone: pull requests from forks never get cluster credentials.',
      }
    : await resolveCluster(
        { kubeconfigContent: settings.kubeconfig, context: settings.context, offline: settings.offline },
        env,
      );
  core.info(notice.replace(/`/g, ''));

  core.startGroup('Plan the ConfigMap change');
  const { plan, offlineNotice } = await planChangeOrOffline(
    { ...changeSettings(settings, base, workspace), cluster },
    settings.onUnreachable,
  ).catch((error: unknown) => {
    // Close the group first: the failure is then logged where it is seen, not folded away.
    core.endGroup();
    throw error;
  });
  if (offlineNotice) core.warning(offlineNotice);
  for (const c of plan.consumers) core.info(`${c.workload}: ${c.action} — ${c.reasons.join(' ')}`);
  core.endGroup();

  const changed = plan.configMaps.filter((c) => c.change !== 'unchanged');
  core.setOutput('changed-configmaps', JSON.stringify(changed.map((c) => c.ref)));
  core.setOutput('restarted-workloads', '[]');
  core.setOutput('result', changed.length > 0 || plan.objects.length > 0 ? 'planned' : 'no-change');
  annotate(plan.findings);

  const context: CommentContext = {
    notices: [offlineNotice ?? notice],
    links: repositoryLinks(env, event.headSha, workspace),
    commit: event.headSha,
    maxParallel: settings.maxParallel,
  };
  await publishPlan(
    { settings, event, tempDir, env, github },
    planToJson(plan),
    (hint, limit) => renderPlanComment(plan, { ...context, ...(hint ? { fullPlanHint: hint } : {}) }, limit),
    // A PR that never changed config gets no comment; one whose change went away gets its comment updated.
    changed.length > 0 || (settings.applyScope === 'all' && plan.objects.length > 0),
  );
  return { failure: failureOf(plan, settings.failOn) };
}
