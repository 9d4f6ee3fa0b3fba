import * as core from '@actions/core';
import * as github from '@actions/github';
import { readSettings } from './inputs.js';
import { hasBlockers } from './plan/plan.js';
import { planChange } from './plan-change.js';
import { renderPlanComment } from './report/comment.js';
import { planToJson } from './report/plan-json.js';
import { getErrorMessage, InputError } from './sources/input-error.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** The action: read inputs, plan the change, report it; the only place that fails the step. */
export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const baseRef = settings.baseRef ?? pullRequestBase();
    core.startGroup('Plan the ConfigMap change');
    const plan = await planChange({
      manifests: settings.manifests,
      base: { gitRef: baseRef },
      namespace: settings.namespace,
      volumeMounts: settings.volumeMounts,
      cwd: process.env['GITHUB_WORKSPACE'] ?? process.cwd(),
    });
    core.endGroup();

    const planPath = join(process.env['RUNNER_TEMP'] ?? tmpdir(), 'config-rollout-plan.json');
    await writeFile(planPath, JSON.stringify(planToJson(plan), null, 2));
    core.setOutput('plan', planPath);
    core.setOutput(
      'changed-configmaps',
      JSON.stringify(plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => c.ref)),
    );
    const comment = renderPlanComment(plan);
    if (settings.summary) await core.summary.addRaw(comment).write();
    core.setOutput('result', plan.configMaps.some((c) => c.change !== 'unchanged') ? 'planned' : 'no-change');
    if (hasBlockers(plan)) {
      const count = plan.findings.filter((f) => f.severity === 'blocker').length;
      core.setFailed(`The change has ${count} blocker(s): see the plan.`);
    }
  } catch (error) {
    core.setFailed(getErrorMessage(error));
  }
}

function pullRequestBase(): string {
  const sha = (github.context.payload.pull_request?.['base'] as { sha?: string } | undefined)?.sha;
  if (!sha) throw new InputError(`No base to compare with: set 'base-ref', or run on a pull_request event.`);
  return sha;
}
