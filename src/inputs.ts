import * as core from '@actions/core';
import type { VolumeMountPolicy } from './plan/decide.js';
import { InputError } from './sources/input-error.js';

/** Everything the action was asked to do, read and validated once. */
export interface Settings {
  /** Manifest files, folders or globs, one per line. */
  manifests: string[];
  namespace: string;
  /** Git revision of the base; defaults to the pull request's base commit. */
  baseRef: string | undefined;
  volumeMounts: VolumeMountPolicy;
  /** Write the plan to the job summary. */
  summary: boolean;
}

export function readSettings(): Settings {
  const manifests = core.getMultilineInput('manifests', { required: true }).flatMap(splitList);
  if (manifests.length === 0)
    throw new InputError(`Invalid 'manifests': expected at least one path or glob.`);
  return {
    manifests,
    namespace: nonEmpty('namespace', core.getInput('namespace') || 'default'),
    baseRef: core.getInput('base-ref') || undefined,
    volumeMounts: oneOf('volume-mounts', core.getInput('volume-mounts') || 'restart', [
      'restart',
      'hot-reload',
    ]),
    summary: core.getBooleanInput('summary'),
  };
}

function splitList(line: string): string[] {
  return line
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === '') throw new InputError(`Invalid '${name}': expected a non-empty value.`);
  return value.trim();
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(`Invalid '${name}' "${value}": expected one of ${allowed.join(', ')}.`);
}
