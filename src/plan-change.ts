import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { isUnreachable } from './cluster/cluster-error.js';
import type { VolumeMountPolicy } from './plan/decide.js';
import { collectSecrets, type ConfigMapSnapshot } from './plan/configmaps.js';
import type { ApplyScope } from './plan/deploy-plan.js';
import { ManifestParseCache, type KubeObject, type ManifestObject } from './plan/manifests.js';
import { planRollout, type LiveState, type Plan, type PlanInput } from './plan/plan.js';
import { PlanScope, type NamedObject } from './plan/plan-scope.js';
import {
  parseManifestFiles,
  readManifestSource,
  type ManifestSource,
  type RenderSettings,
} from './sources/load-manifests.js';

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
  /** What a merge writes (`all` by default): the plan says what `config` leaves to the pipeline. */
  applyScope?: ApplyScope;
  /** Fields other managers own are taken over on merge. */
  forceConflicts?: boolean;
  /** How a manifests path that is a kustomization or chart folder is rendered (both sides the same way). */
  render?: RenderSettings;
  /** The base's own render settings, when they differ (a config file whose target's values the change edits). */
  baseRender?: RenderSettings;
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

/**
 * What a plan does when the cluster can't be read: `fail` (the default: a live plan was asked for, and
 * planning without it would hide drift), or plan from the manifests alone and say so.
 */
export type OnUnreachable = 'fail' | 'offline';

/**
 * planChange, and with `offline` a cluster that can't be reached (or refuses the credentials) gives a plan
 * from the manifests alone plus the notice that says why. A kubeconfig that doesn't load and a missing
 * permission still fail: those are mistakes to fix, not a cluster that is away.
 */
export async function planChangeOrOffline(
  settings: PlanChangeSettings,
  onUnreachable: OnUnreachable,
): Promise<{ plan: Plan; offlineNotice?: string }> {
  try {
    return { plan: await planChange(settings) };
  } catch (error) {
    if (onUnreachable !== 'offline' || !settings.cluster || !isUnreachable(error)) throw error;
    return {
      plan: await planChange({ ...settings, cluster: undefined }),
      offlineNotice: `Planned offline, from the manifests alone, as the cluster could not be read (on-unreachable: offline). ${error.message}`,
    };
  }
}

export async function prepareChange(settings: PlanChangeSettings): Promise<PlannedChange> {
  const common = { cwd: settings.cwd, defaultNamespace: settings.namespace, render: settings.render };
  const headSource = { ...common, patterns: settings.manifests };
  const baseRender = settings.baseRender ? { render: settings.baseRender } : {};
  const baseSource =
    'gitRef' in settings.base
      ? { ...common, ...baseRender, patterns: settings.manifests, gitRef: settings.base.gitRef }
      : { ...common, ...baseRender, patterns: settings.base.paths };
  const headFiles = await readManifestSource(headSource);
  const baseFiles = await readManifestSource(baseSource, headFiles);
  const secrets = settings.secrets === true;
  const scope = new PlanScope(baseFiles, headFiles, { secrets, defaultNamespace: settings.namespace });
  const cache = new ManifestParseCache();
  const options = {
    volumeMounts: settings.volumeMounts,
    secrets,
    applyScope: settings.applyScope,
    forceConflicts: settings.forceConflicts,
    // A fresh key per run: Secret fingerprints say "changed or not" and can't be compared across runs.
    fingerprintKey: randomBytes(16).toString('hex'),
  };
  const read = (): PlanInput => {
    const head = parseManifestFiles(scope.files('head'), headSource, cache);
    const base = parseManifestFiles(scope.files('base'), baseSource, cache);
    return { base: base.objects, head: head.objects, notes: head.notes, options };
  };
  // The cluster is read while the manifests are parsed. A ConfigMap changes where a file that defines it
  // does: the namespaces of the sources in the changed files are the ones a change touches (checked below).
  const early = settings.cluster
    ? startLiveRead(settings.cluster, sourceNamespaces(scope, headSource, baseSource, cache), secrets)
    : undefined;
  // First what defines or changes config: every ConfigMap (and Secret) is read then, so the change is known.
  let input = read();
  let plan = planRollout(input);
  // Only the namespaces whose ConfigMaps change (a pod reads ConfigMaps of its own namespace only), and those of
  // workloads the change writes (their live template and field owners count).
  const namespaces = [
    ...new Set([
      ...plan.configMaps.filter((c) => c.change !== 'unchanged').map((c) => c.namespace),
      ...plan.objects.filter((o) => o.phase === 'workloads' && o.namespace !== null).map((o) => o.namespace!),
    ]),
  ].sort();
  const reading =
    settings.cluster && early ? finishLiveRead(settings.cluster, early, namespaces, secrets) : undefined;
  // Settled below; a parse error thrown first must not leave the rejection unhandled.
  reading?.catch(() => undefined);
  if (scope.include(changedSources(plan))) input = read();
  const register = (snapshots: Iterable<ConfigMapSnapshot>) =>
    registerSecrets(snapshots, settings.registerSecret);
  if (secrets) {
    register(collectSecrets(input.base).byRef.values());
    register(collectSecrets(input.head).byRef.values());
  }
  const read_ = await reading;
  const live = read_ && settings.cluster ? await withChangedObjects(settings.cluster, read_, plan) : read_;
  if (live) register(live.configMaps.values());
  plan = planRollout({ ...input, live });
  // A second definition of a reader, or of one found only in the cluster, may be in a file not read yet.
  if (scope.include(consumers(plan))) {
    input = read();
    plan = planRollout({ ...input, live });
  }
  return { plan, head: input.head, live };
}

/**
 * The other objects the change writes, as the cluster has them: their field owners decide what a merge may
 * take over. One GET each; an object that can't be read (no permission, a kind not served yet) is left out.
 */
async function withChangedObjects(cluster: KubeConfig, live: LiveState, plan: Plan): Promise<LiveState> {
  const wanted = plan.objects.filter((o) => o.phase !== 'workloads' && o.change !== 'removed');
  if (wanted.length === 0) return live;
  const { createClusterWriter } = await import(/* webpackMode: "eager" */ './cluster/cluster-writer.js');
  const reader = createClusterWriter(cluster, { dryRun: true });
  const objects = new Map<string, KubeObject>();
  await Promise.all(
    wanted.map(async (o) => {
      const found = await reader.readObject(o).catch(() => undefined);
      if (found) objects.set(o.id, found);
    }),
  );
  return { ...live, objects };
}

/** Hand every Secret value (decoded and as base64) to `register` before anything is reported: the action masks them. */
function registerSecrets(
  snapshots: Iterable<ConfigMapSnapshot>,
  register: ((value: string) => void) | undefined,
): void {
  if (!register) return;
  for (const snapshot of snapshots) {
    if (snapshot.kind !== 'Secret') continue;
    for (const value of Object.values(snapshot.data)) {
      if (value === '') continue;
      register(value);
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (decoded.trim() !== '') register(decoded);
    }
  }
}

/** The ConfigMaps (and Secrets) the change adds, removes or modifies. */
function changedSources(plan: Plan): NamedObject[] {
  return plan.configMaps.filter((c) => c.change !== 'unchanged');
}

/** The workloads the plan found reading changed config (ids are `Kind/namespace/name`). */
function consumers(plan: Plan): NamedObject[] {
  return plan.consumers.map((c) => {
    const [, namespace, name] = c.workload.split('/');
    return name === undefined ? { namespace: null, name: namespace! } : { namespace: namespace!, name };
  });
}

/** Namespaces of the ConfigMaps and Secrets that the changed files of either side define. */
function sourceNamespaces(
  scope: PlanScope,
  headSource: ManifestSource,
  baseSource: ManifestSource,
  cache: ManifestParseCache,
): string[] {
  const objects = [
    ...parseManifestFiles(scope.changed('head'), headSource, cache).objects,
    ...parseManifestFiles(scope.changed('base'), baseSource, cache).objects,
  ];
  const namespaces = objects
    .filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
    .map((o) => o.namespace ?? '');
  return [...new Set(namespaces)].filter((n) => n !== '').sort();
}

interface LiveRead {
  namespaces: readonly string[];
  state: Promise<LiveState | undefined>;
  /** Why the read failed, once it has. */
  failure?: unknown;
}

/**
 * Start reading the cluster. A refused list here only means the read is made again once the change is known
 * (then explaining the refusal); a cluster that can't be reached at all is not asked twice.
 */
function startLiveRead(cluster: KubeConfig, namespaces: readonly string[], secrets: boolean): LiveRead {
  const read: LiveRead = { namespaces, state: Promise.resolve(undefined) };
  read.state = readLive(cluster, namespaces, secrets, false).catch((error: unknown) => {
    read.failure = error;
    return undefined;
  });
  return read;
}

/**
 * The live state of exactly the namespaces the change touches: from the early read when it covered them all,
 * else read now (where a refused list becomes the error that names every missing permission).
 */
async function finishLiveRead(
  cluster: KubeConfig,
  early: LiveRead,
  namespaces: readonly string[],
  secrets: boolean,
): Promise<LiveState> {
  const state = namespaces.every((n) => early.namespaces.includes(n)) ? await early.state : undefined;
  if (!state && isUnreachable(early.failure)) throw early.failure;
  if (!state) return readLive(cluster, namespaces, secrets);
  const touched = new Set(namespaces);
  return {
    namespaces: [...namespaces],
    configMaps: new Map([...state.configMaps].filter(([, c]) => touched.has(c.namespace))),
    workloads: state.workloads.filter((w) => touched.has(w.namespace)),
  };
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
  explainRefusal = true,
): Promise<LiveState> {
  const [{ readLiveState, planAccessChecks }, { assertAccess }, { statusOf }] = await Promise.all([
    import(/* webpackMode: "eager" */ './cluster/live-state.js'),
    import(/* webpackMode: "eager" */ './cluster/access-review.js'),
    import(/* webpackMode: "eager" */ './cluster/api-errors.js'),
  ]);
  try {
    return await readLiveState(cluster, namespaces, secrets);
  } catch (error) {
    if (explainRefusal && statusOf(error) === 403)
      await assertAccess(cluster, planAccessChecks(namespaces, secrets));
    throw error;
  }
}
