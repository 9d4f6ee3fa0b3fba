import * as core from '@actions/core';
import type { GitHubClient } from '../github/pull-requests.js';
import type { Settings } from '../inputs.js';
import { helmSettings, type SharedSettings } from '../plan-targets.js';
import { InputError } from '../sources/input-error.js';
import { defaultConfigFile, findTargetsConfig } from '../sources/targets-config.js';
import type { RunEvent } from './event.js';

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
    render: { ...shared.render, helm: helmSettings(settings) },
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
