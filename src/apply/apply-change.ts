import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { assertAccess } from '../cluster/access-review.js';
import { apiMessage, type RetryOptions } from '../cluster/api-errors.js';
import {
  ConflictError,
  createClusterWriter,
  type ClusterWriter,
  type LiveConfigMap,
} from '../cluster/cluster-writer.js';
import { touchedKeys, contentHash, type ConfigMapChange } from '../plan/configmap-diff.js';
import { keyPatch, sameValues, valuesOf, type KeyValues } from '../plan/configmap-patch.js';
import { keyRecord, type ConfigMapSnapshot } from '../plan/configmaps.js';
import { configHashAnnotation, workloadConfigHash } from '../plan/config-hash.js';
import { findReferences, workloadsOf, type Workload } from '../plan/consumers.js';
import type { KubeObject } from '../plan/manifests.js';
import { hasBlockers } from '../plan/plan.js';
import { read } from '../plan/workload-kinds.js';
import { prepareChange, type PlanChangeSettings, type PlannedChange } from '../plan-change.js';
import { InputError } from '../sources/input-error.js';
import type { ApplyResult, ConfigMapResult, WorkloadResult } from './apply-result.js';
import {
  createJournal,
  deleteJournal,
  journalName,
  readJournal,
  updateJournal,
  type Journal,
  type StoredJournal,
} from './journal.js';
import { replacePodsOneByOne } from './delete-pods.js';
import { watchRollout, type RolloutOutcome } from './rollout-watch.js';

export interface ApplySettings extends Omit<PlanChangeSettings, 'cluster'> {
  cluster: KubeConfig;
  dryRun: boolean;
  /** Delete ConfigMaps the change removes (off: they are kept). */
  prune: boolean;
  /** How many workloads roll at once. */
  maxParallel: number;
  /** Stop starting restarts after the first failed rollout. */
  stopOnFirstFailure: boolean;
  /** For OnDelete StatefulSets/DaemonSets: delete their pods one by one (off: report them). */
  deletePods?: boolean;
  rollback: boolean;
  /** Per rollout. */
  timeoutMs: number;
  failureGraceMs: number;
  log(message: string): void;
}

/** How many times a ConfigMap patch is re-read and retried after a 409 on keys we don't touch. */
const maxConflictRetries = 5;

/**
 * Rolling back is the last thing standing between a failed rollout and broken pods: its writes ride out a
 * longer API server hiccup (about 20 s per call) than apply's own.
 */
const rollbackRetry: RetryOptions = { attempts: 8, baseDelayMs: 500, maxDelayMs: 5_000 };

const annotationsOf = (object: KubeObject, path: string[]) =>
  (read(object, [...path, 'metadata', 'annotations']) as Record<string, string> | undefined) ?? {};

/**
 * Apply a change on merge: re-plan against the cluster, refuse on blockers, record what it will change,
 * patch only the changed keys, restart exactly the consumers that need it, watch them, and roll everything
 * back when one goes unhealthy.
 */
export async function applyChange(settings: ApplySettings): Promise<ApplyResult> {
  const { log } = settings;
  const result = (
    r: ApplyResult['result'],
    message: string,
    configMaps: ConfigMapResult[] = [],
    workloads: WorkloadResult[] = [],
  ): ApplyResult => ({
    result: r,
    dryRun: settings.dryRun,
    message,
    configMaps,
    workloads,
  });
  // The cluster failing before anything changed is a failed apply (with the API server's reason), not a
  // crash; unreadable manifests and missing permissions stay input errors.
  const nothingChanged = (what: string, error: unknown): ApplyResult => {
    if (error instanceof InputError) throw error;
    return result('failed', `Nothing was changed: ${what} failed: ${apiMessage(error)}`);
  };
  let prepared: PlannedChange;
  try {
    prepared = await prepareChange(settings);
  } catch (error) {
    return nothingChanged('reading the cluster', error);
  }
  const { plan } = prepared;
  if (hasBlockers(plan)) {
    const blockers = plan.findings.filter((f) => f.severity === 'blocker').map((f) => f.message);
    return result('failed', `Refused: the change has blockers.\n- ${blockers.join('\n- ')}`);
  }
  const changes = plan.configMaps.filter(
    (c) => c.change === 'modified' || c.change === 'added' || (c.change === 'removed' && settings.prune),
  );
  const kept = plan.configMaps
    .filter((c) => c.change === 'removed' && !settings.prune)
    .map((c): ConfigMapResult => ({
      ref: c.ref,
      outcome: 'kept',
      keys: [],
      detail: 'removed from the manifests; kept in the cluster (prune is off)',
    }));
  if (changes.length === 0) return result('no-change', 'No ConfigMap changes to apply.', kept);

  const namespaces = [...new Set(changes.map((c) => c.namespace))].sort();
  try {
    await assertAccess(settings.cluster, applyAccessChecks(namespaces, settings.secrets === true));
  } catch (error) {
    return nothingChanged('checking access', error);
  }
  const cluster = createClusterWriter(settings.cluster, { dryRun: settings.dryRun });
  const patient = createClusterWriter(settings.cluster, { dryRun: settings.dryRun, retry: rollbackRetry });

  // Workloads to restart, with the config hash each will carry once the new data is in place.
  const workloads = new Map<string, Workload>();
  for (const w of [...(prepared.live?.workloads ?? []), ...workloadsOf(prepared.head)])
    workloads.set(w.id, w);
  const liveWorkloads = new Map((prepared.live?.workloads ?? []).map((w) => [w.id, w]));
  const after = dataAfterApply(prepared.live?.configMaps, plan.configMaps, changes);
  const podDeletable = (c: { action: string; workload: string }) =>
    settings.deletePods === true &&
    c.action === 'delete-pods' &&
    ['StatefulSet', 'DaemonSet'].includes(workloads.get(c.workload)?.kind.kind ?? '');
  const restarts = plan.consumers
    .filter((c) => c.action === 'restart' || podDeletable(c))
    .map((decision) => {
      const workload = workloads.get(decision.workload)!;
      const live = liveWorkloads.get(decision.workload);
      const templatePath = workload.kind.templatePath as string[];
      return {
        decision,
        workload,
        live,
        hash: workloadConfigHash(findReferences(workload, { secrets: settings.secrets === true }), after),
        previousHash: live ? (annotationsOf(live.body, templatePath)[configHashAnnotation] ?? null) : null,
      };
    });

  // Record what can be undone before changing anything; resume an interrupted run of the same change.
  const changeId = createHash('sha256')
    .update(JSON.stringify(changes.map((c) => [c.ref, c.head ? contentHash(c.head) : null])))
    .digest('hex')
    .slice(0, 16);
  const journals = new Map<string, StoredJournal>();
  // Previous Secret values go into a Secret journal, never a ConfigMap.
  const journalKind = changes.some((c) => c.kind === 'Secret') ? 'Secret' : 'ConfigMap';
  const journalKinds: ('ConfigMap' | 'Secret')[] = settings.secrets ? ['ConfigMap', 'Secret'] : ['ConfigMap'];
  // Journals this run created (not resumed ones): the only ones to drop if it stops before changing anything.
  const created = new Map<string, StoredJournal>();
  const writeJournals = async (): Promise<ApplyResult | undefined> => {
    for (const namespace of namespaces) {
      const existing = await readJournal(cluster, namespace, journalKinds);
      if (existing && existing.journal.change !== changeId) {
        return result(
          'failed',
          `Refused: an earlier apply in namespace ${namespace} (change ${existing.journal.change}, started ${existing.journal.startedAt}) did not finish. Re-run that change to converge, or check the cluster and delete ConfigMap ${namespace}/config-rollout-journal.`,
        );
      }
      if (existing) {
        log(
          `namespace ${namespace}: resuming an interrupted apply of this change (started ${existing.journal.startedAt})`,
        );
        journals.set(namespace, existing);
        continue;
      }
      const journal: Journal = {
        change: changeId,
        state: 'applying',
        startedAt: new Date().toISOString(),
        configMaps: {},
        workloads: {},
      };
      for (const change of changes.filter((c) => c.namespace === namespace)) {
        const live = prepared.live?.configMaps.get(change.ref);
        journal.configMaps[change.ref] = {
          existed: live !== undefined,
          previous: valuesOf(live, touchedKeys(change)),
        };
      }
      for (const r of restarts.filter((r) => r.workload.namespace === namespace)) {
        journal.workloads[r.workload.id] = {
          kind: r.workload.kind.kind,
          name: r.workload.name,
          previousHash: r.previousHash,
        };
      }
      for (let attempt = 1; !journals.has(namespace); attempt++) {
        try {
          journals.set(namespace, await createJournal(cluster, namespace, journal, journalKind));
          created.set(namespace, journals.get(namespace)!);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          // Our own create may have landed with only its answer lost (a retried POST): then it is ours.
          const there = await readJournal(cluster, namespace, journalKinds);
          if (there?.journal.change === changeId && there.journal.startedAt === journal.startedAt) {
            journals.set(namespace, there);
            created.set(namespace, there);
          } else if (there || attempt >= 3)
            return result('failed', `Refused: another apply is running in namespace ${namespace}.`);
        }
      }
    }
    return undefined;
  };
  if (!settings.dryRun) {
    try {
      const refused = await writeJournals();
      if (refused) {
        await dropJournals(cluster, created);
        return refused;
      }
    } catch (error) {
      await dropJournals(cluster, created);
      return nothingChanged('writing the journal', error);
    }
  }
  const journalOf = (namespace: string) => journals.get(namespace)?.journal;

  // 1. ConfigMaps: exactly the changed keys, with a resourceVersion precondition.
  const configMapResults: ConfigMapResult[] = [...kept];
  const written: ConfigMapChange[] = [];
  try {
    for (const change of changes) {
      const outcome = await writeConfigMap(
        cluster,
        change,
        journalOf(change.namespace)?.configMaps[change.ref]?.previous,
        settings,
      );
      configMapResults.push(outcome);
      if (outcome.outcome !== 'unchanged') written.push(change);
      log(
        `${change.kind.toLowerCase()}/${change.name} (${change.namespace}): ${outcome.outcome}${outcome.keys.length ? ` ${outcome.keys.join(', ')}` : ''}`,
      );
    }
  } catch (error) {
    const message = `Patching ConfigMaps failed: ${apiMessage(error)}`;
    log(message);
    if (settings.dryRun || !settings.rollback) return result('failed', message, configMapResults);
    try {
      await restoreConfigMaps(patient, changes, journals, configMapResults, log);
    } catch (restoreError) {
      return result(
        'failed',
        `${message}; restoring the previous values failed too: ${apiMessage(restoreError)}. ${journalKept(journals)}`,
        configMapResults,
      );
    }
    const note = await finishJournalsNoting(patient, journals);
    return result('rolled-back', `${message}; ConfigMaps restored.${note}`, configMapResults);
  }

  // 2. Restarts, `maxParallel` at a time, each watched to a verdict.
  const workloadResults: WorkloadResult[] = plan.consumers
    .filter((c) => c.action !== 'restart' && !podDeletable(c))
    .map((c) => ({
      workload: c.workload,
      action: c.action,
      // Nothing to do now (none, next-run, wait-for-sync) is untouched; what needs a hand is skipped.
      outcome: ['none', 'next-run', 'wait-for-sync'].includes(c.action) ? 'untouched' : 'skipped',
      restarted: false,
      reason: c.reasons.at(-1) ?? '',
    }));
  let failed = false;
  const queue = [...restarts];
  // Workloads this run sent a new config hash (whether or not the answer came back): rollback undoes them.
  const attempted = new Set<string>();
  const runOne = async (r: (typeof restarts)[number]): Promise<void> => {
    try {
      await restartOne(r);
    } catch (error) {
      // A restart the API server refuses (or a watch that can't be set up) fails this workload, and the
      // change is rolled back like any failed rollout: never an exception that leaves the new config half-on.
      workloadResults.push({
        workload: r.workload.id,
        action: r.decision.action,
        outcome: 'failed',
        restarted: false,
        reason: `could not restart: ${apiMessage(error)}`,
      });
      failed = true;
    }
  };
  const restartOne = async (r: (typeof restarts)[number]): Promise<void> => {
    const id = r.workload.id;
    const kind = r.workload.kind.kind;
    if (kind === 'Deployment' && read(r.live?.body, ['spec', 'paused']) === true) {
      workloadResults.push({
        workload: id,
        action: 'restart',
        outcome: 'skipped',
        restarted: false,
        reason: 'paused: resume it to roll out the new config',
      });
      return;
    }
    const restarted = r.previousHash !== r.hash;
    if (restarted) {
      attempted.add(id);
      await cluster.patchTemplateAnnotations(kind, r.workload.namespace, r.workload.name, {
        [configHashAnnotation]: r.hash,
      });
    }
    if (settings.dryRun) {
      workloadResults.push({
        workload: id,
        action: 'restart',
        outcome: 'healthy',
        restarted,
        reason: 'dry run: restart accepted by the API server',
      });
      return;
    }
    log(`${id}: ${restarted ? 'restarting' : 'already at this config; checking its rollout'}`);
    const outcome = await verify(r, r.hash);
    workloadResults.push({
      ...(await toResult(cluster, r.workload, restarted, outcome)),
      action: r.decision.action,
    });
    if (!outcome.healthy) failed = true;
  };
  /** Watch a workload reach the config whose hash is given: a rollout, or OnDelete pods replaced one by one. */
  const verify = async (r: (typeof restarts)[number], hash: string | null): Promise<RolloutOutcome> => {
    const isNewPod = (pod: KubeObject) => (annotationsOf(pod, [])[configHashAnnotation] ?? null) === hash;
    const watchOptions = { timeoutMs: settings.timeoutMs, failureGraceMs: settings.failureGraceMs, log };
    if (r.decision.action !== 'delete-pods') {
      const target = {
        kind: r.workload.kind.kind,
        namespace: r.workload.namespace,
        name: r.workload.name,
        isNewPod,
      };
      return watchRollout(settings.cluster, target, watchOptions);
    }
    const live =
      (await cluster.readWorkload(r.workload.kind.kind, r.workload.namespace, r.workload.name)) ??
      r.workload.body;
    const labels =
      (read(live, ['spec', 'selector', 'matchLabels']) as Record<string, string> | undefined) ?? {};
    const expected =
      r.workload.kind.kind === 'DaemonSet'
        ? Number(read(live, ['status', 'desiredNumberScheduled']) ?? 0)
        : Number(read(live, ['spec', 'replicas']) ?? 1);
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return replacePodsOneByOne(
      settings.cluster,
      cluster,
      { namespace: r.workload.namespace, selector, expected, isNewPod },
      watchOptions,
    );
  };
  const lanes = Array.from({ length: Math.max(1, settings.maxParallel) }, async () => {
    while (queue.length > 0) {
      if (failed && settings.stopOnFirstFailure) break;
      await runOne(queue.shift()!);
    }
  });
  await Promise.all(lanes);
  for (const r of queue) {
    workloadResults.push({
      workload: r.workload.id,
      action: r.decision.action,
      outcome: 'skipped',
      restarted: false,
      reason: 'not started: an earlier rollout failed',
    });
  }
  workloadResults.sort((a, b) => a.workload.localeCompare(b.workload));
  configMapResults.sort((a, b) => a.ref.localeCompare(b.ref));

  if (!failed) {
    const note = await finishJournalsNoting(cluster, journals);
    const restartedCount = workloadResults.filter((w) => w.restarted).length;
    return result(
      'applied',
      settings.dryRun
        ? `Dry run: the API server accepted ${written.length} ConfigMap change(s) and ${restartedCount} restart(s); nothing was changed.`
        : `Applied ${written.length} ConfigMap change(s); ${restartedCount} workload(s) restarted and healthy.${note}`,
      configMapResults,
      workloadResults,
    );
  }
  const failures = workloadResults
    .filter((w) => w.outcome === 'failed')
    .map((w) => `${w.workload}: ${w.reason}`);
  if (!settings.rollback) {
    return result(
      'failed',
      `Rollout failed (rollback is off):\n- ${failures.join('\n- ')}`,
      configMapResults,
      workloadResults,
    );
  }

  // 3. Rollback: previous data back, previous hashes back, and watch the consumers return to health. Each
  // step is retried patiently and one failing step does not stop the others.
  log('Rolling back: restoring the previous config and the previous pod templates');
  const problems: string[] = [];
  for (const [namespace, stored] of journals) {
    try {
      journals.set(
        namespace,
        await updateJournal(patient, namespace, stored, { ...stored.journal, state: 'rolling-back' }),
      );
    } catch (error) {
      // Only a marker for people reading the cluster; the previous values in it are what matter.
      log(`namespace ${namespace}: could not mark the journal as rolling back: ${apiMessage(error)}`);
    }
  }
  try {
    await restoreConfigMaps(patient, changes, journals, configMapResults, log);
  } catch (error) {
    problems.push(`restoring the previous ConfigMap values failed: ${apiMessage(error)}`);
  }
  const previousHashOf = (r: (typeof restarts)[number]) => {
    const recorded = journalOf(r.workload.namespace)?.workloads[r.workload.id];
    return recorded ? recorded.previousHash : r.previousHash;
  };
  // This run's restarts, and those an interrupted earlier run of this change made (the hash found at the
  // start of this run is not the one recorded before the first run).
  const toRollBack = restarts.filter(
    (r) => attempted.has(r.workload.id) || r.previousHash !== previousHashOf(r),
  );
  const rolledBack = await Promise.all(
    toRollBack.map(async (r) => {
      const previous = previousHashOf(r);
      const entry = workloadResults.find((w) => w.workload === r.workload.id);
      try {
        // Only what differs is put back: a restart the API server refused never changed the template.
        const live = await patient
          .readWorkload(r.workload.kind.kind, r.workload.namespace, r.workload.name)
          .catch(() => undefined);
        const templatePath = r.workload.kind.templatePath as string[];
        const current = live ? (annotationsOf(live, templatePath)[configHashAnnotation] ?? null) : undefined;
        if (current !== previous) {
          await patient.patchTemplateAnnotations(
            r.workload.kind.kind,
            r.workload.namespace,
            r.workload.name,
            {
              [configHashAnnotation]: previous,
            },
          );
        }
      } catch (error) {
        problems.push(
          `${r.workload.id}: putting the previous pod template back failed: ${apiMessage(error)}`,
        );
        if (entry) entry.reason = `${entry.reason} — rollback failed: ${apiMessage(error)}`;
        return false;
      }
      const outcome = await verify(r, previous).catch((error: unknown): RolloutOutcome => ({
        healthy: false,
        seconds: 0,
        message: apiMessage(error),
        podFailures: [],
      }));
      if (entry) {
        if (entry.outcome === 'healthy') entry.reason = `${entry.reason}; rolled back with the rest`;
        entry.outcome = 'rolled-back';
        entry.reason = `${entry.reason}${outcome.healthy ? ` — previous config restored, healthy in ${outcome.seconds}s` : ` — rollback not healthy: ${outcome.message}`}`;
      }
      return outcome.healthy;
    }),
  );
  if (problems.length > 0) {
    return result(
      'failed',
      `Rollout failed, and the rollback is incomplete:\n- ${[...failures, ...problems].join('\n- ')}\n${journalKept(journals)}`,
      configMapResults,
      workloadResults,
    );
  }
  const note = await finishJournalsNoting(patient, journals);
  const allBack = rolledBack.every(Boolean);
  return result(
    allBack ? 'rolled-back' : 'failed',
    `Rollout failed, ${allBack ? 'rolled back to the previous config' : 'and the rollback did not become healthy'}:\n- ${failures.join('\n- ')}${note}`,
    configMapResults,
    workloadResults,
  );
}

/** What to say when a rollback could not finish: the journal keeps the previous values for a re-run. */
function journalKept(journals: ReadonlyMap<string, StoredJournal>): string {
  const where = [...journals].map(([namespace, stored]) => `${stored.kind} ${namespace}/${journalName}`);
  return `The previous values are kept in ${where.join(', ')}: re-run this apply to finish, or restore them by hand.`;
}

/** Delete the journals once the change is finished; a failure to do so is reported, not thrown. */
async function finishJournalsNoting(
  cluster: ClusterWriter,
  journals: Map<string, StoredJournal>,
): Promise<string> {
  try {
    await finishJournals(cluster, journals);
    return '';
  } catch (error) {
    return ` The journal could not be deleted (${apiMessage(error)}): delete ${[...journals.keys()].map((ns) => `${ns}/${journalName}`).join(', ')} before the next apply.`;
  }
}

/** Remove the journals a run created when it stops before changing anything (best effort). */
async function dropJournals(
  cluster: ClusterWriter,
  created: ReadonlyMap<string, StoredJournal>,
): Promise<void> {
  for (const [namespace, stored] of created)
    await deleteJournal(cluster, namespace, stored).catch(() => undefined);
}

/** Patch one ConfigMap's changed keys; on 409 re-read and retry unless someone changed those same keys. */
async function writeConfigMap(
  cluster: ClusterWriter,
  change: ConfigMapChange,
  previous: KeyValues | undefined,
  settings: ApplySettings,
): Promise<ConfigMapResult> {
  const keys = [...touchedKeys(change)].sort();
  if (change.change === 'removed') {
    const live = await cluster.readConfigMap(change.namespace, change.name, change.kind);
    if (live) await cluster.deleteConfigMap(change.namespace, change.name, live.resourceVersion, change.kind);
    return { ref: change.ref, outcome: 'pruned', keys: [] };
  }
  const target = valuesOf(change.head, keys);
  // Set once a patch was sent: a 409 after it may be our own write landing with its answer lost.
  let sent = false;
  for (let attempt = 0; ; attempt++) {
    const live: LiveConfigMap | undefined = await cluster.readConfigMap(
      change.namespace,
      change.name,
      change.kind,
    );
    if (!live) {
      await cluster.createConfigMap(change.head!);
      return {
        ref: change.ref,
        outcome: 'created',
        keys: Object.keys({ ...change.head!.data, ...change.head!.binaryData }).sort(),
      };
    }
    const now = valuesOf(live.snapshot, keys);
    if (sameValues(now, target) && sent) return { ref: change.ref, outcome: 'patched', keys };
    if (sameValues(now, target))
      return { ref: change.ref, outcome: 'unchanged', keys: [], detail: 'already holds the new values' };
    // Only values we expect may stand in our keys: the base (or what the journal recorded), or ours.
    const expected = previous ?? valuesOf(change.base, keys);
    const foreign = keys.filter(
      (k) =>
        !sameValues({ [k]: now[k]! }, { [k]: expected[k]! }) &&
        !sameValues({ [k]: now[k]! }, { [k]: target[k]! }),
    );
    if (foreign.length > 0) {
      throw new Error(
        `ConfigMap ${change.ref}: ${foreign.join(', ')} changed in the cluster while applying (a concurrent change); stopped.`,
      );
    }
    try {
      sent = true;
      await cluster.patchConfigMap(
        change.namespace,
        change.name,
        keyPatch(target),
        live.resourceVersion,
        change.kind,
      );
      return { ref: change.ref, outcome: 'patched', keys };
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= maxConflictRetries) throw error;
      settings.log(
        `${change.kind.toLowerCase()}/${change.name} (${change.namespace}): changed meanwhile (409); re-reading`,
      );
    }
  }
}

/** Put back the previous values of every key apply may have written; delete what it created. */
async function restoreConfigMaps(
  cluster: ClusterWriter,
  changes: readonly ConfigMapChange[],
  journals: ReadonlyMap<string, StoredJournal>,
  results: ConfigMapResult[],
  log: (m: string) => void,
): Promise<void> {
  for (const change of changes) {
    const recorded = journals.get(change.namespace)?.journal.configMaps[change.ref];
    if (!recorded) continue;
    const entry = results.find((r) => r.ref === change.ref);
    for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
      const live = await cluster.readConfigMap(change.namespace, change.name, change.kind);
      try {
        if (!recorded.existed) {
          if (live)
            await cluster.deleteConfigMap(change.namespace, change.name, live.resourceVersion, change.kind);
        } else if (live) {
          // Put back only keys that still hold what this change wrote: a key someone else changed since is
          // theirs now, and overwriting it with the old value would lose their update.
          const keys = Object.keys(recorded.previous);
          const now = valuesOf(live.snapshot, keys);
          const ours = valuesOf(change.head, keys);
          const same = (k: string, values: KeyValues) => sameValues({ [k]: now[k]! }, { [k]: values[k]! });
          const restore = keys.filter((k) => !same(k, recorded.previous) && same(k, ours));
          const foreign = keys.filter((k) => !same(k, recorded.previous) && !same(k, ours));
          if (foreign.length > 0) {
            log(
              `${change.kind.toLowerCase()}/${change.name} (${change.namespace}): ${foreign.join(', ')} changed by someone else meanwhile; left as they are`,
            );
          }
          if (restore.length > 0) {
            await cluster.patchConfigMap(
              change.namespace,
              change.name,
              keyPatch(Object.fromEntries(restore.map((k) => [k, recorded.previous[k] ?? null]))),
              live.resourceVersion,
              change.kind,
            );
          }
        } else {
          log(
            `${change.kind.toLowerCase()}/${change.name} (${change.namespace}): gone from the cluster; cannot restore`,
          );
        }
        break;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt === maxConflictRetries) throw error;
      }
    }
    if (entry) entry.outcome = 'rolled-back';
    else
      results.push({ ref: change.ref, outcome: 'rolled-back', keys: Object.keys(recorded.previous).sort() });
    log(`${change.kind.toLowerCase()}/${change.name} (${change.namespace}): previous values restored`);
  }
}

async function finishJournals(cluster: ClusterWriter, journals: Map<string, StoredJournal>): Promise<void> {
  for (const [namespace, stored] of journals) {
    const current = (await readJournal(cluster, namespace, [stored.kind])) ?? stored;
    await deleteJournal(cluster, namespace, current);
    journals.delete(namespace);
  }
}

async function toResult(
  cluster: ClusterWriter,
  workload: Workload,
  restarted: boolean,
  outcome: RolloutOutcome,
): Promise<WorkloadResult> {
  if (outcome.healthy) {
    return {
      workload: workload.id,
      action: 'restart',
      outcome: 'healthy',
      restarted,
      seconds: outcome.seconds,
      reason: `healthy in ${outcome.seconds}s`,
    };
  }
  const events = await cluster
    .recentEvents(workload.namespace, workload.kind.kind, workload.name)
    .catch(() => []);
  return {
    workload: workload.id,
    action: 'restart',
    outcome: 'failed',
    restarted,
    seconds: outcome.seconds,
    reason: outcome.message,
    failures: [...outcome.podFailures, ...events],
  };
}

/** The data each ConfigMap holds once applied: live values with the changed keys set to the head's. */
function dataAfterApply(
  live: ReadonlyMap<string, ConfigMapSnapshot> | undefined,
  all: readonly ConfigMapChange[],
  changes: readonly ConfigMapChange[],
): Map<string, ConfigMapSnapshot> {
  const after = new Map<string, ConfigMapSnapshot>();
  for (const c of all) {
    const current = live?.get(c.ref) ?? c.head ?? c.base;
    if (current) after.set(c.ref, current);
  }
  for (const [ref, snapshot] of live ?? []) if (!after.has(ref)) after.set(ref, snapshot);
  for (const change of changes) {
    if (!change.head) {
      after.delete(change.ref);
      continue;
    }
    const current = live?.get(change.ref);
    if (!current) {
      after.set(change.ref, change.head);
      continue;
    }
    const data = keyRecord(current.data);
    const binaryData = keyRecord(current.binaryData);
    for (const [key, v] of Object.entries(valuesOf(change.head, touchedKeys(change)))) {
      delete data[key];
      delete binaryData[key];
      if (v?.binary) binaryData[key] = v.value;
      else if (v) data[key] = v.value;
    }
    after.set(change.ref, { ...current, data, binaryData });
  }
  return after;
}

function applyAccessChecks(namespaces: readonly string[], secrets: boolean) {
  return namespaces.flatMap((namespace) => [
    ...(secrets
      ? ['get', 'list', 'create', 'patch', 'delete'].map((verb) => ({
          verb,
          group: '',
          resource: 'secrets',
          namespace,
        }))
      : []),
    ...['get', 'list', 'create', 'patch', 'delete'].map((verb) => ({
      verb,
      group: '',
      resource: 'configmaps',
      namespace,
    })),
    ...['deployments', 'statefulsets', 'daemonsets'].flatMap((resource) =>
      ['get', 'patch', 'watch'].map((verb) => ({ verb, group: 'apps', resource, namespace })),
    ),
    ...['list', 'watch'].map((verb) => ({ verb, group: '', resource: 'pods', namespace })),
    { verb: 'list', group: '', resource: 'events', namespace },
  ]);
}
