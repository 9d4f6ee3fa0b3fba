import type { KubeConfig } from '@kubernetes/client-node';
import type { Plan } from './plan/plan.js';
import { planChangeOrOffline, type OnUnreachable, type PlanChangeSettings } from './plan-change.js';
import { changedPaths } from './sources/changed-paths.js';
import { folderTree } from './sources/file-tree.js';
import type { RenderSettings } from './sources/load-manifests.js';
import { sourceAt, type Source } from './sources/source.js';
import { sourceInputs, isTouched } from './sources/source-inputs.js';
import { sourceInputsAtRef } from './sources/source-inputs-at-ref.js';
import { runGit } from './sources/git-revision.js';
import { parseTargetsConfig, type Target } from './sources/targets-config.js';

/** One target's plan, with what its cluster said. */
export interface TargetPlan {
  target: Target;
  plan: Plan;
  /** How the target's cluster was (or was not) read, for the report. */
  notice?: string;
}

/** The settings every target shares; a target brings its manifests, namespace, values and context. */
export type SharedSettings = Omit<PlanChangeSettings, 'manifests' | 'namespace' | 'cluster' | 'render'> & {
  render: Omit<RenderSettings, 'helm'>;
};

/** A target's cluster: its own context, else the run's; undefined plans it offline. */
export type ClusterFor = (target: Target) => Promise<{ cluster: KubeConfig | undefined; notice?: string }>;

/** A chart's values, `--set` values, release and kustomize's helmCharts switch, as rendering takes them. */
export function helmSettings(of: {
  values: readonly string[];
  set: readonly string[];
  release?: string | undefined;
  enableHelm?: boolean | undefined;
}): NonNullable<RenderSettings['helm']> {
  return {
    valuesFiles: of.values,
    set: of.set,
    ...(of.release !== undefined ? { release: of.release } : {}),
    ...(of.enableHelm ? { enableHelm: true } : {}),
  };
}

/**
 * A target's source settings as a single-target plan takes them. `before` is the same target as the base
 * revision's config file defines it, when that differs: the base renders with its own values and flags.
 */
export function targetSettings(
  target: Target,
  shared: SharedSettings,
  before?: Target,
): Omit<PlanChangeSettings, 'cluster'> {
  const renderOf = (t: Target): RenderSettings => ({ ...shared.render, helm: helmSettings(t) });
  return {
    ...shared,
    manifests: target.manifests,
    namespace: target.namespace,
    render: renderOf(target),
    ...(before ? { baseRender: renderOf(before) } : {}),
  };
}

/** The targets a change can reach, and how many there were. */
export interface Reach {
  reached: Target[];
  of: number;
  /** The targets as the base revision's config file defines them, when the change edits that file. */
  before?: ReadonlyMap<string, Target>;
}

/**
 * Plan each target the change can reach, one after another (each renders and may read its own cluster), and
 * keep those the change touches: a target whose plan has nothing to say is not mentioned.
 */
export async function planTargets(
  reach: Reach,
  shared: SharedSettings,
  clusterFor: ClusterFor,
  onUnreachable: OnUnreachable,
): Promise<TargetPlan[]> {
  const plans: TargetPlan[] = [];
  for (const target of reach.reached) {
    const { cluster, notice } = await clusterFor(target);
    const { plan, offlineNotice } = await planChangeOrOffline(
      { ...targetSettings(target, shared, reach.before?.get(target.name)), cluster },
      onUnreachable,
    );
    if (!touches(plan)) continue;
    plans.push({ target, plan, ...((offlineNotice ?? notice) ? { notice: offlineNotice ?? notice } : {}) });
  }
  return plans;
}

/**
 * The targets whose inputs the change touches, read from their files (kustomization graphs, chart folders,
 * values files) on both sides, without rendering: a monorepo PR renders what it can reach, not every target.
 * Every target counts as reached when the base is given as other paths (no git to compare with), or when the
 * config file itself changed (a target's values or namespace may be what changed).
 */
export async function reachedTargets(
  targets: readonly Target[],
  shared: Pick<SharedSettings, 'base' | 'cwd'>,
  configFile: string,
): Promise<Reach> {
  const of = targets.length;
  if (!('gitRef' in shared.base)) return { reached: [...targets], of };
  const changed = await changedPaths(shared.base.gitRef, shared.cwd);
  if (changed.includes(configFile.replace(/^\.\//, ''))) {
    const before = await targetsAt(shared.base.gitRef, configFile, shared.cwd);
    return { reached: [...targets], of, before };
  }
  const sources = targets.map((t) => sourcesOf(t, shared.cwd));
  const head = folderTree(shared.cwd);
  const base = await sourceInputsAtRef(sources.flat(), shared.base.gitRef, shared.cwd);
  let at = 0;
  const reached = targets.filter((_, i) => {
    const own = sources[i]!;
    const baseInputs = base.slice(at, (at += own.length));
    return (
      own.some((source) => isTouched(sourceInputs(source, head), changed)) ||
      baseInputs.some((inputs) => isTouched(inputs, changed))
    );
  });
  return { reached, of };
}

/**
 * The targets of the config file at a revision, by name; empty when it had none or could not be read there
 * (a target new in this change renders both sides with its new settings).
 */
async function targetsAt(ref: string, configFile: string, cwd: string): Promise<Map<string, Target>> {
  try {
    const text = await runGit(['show', `${ref}:./${configFile.replace(/^\.\//, '')}`], cwd);
    return new Map(parseTargetsConfig(text, `${configFile} (at ${ref})`).targets.map((t) => [t.name, t]));
  } catch {
    return new Map();
  }
}

/** `the change reaches 2 of 250 targets: staging, prod` — what a log says before rendering starts. */
export function describeReach(reach: Reach): string {
  const names = reach.reached.map((t) => t.name);
  const shown = names.length > 10 ? [...names.slice(0, 10), `… ${names.length - 10} more`] : names;
  return `the change reaches ${reach.reached.length} of ${reach.of} target${reach.of === 1 ? '' : 's'}${shown.length > 0 ? `: ${shown.join(', ')}` : ''}`;
}

/** A target's manifests paths as sources: each kustomization or chart folder, and the plain rest. */
function sourcesOf(target: Target, cwd: string): Source[] {
  return target.manifests.map((path) =>
    sourceAt(path, cwd, { namespace: target.namespace, ...helmSettings(target) }),
  );
}

/** Whether a plan has anything to say: config or other objects change, or a finding beyond notes. */
export function touches(plan: Plan): boolean {
  return (
    plan.configMaps.some((c) => c.change !== 'unchanged') ||
    plan.objects.length > 0 ||
    plan.findings.some((f) => f.severity !== 'info')
  );
}
