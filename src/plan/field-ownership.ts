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
