import type { KeyValues } from '../plan/configmap-patch.js';
import type { ConfigMapSnapshot } from '../plan/configmaps.js';
import type { ClusterWriter } from '../cluster/cluster-writer.js';

/**
 * What apply must be able to undo, written to the cluster before the first change: the previous values of
 * every key it patches and the previous config hash of every workload it restarts. A re-run after a crash
 * reads it back, so the previous config is never lost with the process.
 */
export interface Journal {
  /** Identifies the target config: a re-run of the same change resumes, another change is refused. */
  change: string;
  state: 'applying' | 'rolling-back';
  startedAt: string;
  configMaps: Record<string, { existed: boolean; previous: KeyValues }>;
  workloads: Record<string, { kind: string; name: string; previousHash: string | null }>;
}

export const journalName = 'config-rollout-journal';
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'config-rollout' };

export interface StoredJournal {
  journal: Journal;
  resourceVersion: string;
}

export async function readJournal(
  cluster: ClusterWriter,
  namespace: string,
): Promise<StoredJournal | undefined> {
  const live = await cluster.readConfigMap(namespace, journalName);
  if (!live) return undefined;
  const raw = live.snapshot.data['journal.json'];
  if (!raw) return undefined;
  return { journal: JSON.parse(raw) as Journal, resourceVersion: live.resourceVersion };
}

function snapshotOf(namespace: string, journal: Journal): ConfigMapSnapshot {
  return {
    kind: 'ConfigMap',
    ref: `${namespace}/${journalName}`,
    namespace,
    name: journalName,
    data: { 'journal.json': JSON.stringify(journal) },
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
): Promise<StoredJournal> {
  const live = await cluster.createConfigMap(snapshotOf(namespace, journal), managedByLabel);
  return { journal, resourceVersion: live.resourceVersion };
}

export async function updateJournal(
  cluster: ClusterWriter,
  namespace: string,
  stored: StoredJournal,
  journal: Journal,
): Promise<StoredJournal> {
  const live = await cluster.patchConfigMap(
    namespace,
    journalName,
    { data: { 'journal.json': JSON.stringify(journal) } },
    stored.resourceVersion,
  );
  return { journal, resourceVersion: live.resourceVersion };
}

export async function deleteJournal(
  cluster: ClusterWriter,
  namespace: string,
  stored: StoredJournal,
): Promise<void> {
  await cluster.deleteConfigMap(namespace, journalName, stored.resourceVersion);
}
