/** What apply did, as data: rendered for the log, the job summary and `--format json`. */

export type ApplyResultKind = 'no-change' | 'applied' | 'rolled-back' | 'failed';

export type ConfigMapOutcome = 'patched' | 'created' | 'unchanged' | 'rolled-back' | 'pruned' | 'kept';

export interface ConfigMapResult {
  ref: string;
  outcome: ConfigMapOutcome;
  /** Keys written (set or removed). */
  keys: string[];
  detail?: string;
}

export type WorkloadOutcome = 'healthy' | 'failed' | 'rolled-back' | 'skipped' | 'untouched';

export interface WorkloadResult {
  workload: string;
  /** The plan's action for it. */
  action: string;
  outcome: WorkloadOutcome;
  /** Restarted by this run (false when it already had this config). */
  restarted: boolean;
  /** Seconds from the restart to the verdict. */
  seconds?: number;
  reason: string;
  /** Why its new pods failed, and recent warning events. */
  failures?: string[];
}

export interface ApplyResult {
  result: ApplyResultKind;
  dryRun: boolean;
  message: string;
  configMaps: ConfigMapResult[];
  workloads: WorkloadResult[];
}
