import type { KeyValues } from '../plan/configmap-patch.js';
import type { KubeObject } from '../plan/manifests.js';
import { retryOnConflict } from '../cluster/retry-on-conflict.js';
import type { ConfigMapSnapshot, SourceKind } from '../plan/configmaps.js';
import type { ClusterWriter, ObjectRef } from '../cluster/cluster-writer.js';

/**
 * What apply must be able to undo, written to the cluster before the first change: the previous values of
 * every key it patches, the previous config hash of every workload it restarts, and the previous state of
 * every other object it writes. A re-run after a crash reads it back, so the previous state is never lost
 * with the process.
 */
export interface Journal {
  /** Identifies the target config: a re-run of the same change resumes, another change is refused. */
  change: string;
  state: 'applying' | 'rolling-back';
  startedAt: string;
  configMaps: Record<string, { existed: boolean; previous: KeyValues }>;
  workloads: Record<string, { kind: string; name: string; previousHash: string | null }>;
  /** Objects written whole (server-side apply), by id: absent before (rollback deletes) or their previous state. */
  objects?: Record<string, JournalObject>;
}

export interface JournalObject {
  ref: ObjectRef;
  existed: boolean;
  /** The live object before the first write, as rollback puts it back (managedFields included). */
  previous: KubeObject | null;
}

export const journalName = 'config-rollout-journal';
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'config-rollout' };

/** How often a journal write is re-read and retried after a 409. */
const maxJournalConflicts = 5;

/**
 * The journal is a ConfigMap, or a Secret when the change writes Secrets: previous Secret values must never
 * land in a ConfigMap.
 */
export interface StoredJournal {
  journal: Journal;
  resourceVersion: string;
  kind: SourceKind;
}

/** The journal of an unfinished apply in a namespace, looked for in each kind given. */
export async function readJournal(
  cluster: ClusterWriter,
  namespace: string,
  kinds: readonly SourceKind[] = ['ConfigMap'],
): Promise<StoredJournal | undefined> {
  for (const kind of kinds) {
    const live = await cluster.readConfigMap(namespace, journalName, kind);
    const raw = live?.snapshot.data['journal.json'];
    if (!live || !raw) continue;
    const text = kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    return { journal: JSON.parse(text) as Journal, resourceVersion: live.resourceVersion, kind };
  }
  return undefined;
}

function encode(journal: Journal, kind: SourceKind): string {
  const text = JSON.stringify(journal);
  return kind === 'Secret' ? Buffer.from(text, 'utf8').toString('base64') : text;
}

function snapshotOf(namespace: string, journal: Journal, kind: SourceKind): ConfigMapSnapshot {
  return {
    kind,
    ref: `${namespace}/${journalName}`,
    namespace,
    name: journalName,
    data: { 'journal.json': encode(journal, kind) },
    binaryData: {},
    immutable: false,
    source: null,
  };
}

/** Create the journal; a 409 means another apply holds this namespace (ConflictError). */
export async function createJournal(
  cluster: ClusterWriter,
  namespace: string,
  journal: Journal,
  kind: SourceKind = 'ConfigMap',
): Promise<StoredJournal> {
  const live = await cluster.createConfigMap(snapshotOf(namespace, journal, kind), managedByLabel);
  return { journal, resourceVersion: live.resourceVersion, kind };
}

/**
 * Replace the journal of this change. A 409 usually means our own earlier attempt landed and only its answer
 * was lost: re-read, and write again over a journal of the same change; another change's journal is refused.
 */
export async function updateJournal(
  cluster: ClusterWriter,
  namespace: string,
  stored: StoredJournal,
  journal: Journal,
): Promise<StoredJournal> {
  let resourceVersion = stored.resourceVersion;
  return retryOnConflict(
    async (attempt) => {
      if (attempt > 0) {
        const current = await readJournal(cluster, namespace, [stored.kind]);
        if (current?.journal.change !== journal.change)
          throw new Error(`the journal in ${namespace} now belongs to another change`);
        resourceVersion = current.resourceVersion;
      }
      const live = await cluster.patchConfigMap(
        namespace,
        journalName,
        { data: { 'journal.json': encode(journal, stored.kind) } },
        resourceVersion,
        stored.kind,
      );
      return { journal, resourceVersion: live.resourceVersion, kind: stored.kind };
    },
    { retries: maxJournalConflicts },
  );
}

/** Delete the journal (the change is done); a 409 re-reads it and tries again, a 404 means it is gone. */
export async function deleteJournal(
  cluster: ClusterWriter,
  namespace: string,
  stored: StoredJournal,
): Promise<void> {
  let resourceVersion = stored.resourceVersion;
  await retryOnConflict(
    async (attempt) => {
      if (attempt > 0) {
        const current = await readJournal(cluster, namespace, [stored.kind]);
        if (!current) return;
        if (current.journal.change !== stored.journal.change)
          throw new Error(`the journal in ${namespace} now belongs to another change`);
        resourceVersion = current.resourceVersion;
      }
      await cluster.deleteConfigMap(namespace, journalName, resourceVersion, stored.kind);
    },
    { retries: maxJournalConflicts },
  );
}
