import * as core from '@actions/core';
import type { VolumeMountPolicy } from './plan/decide.js';
import type { ApplyScope } from './plan/deploy-plan.js';
import type { OnUnreachable } from './plan-change.js';
import { parseDuration } from './duration.js';
import { InputError } from './sources/input-error.js';

export type ModeSetting = 'auto' | 'plan' | 'apply';
/** Which findings fail the check: blockers, any warning, or drift (live differs from the base). */
export type FailOn = 'blocker' | 'warning' | 'drift';

/** Everything the action was asked to do, read and validated once. */
export interface Settings {
  mode: ModeSetting;
  /** Manifest files, folders or globs; a kustomization or chart folder is rendered. Empty: the config's targets. */
  manifests: string[];
  /** The config file of targets, when given (else config-rollout.yaml when `manifests` is empty and it exists). */
  config: string | undefined;
  namespace: string;
  /** A chart's values files (in order), `--set` values and release name; kustomize's helmCharts switch. */
  values: string[];
  set: string[];
  release: string | undefined;
  enableHelm: boolean;
  /** Git revision of the base; defaults to the event's (PR base, push `before`). */
  baseRef: string | undefined;
  /** kubeconfig content; undefined uses KUBECONFIG, ~/.kube/config or in-cluster. */
  kubeconfig: string | undefined;
  context: string | undefined;
  githubToken: string;
  comment: boolean;
  failOn: Set<FailOn>;
  volumeMounts: VolumeMountPolicy;
  /** Secrets are config sources too (values never shown, all registered as secrets for masking). */
  secrets: boolean;
  timeoutMs: number;
  failureGraceMs: number;
  maxParallel: number;
  rollback: boolean;
  /** Replace the pods of OnDelete StatefulSets/DaemonSets one by one on apply. */
  deletePods: boolean;
  dryRun: boolean;
  offline: boolean;
  /** A plan whose cluster can't be reached fails (default), or is made from the manifests alone and says so. */
  onUnreachable: OnUnreachable;
  prune: boolean;
  /** `all` deploys every object of the change on merge; `config` only ConfigMaps, Secrets and restarts. */
  applyScope: ApplyScope;
  /** Take over fields other field managers own when the change sets them (off: such an object fails). */
  forceConflicts: boolean;
  /** GitHub environment for a Deployment record on apply; undefined records none. */
  environment: string | undefined;
  summary: boolean;
}

export function readSettings(): Settings {
  // No manifests: the targets of the config file (`config`, else config-rollout.yaml in the workspace).
  const manifests = core.getMultilineInput('manifests').flatMap(splitList);
  const config = core.getInput('config') || undefined;
  if (manifests.length > 0 && config !== undefined)
    throw new InputError(`Set 'manifests' or 'config', not both.`);
  const failOn = new Set(
    splitList(core.getInput('fail-on') || 'blocker')
      .filter((v) => v !== 'none')
      .map((v) => oneOf('fail-on', v, ['blocker', 'warning', 'drift'] as const)),
  );
  const kubeconfig = core.getInput('kubeconfig');
  if (kubeconfig) maskKubeconfig(kubeconfig);
  const token = core.getInput('github-token');
  if (token) core.setSecret(token);
  return {
    mode: oneOf('mode', core.getInput('mode') || 'auto', ['auto', 'plan', 'apply'] as const),
    manifests,
    config,
    namespace: nonEmpty('namespace', core.getInput('namespace') || 'default'),
    values: core.getMultilineInput('values').flatMap(splitList),
    // One per line: a value may hold commas (`--set list={a,b}`).
    set: core
      .getMultilineInput('set')
      .map((s) => s.trim())
      .filter(Boolean),
    release: core.getInput('release') || undefined,
    enableHelm: booleanInput('enable-helm', false),
    baseRef: core.getInput('base-ref') || undefined,
    kubeconfig: kubeconfig || undefined,
    context: core.getInput('context') || undefined,
    githubToken: token,
    comment: booleanInput('comment', true),
    failOn,
    volumeMounts: oneOf('volume-mounts', core.getInput('volume-mounts') || 'restart', [
      'restart',
      'hot-reload',
    ] as const),
    secrets: booleanInput('secrets', false),
    timeoutMs: duration('timeout', core.getInput('timeout') || '5m'),
    failureGraceMs: duration('failure-grace', core.getInput('failure-grace') || '20s'),
    maxParallel: wholeNumber('max-parallel', core.getInput('max-parallel') || '5'),
    rollback: booleanInput('rollback', true),
    deletePods: booleanInput('delete-pods', false),
    dryRun: booleanInput('dry-run', false),
    offline: booleanInput('offline', false),
    onUnreachable: oneOf('on-unreachable', core.getInput('on-unreachable') || 'fail', [
      'fail',
      'offline',
    ] as const),
    prune: booleanInput('prune', false),
    applyScope: oneOf('apply-scope', core.getInput('apply-scope') || 'all', ['all', 'config'] as const),
    forceConflicts: booleanInput('force-conflicts', false),
    environment: core.getInput('environment') || undefined,
    summary: booleanInput('summary', true),
  };
}

function splitList(line: string): string[] {
  return line
    .split(/[,\n]/)
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

function booleanInput(name: string, fallback: boolean): boolean {
  const value = core.getInput(name).trim().toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', 'on'].includes(value)) return true;
  if (['false', 'no', 'off'].includes(value)) return false;
  throw new InputError(`Invalid '${name}' "${value}": expected true or false.`);
}

function wholeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`Invalid '${name}' "${value}": expected a whole number of at least 1.`);
  return n;
}

function duration(name: string, value: string): number {
  return parseDuration(`'${name}'`, value);
}

/**
 * The runner masks a registered secret where it appears whole; a kubeconfig is multi-line, so its credential
 * values (certificate and key data, tokens, passwords) are registered one by one as well.
 */
function maskKubeconfig(content: string): void {
  core.setSecret(content);
  for (const match of content.matchAll(
    /^\s*[\w-]*(?:data|token|password|secret)[\w-]*\s*:\s*["']?([^\s"']{8,})/gim,
  )) {
    core.setSecret(match[1]!);
  }
}
