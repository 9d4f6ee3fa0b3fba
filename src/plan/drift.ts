import type { ConfigMapChange } from './configmap-diff.js';
import type { ConfigMapSnapshot } from './configmaps.js';
import { finding, type Finding } from './findings.js';

/** The cluster's side of one ConfigMap next to the change: what was edited by hand, and what collides. */
export interface ConfigMapDrift {
  ref: string;
  /** Keys whose live value differs from the base (someone changed the cluster, not the manifests). */
  drifted: string[];
  /** Drifted keys the change also touches, where live differs from the head too: a conflict. */
  conflicts: string[];
  /** Keys the change touches that already hold the head's value live (applied by hand, or a re-run). */
  alreadyApplied: string[];
  /** The ConfigMap is not in the cluster. */
  missingLive: boolean;
}

function valueOf(snapshot: ConfigMapSnapshot | null | undefined, key: string): string | undefined {
  if (!snapshot) return undefined;
  if (Object.hasOwn(snapshot.data, key)) return `d:${snapshot.data[key]}`;
  if (Object.hasOwn(snapshot.binaryData, key)) return `b:${snapshot.binaryData[key]}`;
  return undefined;
}

function keysOf(snapshot: ConfigMapSnapshot | null | undefined): string[] {
  return snapshot ? [...Object.keys(snapshot.data), ...Object.keys(snapshot.binaryData)] : [];
}

/** Three-way comparison of one ConfigMap: base and head from the manifests, live from the cluster. */
export function compareWithLive(
  change: ConfigMapChange,
  live: ConfigMapSnapshot | undefined,
): ConfigMapDrift {
  const touched = new Set([...change.keys.added, ...change.keys.removed, ...change.keys.changed]);
  const keys = [...new Set([...keysOf(change.base), ...keysOf(live)])].sort();
  const drifted = live ? keys.filter((k) => valueOf(change.base, k) !== valueOf(live, k)) : [];
  const conflicts = drifted.filter((k) => touched.has(k) && valueOf(live, k) !== valueOf(change.head, k));
  const alreadyApplied = live
    ? [...touched]
        .filter(
          (k) => valueOf(live, k) === valueOf(change.head, k) && valueOf(live, k) !== valueOf(change.base, k),
        )
        .sort()
    : [];
  return { ref: change.ref, drifted, conflicts, alreadyApplied, missingLive: !live };
}

/** Findings for one ConfigMap's drift: conflicts block; other drift warns and is kept on apply. */
export function driftFindings(
  change: ConfigMapChange,
  drift: ConfigMapDrift,
  live: ConfigMapSnapshot | undefined,
): Finding[] {
  const at = change.head?.source ?? change.base?.source ?? null;
  const findings: Finding[] = [];
  const list = (keys: string[]) => keys.map((k) => `\`${k}\``).join(', ');
  if (live?.immutable && change.change !== 'unchanged' && !change.base?.immutable) {
    findings.push(
      finding(
        'blocker',
        'live-immutable',
        `ConfigMap ${change.ref} is immutable in the cluster, so its data can't be patched: create it under a new name and point its consumers at it.`,
        at,
      ),
    );
  }
  if (drift.missingLive && change.base) {
    findings.push(
      finding(
        'warning',
        'drift',
        `ConfigMap ${change.ref} is in the base manifests but not in the cluster; applying creates it.`,
        at,
      ),
    );
  }
  if (drift.conflicts.length > 0) {
    findings.push(
      finding(
        'blocker',
        'drift-conflict',
        `ConfigMap ${change.ref}: ${list(drift.conflicts)} changed in the cluster since the base, and this change changes ${drift.conflicts.length === 1 ? 'it' : 'them'} too. Bring the manifests in line with the cluster (or the cluster with the base) first.`,
        at,
      ),
    );
  }
  const otherDrift = drift.drifted.filter(
    (k) => !drift.conflicts.includes(k) && !drift.alreadyApplied.includes(k),
  );
  if (otherDrift.length > 0) {
    findings.push(
      finding(
        'warning',
        'drift',
        `ConfigMap ${change.ref}: ${list(otherDrift)} differ${otherDrift.length === 1 ? 's' : ''} in the cluster from the base (edited by hand?). This change does not touch ${otherDrift.length === 1 ? 'it' : 'them'}; apply keeps the cluster's value${otherDrift.length === 1 ? '' : 's'}.`,
        at,
      ),
    );
  }
  return findings;
}
