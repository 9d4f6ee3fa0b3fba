import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterWriter } from '../cluster/cluster-writer.js';
import type { RetryOptions } from '../cluster/api-errors.js';
import type { ApplyScope, DeployPlan } from '../plan/deploy-plan.js';
import type { PlanChangeSettings, PlannedChange } from '../plan-change.js';
import type { ApplyResult, ConfigMapResult, ObjectResult, WorkloadResult } from './apply-result.js';
import type { StoredJournal } from './journal.js';

export interface ApplySettings extends Omit<PlanChangeSettings, 'cluster'> {
  cluster: KubeConfig;
  dryRun: boolean;
  /** Delete what the change removes, once the rollouts are healthy (off: kept). */
  prune: boolean;
  /** `all` deploys every object of the change; `config` only ConfigMaps, Secrets and restarts. */
  applyScope?: ApplyScope;
  /** Take over fields other managers own (fields from `kubectl apply` / `kubectl edit` are taken anyway). */
  forceConflicts?: boolean;
  /** How many workloads roll at once. */
  maxParallel: number;
  /** Stop starting restarts after the first failed rollout. */
  stopOnFirstFailure: boolean;
  /** For OnDelete StatefulSets/DaemonSets: delete their pods one by one (off: report them). */
  deletePods?: boolean;
  rollback: boolean;
  /** Per rollout, and for waiting on another step's template (apply-scope config). */
  timeoutMs: number;
  failureGraceMs: number;
  /** How long to wait for another apply holding a namespace (its Lease) before giving up. */
  lockTimeoutMs?: number;
  log(message: string): void;
  /** Called as each phase starts (the action opens a log group per phase). */
  phase?(name: ApplyPhase): void;
}

export type ApplyPhase =
  | 'prepare'
  | 'lock'
  | 'journal'
  | 'write config'
  | 'write objects'
  | 'roll out'
  | 'roll back'
  | 'prune'
  | 'report';

/**
 * Rolling back is the last thing standing between a failed rollout and broken pods: its writes ride out a
 * longer API server hiccup (about 20 s per call) than apply's own.
 */
export const rollbackRetry: RetryOptions = { attempts: 8, baseDelayMs: 500, maxDelayMs: 5_000 };

/** Everything one apply run shares between its phases. The results are the state: failure is read from them. */
export interface ApplyRun {
  settings: ApplySettings;
  prepared: PlannedChange;
  deploy: DeployPlan;
  /** Apply's writes, and rollback's more patient ones. */
  cluster: ClusterWriter;
  patient: ClusterWriter;
  /** The namespace that keeps journal entries of cluster-scoped objects and of namespaces not there yet. */
  home: string;
  journals: Map<string, StoredJournal>;
  /** Journals this run created (not resumed ones): the only ones to drop if it stops before changing anything. */
  createdJournals: Map<string, StoredJournal>;
  configMaps: ConfigMapResult[];
  objects: ObjectResult[];
  workloads: WorkloadResult[];
  /** Ids of objects and workloads this run sent a write for (answered or not): rollback undoes those. */
  attempted: Set<string>;
  /** What failed outside any one object (a phase that could not run at all). */
  problems: string[];
}

/** A run has failed when any object, ConfigMap or workload failed, or a phase could not run. */
export function hasFailed(run: ApplyRun): boolean {
  return (
    run.problems.length > 0 ||
    run.configMaps.some((c) => c.outcome === 'failed') ||
    run.objects.some((o) => o.outcome === 'failed') ||
    run.workloads.some((w) => w.outcome === 'failed')
  );
}

export function applyResult(
  settings: Pick<ApplySettings, 'dryRun'>,
  result: ApplyResult['result'],
  message: string,
  run?: Pick<ApplyRun, 'configMaps' | 'objects' | 'workloads'>,
): ApplyResult {
  const byName = <T>(list: T[], key: (t: T) => string) =>
    [...list].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    result,
    dryRun: settings.dryRun,
    message,
    configMaps: byName(run?.configMaps ?? [], (c) => c.ref),
    ...(run && run.objects.length > 0 ? { objects: run.objects } : {}),
    workloads: byName(run?.workloads ?? [], (w) => w.workload),
  };
}
