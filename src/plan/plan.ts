import { diffConfigMap, type ConfigMapChange } from './configmap-diff.js';
import {
  collectConfigMaps,
  collectSecrets,
  type CollectedConfigMaps,
  type ConfigMapSnapshot,
} from './configmaps.js';
import { compareWithLive, driftFindings, type ConfigMapDrift } from './drift.js';
import { rolloutStatus } from './rollout-status.js';
import { findReferences, workloadsOf, type Workload } from './consumers.js';
import { decideRestart, type DecisionOptions, type RestartDecision } from './decide.js';
import { finding, sortFindings, type Finding } from './findings.js';
import type { ManifestObject } from './manifests.js';
import { diffObjects, unwrittenSecretFindings, type ObjectChange } from './object-changes.js';

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
    diffConfigMap(base.byRef.get(ref) ?? null, head.byRef.get(ref) ?? null),
  );
  findings.push(...configMaps.flatMap(immutableFindings));
  const changed = new Map(configMaps.filter((c) => c.change !== 'unchanged').map((c) => [c.ref, c]));
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
    consumers.push(decided.decision);
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
  return {
    configMaps,
    consumers,
    objects: diffObjects(input.base, input.head),
    findings: sortFindings(findings),
    drift,
    live: live !== undefined,
  };
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
