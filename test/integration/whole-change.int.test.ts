// The whole-change deploy against the real control plane: a PR that changes config AND the objects and workloads
// that use it is applied as one change — config first, then objects, then workloads — watched, and rolled back
// exactly, objects included.
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { kubeConfig, withNamespace, apiStatusCode, failureLabels } from '../cluster/test-env.js';
import { planChange } from '../../src/plan-change.js';
import {
  appsApi,
  applySettings,
  changeDir,
  configMapYaml,
  coreApi,
  createObjects,
  waitRolledOut,
  serviceYaml,
} from './scenario.js';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { createApiRequest } from '../../src/cluster/api-request.js';

const csa = 'kubectl-client-side-apply';

function apiYaml(
  options: { image?: string; env?: string; configMap?: string; labels?: string } = {},
): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api${options.labels ?? ''}}
    spec:
      containers:
      - name: app
        image: ${options.image ?? 'example.com/api:1'}
        envFrom: [{configMapRef: {name: ${options.configMap ?? 'app-config'}}}]
${options.env ?? ''}`;
}

const roleYaml = (verbs: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [${verbs}]
`;

async function replicaSetsOf(
  namespace: string,
): Promise<{ name: string; replicas: number; image: string }[]> {
  const list = await appsApi().listNamespacedReplicaSet({ namespace, labelSelector: 'app=api' });
  return list.items.map((rs) => ({
    name: rs.metadata!.name!,
    replicas: rs.spec?.replicas ?? 0,
    image: rs.spec?.template?.spec?.containers[0]?.image ?? '',
  }));
}

async function serviceExists(namespace: string): Promise<boolean> {
  try {
    await coreApi().readNamespacedService({ name: 'api', namespace });
    return true;
  } catch (error) {
    if (apiStatusCode(error) === 404) return false;
    throw error;
  }
}

async function roleVerbs(namespace: string): Promise<string[]> {
  const role = await kubeConfig()
    .makeApiClient(RbacAuthorizationV1Api)
    .readNamespacedRole({ name: 'reader', namespace });
  return role.rules?.[0]?.verbs ?? [];
}

const baseConfig = configMapYaml('app-config', { LOG_LEVEL: 'info', POOL: '10' });
const headConfig = configMapYaml('app-config', { LOG_LEVEL: 'debug', POOL: '10' });

describe('whole-change apply', () => {
  it('applies a ConfigMap, a new image, a new env var, a new Service and a changed Role in one change; the Deployment rolls once', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, baseConfig + apiYaml() + roleYaml('get'), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir(
        { 'app.yaml': baseConfig + apiYaml() + roleYaml('get') },
        {
          'app.yaml':
            headConfig +
            apiYaml({ image: 'example.com/api:2', env: '        env: [{name: FEATURE_X, value: "on"}]\n' }) +
            roleYaml('get, list') +
            serviceYaml('api'),
        },
      );

      // The plan says what the merge writes besides the config.
      const plan = await planChange({ ...applySettings(dir, ns), cluster: kubeConfig() });
      expect(plan.objects.map((o) => [o.id, o.change, o.fields])).toEqual([
        [`Role/${ns}/reader`, 'modified', ['rules']],
        [`Service/${ns}/api`, 'added', []],
        [
          `Deployment/${ns}/api`,
          'modified',
          ['spec.template.spec.containers[app].env', 'spec.template.spec.containers[app].image'],
        ],
      ]);

      const result = await applyChange(applySettings(dir, ns));
      expect(result.message).toMatch(
        /^Applied 1 ConfigMap change\(s\), 2 object\(s\) written; 1 workload\(s\) rolled and healthy\./,
      );
      expect(result.result).toBe('applied');
      expect(result.configMaps).toEqual([
        { ref: `${ns}/app-config`, outcome: 'patched', keys: ['LOG_LEVEL'] },
      ]);
      expect(result.objects).toEqual([
        { object: `Role/${ns}/reader`, outcome: 'configured', fields: ['rules'] },
        { object: `Service/${ns}/api`, outcome: 'created', fields: [] },
      ]);
      expect(result.workloads).toMatchObject([
        { workload: `Deployment/${ns}/api`, action: 'apply', outcome: 'healthy', restarted: true },
      ]);

      const deployment = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      const container = deployment.spec!.template.spec!.containers[0]!;
      expect(container.image).toBe('example.com/api:2');
      expect(container.env).toEqual([{ name: 'FEATURE_X', value: 'on' }]);
      // Rolled once: the image, the env var and the config hash came in one write, so one new ReplicaSet.
      expect((await replicaSetsOf(ns)).map((rs) => rs.image).sort()).toEqual([
        'example.com/api:1',
        'example.com/api:2',
      ]);
      expect(deployment.spec!.template.metadata!.annotations?.['config-rollout.io/config-hash']).toMatch(
        /^[0-9a-f]{32}$/,
      );
      expect(await roleVerbs(ns)).toEqual(['get', 'list']);
      expect(await serviceExists(ns)).toBe(true);
      const journals = await coreApi().listNamespacedConfigMap({
        namespace: ns,
        fieldSelector: 'metadata.name=config-rollout-journal',
      });
      expect(journals.items).toEqual([]);

      // A field the change drops is removed (the fields `kubectl apply` owned were handed over), and a re-run
      // writes nothing.
      const dropEnv = changeDir(
        {
          'app.yaml':
            headConfig +
            apiYaml({ image: 'example.com/api:2', env: '        env: [{name: FEATURE_X, value: "on"}]\n' }),
        },
        { 'app.yaml': headConfig + apiYaml({ image: 'example.com/api:2' }) },
      );
      const dropped = await applyChange(applySettings(dropEnv, ns));
      expect(dropped.result).toBe('applied');
      const after = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      expect(after.spec!.template.spec!.containers[0]!.env).toBeUndefined();
      const generation = after.metadata!.generation;
      const again = await applyChange(applySettings(dropEnv, ns));
      expect(again.workloads).toMatchObject([{ outcome: 'healthy', restarted: false }]);
      expect(
        (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).metadata!.generation,
      ).toBe(generation);
    });
  });

  it('rolls everything back when the new pods fail: old ReplicaSet serving, ConfigMap byte for byte, created objects gone, changed objects as before', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, baseConfig + apiYaml() + roleYaml('get'), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const before = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      const crashing = `, ${Object.entries(failureLabels.crashLoop)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`;
      const dir = changeDir(
        { 'app.yaml': baseConfig + apiYaml() + roleYaml('get') },
        {
          'app.yaml':
            headConfig +
            apiYaml({ image: 'example.com/api:2', labels: crashing }) +
            roleYaml('get, list') +
            serviceYaml('api'),
        },
      );
      const result = await applyChange(applySettings(dir, ns));
      expect(result.result).toBe('rolled-back');
      expect(result.message).toContain(`Deployment/${ns}/api: new pods are failing`);
      expect(result.objects).toEqual([
        { object: `Role/${ns}/reader`, outcome: 'rolled-back', fields: ['rules'] },
        { object: `Service/${ns}/api`, outcome: 'rolled-back', fields: [] },
      ]);
      expect(result.workloads).toMatchObject([{ workload: `Deployment/${ns}/api`, outcome: 'rolled-back' }]);

      const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
      expect(cm.data).toEqual(before.data);
      expect(await serviceExists(ns)).toBe(false);
      expect(await roleVerbs(ns)).toEqual(['get']);
      const deployment = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      expect(deployment.spec!.template.spec!.containers[0]!.image).toBe('example.com/api:1');
      expect(deployment.spec!.template.metadata!.labels).toEqual({ app: 'api' });
      // The old ReplicaSet serves again: the previous template matches it, so no third one was made.
      const sets = await replicaSetsOf(ns);
      expect(sets).toHaveLength(2);
      expect(sets.find((rs) => rs.image === 'example.com/api:1')!.replicas).toBe(2);
      expect(sets.find((rs) => rs.image === 'example.com/api:2')!.replicas).toBe(0);
    });
  });

  it('keeps an old hash-suffixed ConfigMap while the rollout runs and after a rollback, and prunes it only after success', async () => {
    await withNamespace(async (ns) => {
      const old = configMapYaml('app-config-7h2k9', { LOG_LEVEL: 'info' });
      const next = configMapYaml('app-config-c5m4t', { LOG_LEVEL: 'debug' });
      await createObjects(ns, old + apiYaml({ configMap: 'app-config-7h2k9' }), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const crashing = `, ${Object.entries(failureLabels.crashLoop)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`;
      const failing = changeDir(
        { 'app.yaml': old + apiYaml({ configMap: 'app-config-7h2k9' }) },
        { 'app.yaml': next + apiYaml({ configMap: 'app-config-c5m4t', labels: crashing }) },
      );
      const rolledBack = await applyChange(applySettings(failing, ns, { prune: true }));
      expect(rolledBack.result).toBe('rolled-back');
      const names = async () =>
        (await coreApi().listNamespacedConfigMap({ namespace: ns })).items
          .map((c) => c.metadata!.name!)
          .filter((n) => n.startsWith('app-config'))
          .sort();
      expect(await names()).toEqual(['app-config-7h2k9']);

      const healthy = changeDir(
        { 'app.yaml': old + apiYaml({ configMap: 'app-config-7h2k9' }) },
        { 'app.yaml': next + apiYaml({ configMap: 'app-config-c5m4t' }) },
      );
      const log: string[] = [];
      const applied = await applyChange(
        applySettings(healthy, ns, {
          prune: true,
          log: (line) => log.push(line),
        }),
      );
      expect(applied.result, `${applied.message}\n${log.join('\n')}`).toBe('applied');
      expect(applied.configMaps).toEqual([
        { ref: `${ns}/app-config-7h2k9`, outcome: 'pruned', keys: [] },
        { ref: `${ns}/app-config-c5m4t`, outcome: 'created', keys: ['LOG_LEVEL'] },
      ]);
      // Pruned only once the rollout was healthy.
      const healthyAt = log.findIndex((l) => l.includes('healthy after'));
      const prunedAt = log.findIndex((l) => l.includes('app-config-7h2k9') && l.includes('pruned'));
      expect(healthyAt).toBeGreaterThan(-1);
      expect(prunedAt).toBeGreaterThan(healthyAt);
      expect(await names()).toEqual(['app-config-c5m4t']);
    });
  });

  it('takes over no field another manager owns unless asked (force-conflicts)', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, baseConfig + apiYaml(), 'helm');
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir(
        { 'app.yaml': baseConfig + apiYaml() },
        { 'app.yaml': baseConfig + apiYaml({ image: 'example.com/api:2' }) },
      );
      const refused = await applyChange(applySettings(dir, ns));
      expect(refused.result).toBe('rolled-back');
      expect(refused.message).toContain('spec.template.spec.containers[name="app"].image (owned by helm)');
      expect(
        (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).spec!.template.spec!
          .containers[0]!.image,
      ).toBe('example.com/api:1');

      const forced = await applyChange(applySettings(dir, ns, { forceConflicts: true }));
      expect(forced.result).toBe('applied');
      expect(
        (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).spec!.template.spec!
          .containers[0]!.image,
      ).toBe('example.com/api:2');
    });
  });

  describe('apply-scope config', () => {
    const head = { 'app.yaml': headConfig + apiYaml({ image: 'example.com/api:2' }) };
    const base = { 'app.yaml': baseConfig + apiYaml() };

    it('with the workload already applied by the pipeline, restarts it for the new config without waiting', async () => {
      await withNamespace(async (ns) => {
        await createObjects(ns, baseConfig + apiYaml({ image: 'example.com/api:2' }), csa);
        await waitRolledOut('Deployment', ns, 'api');
        const started = Date.now();
        const result = await applyChange(
          applySettings(changeDir(base, head), ns, { applyScope: 'config', timeoutMs: 60_000 }),
        );
        expect(result.result).toBe('applied');
        expect(result.workloads).toMatchObject([
          { workload: `Deployment/${ns}/api`, action: 'restart', outcome: 'healthy', restarted: true },
        ]);
        expect(Date.now() - started).toBeLessThan(55_000);
        // Its own step writes the Deployment: config-rollout says so and leaves it.
        expect(result.objects).toEqual([
          {
            object: `Deployment/${ns}/api`,
            outcome: 'not-written',
            fields: ['spec.template.spec.containers[app].image'],
            detail: 'apply-scope is config: your pipeline applies it',
          },
        ]);
      });
    });

    it("waits (bounded) for the pipeline's template and fails clearly when it never comes; the config is rolled back", async () => {
      await withNamespace(async (ns) => {
        await createObjects(ns, baseConfig + apiYaml(), csa);
        await waitRolledOut('Deployment', ns, 'api');
        const result = await applyChange(
          applySettings(changeDir(base, head), ns, { applyScope: 'config', timeoutMs: 4_000 }),
        );
        expect(result.result).toBe('rolled-back');
        expect(result.message).toContain(
          `Deployment/${ns}/api: its new pod template did not appear within 4s: apply-scope is config, so your pipeline must apply it`,
        );
        const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
        expect(cm.data).toEqual({ LOG_LEVEL: 'info', POOL: '10' });
        expect(
          (await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns })).spec!.template.spec!
            .containers[0]!.image,
        ).toBe('example.com/api:1');
      });
    });
  });

  it("lets one apply at a time hold a namespace: a second waits, or fails naming the holder; a crashed holder's lease expires", async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, baseConfig + apiYaml(), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const dir = changeDir({ 'app.yaml': baseConfig + apiYaml() }, { 'app.yaml': headConfig + apiYaml() });

      // Two applies of the same change at once: one waits for the other, and only one writes.
      const logs: string[][] = [[], []];
      const both = await Promise.all(
        logs.map((log) => applyChange(applySettings(dir, ns, { log: (line) => log.push(line) }))),
      );
      expect(both.map((r) => r.result)).toEqual(['applied', 'applied']);
      expect(both.map((r) => r.configMaps[0]!.outcome).sort()).toEqual(['patched', 'unchanged']);
      expect(
        logs.filter((log) => log.some((l) => l.includes('waiting for another apply to finish'))),
      ).toHaveLength(1);

      // A live holder that does not let go: the apply waits, then fails naming it; nothing is written.
      const lease = (holder: string, renewedMsAgo: number) => {
        const at = new Date(Date.now() - renewedMsAgo).toISOString().replace('Z', '000Z');
        return {
          metadata: { name: 'config-rollout' },
          spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: at, acquireTime: at },
        };
      };
      const request = createApiRequest(kubeConfig());
      const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
      await request('POST', leases, { body: lease('acme/shop run 42 (change 0123)', 0) });
      const back = changeDir({ 'app.yaml': headConfig + apiYaml() }, { 'app.yaml': baseConfig + apiYaml() });
      const refused = await applyChange(applySettings(back, ns, { lockTimeoutMs: 1_500 }));
      expect(refused.result).toBe('failed');
      expect(refused.message).toMatch(
        new RegExp(
          `^Nothing was changed: taking the apply lease failed: Another apply holds namespace ${ns}: acme/shop run 42 \\(change 0123\\) \\(lease ${ns}/config-rollout, renewed .*\\)\\. Waited 2s; run again once it has finished\\.$`,
        ),
      );
      const data = (await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data;
      expect(data?.['LOG_LEVEL']).toBe('debug');

      // A holder that crashed stopped renewing: once its lease has expired, an apply takes it over.
      await request('DELETE', `${leases}/config-rollout`);
      await request('POST', leases, { body: lease('a crashed run', 20_000) });
      expect((await applyChange(applySettings(back, ns, { lockTimeoutMs: 1_500 }))).result).toBe('applied');
    });
  });

  it('applies manifests that name their namespace while --namespace names another (no journal there)', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, baseConfig + apiYaml(), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const named = (yaml: string) =>
        yaml.replace(/metadata:\n {2}name: (\S+)\n/g, `metadata:\n  name: $1\n  namespace: ${ns}\n`);
      const dir = changeDir(
        { 'a.yaml': named(baseConfig + apiYaml()) },
        { 'a.yaml': named(headConfig + apiYaml()) },
      );
      const result = await applyChange(applySettings(dir, 'default'));
      expect(result.result, result.message).toBe('applied');
      expect(result.configMaps).toEqual([
        { ref: `${ns}/app-config`, outcome: 'patched', keys: ['LOG_LEVEL'] },
      ]);
      const journals = await coreApi().listNamespacedConfigMap({
        namespace: 'default',
        fieldSelector: 'metadata.name=config-rollout-journal',
      });
      expect(journals.items).toEqual([]);
    });
  });

  it('writes and rolls back a key named __proto__ like any other', async () => {
    await withNamespace(async (ns) => {
      const cm = (proto?: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n${proto ? `  __proto__: ${proto}\n` : ''}`;
      await createObjects(ns, cm() + apiYaml(), csa);
      await waitRolledOut('Deployment', ns, 'api');
      const read = async () => Object.entries((await fetchConfigMapJson(ns)).data ?? {});
      const applied = await applyChange(
        applySettings(changeDir({ 'a.yaml': cm() + apiYaml() }, { 'a.yaml': cm('two') + apiYaml() }), ns),
      );
      expect(applied.result).toBe('applied');
      expect(applied.configMaps).toEqual([
        { ref: `${ns}/app-config`, outcome: 'patched', keys: ['__proto__'] },
      ]);
      expect(await read()).toEqual([
        ['LOG_LEVEL', 'info'],
        ['__proto__', 'two'],
      ]);

      const crashing = `, ${Object.entries(failureLabels.crashLoop)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`;
      const failed = await applyChange(
        applySettings(
          changeDir(
            { 'a.yaml': cm('two') + apiYaml() },
            { 'a.yaml': cm('three') + apiYaml({ labels: crashing }) },
          ),
          ns,
        ),
      );
      expect(failed.result).toBe('rolled-back');
      expect(await read()).toEqual([
        ['LOG_LEVEL', 'info'],
        ['__proto__', 'two'],
      ]);
    });
  });
});

/** The ConfigMap as the API server sends it, read as plain JSON (the typed client drops `__proto__`). */
async function fetchConfigMapJson(namespace: string): Promise<{ data?: Record<string, string> }> {
  const request = createApiRequest(kubeConfig());
  return request('GET', `/api/v1/namespaces/${namespace}/configmaps/app-config`);
}
