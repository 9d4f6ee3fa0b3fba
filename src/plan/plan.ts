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
  const configMaps = refs.map((ref) => diffConfigMap(base.byRef.get(ref) ?? null, head.byRef.get(ref) ?? null));
  findings.push(...configMaps.flatMap(immutableFindings));
  const changed = new Map(configMaps.filter((c) => c.change !== 'unchanged').map((c) => [c.ref, c]));

  const baseWorkloads = new Map<string, Workload>(workloadsOf(input.base).map((w) => [w.id, w]));
  const consumers: RestartDecision[] = [];
  for (const workload of uniqueById(workloadsOf(input.head))) {
    const decided = decideRestart({
      workload,
      base: baseWorkloads.get(workload.id),
      references: findReferences(workload),
      changes: changed,
      options: input.options,
    });
    if (!decided) continue;
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
    change.change === 'modified' ? 'its data changes' : 'this change sets `immutable: false`, which the API refuses';
  return [
    finding(
      'blocker',
      'immutable-changed',
      `ConfigMap ${change.ref} is immutable and ${what}: create it under a new name (e.g. with a content-hash suffix) and point its consumers at the new name.`,
      change.head.source,
    ),
  ];
}

/** The last definition of a workload wins, as with ConfigMaps. */
function uniqueById(workloads: readonly Workload[]): Workload[] {
  return [...new Map(workloads.map((w) => [w.id, w])).values()];
}

/** True when the plan has anything that must stop a merge. */
export function hasBlockers(plan: Plan): boolean {
  return plan.findings.some((f) => f.severity === 'blocker');
}
