import { apiMessage } from '../cluster/api-errors.js';
import { FieldConflictError, fieldManager, type ObjectRef } from '../cluster/cluster-writer.js';
import { handOverFields, isTakenOver, type ManagedFieldsEntry } from '../plan/field-ownership.js';
import type { KubeObject } from '../plan/manifests.js';
import type { ObjectChange } from '../plan/object-changes.js';
import type { ObjectResult } from './apply-result.js';
import type { ApplyRun } from './apply-run.js';
import { retryOnConflict } from '../cluster/retry-on-conflict.js';

/** How long a CRD created by this change may take to be served before its objects are written. */
const crdEstablishTimeoutMs = 30_000;

/**
 * Phase 4: namespaces and CRDs, then every other object of the change, each with server-side apply.
 * Stops at the first failure (recorded in the results).
 */
export async function writeObjects(run: ApplyRun): Promise<void> {
  let foundationsDone = false;
  for (const object of run.deploy.objects) {
    if (object.phase !== 'foundations' && !foundationsDone) {
      foundationsDone = true;
      await settleFoundations(run);
    }
    const result = await applyWholeObject(run, object, object.head!);
    run.objects.push(result);
    if (result.outcome === 'failed') return;
  }
}

/** New CRDs are served only once Established; discovery is read again so their kinds are found. */
async function settleFoundations(run: ApplyRun): Promise<void> {
  const crds = run.deploy.objects.filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length === 0 || run.settings.dryRun) return;
  const deadline = Date.now() + crdEstablishTimeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await run.cluster.readObject(crd).catch(() => undefined);
      const conditions =
        (live?.['status'] as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ??
        [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) {
        run.settings.log(`${crd.id}: not Established after ${crdEstablishTimeoutMs / 1000}s; writing on`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  run.cluster.forgetKinds();
}

/**
 * Write one whole object as the change has it: fields `kubectl apply` (client-side) owned are handed over
 * first, so a field the change drops is removed; fields owned by `kubectl edit` or our own restarts are taken
 * over; fields of any other manager only with `force-conflicts`.
 */
export async function applyWholeObject(
  run: ApplyRun,
  object: Pick<ObjectChange, 'id' | 'fields' | 'change'> & ObjectRef,
  body: KubeObject,
): Promise<ObjectResult> {
  const { cluster, settings } = run;
  run.attempted.add(object.id);
  try {
    // A 409 here is a lost race (the hand-over is made at a resourceVersion): read again and go on.
    return await retryOnConflict(async () => {
      let live = await cluster.readObject(object);
      const managed = live?.metadata['managedFields'] as ManagedFieldsEntry[] | undefined;
      const handedOver = live && managed ? handOverFields(managed, fieldManager) : undefined;
      if (live && handedOver && !settings.dryRun) {
        live = await cluster.patchObject(
          object,
          { metadata: { managedFields: handedOver } },
          String(live.metadata['resourceVersion'] ?? ''),
        );
        settings.log(`${object.id}: took over the fields \`kubectl apply\` set`);
      }
      let written: KubeObject;
      try {
        written = await cluster.applyObject(body);
      } catch (error) {
        if (!(error instanceof FieldConflictError)) throw error;
        const foreign = error.conflicts.filter((c) => !isTakenOver(c.manager));
        if (foreign.length > 0 && settings.forceConflicts !== true) {
          const owners = foreign.map((c) => `${c.field} (owned by ${c.manager})`).join(', ');
          return failed(
            object,
            `other managers own fields this change sets: ${owners}. Set force-conflicts to take them over, or leave those fields out of the manifests.`,
          );
        }
        settings.log(
          `${object.id}: taking over ${error.conflicts.map((c) => `${c.field} from ${c.manager}`).join(', ')}`,
        );
        written = await cluster.applyObject(body, { force: true });
      }
      const before = live?.metadata['resourceVersion'];
      const outcome = !live
        ? 'created'
        : written.metadata['resourceVersion'] === before
          ? 'unchanged'
          : 'configured';
      settings.log(`${object.id}: ${outcome}${settings.dryRun ? ' (dry run)' : ''}`);
      return { object: object.id, outcome, fields: object.fields };
    });
  } catch (error) {
    return failed(object, `writing it failed: ${apiMessage(error)}`);
  }

  function failed(o: { id: string; fields: string[] }, detail: string): ObjectResult {
    settings.log(`${o.id}: ${detail}`);
    return { object: o.id, outcome: 'failed', fields: o.fields, detail };
  }
}
