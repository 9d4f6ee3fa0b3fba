import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { uploadPlanArtifact } from '../github/plan-artifact.js';
import type { FailOn } from '../inputs.js';
import type { Finding } from '../plan/findings.js';
import type { Plan } from '../plan/plan.js';
import { commentMarker, jobSummaryLimit } from '../report/comment.js';
import type { RepositoryLinks } from '../report/comment-links.js';
import type { JobContext } from './job-settings.js';

/**
 * Where a plan is read: the plan JSON (the `plan` output, and an artifact of the run), the job summary (the
 * whole plan, up to 1 MiB) and the sticky PR comment, each rendered by `render` with a hint saying where the
 * rest is. `create` says whether a PR without our comment gets one.
 */
export async function publishPlan(
  { settings, event, tempDir, env, github }: Omit<JobContext, 'workspace'>,
  json: unknown,
  render: (fullPlanHint: string | undefined, limit: number | undefined) => string,
  create: boolean,
): Promise<void> {
  const planPath = join(tempDir, 'config-rollout-plan.json');
  await writeFile(planPath, JSON.stringify(json, null, 2));
  core.setOutput('plan', planPath);
  const artifact = await uploadPlanArtifact(planPath, env).catch((error: unknown) => {
    // The artifact is where a big plan is read in full; without it the job summary still holds it.
    core.warning(
      `Could not upload the plan as an artifact: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  });
  if (settings.summary) {
    const hint = artifact ? `The plan JSON: [config-rollout-plan.json](${artifact.url}).` : undefined;
    await core.summary.addRaw(render(hint, jobSummaryLimit)).write();
  }
  if (!settings.comment || !github || event.pullRequest === undefined) return;
  const runUrl = runPageUrl(env);
  const whole = [
    runUrl ? `[job summary](${runUrl})` : 'job summary',
    artifact ? `[plan JSON](${artifact.url})` : 'the `plan` output',
  ];
  try {
    const body = render(`The whole plan: ${whole.join(' · ')}.`, undefined);
    const comment = await github.upsertStickyComment(event.pullRequest, commentMarker, body, { create });
    if (comment) core.setOutput('comment-url', comment.url);
  } catch (error) {
    // Commenting is a courtesy (fork PRs get a read-only token): the plan and its verdict stand without it.
    core.warning(
      `Could not comment on the pull request: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
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
function runPageUrl(env: NodeJS.ProcessEnv): string | undefined {
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
