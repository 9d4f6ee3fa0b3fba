import { diffConfigMap, type ConfigMapChange } from './configmap-diff.js';
import {
  collectConfigMaps,
  collectSecrets,
  type CollectedConfigMaps,
  type ConfigMapSnapshot,
} from './configmaps.js';
import { compareWithLive, driftFindings, type ConfigMapDrift } from './drift.js';
import { rolloutStatus } from './rollout-status.js';
import { findReferences, toWorkload, workloadsOf, type Workload } from './consumers.js';
import { decideRestart, type DecisionOptions, type RestartDecision } from './decide.js';
import { finding, sortFindings, type Finding } from './findings.js';
import type { KubeObject, ManifestObject } from './manifests.js';
import { diffObjects, unwrittenSecretFindings, type ObjectChange } from './object-changes.js';
import { configIsLive, dataAfterApply, type ApplyScope } from './deploy-plan.js';
import { isTakenOver, ownedChangedFields } from './field-ownership.js';
import { containsFields } from './template-match.js';
import { pairGeneratedNames, type ConfigMapReplacement } from './generated-names.js';

export interface PlanInput {
  /** Objects at the base (before the change). */
  base: readonly ManifestObject[];
  /** Objects at the head (after the change). */
  head: readonly ManifestObject[];
  /** Findings found while reading the head (skipped documents), reported with the plan's own. */
  notes?: readonly Finding[];
  /** The cluster as it is now; undefined for an offline plan. */
  live?: LiveState;
  options: PlanOptions;
}

export interface PlanOptions extends DecisionOptions {
  /** What a merge writes: every object (default), or config and restarts only (another step applies the rest). */
  applyScope?: ApplyScope;
  /** Fields other managers own are taken over on merge (the plan then says so instead of warning). */
  forceConflicts?: boolean;
  /** Treat Secrets as config sources too; their values are never shown, only keyed fingerprints. */
  secrets?: boolean;
  /** Key of the Secret fingerprints: pick a random one per run so fingerprints can't be looked up. */
  fingerprintKey?: string;
}

/** What the cluster holds in the namespaces the change touches. */
export interface LiveState {
  /** Namespaces that were read: a ConfigMap or workload missing from one of these is absent live. */
  namespaces: readonly string[];
  configMaps: ReadonlyMap<string, ConfigMapSnapshot>;
  /** Live workloads with their status; pods and ReplicaSets that a controller owns are left out. */
  workloads: readonly Workload[];
  /** The other objects the change writes, as the cluster has them (by id), where they could be read. */
  objects?: ReadonlyMap<string, KubeObject>;
}

/** What a change does to config and to the workloads that read it. */
export interface Plan {
  /** Every ConfigMap either side defines, sorted by `namespace/name`; `unchanged` ones included. */
  configMaps: ConfigMapChange[];
  /** Every workload that reads a changed ConfigMap, sorted by id. */
  consumers: RestartDecision[];
  /** Every other object the change adds, modifies or removes, in write order (what a merge writes besides config). */
  objects: ObjectChange[];
  findings: Finding[];
  /** Per changed ConfigMap, how the cluster differs (live plans only). */
  drift: ConfigMapDrift[];
  /** True when the plan was made against a cluster. */
  live: boolean;
  /** What the merge writes: `config` leaves the other objects and workloads to the pipeline's own step. */
  applyScope: ApplyScope;
  /** Hash-suffixed ConfigMaps that replace another of the same generator (reports show each pair as one). */
  replacements: ConfigMapReplacement[];
}

export function planRollout(input: PlanInput): Plan {
  const secrets = input.options.secrets === true;
  const collect = (objects: readonly ManifestObject[]): CollectedConfigMaps => {
    const configMaps = collectConfigMaps(objects);
    if (!secrets) return configMaps;
    const found = collectSecrets(objects);
    return {
      byRef: new Map([...configMaps.byRef, ...found.byRef]),
      findings: [...configMaps.findings, ...found.findings],
    };
  };
  const base = collect(input.base);
  const head = collect(input.head);
  const findings: Finding[] = [...head.findings, ...(input.notes ?? [])];
  if (!secrets) findings.push(...unwrittenSecretFindings(input.base, input.head));

  const refs = [...new Set([...base.byRef.keys(), ...head.byRef.keys()])].sort();
  const configMaps = refs.map((ref) =>
    diffConfigMap(base.byRef.get(ref) ?? null, head.byRef.get(ref) ?? null, input.options.fingerprintKey),
  );
  findings.push(...configMaps.flatMap(immutableFindings));
  const changed = new Map(configMaps.filter((c) => c.change !== 'unchanged').map((c) => [c.ref, c]));
  // A reader of a renamed generator's ConfigMap reads the keys that changed between the two, not a new ConfigMap.
  const replacements = pairGeneratedNames(configMaps, input.options.fingerprintKey);
  for (const r of replacements) changed.set(r.to, r.change);
  const live = input.live;
  const drift: ConfigMapDrift[] = [];
  if (live) {
    for (const change of configMaps) {
      if (!live.namespaces.includes(change.namespace)) continue;
      const liveConfigMap = live.configMaps.get(change.ref);
      const compared = compareWithLive(change, liveConfigMap);
      if (change.change !== 'unchanged' || compared.drifted.length > 0) drift.push(compared);
      findings.push(...driftFindings(change, compared, liveConfigMap));
    }
  }

  const baseWorkloads = new Map<string, Workload>(workloadsOf(input.base).map((w) => [w.id, w]));
  const liveWorkloads = new Map<string, Workload>((live?.workloads ?? []).map((w) => [w.id, w]));
  const headGroups = groupById(workloadsOf(input.head));
  const inManifests = new Set(headGroups.map((g) => g[0]!.id));
  // Readers that exist only in the cluster count too: they read the same ConfigMaps.
  const liveOnly = [...liveWorkloads.values()].filter((w) => !inManifests.has(w.id)).map((w) => [w]);
  const consumers: RestartDecision[] = [];
  for (const definitions of [...headGroups, ...liveOnly]) {
    const workload = definitions.at(-1)!;
    const liveWorkload = liveWorkloads.get(workload.id);
    const isLiveOnly = !inManifests.has(workload.id);
    const decided = decideRestart({
      // The manifests say what the workload will be; the cluster says whether it is paused right now.
      workload: liveWorkload && !isLiveOnly ? withLivePause(workload, liveWorkload) : workload,
      base: isLiveOnly ? workload : baseWorkloads.get(workload.id),
      // Every definition counts: whichever one is applied last, none of their readers may be missed.
      references: definitions.flatMap((w) => findReferences(w, { secrets })),
      changes: changed,
      options: input.options,
    });
    if (!decided) continue;
    if (definitions.length > 1) findings.push(duplicateWorkload(definitions));
    // The cluster knows how many pods a restart replaces (an autoscaler's replicas, a DaemonSet's nodes).
    const livePods = liveWorkload ? liveWorkload.kind.expectedPods(liveWorkload.body) : null;
    consumers.push(livePods === null ? decided.decision : { ...decided.decision, pods: livePods });
    findings.push(...decided.findings);
    if (isLiveOnly && decided.decision.action !== 'none') {
      findings.push(
        finding(
          'info',
          'live-only-consumer',
          `${workload.id} is not in the manifests but reads ${decided.decision.configMaps.join(', ')} in the cluster; it is planned too.`,
          null,
        ),
      );
    }
    const status = liveWorkload ? rolloutStatus(liveWorkload.body) : undefined;
    if (status && status.state !== 'done' && decided.decision.action !== 'none') {
      findings.push(
        finding(
          'warning',
          'live-unhealthy',
          `${workload.id} is not settled in the cluster before this change: ${status.message}`,
          workload.source,
        ),
      );
    }
  }
  consumers.sort((a, b) => a.workload.localeCompare(b.workload));
  const objects = diffObjects(input.base, input.head);
  if (input.options.applyScope === 'config') {
    const after = dataAfterApply(live?.configMaps, configMaps, [...changed.values()]);
    scopeConfigReasons(consumers, objects, live, (w) => configIsLive(w, live, after, secrets));
  }
  if (live) findings.push(...ownershipFindings(objects, live, input.options.forceConflicts === true));
  return {
    configMaps,
    consumers,
    objects,
    findings: sortFindings(findings),
    drift,
    live: live !== undefined,
    applyScope: input.options.applyScope ?? 'all',
    replacements,
  };
}

/**
 * apply-scope config: a reader whose template changes rolls only when the pipeline's own step applies it. Say
 * what the merge does then; one the cluster already runs with the new template restarts (its pods started
 * before the new config was written).
 */
function scopeConfigReasons(
  consumers: RestartDecision[],
  objects: readonly ObjectChange[],
  live: LiveState | undefined,
  configIsLive: (workload: Workload) => boolean,
): void {
  const liveWorkloads = new Map((live?.workloads ?? []).map((w) => [w.id, w]));
  const changedTemplates = new Map(
    objects.filter((o) => o.phase === 'workloads' && o.head).map((o) => [o.id, o.head!]),
  );
  for (const [i, decision] of consumers.entries()) {
    const head = changedTemplates.get(decision.workload);
    if (!head || decision.action !== 'none') continue;
    const current = liveWorkloads.get(decision.workload);
    const headWorkload = toWorkload(head, current?.namespace ?? String(head.metadata.namespace ?? ''), null);
    const applied = current && headWorkload && containsFields(current.template, headWorkload.template);
    if (current && applied && configIsLive(current)) {
      consumers[i] = {
        ...decision,
        reasons: [
          ...decision.reasons,
          'apply-scope is config: the cluster already runs its new template with the new config; the merge watches it.',
        ],
        note: 'already runs its new template: the merge watches it',
      };
    } else if (applied) {
      consumers[i] = {
        ...decision,
        action: 'restart',
        reasons: [
          ...decision.reasons,
          'apply-scope is config and the cluster already runs its new template, started before the new config: it restarts.',
        ],
      };
    } else {
      // config-rollout writes no template under apply-scope config: the roll is the pipeline's, not the merge's.
      consumers[i] = {
        ...decision,
        reasons: [
          ...decision.reasons,
          'apply-scope is config: the merge waits (up to `timeout`) for your pipeline to apply its new template, then watches it roll.',
        ],
        note: 'your pipeline rolls its new template; the merge waits for it',
      };
    }
  }
}

/**
 * Server-side apply takes fields over from the manager that owns them only when forced: say which fields the
 * merge takes from `kubectl apply` / `kubectl edit` (always), and which other managers would stop it.
 */
function ownershipFindings(objects: readonly ObjectChange[], live: LiveState, force: boolean): Finding[] {
  const liveBodies = new Map<string, KubeObject>([
    ...live.workloads.map((w): [string, KubeObject] => [w.id, w.body]),
    ...(live.objects ?? []),
  ]);
  const findings: Finding[] = [];
  for (const object of objects) {
    const current = liveBodies.get(object.id);
    if (!current || !object.head) continue;
    const owned = ownedChangedFields(current, object.head).filter((o) => o.manager !== 'config-rollout');
    const byManager = new Map<string, string[]>();
    for (const o of owned) byManager.set(o.manager, [...(byManager.get(o.manager) ?? []), o.field]);
    for (const [manager, fields] of byManager) {
      const list = fields.map((f) => `\`${f}\``).join(', ');
      if (isTakenOver(manager)) {
        findings.push(
          finding(
            'info',
            'field-takeover',
            `${object.id}: the merge takes over ${list} from \`${manager}\` (last written by kubectl).`,
            object.source,
          ),
        );
      } else {
        findings.push(
          finding(
            force ? 'info' : 'warning',
            'field-conflict',
            force
              ? `${object.id}: ${list} ${fields.length === 1 ? 'is' : 'are'} owned by \`${manager}\`; force-conflicts is on, so the merge takes ${fields.length === 1 ? 'it' : 'them'} over.`
              : `${object.id}: ${list} ${fields.length === 1 ? 'is' : 'are'} owned by \`${manager}\`, and the change sets ${fields.length === 1 ? 'it' : 'them'}: the merge fails on this object (and rolls back) unless \`force-conflicts\` is on, or the field is left out of the manifests.`,
            object.source,
          ),
        );
      }
    }
  }
  return findings;
}

/** The head's workload, paused as the live one is (a pause is an operator's act, not in the manifests). */
function withLivePause(head: Workload, live: Workload): Workload {
  const paused = (live.body['spec'] as Record<string, unknown> | undefined)?.['paused'] === true;
  if (!paused || head.kind.kind !== 'Deployment') return head;
  const spec = { ...(head.body['spec'] as Record<string, unknown>), paused: true };
  return { ...head, body: { ...head.body, spec } };
}

/** The API refuses any data change to an immutable ConfigMap, and refuses making it mutable again. */
function immutableFindings(change: ConfigMapChange): Finding[] {
  if (!change.base?.immutable || !change.head) return [];
  if (change.change !== 'modified' && change.head.immutable) return [];
  const what =
    change.change === 'modified'
      ? 'its data changes'
      : 'this change sets `immutable: false`, which the API refuses';
  return [
    finding(
      'blocker',
      'immutable-changed',
      `ConfigMap ${change.ref} is immutable and ${what}: create it under a new name (e.g. with a content-hash suffix) and point its consumers at the new name.`,
      change.head.source,
    ),
  ];
}

/** Definitions of the same workload together, in manifest order (the last one is what `apply` leaves). */
function groupById(workloads: readonly Workload[]): Workload[][] {
  const groups = new Map<string, Workload[]>();
  for (const w of workloads) groups.set(w.id, [...(groups.get(w.id) ?? []), w]);
  return [...groups.values()];
}

function duplicateWorkload(definitions: readonly Workload[]): Finding {
  const last = definitions.at(-1)!;
  const others = definitions
    .slice(0, -1)
    .map((w) => (w.source ? `${w.source.file}:${w.source.line}` : 'the cluster'))
    .join(', ');
  return finding(
    'warning',
    'duplicate-workload',
    `${last.id} is defined ${definitions.length} times (also at ${others}); applying them in turn leaves the last one, and the plan counts the readers of all.`,
    last.source,
  );
}

/** True when the plan has anything that must stop a merge. */
export function hasBlockers(plan: Plan): boolean {
  return plan.findings.some((f) => f.severity === 'blocker');
}
