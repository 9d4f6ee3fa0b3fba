import { existsSync, readFileSync } from 'node:fs';
import type { ModeSetting } from '../inputs.js';
import { InputError } from '../sources/input-error.js';

export type Mode = 'plan' | 'apply';

/** What the workflow event tells the action: its mode, its base commit, its PR. */
export interface RunEvent {
  name: string;
  mode: Mode;
  /** The commit to compare with, when the event names one. */
  baseSha: string | undefined;
  pullRequest: number | undefined;
  /** A pull request from a fork: its code is untrusted, so no cluster credentials are used. */
  fromFork: boolean;
  /** The commit being built. */
  sha: string;
  /** The commit the author pushed: a pull request's head (the build runs on a merge commit GitHub made). */
  headSha: string;
}

const planEvents = new Set(['pull_request', 'pull_request_target', 'merge_group']);
const applyEvents = new Set(['push', 'workflow_dispatch']);
const noCommit = /^0+$/;

/** What the runner says about the workflow run (a subset of @actions/github's context, read the same way). */
export interface RunnerContext {
  eventName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are free-form JSON
  payload: Record<string, any>;
  sha: string;
}

/**
 * The runner's context from its environment, without loading @actions/github (and Octokit with it): the
 * action logs its first line before any heavy module is loaded.
 */
export function runnerContext(env: NodeJS.ProcessEnv): RunnerContext {
  const path = env['GITHUB_EVENT_PATH'];
  let payload: Record<string, unknown> = {};
  if (path && existsSync(path)) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new InputError(`The event payload at GITHUB_EVENT_PATH (${path}) is not JSON.`);
    }
  }
  return { eventName: env['GITHUB_EVENT_NAME'] ?? '', payload, sha: env['GITHUB_SHA'] ?? '' };
}

export function readEvent(context: RunnerContext, mode: ModeSetting): RunEvent {
  const { eventName, payload } = context;
  const resolved: Mode =
    mode !== 'auto'
      ? mode
      : applyEvents.has(eventName)
        ? 'apply'
        : planEvents.has(eventName)
          ? 'plan'
          : 'plan';
  const pr = payload.pull_request as
    | {
        number?: number;
        base?: { sha?: string; repo?: { full_name?: string } };
        head?: { sha?: string; repo?: { full_name?: string } | null };
      }
    | undefined;
  let baseSha: string | undefined;
  if (pr?.base?.sha) baseSha = pr.base.sha;
  else if (eventName === 'merge_group')
    baseSha = (payload['merge_group'] as { base_sha?: string } | undefined)?.base_sha;
  else if (eventName === 'push') {
    const before = payload['before'] as string | undefined;
    baseSha = before && !noCommit.test(before) ? before : undefined;
  }
  const headRepo = pr?.head?.repo?.full_name;
  const baseRepo = pr?.base?.repo?.full_name ?? (payload.repository?.full_name as string | undefined);
  return {
    name: eventName,
    mode: resolved,
    baseSha,
    pullRequest: pr?.number,
    fromFork: pr !== undefined && (headRepo === undefined || headRepo !== baseRepo),
    sha: context.sha,
    headSha: pr?.head?.sha ?? context.sha,
  };
}

export function baseFor(event: RunEvent, baseRef: string | undefined): string {
  const base = baseRef ?? event.baseSha;
  if (!base) {
    throw new InputError(
      `No base to compare with on a '${event.name}' event: set the 'base-ref' input (e.g. a tag or commit of the last deploy).`,
    );
  }
  return base;
}
