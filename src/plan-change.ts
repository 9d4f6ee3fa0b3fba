import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { VolumeMountPolicy } from './plan/decide.js';
import { collectSecrets, type ConfigMapSnapshot } from './plan/configmaps.js';
import { ManifestParseCache, type ManifestObject } from './plan/manifests.js';
import { planRollout, type LiveState, type Plan, type PlanInput } from './plan/plan.js';
import { PlanScope } from './plan/plan-scope.js';
import { parseManifestFiles, readManifestSource } from './sources/load-manifests.js';

export interface PlanChangeSettings {
  /** Manifests after the change (the working tree). */
  manifests: readonly string[];
  /** Manifests before the change: paths in the working tree, or the same paths at a git revision. */
  base: { paths: readonly string[] } | { gitRef: string };
  namespace: string;
  volumeMounts: VolumeMountPolicy;
  /** Treat Secrets as config sources too (opt-in): their values are never shown. */
  secrets?: boolean;
  /** Called with every Secret value read (decoded and base64), before anything is reported: the action masks them. */
  registerSecret?: (value: string) => void;
  cwd: string;
  /** The cluster to compare with; undefined plans offline, from the manifests alone. */
  cluster?: KubeConfig;
}

/** A plan with what it was made from, for apply to act on. */
export interface PlannedChange {
  plan: Plan;
  head: readonly ManifestObject[];
  live: LiveState | undefined;
}

/** The pipeline shared by the CLI and the action: read both sides and, when given, the cluster; then plan. */
export async function planChange(settings: PlanChangeSettings): Promise<Plan> {
  return (await prepareChange(settings)).plan;
}

export async function prepareChange(settings: PlanChangeSettings): Promise<PlannedChange> {
  const common = { cwd: settings.cwd, defaultNamespace: settings.namespace };
  const headSource = { ...common, patterns: settings.manifests };
  const baseSource =
    'gitRef' in settings.base
      ? { ...common, patterns: settings.manifests, gitRef: settings.base.gitRef }
      : { ...common, patterns: settings.base.paths };
  const headFiles = await readManifestSource(headSource);
  const baseFiles = await readManifestSource(baseSource);
  const secrets = settings.secrets === true;
  const scope = new PlanScope(baseFiles, headFiles, { secrets });
  const cache = new ManifestParseCache();
  const options = {
    volumeMounts: settings.volumeMounts,
    secrets,
    // A fresh key per run: Secret fingerprints say "changed or not" and can't be compared across runs.
    fingerprintKey: randomBytes(16).toString('hex'),
  };
  const read = (): PlanInput => {
    const head = parseManifestFiles(scope.files('head'), headSource, cache);
    const base = parseManifestFiles(scope.files('base'), baseSource, cache);
    return { base: base.objects, head: head.objects, notes: head.notes, options };
  };
  // What defines or changes config first; then what names a changed ConfigMap; then what names a consumer.
  let input = read();
  let plan = planRollout(input);
  for (const names of [changedNames, consumerNames]) {
    if (!scope.include(names(plan))) continue;
    input = read();
    plan = planRollout(input);
  }
  const register = (snapshots: Iterable<ConfigMapSnapshot>) => {
    if (!settings.registerSecret) return;
    for (const snapshot of snapshots) {
      if (snapshot.kind !== 'Secret') continue;
      for (const value of Object.values(snapshot.data)) {
        if (value === '') continue;
        settings.registerSecret(value);
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        if (decoded.trim() !== '') settings.registerSecret(decoded);
      }
    }
  };
  if (secrets) {
    register(collectSecrets(input.base).byRef.values());
    register(collectSecrets(input.head).byRef.values());
  }
  if (!settings.cluster) return { plan, head: input.head, live: undefined };
  // Only the namespaces whose ConfigMaps change: a pod reads ConfigMaps of its own namespace only.
  const namespaces = [
    ...new Set(plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => c.namespace)),
  ].sort();
  const live = await readLive(settings.cluster, namespaces, secrets);
  register(live.configMaps.values());
  plan = planRollout({ ...input, live });
  // A reader found only in the cluster may be defined in a file not read yet: then the manifests say what it is.
  if (scope.include(consumerNames(plan))) {
    input = read();
    plan = planRollout({ ...input, live });
  }
  return { plan, head: input.head, live };
}

/** Names of the ConfigMaps (and Secrets) the change adds, removes or modifies. */
function changedNames(plan: Plan): string[] {
  return plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => c.name);
}

/** Names of the workloads the plan found reading changed config (`Kind/namespace/name`). */
function consumerNames(plan: Plan): string[] {
  return plan.consumers.map((c) => c.workload.slice(c.workload.lastIndexOf('/') + 1));
}

/**
 * The cluster's side of the namespaces a change touches. The cluster client loads only here: offline plans
 * never wait for it. Access is checked only when a list is refused, then in full, so the error names every
 * permission missing; a plan that may read everything makes no extra round trip for it.
 */
async function readLive(
  cluster: KubeConfig,
  namespaces: readonly string[],
  secrets: boolean,
): Promise<LiveState> {
  const [{ readLiveState, planAccessChecks }, { assertAccess }, { statusOf }] = await Promise.all([
    import(/* webpackMode: "eager" */ './cluster/live-state.js'),
    import(/* webpackMode: "eager" */ './cluster/access-review.js'),
    import(/* webpackMode: "eager" */ './cluster/api-errors.js'),
  ]);
  try {
    return await readLiveState(cluster, namespaces, secrets);
  } catch (error) {
    if (statusOf(error) === 403) await assertAccess(cluster, planAccessChecks(namespaces, secrets));
    throw error;
  }
}
