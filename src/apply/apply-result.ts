/** What apply did, as data: rendered for the log, the job summary and `--format json`. */

export type ApplyResultKind = 'no-change' | 'applied' | 'rolled-back' | 'failed';

export type ConfigMapOutcome =
  'patched' | 'created' | 'unchanged' | 'rolled-back' | 'pruned' | 'kept' | 'failed';

export interface ConfigMapResult {
  ref: string;
  outcome: ConfigMapOutcome;
  /** Keys written (set or removed). */
  keys: string[];
  detail?: string;
}

export type ObjectOutcome =
  'created' | 'configured' | 'unchanged' | 'failed' | 'rolled-back' | 'pruned' | 'kept' | 'not-written';

/** An object other than a ConfigMap or Secret that the change adds, modifies or removes. */
export interface ObjectResult {
  /** `Kind/namespace/name` or `Kind/name`. */
  object: string;
  outcome: ObjectOutcome;
  /** The fields that change (empty for a new or removed object). */
  fields: string[];
  detail?: string;
}

export type WorkloadOutcome = 'healthy' | 'failed' | 'rolled-back' | 'skipped' | 'untouched';

export interface WorkloadResult {
  workload: string;
  /** The plan's action for it (`apply` when its own object is written). */
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
  /** Every other object of the change (absent when there were none). */
  objects?: ObjectResult[];
  workloads: WorkloadResult[];
}
