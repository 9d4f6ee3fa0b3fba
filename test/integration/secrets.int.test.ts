// Secrets as config sources on apply: keys patched, consumers restarted, rollback exact, values kept out of ConfigMaps.
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { planChange } from '../../src/plan-change.js';
import { failureLabels, kubeConfig, withNamespace } from '../cluster/test-env.js';
import { applySettings, changeDir, coreApi, createObjects, waitRolledOut } from './scenario.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function manifests(password: string, labels = ''): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: ${b64(password)}
  user: ${b64('app')}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api${labels}}
    spec:
      containers:
      - name: api
        image: example.com/api:1
        env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]
`;
}

async function everyConfigMapValue(namespace: string): Promise<string> {
  const list = await coreApi().listNamespacedConfigMap({ namespace });
  return JSON.stringify(list.items.map((c) => [c.data, c.binaryData]));
}

describe('Secrets on apply', () => {
  it('patches the changed Secret key, restarts its reader, and keeps values out of ConfigMaps', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, manifests('canary-old-pw-93a1'));
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir(
        { 's.yaml': manifests('canary-old-pw-93a1') },
        { 's.yaml': manifests('canary-new-pw-5be2') },
      );
      const plan = await planChange({ ...applySettings(dir, ns), secrets: true, cluster: kubeConfig() });
      expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
        [`Deployment/${ns}/api`, 'restart'],
      ]);
      const result = await applyChange({ ...applySettings(dir, ns), secrets: true });
      expect(result.result).toBe('applied');
      expect(result.configMaps).toEqual([{ ref: `Secret/${ns}/db`, outcome: 'patched', keys: ['password'] }]);
      const secret = await coreApi().readNamespacedSecret({ name: 'db', namespace: ns });
      expect(secret.data).toEqual({ password: b64('canary-new-pw-5be2'), user: b64('app') });
      expect(JSON.stringify(result)).not.toContain('canary-');
      expect(JSON.stringify(result)).not.toContain(b64('canary-new-pw-5be2'));
    });
  });

  it('rolls a failing Secret change back byte for byte, journalling in a Secret, never a ConfigMap', async () => {
    await withNamespace(async (ns) => {
      const crash = `, config-rollout.test/fail: ${failureLabels.crashLoopAfterRestart['config-rollout.test/fail']}`;
      await createObjects(ns, manifests('canary-old-pw-93a1', crash));
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir(
        { 's.yaml': manifests('canary-old-pw-93a1', crash) },
        { 's.yaml': manifests('canary-new-pw-5be2', crash) },
      );
      let sawJournal = false;
      const watcher = setInterval(() => {
        void coreApi()
          .readNamespacedSecret({ name: 'config-rollout-journal', namespace: ns })
          .then(
            () => (sawJournal = true),
            () => undefined,
          );
      }, 50);
      const result = await applyChange({
        ...applySettings(dir, ns, { failureGraceMs: 2_000 }),
        secrets: true,
      }).finally(() => clearInterval(watcher));
      expect(result.result).toBe('rolled-back');
      expect(sawJournal).toBe(true);
      const secret = await coreApi().readNamespacedSecret({ name: 'db', namespace: ns });
      expect(secret.data).toEqual({ password: b64('canary-old-pw-93a1'), user: b64('app') });
      const configMaps = await everyConfigMapValue(ns);
      expect(configMaps).not.toContain('canary');
      expect(configMaps).not.toContain(b64('canary-old-pw-93a1'));
      await expect(
        coreApi().readNamespacedSecret({ name: 'config-rollout-journal', namespace: ns }),
      ).rejects.toThrow();
    });
  });
});
