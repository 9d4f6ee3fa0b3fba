import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ConflictError,
  createClusterWriter,
  type ClusterWriter,
  type LiveConfigMap,
} from '../cluster/cluster-writer.js';
import { touchedKeys, contentHash, type ConfigMapChange } from '../plan/configmap-diff.js';
import { keyPatch, sameValues, valuesOf, type KeyValues } from '../plan/configmap-patch.js';
import type { ConfigMapSnapshot } from '../plan/configmaps.js';
import { configHashAnnotation, workloadConfigHash } from '../plan/config-hash.js';
import { findReferences, workloadsOf, type Workload } from '../plan/consumers.js';
import type { KubeObject } from '../plan/manifests.js';
import { hasBlockers } from '../plan/plan.js';
import { read } from '../plan/workload-kinds.js';
import { assertAccess, prepareChange, type PlanChangeSettings } from '../plan-change.js';
import type { ApplyResult, ConfigMapResult, WorkloadResult } from './apply-result.js';
import {
  createJournal,
  deleteJournal,
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

const annotationsOf = (object: KubeObject, path: string[]) =>
  (read(object, [...path, 'metadata', 'annotations']) as Record<string, string> | undefined) ?? {};

/**
 * Apply a change on merge: re-plan against the cluster, refuse on blockers, record what it will change,
 * patch only the changed keys, restart exactly the consumers that need it, watch them, and roll everything
 * back when one goes unhealthy.
 */
export async function applyChange(settings: ApplySettings): Promise<ApplyResult> {
  const { log } = settings;
  const prepared = await prepareChange(settings);
  const { plan } = prepared;
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
  await assertAccess(settings.cluster, applyAccessChecks(namespaces, settings.secrets === true));
  const cluster = createClusterWriter(settings.cluster, { dryRun: settings.dryRun });

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
  if (!settings.dryRun) {
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
      try {
        journals.set(namespace, await createJournal(cluster, namespace, journal, journalKind));
      } catch (error) {
        if (error instanceof ConflictError)
          return result('failed', `Refused: another apply is running in namespace ${namespace}.`);
        throw error;
      }
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
    const message = `Patching ConfigMaps failed: ${error instanceof Error ? error.message : String(error)}`;
    log(message);
    if (settings.dryRun || !settings.rollback) return result('failed', message, configMapResults);
    await restoreConfigMaps(cluster, changes, journals, configMapResults, log);
    await finishJournals(cluster, journals);
    return result('rolled-back', `${message}; ConfigMaps restored.`, configMapResults);
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
  const runOne = async (r: (typeof restarts)[number]): Promise<void> => {
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
    await finishJournals(cluster, journals);
    const restartedCount = workloadResults.filter((w) => w.restarted).length;
    return result(
      'applied',
      settings.dryRun
        ? `Dry run: the API server accepted ${written.length} ConfigMap change(s) and ${restartedCount} restart(s); nothing was changed.`
        : `Applied ${written.length} ConfigMap change(s); ${restartedCount} workload(s) restarted and healthy.`,
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

  // 3. Rollback: previous data back, previous hashes back, and watch the consumers return to health.
  log('Rolling back: restoring the previous config and the previous pod templates');
  for (const [namespace, stored] of journals) {
    journals.set(
      namespace,
      await updateJournal(cluster, namespace, stored, { ...stored.journal, state: 'rolling-back' }),
    );
  }
  await restoreConfigMaps(cluster, changes, journals, configMapResults, log);
  const rolledBack = await Promise.all(
    restarts
      .filter((r) => workloadResults.some((w) => w.workload === r.workload.id && w.restarted))
      .map(async (r) => {
        const previous =
          journalOf(r.workload.namespace)?.workloads[r.workload.id]?.previousHash ?? r.previousHash;
        await cluster.patchTemplateAnnotations(r.workload.kind.kind, r.workload.namespace, r.workload.name, {
          [configHashAnnotation]: previous,
        });
        const outcome = await verify(r, previous);
        const entry = workloadResults.find((w) => w.workload === r.workload.id)!;
        if (entry.outcome === 'healthy') entry.reason = `${entry.reason}; rolled back with the rest`;
        entry.outcome = 'rolled-back';
        entry.reason = `${entry.reason}${outcome.healthy ? ` — previous config restored, healthy in ${outcome.seconds}s` : ` — rollback not healthy: ${outcome.message}`}`;
        return outcome.healthy;
      }),
  );
  await finishJournals(cluster, journals);
  const allBack = rolledBack.every(Boolean);
  return result(
    allBack ? 'rolled-back' : 'failed',
    `Rollout failed, ${allBack ? 'rolled back to the previous config' : 'and the rollback did not become healthy'}:\n- ${failures.join('\n- ')}`,
    configMapResults,
    workloadResults,
  );
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
        } else if (
          live &&
          !sameValues(valuesOf(live.snapshot, Object.keys(recorded.previous)), recorded.previous)
        ) {
          await cluster.patchConfigMap(
            change.namespace,
            change.name,
            keyPatch(recorded.previous),
            live.resourceVersion,
            change.kind,
          );
        } else if (!live) {
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
    const data = { ...current.data };
    const binaryData = { ...current.binaryData };
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
