import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { readEvent, runnerContext } from './action/event.js';
import { readSettings } from './inputs.js';
import { getErrorMessage } from './sources/input-error.js';

/** The action: read inputs, then plan (pull requests) or apply (merges); the only place that fails the step. */
export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const event = readEvent(runnerContext(process.env), settings.mode);
    core.info(`config-rollout: ${event.mode} on a '${event.name}' event`);
    // The jobs, the cluster client and Octokit load only now: the first log line doesn't wait for them.
    const [{ runPlanJob }, { runApplyJob }, { createGitHubClient }] = await Promise.all([
      import(/* webpackMode: "eager" */ './action/plan-job.js'),
      import(/* webpackMode: "eager" */ './action/apply-job.js'),
      import(/* webpackMode: "eager" */ './github/pull-requests.js'),
    ]);
    const repository = process.env['GITHUB_REPOSITORY'] ?? '';
    const [owner, repo] = repository.split('/');
    const canComment = settings.githubToken !== '' && Boolean(owner && repo);
    const context = {
      settings,
      event,
      workspace: process.env['GITHUB_WORKSPACE'] ?? process.cwd(),
      tempDir: process.env['RUNNER_TEMP'] ?? tmpdir(),
      env: process.env,
      github: canComment
        ? createGitHubClient({ token: settings.githubToken, owner: owner!, repo: repo! })
        : undefined,
    };
    const outcome = event.mode === 'apply' ? await runApplyJob(context) : await runPlanJob(context);
    if (outcome.failure) core.setFailed(outcome.failure);
  } catch (error) {
    core.setFailed(getErrorMessage(error));
  }
}
