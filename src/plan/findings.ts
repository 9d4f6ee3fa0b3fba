/** Where something was written: a manifest file (relative path as given) and a 1-based line. */
export interface SourceLocation {
  file: string;
  line: number;
}

export type Severity = 'blocker' | 'warning' | 'info';

/** Stable codes: they are part of the JSON contract and what `fail-on` filters on. */
export type FindingCode =
  | 'missing-key'
  | 'missing-configmap'
  | 'missing-secret'
  | 'immutable-changed'
  | 'invalid-key'
  | 'configmap-too-large'
  | 'non-string-value'
  | 'duplicate-configmap'
  | 'duplicate-workload'
  | 'invalid-env-name'
  | 'paused-deployment'
  | 'stale-checksum'
  | 'skipped-document'
  | 'drift'
  | 'drift-conflict'
  | 'live-immutable'
  | 'live-unhealthy'
  | 'live-only-consumer'
  | 'secret-not-applied'
  | 'field-conflict'
  | 'field-takeover';

/** A finding is data, never a throw: the report decides how to show it, the caller whether it fails. */
export interface Finding {
  severity: Severity;
  code: FindingCode;
  message: string;
  file: string | null;
  line: number | null;
  /** Other lines it concerns, annotated too (the workload that needs a key the ConfigMap at file:line lost). */
  also?: SourceLocation[];
}

export function finding(
  severity: Severity,
  code: FindingCode,
  message: string,
  at?: SourceLocation | null,
): Finding {
  return { severity, code, message, file: at?.file ?? null, line: at?.line ?? null };
}

const severityRank: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

/** Blockers first, then by file and line, so a report reads top-down like the files. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank[a.severity] - severityRank[b.severity] ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.message.localeCompare(b.message),
  );
}
