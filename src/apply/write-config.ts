import { apiMessage } from '../cluster/api-errors.js';
import type { ClusterWriter } from '../cluster/cluster-writer.js';
import { touchedKeys, type ConfigMapChange } from '../plan/configmap-diff.js';
import { keyPatch, sameValues, valuesOf, type KeyValues } from '../plan/configmap-patch.js';
import type { ConfigMapResult } from './apply-result.js';
import type { ApplyRun } from './apply-run.js';
import { retryOnConflict } from '../cluster/retry-on-conflict.js';

const label = (change: ConfigMapChange) =>
  `${change.kind.toLowerCase()}/${change.name} (${change.namespace})`;

/**
 * Phase 3: ConfigMaps and Secrets, exactly the changed keys, with a resourceVersion precondition; new ones are
 * created before anything refers to them. Stops at the first failure (recorded in the results).
 */
export async function writeConfig(run: ApplyRun): Promise<void> {
  for (const change of run.deploy.config) {
    const previous = run.journals.get(change.namespace)?.journal.configMaps[change.ref]?.previous;
    try {
      const outcome = await writeConfigMap(run.cluster, change, previous, run.settings.log);
      run.configMaps.push(outcome);
      if (outcome.outcome !== 'unchanged') run.attempted.add(change.ref);
      run.settings.log(
        `${label(change)}: ${outcome.outcome}${outcome.keys.length ? ` ${outcome.keys.join(', ')}` : ''}`,
      );
    } catch (error) {
      run.attempted.add(change.ref);
      const detail = `writing it failed: ${apiMessage(error)}`;
      run.configMaps.push({
        ref: change.ref,
        outcome: 'failed',
        keys: [...touchedKeys(change)].sort(),
        detail,
      });
      run.settings.log(`${label(change)}: ${detail}`);
      return;
    }
  }
}

/** Patch one ConfigMap's changed keys; on 409 re-read and retry unless someone changed those same keys. */
async function writeConfigMap(
  cluster: ClusterWriter,
  change: ConfigMapChange,
  previous: KeyValues | undefined,
  log: (message: string) => void,
): Promise<ConfigMapResult> {
  const keys = [...touchedKeys(change)].sort();
  const target = valuesOf(change.head, keys);
  // Set once a patch was sent: a 409 after it may be our own write landing with its answer lost.
  let sent = false;
  return retryOnConflict(
    async () => {
      const live = await cluster.readConfigMap(change.namespace, change.name, change.kind);
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
      const same = (k: string, values: KeyValues) => sameValues({ [k]: now[k]! }, { [k]: values[k]! });
      const foreign = keys.filter((k) => !same(k, expected) && !same(k, target));
      if (foreign.length > 0) {
        throw new Error(
          `${foreign.join(', ')} changed in the cluster while applying (a concurrent change); stopped.`,
        );
      }
      sent = true;
      await cluster.patchConfigMap(
        change.namespace,
        change.name,
        keyPatch(target),
        live.resourceVersion,
        change.kind,
      );
      return { ref: change.ref, outcome: 'patched', keys };
    },
    { onConflict: () => log(`${label(change)}: changed meanwhile (409); re-reading`) },
  );
}

/** Put back the previous values of every key apply may have written; delete what it created. */
export async function restoreConfig(run: ApplyRun, cluster: ClusterWriter): Promise<void> {
  const { log } = run.settings;
  for (const change of run.deploy.config) {
    const recorded = run.journals.get(change.namespace)?.journal.configMaps[change.ref];
    if (!recorded) continue;
    await retryOnConflict(async () => {
      const live = await cluster.readConfigMap(change.namespace, change.name, change.kind);
      if (!recorded.existed) {
        if (live)
          await cluster.deleteConfigMap(change.namespace, change.name, live.resourceVersion, change.kind);
        return;
      }
      if (!live) {
        log(`${label(change)}: gone from the cluster; cannot restore`);
        return;
      }
      // Put back only keys that still hold what this change wrote: a key someone else changed since is
      // theirs now, and overwriting it with the old value would lose their update.
      const keys = Object.keys(recorded.previous);
      const now = valuesOf(live.snapshot, keys);
      const ours = valuesOf(change.head, keys);
      const same = (k: string, values: KeyValues) => sameValues({ [k]: now[k]! }, { [k]: values[k]! });
      const restore = keys.filter((k) => !same(k, recorded.previous) && same(k, ours));
      const foreign = keys.filter((k) => !same(k, recorded.previous) && !same(k, ours));
      if (foreign.length > 0)
        log(`${label(change)}: ${foreign.join(', ')} changed by someone else meanwhile; left as they are`);
      if (restore.length > 0) {
        await cluster.patchConfigMap(
          change.namespace,
          change.name,
          keyPatch(Object.fromEntries(restore.map((k) => [k, recorded.previous[k] ?? null]))),
          live.resourceVersion,
          change.kind,
        );
      }
    });
    const entry = run.configMaps.find((r) => r.ref === change.ref);
    if (entry) entry.outcome = 'rolled-back';
    else
      run.configMaps.push({
        ref: change.ref,
        outcome: 'rolled-back',
        keys: Object.keys(recorded.previous).sort(),
      });
    log(`${label(change)}: previous values restored`);
  }
}
