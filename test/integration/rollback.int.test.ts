// A failing rollout is caught well before the progress deadline and rolled back: config and pods.
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { failureLabels, withNamespace } from '../cluster/test-env.js';
import {
  appsApi,
  applySettings,
  changeDir,
  configMapYaml,
  coreApi,
  createObjects,
  waitRolledOut,
  workloadYaml,
} from './scenario.js';

describe('rollback', () => {
  it('detects crash-looping new pods within the grace period and restores the previous config and ReplicaSet', async () => {
    await withNamespace(async (ns) => {
      const baseConfig = configMapYaml('app-config', { LOG_LEVEL: 'info', 'app.conf': 'a = 1\nb = 2\n' });
      const api = workloadYaml('Deployment', 'api', 'app-config', {
        replicas: 3,
        labels: failureLabels.crashLoopAfterRestart,
        // The Deployment's own deadline is far away: the verdict must come from the pods, not from it.
        extraSpec: '  progressDeadlineSeconds: 600\n',
      });
      const healthy = workloadYaml('Deployment', 'healthy', 'app-config');
      await createObjects(ns, baseConfig + api + healthy);
      await waitRolledOut('Deployment', ns, 'api');
      await waitRolledOut('Deployment', ns, 'healthy');
      const before = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      const oldReplicaSets = await appsApi().listNamespacedReplicaSet({
        namespace: ns,
        labelSelector: 'app=api',
      });
      expect(oldReplicaSets.items).toHaveLength(1);

      const head = configMapYaml('app-config', {
        LOG_LEVEL: 'debug',
        'app.conf': 'a = 1\nb = 3\n',
        NEW: 'x',
      });
      const dir = changeDir({ 'c.yaml': baseConfig + api + healthy }, { 'c.yaml': head + api + healthy });
      const started = Date.now();
      const result = await applyChange(applySettings(dir, ns, { failureGraceMs: 3_000, maxParallel: 1 }));
      const seconds = (Date.now() - started) / 1000;

      expect(result.result).toBe('rolled-back');
      const failed = result.workloads.find((w) => w.workload === `Deployment/${ns}/api`)!;
      expect(failed.outcome).toBe('rolled-back');
      expect(failed.reason).toContain('CrashLoopBackOff');
      expect(failed.failures?.some((f) => f.includes('CrashLoopBackOff'))).toBe(true);
      // Detected within the grace period plus a little, long before the 600 s progress deadline.
      expect(failed.seconds).toBeLessThan(3 + 5);
      expect(seconds).toBeLessThan(60);
      // With max-parallel 1 and stop-on-first-failure, the second restart either never started or was rolled back too.
      const other = result.workloads.find((w) => w.workload === `Deployment/${ns}/healthy`)!;
      expect(['skipped', 'rolled-back']).toContain(other.outcome);

      // The ConfigMap is byte-for-byte what it was, and the old ReplicaSet serves again (no third one).
      const after = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      expect(after.data).toEqual(before.data);
      expect(after.binaryData).toEqual(before.binaryData);
      await waitRolledOut('Deployment', ns, 'api');
      const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      expect(d.spec?.template.metadata?.annotations?.[configHashAnnotation]).toBeUndefined();
      const replicaSets = await appsApi().listNamespacedReplicaSet({
        namespace: ns,
        labelSelector: 'app=api',
      });
      expect(replicaSets.items).toHaveLength(2);
      const serving = replicaSets.items.filter((rs) => (rs.status?.replicas ?? 0) > 0);
      expect(serving.map((rs) => rs.metadata?.name)).toEqual([oldReplicaSets.items[0]!.metadata?.name]);
      expect(serving[0]!.status?.readyReplicas).toBe(3);
      const journals = await coreApi().listNamespacedConfigMap({
        namespace: ns,
        labelSelector: 'app.kubernetes.io/managed-by=config-rollout',
      });
      expect(journals.items).toEqual([]);
    });
  });

  it('leaves a failed rollout as it is when rollback is off, and says so', async () => {
    await withNamespace(async (ns) => {
      const api = workloadYaml('Deployment', 'api', 'app-config', {
        labels: failureLabels.crashLoopAfterRestart,
      });
      await createObjects(ns, configMapYaml('app-config', { A: '1' }) + api);
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir(
        { 'c.yaml': configMapYaml('app-config', { A: '1' }) + api },
        { 'c.yaml': configMapYaml('app-config', { A: '2' }) + api },
      );
      const result = await applyChange(applySettings(dir, ns, { rollback: false, failureGraceMs: 2_000 }));
      expect(result.result).toBe('failed');
      expect(result.message).toContain('rollback is off');
      expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual({
        A: '2',
      });
    });
  });
});
