import { createHash } from 'node:crypto';
import { configHashAnnotation, workloadConfigHash } from './config-hash.js';
import { contentHash, touchedKeys, type ConfigMapChange } from './configmap-diff.js';
import { valuesOf } from './configmap-patch.js';
import { keyRecord, type ConfigMapSnapshot } from './configmaps.js';
import { findReferences, toWorkload, workloadsOf, type Workload } from './consumers.js';
import type { RestartDecision } from './decide.js';
import type { KubeObject, ManifestObject } from './manifests.js';
import type { ObjectChange } from './object-changes.js';
import type { LiveState, Plan } from './plan.js';
import { containsFields } from './template-match.js';
import { podTemplateOf, read, type PodTemplate } from './workload-kinds.js';

/**
 * What apply writes: `all` deploys every object of the change; `config` writes only ConfigMaps (and Secrets)
 * and restarts, for pipelines whose own step applies the workloads (`kubectl apply`, `helm upgrade`).
 */
export type ApplyScope = 'all' | 'config';

export interface DeployOptions {
  scope: ApplyScope;
  /** Delete what the change removes (after the rollouts are healthy); off keeps it. */
  prune: boolean;
  /** Replace the pods of OnDelete StatefulSets/DaemonSets one by one. */
  deletePods: boolean;
  secrets: boolean;
}

interface StepBase {
  workload: Workload;
  /** The config hash its pod template carries once written; null when it reads no changed config. */
  hash: string | null;
  /** The hash the live template carries now (null: none, or not in the cluster). */
  previousHash: string | null;
}

/**
 * One workload's part in the rollout phase:
 * - `apply`: its whole object is written (server-side apply), the config hash set in the same write;
 * - `restart`: only its config hash changes, which rolls new pods;
 * - `delete-pods`: its hash is set, then its pods are replaced one by one (OnDelete);
 * - `await-template`: (apply-scope config) another step applies its new template; wait for it, then watch.
 */
export type RolloutStep =
  | (StepBase & { type: 'apply'; object: ObjectChange; body: KubeObject })
  | (StepBase & { type: 'restart' | 'delete-pods'; decision: RestartDecision; hash: string })
  | (StepBase & { type: 'await-template'; template: PodTemplate });

export interface DeployPlan {
  /** ConfigMaps and Secrets to create or patch, key by key. */
  config: ConfigMapChange[];
  /** Removed from the manifests: deleted after the rollouts are healthy (prune), or kept. */
  prunedConfig: ConfigMapChange[];
  keptConfig: ConfigMapChange[];
  /** Namespaces, CRDs and other non-workload objects to write, in order. */
  objects: ObjectChange[];
  /** Workloads to write, restart or wait for, in order: written workloads first, then restarts. */
  rollouts: RolloutStep[];
  prunedObjects: ObjectChange[];
  /** Removed and kept (prune off), or left to the pipeline's own step (apply-scope config). */
  keptObjects: ObjectChange[];
  /** Readers apply leaves alone: nothing to do now (none, next-run, wait-for-sync) or a hand needed. */
  untouched: RestartDecision[];
  /** Identifies the target state: a re-run of the same change resumes its journal, another is refused. */
  changeId: string;
}

export interface DeployInput {
  plan: Plan;
  objects: readonly ObjectChange[];
  head: readonly ManifestObject[];
  live: LiveState | undefined;
  options: DeployOptions;
}

/** Which config, objects and workloads a merge writes, in which order, and each restart's config hash. */
export function planDeploy({ plan, objects, head, live, options }: DeployInput): DeployPlan {
  const config = plan.configMaps.filter((c) => c.change === 'modified' || c.change === 'added');
  const removedConfig = plan.configMaps.filter((c) => c.change === 'removed');
  const prunedConfig = options.prune ? removedConfig : [];
  const keptConfig = options.prune ? [] : removedConfig;
  const after = dataAfterApply(live?.configMaps, plan.configMaps, [...config, ...prunedConfig]);

  const liveWorkloads = new Map((live?.workloads ?? []).map((w) => [w.id, w]));
  const headWorkloads = new Map(workloadsOf(head).map((w) => [w.id, w]));
  const workloadOf = (id: string) => headWorkloads.get(id) ?? liveWorkloads.get(id);
  const decisions = new Map(plan.consumers.map((c) => [c.workload, c]));
  const hashOf = (workload: Workload): string =>
    workloadConfigHash(findReferences(workload, { secrets: options.secrets }), after);
  const previousHashOf = (id: string): string | null => {
    const w = liveWorkloads.get(id);
    return w
      ? ((w.template.metadata['annotations'] as Record<string, string> | undefined)?.[configHashAnnotation] ??
          null)
      : null;
  };

  const written = objects.filter((o) => o.change !== 'removed');
  const removed = objects.filter((o) => o.change === 'removed');
  const rollouts: RolloutStep[] = [];
  const handled = new Set<string>();
  const keptObjects: ObjectChange[] = options.prune ? [] : [...removed];
  for (const object of written.filter((o) => o.phase === 'workloads')) {
    const workload = object.head && toWorkload(object.head, object.namespace, object.source);
    if (!workload) continue;
    const reads = decisions.has(workload.id);
    if (options.scope === 'config') {
      // Another step applies the workload; only one that reads the changed config concerns us.
      keptObjects.push(object);
      if (!reads || decisions.get(workload.id)!.action === 'blocked') continue;
      handled.add(workload.id);
      const current = liveWorkloads.get(workload.id);
      const applied = current !== undefined && containsFields(current.template, workload.template);
      // Applied before the config was (its pods started with the old values): it restarts like any reader.
      // Applied together with the config (helm upgrade writes both): its pods have the new values; watch it.
      if (applied && !configIsLive(current, live, after, options.secrets))
        rollouts.push({
          type: 'restart',
          workload: current,
          decision: decisions.get(workload.id)!,
          hash: hashOf(current),
          previousHash: previousHashOf(workload.id),
        });
      else
        rollouts.push({
          type: 'await-template',
          workload,
          template: workload.template,
          hash: null,
          previousHash: previousHashOf(workload.id),
        });
      continue;
    }
    handled.add(workload.id);
    const hash = reads ? hashOf(workload) : null;
    rollouts.push({
      type: 'apply',
      workload,
      object,
      body: hash ? withTemplateAnnotation(object.head!, workload, configHashAnnotation, hash) : object.head!,
      hash,
      previousHash: previousHashOf(workload.id),
    });
  }
  const untouched: RestartDecision[] = [];
  for (const decision of plan.consumers) {
    if (handled.has(decision.workload)) continue;
    const workload = workloadOf(decision.workload);
    const podsByHand =
      decision.action === 'delete-pods' &&
      options.deletePods &&
      ['StatefulSet', 'DaemonSet'].includes(workload?.kind.kind ?? '');
    if (workload && (decision.action === 'restart' || podsByHand)) {
      rollouts.push({
        type: podsByHand ? 'delete-pods' : 'restart',
        workload,
        decision,
        hash: hashOf(workload),
        previousHash: previousHashOf(workload.id),
      });
    } else untouched.push(decision);
  }
  return {
    config,
    prunedConfig,
    keptConfig,
    objects: options.scope === 'all' ? written.filter((o) => o.phase !== 'workloads') : [],
    rollouts,
    prunedObjects: options.prune ? removed : [],
    keptObjects:
      options.scope === 'all'
        ? keptObjects
        : [...keptObjects, ...written.filter((o) => o.phase !== 'workloads')],
    untouched,
    changeId: changeIdOf([...config, ...prunedConfig], objects),
  };
}

/** The config a workload reads already holds, in the cluster, what it will hold once applied. */
export function configIsLive(
  workload: Workload,
  live: LiveState | undefined,
  after: ReadonlyMap<string, ConfigMapSnapshot>,
  secrets: boolean,
): boolean {
  const references = findReferences(workload, { secrets });
  return (
    workloadConfigHash(references, live?.configMaps ?? new Map()) === workloadConfigHash(references, after)
  );
}

/** A stable id of the target state: the same change gives the same id on every run, whatever the cluster holds. */
function changeIdOf(config: readonly ConfigMapChange[], objects: readonly ObjectChange[]): string {
  const parts = [
    ...config.map((c) => [c.ref, c.head ? contentHash(c.head) : null]),
    ...objects.map((o) => [
      o.id,
      o.head ? createHash('sha256').update(JSON.stringify(o.head)).digest('hex') : null,
    ]),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** A copy of a workload's object with one pod-template annotation set. */
export function withTemplateAnnotation(
  body: KubeObject,
  workload: Pick<Workload, 'kind'>,
  name: string,
  value: string,
): KubeObject {
  const copy = structuredClone(body);
  const templatePath = workload.kind.templatePath;
  let node: Record<string, unknown> = copy;
  for (const step of [...templatePath, 'metadata', 'annotations']) {
    const next = node[step];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[step] = {};
    node = node[step] as Record<string, unknown>;
  }
  node[name] = value;
  return copy;
}

/** The config hash a live object's pod template carries, or null. */
export function templateHashOf(
  body: KubeObject | undefined,
  workload: Pick<Workload, 'kind'>,
): string | null {
  if (!body) return null;
  const template = podTemplateOf(workload.kind, body);
  const annotations = read(template, ['metadata', 'annotations']);
  const value =
    annotations && typeof annotations === 'object'
      ? (annotations as Record<string, unknown>)[configHashAnnotation]
      : undefined;
  return typeof value === 'string' ? value : null;
}

/** The data each ConfigMap holds once applied: live values with the changed keys set to the head's. */
export function dataAfterApply(
  live: ReadonlyMap<string, ConfigMapSnapshot> | undefined,
  all: readonly ConfigMapChange[],
  changes: readonly ConfigMapChange[],
): Map<string, ConfigMapSnapshot> {
  const after = new Map<string, ConfigMapSnapshot>();
  for (const c of all) {
    const current = live?.get(c.ref) ?? c.head ?? c.base;
    if (current) after.set(c.ref, current);
  }
  for (const [ref, snapshot] of live ?? []) if (!after.has(ref)) after.set(ref, snapshot);
  for (const change of changes) {
    if (!change.head) {
      after.delete(change.ref);
      continue;
    }
    const current = live?.get(change.ref);
    if (!current) {
      after.set(change.ref, change.head);
      continue;
    }
    const data = keyRecord(current.data);
    const binaryData = keyRecord(current.binaryData);
    for (const [key, v] of Object.entries(valuesOf(change.head, touchedKeys(change)))) {
      delete data[key];
      delete binaryData[key];
      if (v?.binary) binaryData[key] = v.value;
      else if (v) data[key] = v.value;
    }
    after.set(change.ref, { ...current, data, binaryData });
  }
  return after;
}
