import { randomBytes } from 'node:crypto';
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { deniedAccess, describeAccess } from './cluster/access-review.js';
import { planAccessChecks, readLiveState } from './cluster/live-state.js';
import type { VolumeMountPolicy } from './plan/decide.js';
import { collectSecrets, type ConfigMapSnapshot } from './plan/configmaps.js';
import { ManifestParseCache, type ManifestObject } from './plan/manifests.js';
import { planRollout, type LiveState, type Plan } from './plan/plan.js';
import { InputError } from './sources/input-error.js';
import { loadManifests } from './sources/load-manifests.js';

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
  const cache = new ManifestParseCache();
  const head = await loadManifests({ ...common, patterns: settings.manifests }, cache);
  const base =
    'gitRef' in settings.base
      ? await loadManifests({ ...common, patterns: settings.manifests, gitRef: settings.base.gitRef }, cache)
      : await loadManifests({ ...common, patterns: settings.base.paths }, cache);
  const input = {
    base: base.objects,
    head: head.objects,
    notes: head.notes,
    options: {
      volumeMounts: settings.volumeMounts,
      secrets: settings.secrets === true,
      // A fresh key per run: Secret fingerprints say "changed or not" and can't be compared across runs.
      fingerprintKey: randomBytes(16).toString('hex'),
    },
  };
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
  if (settings.secrets) {
    register(collectSecrets(base.objects).byRef.values());
    register(collectSecrets(head.objects).byRef.values());
  }
  if (!settings.cluster) return { plan: planRollout(input), head: head.objects, live: undefined };
  // Only the namespaces whose ConfigMaps change: a pod reads ConfigMaps of its own namespace only.
  const offline = planRollout(input);
  const namespaces = [
    ...new Set(offline.configMaps.filter((c) => c.change !== 'unchanged').map((c) => c.namespace)),
  ].sort();
  await assertAccess(settings.cluster, planAccessChecks(namespaces, settings.secrets === true));
  const live = await readLiveState(settings.cluster, namespaces, settings.secrets === true);
  register(live.configMaps.values());
  return { plan: planRollout({ ...input, live }), head: head.objects, live };
}

/** Permission problems are one clear error naming each verb, resource and namespace. */
export class AccessDeniedError extends InputError {}

export async function assertAccess(
  cluster: KubeConfig,
  checks: Parameters<typeof deniedAccess>[1],
): Promise<void> {
  if (checks.length === 0) return;
  const denied = await deniedAccess(cluster, checks);
  if (denied.length === 0) return;
  const user = await whoAmI(cluster);
  throw new AccessDeniedError(
    [
      `${user} is missing ${denied.length === 1 ? 'a permission' : `${denied.length} permissions`} config-rollout needs:`,
      ...denied.map((d) => `  - ${describeAccess(d)}`),
      'See "RBAC" in the README for the least-privilege Role.',
    ].join('\n'),
  );
}

/** The user the API server sees (SelfSubjectReview), for error messages; the kubeconfig's name if it won't say. */
async function whoAmI(cluster: KubeConfig): Promise<string> {
  try {
    const review = await cluster.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    if (review.status?.userInfo?.username) return review.status.userInfo.username;
  } catch {
    // older clusters or no permission: fall back to the kubeconfig's name for the user
  }
  return cluster.getCurrentUser()?.name ?? 'the current user';
}
