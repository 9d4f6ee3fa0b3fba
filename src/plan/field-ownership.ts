import { isPlainObject } from './manifests.js';

/** One entry of `metadata.managedFields`: who last set which fields, and how. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** The manager `kubectl apply` (client-side) records: the previous way these manifests were deployed. */
export const clientSideApplyManager = 'kubectl-client-side-apply';

/**
 * Managers whose fields a whole-change deploy takes over without being asked: client-side `kubectl apply`
 * (the manifests themselves, deployed the old way), `kubectl edit` (a hand edit the manifests now supersede),
 * and our own restarts (the config-hash annotation, set with an update).
 */
export const takenOverManagers: readonly string[] = [
  clientSideApplyManager,
  'kubectl-edit',
  'config-rollout',
];

export function isTakenOver(manager: string): boolean {
  return takenOverManagers.includes(manager);
}

/**
 * Move the fields client-side `kubectl apply` owns to our apply entry, as `kubectl apply --server-side` does
 * when it upgrades an object (client-go's csaupgrade). Without it, a field the head's manifest drops stays in
 * the cluster: server-side apply removes only fields its own manager owned. Undefined when there is nothing to
 * move.
 */
export function handOverFields(
  entries: readonly ManagedFieldsEntry[],
  to: string,
): ManagedFieldsEntry[] | undefined {
  const isCsa = (e: ManagedFieldsEntry) =>
    e.manager === clientSideApplyManager && e.operation === 'Update' && !e.subresource;
  const moved = entries.filter(isCsa);
  if (moved.length === 0) return undefined;
  const ours = entries.find((e) => e.manager === to && e.operation === 'Apply' && !e.subresource);
  let fields: Record<string, unknown> = ours?.fieldsV1 ?? {};
  for (const e of moved) fields = unionFields(fields, e.fieldsV1 ?? {});
  const entry: ManagedFieldsEntry = {
    manager: to,
    operation: 'Apply',
    apiVersion: ours?.apiVersion ?? moved[0]!.apiVersion,
    time: ours?.time ?? moved[0]!.time,
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  return [...entries.filter((e) => !isCsa(e) && e !== ours), entry];
}

/** The union of two FieldsV1 sets (nested `f:`/`k:`/`v:`/`i:` keys, `.` for the node itself). */
export function unionFields(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] =
      isPlainObject(mine) && isPlainObject(value)
        ? unionFields(mine, value)
        : isPlainObject(value)
          ? value
          : (mine ?? value);
  }
  return out;
}

/** A field the change sets to a new value that another manager owns. */
export interface FieldOwner {
  manager: string;
  /** Dotted path, list items by their keys (`spec.template.spec.containers[name=app].image`). */
  field: string;
}

/**
 * The fields `desired` would change that live managers own, read from the live object's `managedFields`
 * (what server-side apply checks): a field the change leaves out, or sets to the value it has, is no
 * conflict. Status is never the manifests' to set.
 */
export function ownedChangedFields(
  live: Record<string, unknown>,
  desired: Record<string, unknown>,
): FieldOwner[] {
  const metadata = live['metadata'];
  const entries = (
    isPlainObject(metadata) && Array.isArray(metadata['managedFields']) ? metadata['managedFields'] : []
  ) as ManagedFieldsEntry[];
  const owners: FieldOwner[] = [];
  for (const entry of entries) {
    if (entry.subresource === 'status' || !entry.manager || !entry.fieldsV1) continue;
    const found: string[] = [];
    walkOwned(entry.fieldsV1, live, desired, '', found);
    for (const field of found) owners.push({ manager: entry.manager, field });
  }
  return owners;
}

function walkOwned(
  set: Record<string, unknown>,
  live: unknown,
  desired: unknown,
  path: string,
  out: string[],
): void {
  for (const [key, child] of Object.entries(set)) {
    if (key === '.' || !isPlainObject(child)) continue;
    const leaf = Object.keys(child).filter((k) => k !== '.').length === 0;
    if (key.startsWith('f:')) {
      const name = key.slice(2);
      const want = isPlainObject(desired) ? desired[name] : undefined;
      if (want === undefined) continue;
      const have = isPlainObject(live) ? live[name] : undefined;
      const at = path ? `${path}.${name}` : name;
      if (leaf) {
        if (!sameValue(have, want)) out.push(at);
      } else walkOwned(child, have, want, at, out);
    } else if (key.startsWith('k:')) {
      let match: Record<string, unknown>;
      try {
        match = JSON.parse(key.slice(2)) as Record<string, unknown>;
      } catch {
        continue;
      }
      const find = (list: unknown) =>
        Array.isArray(list)
          ? list.find(
              (item) => isPlainObject(item) && Object.entries(match).every(([k, v]) => sameValue(item[k], v)),
            )
          : undefined;
      const want = find(desired);
      if (want === undefined) continue;
      const at = `${path}[${Object.entries(match)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')}]`;
      walkOwned(child, find(live), want, at, out);
    }
    // `v:` (set members) and `i:` (positions) name items whole: adding or keeping one is no conflict.
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}
