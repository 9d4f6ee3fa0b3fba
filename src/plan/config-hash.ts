import { createHash } from 'node:crypto';
import type { ConfigMapSnapshot } from './configmaps.js';
import type { ConfigMapReference } from './consumers.js';

/** Pod-template annotation config-rollout sets to restart a workload: a hash of the config it reads. */
export const configHashAnnotation = 'config-rollout.io/config-hash';

/**
 * A content hash of exactly the ConfigMap data one workload reads (the keys each reference reaches).
 * The same data always gives the same value, so a re-run restarts nothing and putting the old value back
 * gives the old pod template, which the Deployment controller matches to its old ReplicaSet.
 */
export function workloadConfigHash(
  references: readonly ConfigMapReference[],
  configMaps: ReadonlyMap<string, Pick<ConfigMapSnapshot, 'data' | 'binaryData'>>,
): string {
  const read = new Map<string, Set<string> | 'all'>();
  for (const r of references) {
    const before = read.get(r.configMap);
    if (before === 'all' || r.keys === null) read.set(r.configMap, 'all');
    else read.set(r.configMap, new Set([...(before ?? []), ...r.keys]));
  }
  const entries: [string, string, string][] = [];
  for (const [ref, keys] of [...read].sort(([a], [b]) => a.localeCompare(b))) {
    const cm = configMaps.get(ref);
    if (!cm) {
      entries.push([ref, '', 'absent']);
      continue;
    }
    const all = [
      ...Object.keys(cm.data).map((k) => ['d', k]),
      ...Object.keys(cm.binaryData).map((k) => ['b', k]),
    ];
    for (const [where, key] of all.sort(([, a], [, b]) => a!.localeCompare(b!))) {
      if (keys !== 'all' && !keys.has(key!)) continue;
      entries.push([ref, `${where}:${key}`, where === 'd' ? cm.data[key!]! : cm.binaryData[key!]!]);
    }
  }
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 32);
}
