import { statusOf } from '../cluster/api-errors.js';
import { ConflictError, UnknownKindError, type ObjectRef } from '../cluster/cluster-writer.js';
import { touchedKeys } from '../plan/configmap-diff.js';
import { valuesOf } from '../plan/configmap-patch.js';
import type { KubeObject } from '../plan/manifests.js';
import type { ApplyResult } from './apply-result.js';
import { applyResult, type ApplyRun } from './apply-run.js';
import {
  createJournal,
  deleteJournal,
  journalName,
  readJournal,
  type Journal,
  type JournalObject,
  type StoredJournal,
} from './journal.js';
import { namespacesOf } from './prepare.js';

/** What the API server keeps for itself: never part of a state to put back. */
const serverFields = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];

/** A live object as rollback puts it back: spec, metadata and field ownership, without the server's own fields. */
export function restorableState(live: KubeObject): KubeObject {
  const rest: Record<string, unknown> = { ...live };
  delete rest['status'];
  const metadata = { ...live.metadata };
  for (const field of serverFields) delete metadata[field];
  return { ...rest, apiVersion: live.apiVersion, kind: live.kind, metadata } as KubeObject;
}

/** The ConfigMap that holds a journal can't exceed the API server's 1 MiB; leave room for the rest. */
const maxJournalBytes = 900 * 1024;

/**
 * Phase 2: record what can be undone before changing anything — previous key values, previous config hashes,
 * previous objects — or resume an interrupted run of the same change. Refuses when another change's journal
 * is still there (an earlier apply that did not finish).
 */
export async function takeJournal(run: ApplyRun): Promise<ApplyResult | undefined> {
  if (run.settings.dryRun) return undefined;
  const { settings, deploy, cluster, prepared } = run;
  const journalKind = deploy.config.some((c) => c.kind === 'Secret') ? 'Secret' : 'ConfigMap';
  const journalKinds: ('ConfigMap' | 'Secret')[] = settings.secrets ? ['ConfigMap', 'Secret'] : ['ConfigMap'];
  const startedAt = new Date().toISOString();
  const emptyJournal = (): Journal => ({
    change: deploy.changeId,
    state: 'applying',
    startedAt,
    configMaps: {},
    workloads: {},
    objects: {},
  });
  const entries = new Map<string, Journal>();
  const journalOf = (namespace: string) => {
    if (!entries.has(namespace)) entries.set(namespace, emptyJournal());
    return entries.get(namespace)!;
  };
  for (const change of deploy.config) {
    const live = prepared.live?.configMaps.get(change.ref);
    journalOf(change.namespace).configMaps[change.ref] = {
      existed: live !== undefined,
      previous: valuesOf(live, touchedKeys(change)),
    };
  }
  const objects: { ref: ObjectRef; id: string }[] = [
    ...deploy.objects.map((o) => ({ ref: o, id: o.id })),
    ...deploy.rollouts.flatMap((r) => (r.type === 'apply' ? [{ ref: r.object, id: r.object.id }] : [])),
  ];
  for (const { ref, id } of objects) {
    const live = await cluster.readObject(ref).catch((error: unknown) => {
      if (error instanceof UnknownKindError) return undefined;
      throw error;
    });
    const entry: JournalObject = {
      ref: { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name },
      existed: live !== undefined,
      previous: live ? restorableState(live) : null,
    };
    journalOf(ref.namespace ?? run.home).objects![id] = entry;
  }
  for (const r of deploy.rollouts) {
    if (r.type !== 'restart' && r.type !== 'delete-pods') continue;
    journalOf(r.workload.namespace).workloads[r.workload.id] = {
      kind: r.workload.kind.kind,
      name: r.workload.name,
      previousHash: r.previousHash,
    };
  }
  for (const namespace of namespacesOf(run)) journalOf(namespace);

  // Namespaces this change creates can't hold a journal yet: their entries go to the home namespace's.
  const namespaces = [...entries.keys()].filter((n) => n !== run.home).sort();
  try {
    for (const namespace of [...namespaces, run.home]) {
      // The home namespace keeps a journal only when something is recorded there (or was moved there above).
      const journal = entries.get(namespace);
      if (!journal) continue;
      const existing = await readJournal(cluster, namespace, journalKinds).catch((error: unknown) => {
        if (statusOf(error) === 404) return undefined;
        throw error;
      });
      if (existing && existing.journal.change !== deploy.changeId) {
        await dropJournals(run);
        return applyResult(
          settings,
          'failed',
          `Refused: an earlier apply in namespace ${namespace} (change ${existing.journal.change}, started ${existing.journal.startedAt}) did not finish. Re-run that change to converge, or check the cluster and delete ${existing.kind} ${namespace}/${journalName}.`,
          run,
        );
      }
      if (existing) {
        settings.log(
          `namespace ${namespace}: resuming an interrupted apply of this change (started ${existing.journal.startedAt})`,
        );
        run.journals.set(namespace, existing);
        continue;
      }
      const size = Buffer.byteLength(JSON.stringify(journal));
      if (size > maxJournalBytes) {
        await dropJournals(run);
        return applyResult(
          settings,
          'failed',
          `Refused: the previous state of what this change writes in namespace ${namespace} is ${Math.round(size / 1024)} KiB, more than a journal can hold (${maxJournalBytes / 1024} KiB). Split the change.`,
          run,
        );
      }
      const stored = await createOwnJournal(run, namespace, journal, journalKind, journalKinds);
      if (stored === 'missing-namespace') {
        mergeInto(journalOf(run.home), journal);
        continue;
      }
      if (stored === 'taken') {
        await dropJournals(run);
        return applyResult(
          settings,
          'failed',
          `Refused: another apply is running in namespace ${namespace}.`,
          run,
        );
      }
      run.journals.set(namespace, stored);
      run.createdJournals.set(namespace, stored);
    }
  } catch (error) {
    await dropJournals(run);
    throw error;
  }
  return undefined;
}

async function createOwnJournal(
  run: ApplyRun,
  namespace: string,
  journal: Journal,
  kind: 'ConfigMap' | 'Secret',
  kinds: ('ConfigMap' | 'Secret')[],
): Promise<StoredJournal | 'missing-namespace' | 'taken'> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createJournal(run.cluster, namespace, journal, kind);
    } catch (error) {
      if (statusOf(error) === 404) return 'missing-namespace';
      if (!(error instanceof ConflictError)) throw error;
      // Our own create may have landed with only its answer lost (a retried POST): then it is ours.
      const there = await readJournal(run.cluster, namespace, kinds);
      if (there?.journal.change === journal.change && there.journal.startedAt === journal.startedAt)
        return there;
      if (there || attempt >= 3) return 'taken';
    }
  }
}

function mergeInto(target: Journal, from: Journal): void {
  Object.assign(target.configMaps, from.configMaps);
  Object.assign(target.workloads, from.workloads);
  target.objects = { ...target.objects, ...from.objects };
}

/** Remove the journals this run created when it stops before changing anything (best effort). */
export async function dropJournals(run: ApplyRun): Promise<void> {
  for (const [namespace, stored] of run.createdJournals) {
    await deleteJournal(run.cluster, namespace, stored).catch(() => undefined);
    run.journals.delete(namespace);
  }
  run.createdJournals.clear();
}

/** Every journal entry of an object, whichever namespace's journal holds it. */
export function journalObjects(run: ApplyRun): Map<string, JournalObject> {
  const all = new Map<string, JournalObject>();
  for (const stored of run.journals.values())
    for (const [id, entry] of Object.entries(stored.journal.objects ?? {})) all.set(id, entry);
  return all;
}
