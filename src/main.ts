import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { runApplyJob } from './action/apply-job.js';
import { readEvent } from './action/event.js';
import { runPlanJob } from './action/plan-job.js';
import { createGitHubClient } from './github/pull-requests.js';
import { readSettings } from './inputs.js';
import { getErrorMessage } from './sources/input-error.js';

/** The action: read inputs, then plan (pull requests) or apply (merges); the only place that fails the step. */
export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const event = readEvent(github.context, settings.mode);
    core.info(`config-rollout: ${event.mode} on a '${event.name}' event`);
    const canComment = settings.githubToken !== '' && Boolean(process.env['GITHUB_REPOSITORY']);
    const context = {
      settings,
      event,
      workspace: process.env['GITHUB_WORKSPACE'] ?? process.cwd(),
      tempDir: process.env['RUNNER_TEMP'] ?? tmpdir(),
      env: process.env,
      github: canComment
        ? createGitHubClient({ token: settings.githubToken, ...github.context.repo })
        : undefined,
    };
    const outcome = event.mode === 'apply' ? await runApplyJob(context) : await runPlanJob(context);
    if (outcome.failure) core.setFailed(outcome.failure);
  } catch (error) {
    core.setFailed(getErrorMessage(error));
  }
}
