// Apply against the real control plane: key-level patches, restarts through the config hash, watched rollouts.
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { planChange } from '../../src/plan-change.js';
import { kubeConfig, withNamespace } from '../cluster/test-env.js';
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

const base = { 'config.yaml': configMapYaml('app-config', { LOG_LEVEL: 'info', POOL: '10' }) };
const head = { 'config.yaml': configMapYaml('app-config', { LOG_LEVEL: 'debug', POOL: '10' }) };

/** An edit by hand, as `kubectl edit` would make it. */
async function editConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  const cm = await coreApi().readNamespacedConfigMap({ name, namespace });
  cm.data = { ...cm.data, ...data };
  await coreApi().replaceNamespacedConfigMap({ name, namespace, body: cm });
}

async function templateHash(namespace: string, name: string): Promise<string | undefined> {
  const d = await appsApi().readNamespacedDeployment({ name, namespace });
  return d.spec?.template.metadata?.annotations?.[configHashAnnotation];
}

describe('apply', () => {
  it('patches only the changed key, keeps drifted keys, restarts the reader and is idempotent', async () => {
    await withNamespace(async (ns) => {
      const api = workloadYaml('Deployment', 'api', 'app-config', { replicas: 3 });
      const other = workloadYaml('Deployment', 'other', 'other-config');
      const otherConfig = configMapYaml('other-config', { X: '1' });
      await createObjects(ns, base['config.yaml'] + '---\n' + otherConfig + api + other);
      await waitRolledOut('Deployment', ns, 'api');
      await waitRolledOut('Deployment', ns, 'other');
      // Someone edits the cluster by hand: a key the change does not touch, and a new key.
      await editConfigMap(ns, 'app-config', { POOL: '50', HAND: 'made' });
      const dir = changeDir(
        { ...base, 'w.yaml': api + other + '---\n' + otherConfig },
        { ...head, 'w.yaml': api + other + '---\n' + otherConfig },
      );

      const plan = await planChange({ ...applySettings(dir, ns), cluster: kubeConfig() });
      expect(plan.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(['warning:drift']);
      expect(plan.findings[0]!.message).toContain('`HAND`, `POOL` differ in the cluster');
      expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
        [`Deployment/${ns}/api`, 'restart'],
      ]);

      const result = await applyChange(applySettings(dir, ns));
      expect(result.result).toBe('applied');
      expect(result.configMaps).toEqual([
        { ref: `${ns}/app-config`, outcome: 'patched', keys: ['LOG_LEVEL'] },
      ]);
      expect(result.workloads).toMatchObject([
        { workload: `Deployment/${ns}/api`, outcome: 'healthy', restarted: true },
      ]);
      const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      expect(cm.data).toEqual({ LOG_LEVEL: 'debug', POOL: '50', HAND: 'made' });
      const hash = await templateHash(ns, 'api');
      expect(hash).toMatch(/^[0-9a-f]{32}$/);
      expect(await templateHash(ns, 'other')).toBeUndefined();
      const generation = (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).metadata
        ?.generation;

      // Re-running the same change restarts nothing and writes nothing.
      const again = await applyChange(applySettings(dir, ns));
      expect(again.result).toBe('applied');
      expect(again.configMaps).toMatchObject([{ outcome: 'unchanged' }]);
      expect(again.workloads).toMatchObject([{ outcome: 'healthy', restarted: false }]);
      expect(
        (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).metadata?.generation,
      ).toBe(generation);
      const journals = await coreApi().listNamespacedConfigMap({
        namespace: ns,
        labelSelector: 'app.kubernetes.io/managed-by=config-rollout',
      });
      expect(journals.items).toEqual([]);
    });
  });

  it('refuses a change whose key was also changed in the cluster (conflict)', async () => {
    await withNamespace(async (ns) => {
      const api = workloadYaml('Deployment', 'api', 'app-config');
      await createObjects(ns, base['config.yaml'] + api);
      // Settled first: a rollout still in progress would add a live-unhealthy warning.
      await waitRolledOut('Deployment', ns, 'api');
      await editConfigMap(ns, 'app-config', { LOG_LEVEL: 'warn' });
      const dir = changeDir({ ...base, 'w.yaml': api }, { ...head, 'w.yaml': api });
      const plan = await planChange({ ...applySettings(dir, ns), cluster: kubeConfig() });
      expect(plan.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(['blocker:drift-conflict']);
      const result = await applyChange(applySettings(dir, ns));
      expect(result.result).toBe('failed');
      expect(result.message).toContain('Refused');
      const after = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      expect(after.data?.['LOG_LEVEL']).toBe('warn');
    });
  });

  it('rolls a StatefulSet and a DaemonSet and reports each healthy', async () => {
    await withNamespace(async (ns) => {
      const workloads =
        workloadYaml('StatefulSet', 'db', 'app-config') + workloadYaml('DaemonSet', 'agent', 'app-config');
      await createObjects(ns, base['config.yaml'] + workloads);
      await waitRolledOut('StatefulSet', ns, 'db');
      await waitRolledOut('DaemonSet', ns, 'agent');
      const dir = changeDir({ ...base, 'w.yaml': workloads }, { ...head, 'w.yaml': workloads });
      const result = await applyChange(applySettings(dir, ns));
      expect(result.result).toBe('applied');
      expect(result.workloads.map((w) => [w.workload, w.outcome, w.restarted])).toEqual([
        [`DaemonSet/${ns}/agent`, 'healthy', true],
        [`StatefulSet/${ns}/db`, 'healthy', true],
      ]);
      const sts = await appsApi().readNamespacedStatefulSet({ name: 'db', namespace: ns });
      expect(sts.status?.updateRevision).toBe(sts.status?.currentRevision);
    });
  });

  it('changes nothing in a dry run', async () => {
    await withNamespace(async (ns) => {
      const api = workloadYaml('Deployment', 'api', 'app-config');
      await createObjects(ns, base['config.yaml'] + api);
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir({ ...base, 'w.yaml': api }, { ...head, 'w.yaml': api });
      const result = await applyChange(applySettings(dir, ns, { dryRun: true }));
      expect(result).toMatchObject({ result: 'applied', dryRun: true });
      expect(
        (await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data?.['LOG_LEVEL'],
      ).toBe('info');
      expect(await templateHash(ns, 'api')).toBeUndefined();
    });
  });

  it('does not restart a paused Deployment, and reports OnDelete workloads for pod deletion', async () => {
    await withNamespace(async (ns) => {
      const paused = workloadYaml('Deployment', 'paused', 'app-config', { extraSpec: '  paused: true\n' });
      const onDelete = workloadYaml('StatefulSet', 'ondelete', 'app-config', {
        extraSpec: '  updateStrategy: {type: OnDelete}\n',
      });
      await createObjects(ns, base['config.yaml'] + paused + onDelete);
      const dir = changeDir(
        { ...base, 'w.yaml': paused + onDelete },
        { ...head, 'w.yaml': paused + onDelete },
      );
      const result = await applyChange(applySettings(dir, ns));
      expect(result.result).toBe('applied');
      expect(result.workloads.map((w) => [w.workload, w.action, w.outcome])).toEqual([
        [`Deployment/${ns}/paused`, 'restart', 'skipped'],
        [`StatefulSet/${ns}/ondelete`, 'delete-pods', 'skipped'],
      ]);
      expect(result.workloads[0]!.reason).toContain('paused');
      expect(await templateHash(ns, 'paused')).toBeUndefined();
    });
  });

  it('replaces the pods of an OnDelete StatefulSet one by one when asked', async () => {
    await withNamespace(async (ns) => {
      const onDelete = workloadYaml('StatefulSet', 'ondelete', 'app-config', {
        replicas: 3,
        extraSpec: '  updateStrategy: {type: OnDelete}\n',
      });
      await createObjects(ns, base['config.yaml'] + onDelete);
      await waitRolledOut('StatefulSet', ns, 'ondelete');
      const dir = changeDir({ ...base, 'w.yaml': onDelete }, { ...head, 'w.yaml': onDelete });
      const result = await applyChange(applySettings(dir, ns, { deletePods: true }));
      expect(result.result).toBe('applied');
      expect(result.workloads).toMatchObject([
        {
          workload: `StatefulSet/${ns}/ondelete`,
          action: 'delete-pods',
          outcome: 'healthy',
          restarted: true,
        },
      ]);
      const pods = await coreApi().listNamespacedPod({ namespace: ns, labelSelector: 'app=ondelete' });
      const sts = await appsApi().readNamespacedStatefulSet({ name: 'ondelete', namespace: ns });
      const hash = sts.spec?.template.metadata?.annotations?.[configHashAnnotation];
      expect(hash).toMatch(/^[0-9a-f]{32}$/);
      expect(pods.items.map((p) => p.metadata?.annotations?.[configHashAnnotation])).toEqual([
        hash,
        hash,
        hash,
      ]);
    });
  });
});
