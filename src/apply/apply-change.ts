import { apiMessage } from '../cluster/api-errors.js';
import type { ApplyResult } from './apply-result.js';
import { applyResult, hasFailed, type ApplyRun, type ApplySettings } from './apply-run.js';
import { finishJournals } from './finish-journals.js';
import { holderIdentity, holdLeases, type LeaseHold } from './lease.js';
import { namespacesOf, nothingChanged, prepareApply } from './prepare.js';
import { prune } from './prune.js';
import { failuresOf, rollBack } from './roll-back.js';
import { rollOut } from './roll-out.js';
import { dropJournals, takeJournal } from './take-journal.js';
import { writeConfig } from './write-config.js';
import { writeObjects } from './write-objects.js';

export type { ApplySettings } from './apply-run.js';

/** How long a run waits for another apply of the same namespaces, unless told otherwise. */
const defaultLockTimeoutMs = 5 * 60_000;

/**
 * Deploy a change on merge, as named phases: prepare (re-plan, refuse on blockers, check access) → lock
 * (a Lease per namespace) → journal (what can be undone, before the first write) → write config → write
 * objects → roll out (write workloads, restart readers, watch every rollout) → roll back everything if one
 * fails, or prune what the change removed → report.
 */
export async function applyChange(settings: ApplySettings): Promise<ApplyResult> {
  const phase = settings.phase ?? (() => undefined);
  phase('prepare');
  const prepared = await prepareApply(settings);
  if (!('deploy' in prepared)) return prepared;
  let run = prepared;
  if (settings.dryRun) return deploy(run);

  phase('lock');
  const leases: LeaseHold[] = [];
  const identity = holderIdentity(run.deploy.changeId);
  const lock = async (namespaces: readonly string[]) => {
    const lease = await holdLeases(run.cluster, namespaces, identity, {
      timeoutMs: settings.lockTimeoutMs ?? defaultLockTimeoutMs,
      log: settings.log,
    });
    leases.push(lease);
    return lease;
  };
  try {
    const held = new Set([...namespacesOf(run), run.home]);
    try {
      const lease = await lock([...held]);
      if (lease.waited) {
        // Another apply ran meanwhile: what this run planned may be out of date. Plan again, under the lease.
        settings.log('another apply finished meanwhile: planning again');
        phase('prepare');
        const again = await prepareApply(settings);
        if (!('deploy' in again)) return again;
        run = again;
        const more = namespacesOf(run).filter((n) => !held.has(n));
        if (more.length > 0) await lock(more);
      }
    } catch (error) {
      return nothingChanged(settings, 'taking the apply lease', error);
    }
    return await deploy(run);
  } finally {
    for (const lease of leases) await lease.release();
  }
}

async function deploy(run: ApplyRun): Promise<ApplyResult> {
  const { settings } = run;
  const phase = settings.phase ?? (() => undefined);
  phase('journal');
  try {
    const refused = await takeJournal(run);
    if (refused) return refused;
  } catch (error) {
    return nothingChanged(settings, 'writing the journal', error);
  }

  phase('write config');
  await writeConfig(run);
  if (!hasFailed(run)) {
    phase('write objects');
    await writeObjects(run);
  }
  if (!hasFailed(run)) {
    phase('roll out');
    await rollOut(run);
  }

  if (hasFailed(run)) {
    const failures = failuresOf(run);
    if (settings.dryRun || !settings.rollback) {
      phase('report');
      return applyResult(
        settings,
        'failed',
        `${settings.dryRun ? 'Dry run failed' : 'Rollout failed (rollback is off)'}:\n- ${failures.join('\n- ')}`,
        run,
      );
    }
    phase('roll back');
    try {
      return await rollBack(run, failures);
    } catch (error) {
      return applyResult(
        settings,
        'failed',
        `Rollout failed and rolling back stopped: ${apiMessage(error)}`,
        run,
      );
    }
  }

  if (run.deploy.prunedObjects.length + run.deploy.prunedConfig.length > 0 && !settings.dryRun) {
    phase('prune');
    await prune(run);
  }
  phase('report');
  const note = settings.dryRun ? '' : await finishJournals(run, run.cluster);
  if (settings.dryRun) await dropJournals(run);
  return applyResult(settings, 'applied', summary(run) + note, run);
}

function summary(run: ApplyRun): string {
  const config = run.configMaps.filter((c) => c.outcome === 'patched' || c.outcome === 'created').length;
  const objects = run.objects.filter((o) => o.outcome === 'created' || o.outcome === 'configured').length;
  const rolled = run.workloads.filter((w) => w.restarted).length;
  const parts = [`${config} ConfigMap change(s)`];
  if (run.deploy.objects.length > 0) parts.push(`${objects} object(s) written`);
  if (run.settings.dryRun)
    return `Dry run: the API server accepted ${parts.join(', ')} and ${rolled} restart(s); nothing was changed.`;
  return `Applied ${parts.join(', ')}; ${rolled} workload(s) rolled and healthy.`;
}
