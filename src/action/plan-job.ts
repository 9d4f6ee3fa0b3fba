import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { resolveCluster } from '../cluster/connection.js';
import type { GitHubClient } from '../github/pull-requests.js';
import type { FailOn, Settings } from '../inputs.js';
import type { Finding } from '../plan/findings.js';
import type { Plan } from '../plan/plan.js';
import { planChangeOrOffline } from '../plan-change.js';
import type { SharedSettings } from '../plan-targets.js';
import { uploadPlanArtifact } from '../github/plan-artifact.js';
import { commentMarker, jobSummaryLimit, renderPlanComment, type CommentContext } from '../report/comment.js';
import type { RepositoryLinks } from '../report/comment-links.js';
import { planToJson } from '../report/plan-json.js';
import { ensureCommit } from '../sources/git-files.js';
import { InputError } from '../sources/input-error.js';
import { defaultConfigFile, findTargetsConfig } from '../sources/targets-config.js';
import { baseFor, type RunEvent } from './event.js';

export interface JobOutcome {
  /** Why the step fails; undefined when it passes. */
  failure: string | undefined;
}

export interface JobContext {
  settings: Settings;
  event: RunEvent;
  workspace: string;
  tempDir: string;
  env: NodeJS.ProcessEnv;
  github: GitHubClient | undefined;
}

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
    const { runTargetsPlanJob } = await import(/* webpackMode: "eager" */ './targets-plan-job.js');
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

  const planPath = join(tempDir, 'config-rollout-plan.json');
  await writeFile(planPath, JSON.stringify(planToJson(plan), null, 2));
  const artifact = await uploadPlanArtifact(planPath, env).catch((error: unknown) => {
    // The artifact is where a big plan is read in full; without it the job summary still holds it.
    core.warning(
      `Could not upload the plan as an artifact: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  });
  const changed = plan.configMaps.filter((c) => c.change !== 'unchanged');
  core.setOutput('plan', planPath);
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
  const runUrl = runPageUrl(env);
  const whole = [
    runUrl ? `[job summary](${runUrl})` : 'job summary',
    artifact ? `[plan JSON](${artifact.url})` : 'the `plan` output',
  ];
  const body = renderPlanComment(plan, { ...context, fullPlanHint: `The whole plan: ${whole.join(' · ')}.` });
  if (settings.summary) {
    const hint = artifact ? `The plan JSON: [config-rollout-plan.json](${artifact.url}).` : undefined;
    await core.summary
      .addRaw(
        renderPlanComment(plan, { ...context, ...(hint ? { fullPlanHint: hint } : {}) }, jobSummaryLimit),
      )
      .write();
  }
  if (settings.comment && github && event.pullRequest !== undefined) {
    try {
      // A PR that never changed config gets no comment; one whose change went away gets its comment updated.
      const comment = await github.upsertStickyComment(event.pullRequest, commentMarker, body, {
        create: changed.length > 0 || (settings.applyScope === 'all' && plan.objects.length > 0),
      });
      if (comment) core.setOutput('comment-url', comment.url);
    } catch (error) {
      // Commenting is a courtesy (fork PRs get a read-only token): the plan and its verdict stand without it.
      core.warning(
        `Could not comment on the pull request: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { failure: failureOf(plan, settings.failOn) };
}

/**
 * The config file whose targets to plan: the `config` input, else config-rollout.yaml in the workspace when
 * `manifests` is not set; undefined when `manifests` names what to plan.
 */
export function targetsConfigOf(settings: Settings, workspace: string): string | undefined {
  if (settings.manifests.length > 0) return undefined;
  const file = findTargetsConfig(workspace, settings.config);
  if (file === undefined) {
    throw new InputError(
      `Set 'manifests' (files, folders, a kustomization or a chart), or list targets in ${defaultConfigFile} at the repository root (or the 'config' input).`,
    );
  }
  return file;
}

/** Both sides of the change as the inputs name them, for plan and apply alike. */
export function changeSettings(settings: Settings, base: string, workspace: string) {
  const shared = sharedSettings(settings, base, workspace);
  return {
    ...shared,
    manifests: settings.manifests,
    namespace: settings.namespace,
    render: {
      ...shared.render,
      helm: {
        valuesFiles: settings.values,
        set: settings.set,
        ...(settings.release !== undefined ? { release: settings.release } : {}),
        ...(settings.enableHelm ? { enableHelm: true } : {}),
      },
    },
  };
}

/** What every target shares (a config file's targets bring their manifests, namespace and values). */
export function sharedSettings(settings: Settings, base: string, workspace: string): SharedSettings {
  return {
    base: { gitRef: base },
    volumeMounts: settings.volumeMounts,
    secrets: settings.secrets,
    applyScope: settings.applyScope,
    forceConflicts: settings.forceConflicts,
    // Every Secret value read is masked in the log before anything could print it.
    registerSecret: (value: string) => core.setSecret(value),
    cwd: workspace,
    // Kustomizations and charts render with the runner's kustomize / kubectl / helm.
    render: { searchPath: process.env['PATH'] ?? '' },
  };
}

/** Links to the head commit's files: the server and repository the runner names. */
export function repositoryLinks(
  env: NodeJS.ProcessEnv,
  sha: string,
  workspace: string,
): RepositoryLinks | undefined {
  const server = env['GITHUB_SERVER_URL'] ?? 'https://github.com';
  const repository = env['GITHUB_REPOSITORY'];
  if (!repository || !sha) return undefined;
  return { repositoryUrl: `${server}/${repository}`, sha, root: workspace };
}

/** The workflow run's page, where the job summary and the artifacts are. */
export function runPageUrl(env: NodeJS.ProcessEnv): string | undefined {
  const repository = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  if (!repository || !runId) return undefined;
  return `${env['GITHUB_SERVER_URL'] ?? 'https://github.com'}/${repository}/actions/runs/${runId}`;
}

/** One annotation per finding at its line, and one more at each other line it concerns (a blocker's workload). */
export function annotate(findings: readonly Finding[]): void {
  for (const f of findings) {
    if (f.severity === 'info') continue;
    const places = [{ file: f.file ?? undefined, line: f.line ?? undefined }, ...(f.also ?? [])];
    for (const place of places) {
      const properties = {
        title: `config-rollout: ${f.code}`,
        file: place.file,
        startLine: place.line,
      };
      if (f.severity === 'blocker') core.error(f.message, properties);
      else core.warning(f.message, properties);
    }
  }
}

export function failureOf(plan: Plan, failOn: ReadonlySet<FailOn>): string | undefined {
  const failing = plan.findings.filter(
    (f) =>
      (failOn.has('blocker') && f.severity === 'blocker') ||
      (failOn.has('warning') && f.severity === 'warning') ||
      (failOn.has('drift') && (f.code === 'drift' || f.code === 'drift-conflict')),
  );
  if (failing.length === 0) return undefined;
  const codes = [...new Set(failing.map((f) => f.code))].join(', ');
  return `The plan has ${failing.length} finding(s) that fail this check (${codes}): see the PR comment or the job summary.`;
}
