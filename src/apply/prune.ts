import { apiMessage } from '../cluster/api-errors.js';
import type { ApplyRun } from './apply-run.js';

/**
 * Phase 8 (with prune, after every rollout is healthy): delete what the change removed — workloads first, then
 * other objects, then namespaces and CRDs, then ConfigMaps and Secrets. Old hash-suffixed ConfigMaps
 * (kustomize generators) go only now, so a rollback until here still has them. A failure is reported; the
 * deploy itself stays (it is healthy).
 */
export async function prune(run: ApplyRun): Promise<void> {
  const { cluster, settings } = run;
  for (const object of [...run.deploy.prunedObjects].reverse()) {
    try {
      await cluster.deleteObject(object);
      run.objects.push({ object: object.id, outcome: 'pruned', fields: [] });
      settings.log(`${object.id}: pruned`);
    } catch (error) {
      run.objects.push({
        object: object.id,
        outcome: 'kept',
        fields: [],
        detail: `pruning failed: ${apiMessage(error)}`,
      });
      settings.log(`${object.id}: pruning failed: ${apiMessage(error)}`);
    }
  }
  for (const change of run.deploy.prunedConfig) {
    try {
      const live = await cluster.readConfigMap(change.namespace, change.name, change.kind);
      if (live)
        await cluster.deleteConfigMap(change.namespace, change.name, live.resourceVersion, change.kind);
      run.configMaps.push({ ref: change.ref, outcome: 'pruned', keys: [] });
      settings.log(`${change.kind.toLowerCase()}/${change.name} (${change.namespace}): pruned`);
    } catch (error) {
      run.configMaps.push({
        ref: change.ref,
        outcome: 'kept',
        keys: [],
        detail: `pruning failed: ${apiMessage(error)}`,
      });
    }
  }
}
