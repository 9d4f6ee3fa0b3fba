import { createHash } from 'node:crypto';
import { createHmac } from 'node:crypto';
import { keyRecord, type ConfigMapSnapshot, type SourceKind } from './configmaps.js';

export interface KeyDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export type ConfigMapChangeKind = 'added' | 'modified' | 'removed' | 'unchanged';

/** How one ConfigMap differs between two sides, key by key (data and binaryData share one key space). */
export interface ConfigMapChange {
  kind: SourceKind;
  ref: string;
  namespace: string;
  name: string;
  change: ConfigMapChangeKind;
  keys: KeyDiff;
  /** Immutable on either side: the API refuses any data change then. */
  immutable: boolean;
  base: ConfigMapSnapshot | null;
  head: ConfigMapSnapshot | null;
  /** For a Secret: a short keyed fingerprint per key and side, shown instead of values. */
  fingerprints?: { base: Record<string, string>; head: Record<string, string> };
  /** The ref of the generated ConfigMap this one replaces (a kustomize hash-suffixed name), diffed against it. */
  replaces?: string;
}

/** Every key's value with where it lives, so a key moved from data to binaryData counts as changed. */
function entries(snapshot: ConfigMapSnapshot | null): Map<string, string> {
  const all = new Map<string, string>();
  if (!snapshot) return all;
  for (const [k, v] of Object.entries(snapshot.data)) all.set(k, `d:${v}`);
  for (const [k, v] of Object.entries(snapshot.binaryData)) all.set(k, `b:${v}`);
  return all;
}

export function diffKeys(base: ConfigMapSnapshot | null, head: ConfigMapSnapshot | null): KeyDiff {
  const before = entries(base);
  const after = entries(head);
  const diff: KeyDiff = { added: [], removed: [], changed: [] };
  for (const [key, value] of after) {
    if (!before.has(key)) diff.added.push(key);
    else if (before.get(key) !== value) diff.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) diff.removed.push(key);
  diff.added.sort();
  diff.removed.sort();
  diff.changed.sort();
  return diff;
}

export function diffConfigMap(
  base: ConfigMapSnapshot | null,
  head: ConfigMapSnapshot | null,
  fingerprintKey = '',
): ConfigMapChange {
  const either = (head ?? base)!;
  const keys = diffKeys(base, head);
  const change =
    base === null
      ? 'added'
      : head === null
        ? 'removed'
        : keys.added.length + keys.removed.length + keys.changed.length > 0
          ? 'modified'
          : 'unchanged';
  const fingerprints =
    either.kind === 'Secret'
      ? { base: fingerprintsOf(base, fingerprintKey), head: fingerprintsOf(head, fingerprintKey) }
      : undefined;
  return {
    kind: either.kind,
    ref: either.ref,
    namespace: either.namespace,
    name: either.name,
    change,
    keys,
    immutable: (base?.immutable ?? false) || (head?.immutable ?? false),
    base,
    head,
    ...(fingerprints ? { fingerprints } : {}),
  };
}

/**
 * A Secret value's fingerprint: 8 hex digits of an HMAC under a key the caller picks per run, so a reader
 * learns "changed or not" and nothing that can be looked up or compared across runs.
 */
export function secretFingerprint(value: string, key: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 8);
}

function fingerprintsOf(snapshot: ConfigMapSnapshot | null, key: string): Record<string, string> {
  const out = keyRecord<string>();
  for (const [k, v] of Object.entries(snapshot?.data ?? {})) out[k] = secretFingerprint(v, key);
  return out;
}

/** All keys that differ, whatever the direction. */
export function touchedKeys(change: ConfigMapChange): Set<string> {
  return new Set([...change.keys.added, ...change.keys.removed, ...change.keys.changed]);
}

/**
 * A stable fingerprint of ConfigMap content: sorted keys, data and binaryData kept apart, so the same data
 * always gives the same hash whatever order the YAML or the API returned it in.
 */
export function contentHash(snapshot: Pick<ConfigMapSnapshot, 'data' | 'binaryData'>): string {
  return createHash('sha256').update(canonical(snapshot)).digest('hex');
}

function canonical(snapshot: Pick<ConfigMapSnapshot, 'data' | 'binaryData'>): string {
  const sorted = (record: Record<string, string>) =>
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]);
  return JSON.stringify({ data: sorted(snapshot.data), binaryData: sorted(snapshot.binaryData) });
}
