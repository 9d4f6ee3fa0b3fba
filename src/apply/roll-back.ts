import { apiMessage } from '../cluster/api-errors.js';
import { UnknownKindError } from '../cluster/cluster-writer.js';
import { configHashAnnotation } from '../plan/config-hash.js';
import { templateHashOf, type RolloutStep } from '../plan/deploy-plan.js';
import { applyResult, type ApplyRun } from './apply-run.js';
import type { ApplyResult } from './apply-result.js';
import { finishJournals, journalKept } from './finish-journals.js';
import { updateJournal, type JournalObject } from './journal.js';
import { podsWithHash, verify, type NewPodTest } from './roll-out.js';
import { retryOnConflict } from '../cluster/retry-on-conflict.js';
import { journalObjects } from './take-journal.js';
import { restoreConfig } from './write-config.js';

/**
 * Phase 7: put everything back as it was before the run — workloads first (their previous template, so the old
 * ReplicaSet serves again; the ones this run created deleted), then the other objects in reverse order, then
 * the ConfigMap keys — and watch the workloads return to health. Each step is retried patiently and one
 * failing step does not stop the others.
 */
export async function rollBack(run: ApplyRun, failures: readonly string[]): Promise<ApplyResult> {
  const { settings, patient } = run;
  const { log } = settings;
  log('Rolling back: restoring the previous objects, pod templates and config');
  for (const [namespace, stored] of run.journals) {
    try {
      run.journals.set(
        namespace,
        await updateJournal(patient, namespace, stored, { ...stored.journal, state: 'rolling-back' }),
      );
    } catch (error) {
      // Only a marker for people reading the cluster; the previous values in it are what matter.
      log(`namespace ${namespace}: could not mark the journal as rolling back: ${apiMessage(error)}`);
    }
  }
  // A resumed journal may hold writes of an earlier, interrupted run of this change: all of it is undone.
  const resumed = [...run.journals.keys()].some((namespace) => !run.createdJournals.has(namespace));
  const touched = (id: string) => resumed || run.attempted.has(id);
  const recorded = journalObjects(run);
  const problems: string[] = [];
  const watches: { step: RolloutStep; isNew: NewPodTest }[] = [];

  for (const step of run.deploy.rollouts) {
    const id = step.workload.id;
    try {
      if (step.type === 'apply') {
        const entry = recorded.get(step.object.id);
        if (!entry || !touched(id)) continue;
        if (!(await restoreObject(run, entry)) || !step.workload.kind.rollsOut) continue;
        // The previous template's pods: by their config hash when the change set one; else the rollout status
        // alone decides (the failed revision's pods are on their way out, and must not fail the rollback).
        const previousHash = templateHashOf(entry.previous ?? undefined, step.workload);
        watches.push({ step, isNew: step.hash ? podsWithHash(previousHash) : () => false });
      } else if (step.type === 'restart' || step.type === 'delete-pods') {
        // What the journal recorded before the first run (null: no hash then); this run's reading otherwise.
        const recordedHash = run.journals.get(step.workload.namespace)?.journal.workloads[id];
        const previous = recordedHash ? recordedHash.previousHash : step.previousHash;
        // This run's restarts, and those an interrupted earlier run of this change made (the hash found at the
        // start of this run is not the one recorded before the first run).
        if (!run.attempted.has(id) && step.previousHash === previous) continue;
        const live = await patient
          .readWorkload(step.workload.kind.kind, step.workload.namespace, step.workload.name)
          .catch(() => undefined);
        // Only what differs is put back: a restart the API server refused never changed the template.
        if (!live || templateHashOf(live, step.workload) !== previous) {
          await patient.patchTemplateAnnotations(
            step.workload.kind.kind,
            step.workload.namespace,
            step.workload.name,
            {
              [configHashAnnotation]: previous,
            },
          );
        }
        watches.push({ step, isNew: podsWithHash(previous) });
      }
    } catch (error) {
      problems.push(`${id}: putting the previous pod template back failed: ${apiMessage(error)}`);
      note(run, id, ` — rollback failed: ${apiMessage(error)}`);
    }
  }
  for (const object of [...run.deploy.objects].reverse()) {
    const entry = recorded.get(object.id);
    if (!entry || !touched(object.id)) continue;
    try {
      await restoreObject(run, entry);
      const result = run.objects.find((o) => o.object === object.id);
      if (result) result.outcome = 'rolled-back';
      else run.objects.push({ object: object.id, outcome: 'rolled-back', fields: object.fields });
    } catch (error) {
      problems.push(`${object.id}: putting the previous state back failed: ${apiMessage(error)}`);
    }
  }
  try {
    await restoreConfig(run, patient);
  } catch (error) {
    problems.push(`restoring the previous ConfigMap values failed: ${apiMessage(error)}`);
  }

  const healthy = await Promise.all(
    watches.map(async ({ step, isNew }) => {
      const podsByHand = step.type === 'delete-pods';
      const outcome = await verify(run, step.workload, podsByHand, isNew).catch((error: unknown) => ({
        healthy: false,
        seconds: 0,
        message: apiMessage(error),
        podFailures: [] as string[],
      }));
      const entry = run.workloads.find((w) => w.workload === step.workload.id);
      if (entry) {
        if (entry.outcome === 'healthy') entry.reason = `${entry.reason}; rolled back with the rest`;
        entry.outcome = 'rolled-back';
        entry.reason = `${entry.reason}${outcome.healthy ? ` — previous state restored, healthy in ${outcome.seconds}s` : ` — rollback not healthy: ${outcome.message}`}`;
      }
      return outcome.healthy;
    }),
  );
  for (const step of run.deploy.rollouts) {
    // Workloads this run created are gone again: nothing to watch.
    const entry = run.workloads.find((w) => w.workload === step.workload.id);
    if (
      step.type === 'apply' &&
      entry &&
      entry.outcome !== 'rolled-back' &&
      recorded.get(step.object.id)?.existed === false &&
      touched(step.workload.id)
    ) {
      entry.outcome = 'rolled-back';
      entry.reason = `${entry.reason} — deleted again (this run created it)`;
    }
  }
  if (problems.length > 0) {
    return applyResult(
      settings,
      'failed',
      `Rollout failed, and the rollback is incomplete:\n- ${[...failures, ...problems].join('\n- ')}\n${journalKept(run)}`,
      run,
    );
  }
  const note_ = await finishJournals(run, patient);
  const allBack = healthy.every(Boolean);
  return applyResult(
    settings,
    allBack ? 'rolled-back' : 'failed',
    `Rollout failed, ${allBack ? 'rolled back to the previous config' : 'and the rollback did not become healthy'}:\n- ${failures.join('\n- ')}${note_}`,
    run,
  );
}

function note(run: ApplyRun, id: string, text: string): void {
  const entry = run.workloads.find((w) => w.workload === id);
  if (entry) entry.reason = `${entry.reason}${text}`;
}

/**
 * Put one object back as the journal recorded it: deleted when the run created it, else its previous state
 * written whole (PUT at the current resourceVersion, field ownership included). Returns when the restore was
 * written back (false: deleted).
 */
async function restoreObject(run: ApplyRun, entry: JournalObject): Promise<boolean> {
  const { patient, settings } = run;
  const id = entry.ref.namespace
    ? `${entry.ref.kind}/${entry.ref.namespace}/${entry.ref.name}`
    : `${entry.ref.kind}/${entry.ref.name}`;
  if (!entry.existed || !entry.previous) {
    // A 409 on a delete without preconditions is the API server losing a race: ask again.
    await retryOnConflict(() => patient.deleteObject(entry.ref)).catch((error: unknown) => {
      // Its kind is gone (a CRD of this change, removed first): so is the object.
      if (!(error instanceof UnknownKindError)) throw error;
    });
    settings.log(`${id}: deleted (this run created it)`);
    return false;
  }
  const previous = entry.previous;
  await retryOnConflict(async () => {
    const live = await patient.readObject(entry.ref);
    if (!live) return patient.createObject(previous);
    return patient.replaceObject(previous, String(live.metadata['resourceVersion'] ?? ''));
  });
  settings.log(`${id}: previous state restored`);
  return true;
}

/** The failure messages of a run, one per failed item. */
export function failuresOf(run: ApplyRun): string[] {
  return [
    ...run.problems,
    ...run.configMaps
      .filter((c) => c.outcome === 'failed')
      .map((c) => `ConfigMap ${c.ref}: ${c.detail ?? 'failed'}`),
    ...run.objects.filter((o) => o.outcome === 'failed').map((o) => `${o.object}: ${o.detail ?? 'failed'}`),
    ...run.workloads.filter((w) => w.outcome === 'failed').map((w) => `${w.workload}: ${w.reason}`),
  ];
}
