import { diffConfigMap, type ConfigMapChange } from './configmap-diff.js';
import { collectConfigMaps } from './configmaps.js';
import { findReferences, workloadsOf, type Workload } from './consumers.js';
import { decideRestart, type DecisionOptions, type RestartDecision } from './decide.js';
import { finding, sortFindings, type Finding } from './findings.js';
import type { ManifestObject } from './manifests.js';

export interface PlanInput {
  /** Objects at the base (before the change). */
  base: readonly ManifestObject[];
  /** Objects at the head (after the change). */
  head: readonly ManifestObject[];
  /** Findings found while reading the head (skipped documents), reported with the plan's own. */
  notes?: readonly Finding[];
  options: DecisionOptions;
}

/** What a change does to config and to the workloads that read it. */
export interface Plan {
  /** Every ConfigMap either side defines, sorted by `namespace/name`; `unchanged` ones included. */
  configMaps: ConfigMapChange[];
  /** Every workload that reads a changed ConfigMap, sorted by id. */
  consumers: RestartDecision[];
  findings: Finding[];
}

export function planRollout(input: PlanInput): Plan {
  const base = collectConfigMaps(input.base);
  const head = collectConfigMaps(input.head);
  const findings: Finding[] = [...head.findings, ...(input.notes ?? [])];

  const refs = [...new Set([...base.byRef.keys(), ...head.byRef.keys()])].sort();
  const configMaps = refs.map((ref) =>
    diffConfigMap(base.byRef.get(ref) ?? null, head.byRef.get(ref) ?? null),
  );
  findings.push(...configMaps.flatMap(immutableFindings));
  const changed = new Map(configMaps.filter((c) => c.change !== 'unchanged').map((c) => [c.ref, c]));

  const baseWorkloads = new Map<string, Workload>(workloadsOf(input.base).map((w) => [w.id, w]));
  const consumers: RestartDecision[] = [];
  for (const definitions of groupById(workloadsOf(input.head))) {
    const workload = definitions.at(-1)!;
    const decided = decideRestart({
      workload,
      base: baseWorkloads.get(workload.id),
      // Every definition counts: whichever one is applied last, none of their readers may be missed.
      references: definitions.flatMap(findReferences),
      changes: changed,
      options: input.options,
    });
    if (!decided) continue;
    if (definitions.length > 1) findings.push(duplicateWorkload(definitions));
    consumers.push(decided.decision);
    findings.push(...decided.findings);
  }
  consumers.sort((a, b) => a.workload.localeCompare(b.workload));
  return { configMaps, consumers, findings: sortFindings(findings) };
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
