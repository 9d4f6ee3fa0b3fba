// Access is checked before anything else, and a missing permission names verb, resource and namespace.
import { readFileSync } from 'node:fs';
import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyChange } from '../../src/apply/apply-change.js';
import { planChange } from '../../src/plan-change.js';
import { kubeConfig, withNamespace } from '../cluster/test-env.js';
import { repoRoot } from '../cli/run-cli.js';
import { applySettings, changeDir, configMapYaml, coreApi, createObjects, workloadYaml } from './scenario.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** A kubeconfig for a ServiceAccount bound to a Role with exactly these rules. */
async function restrictedConfig(namespace: string, rules: Rule[]): Promise<KubeConfig> {
  const admin = kubeConfig();
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await coreApi().createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'deployer' } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'deployer' }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'deployer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace }],
    },
  });
  const token = await coreApi().createNamespacedServiceAccountToken({
    name: 'deployer',
    namespace,
    body: { spec: { audiences: [] } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'deployer', token: token.status!.token }],
    contexts: [{ name: 'deployer', cluster: cluster.name, user: 'deployer' }],
    currentContext: 'deployer',
  });
  return kc;
}

const roleRules = (file: string): Rule[] =>
  (parse(readFileSync(`${repoRoot}examples/rbac/${file}`, 'utf8')) as { rules: Rule[] }).rules;

const base = {
  'c.yaml': configMapYaml('app-config', { A: '1' }) + workloadYaml('Deployment', 'api', 'app-config'),
};
const head = {
  'c.yaml': configMapYaml('app-config', { A: '2' }) + workloadYaml('Deployment', 'api', 'app-config'),
};

describe('access', () => {
  it('plans with the documented read-only Role, and names every missing permission', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, base['c.yaml']);
      const dir = changeDir(base, head);
      const planRules = roleRules('plan-role.yaml');
      const cluster = await restrictedConfig(ns, planRules);
      const plan = await planChange({ ...applySettings(dir, ns), cluster });
      expect(plan.live).toBe(true);
      expect(plan.consumers.map((c) => c.action)).toEqual(['restart']);

      // The same identity cannot apply: the error lists what the apply Role adds.
      const refused = applyChange({ ...applySettings(dir, ns), cluster });
      await expect(refused).rejects.toThrow(`create configmaps in namespace ${ns}`);
      await expect(refused).rejects.toThrow(`patch deployments.apps in namespace ${ns}`);
      // Nothing was written.
      expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual({
        A: '1',
      });
    });
  });

  it('applies with the documented apply Role', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, base['c.yaml']);
      const cluster = await restrictedConfig(ns, roleRules('apply-role.yaml'));
      const result = await applyChange({ ...applySettings(changeDir(base, head), ns), cluster });
      expect(result.result).toBe('applied');
    });
  });

  it('fails a plan clearly when a list permission is missing', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, base['c.yaml']);
      const rules = roleRules('plan-role.yaml').map((r) =>
        r.apiGroups.includes('apps') ? { ...r, resources: r.resources.filter((x) => x !== 'daemonsets') } : r,
      );
      const cluster = await restrictedConfig(ns, rules);
      await expect(planChange({ ...applySettings(changeDir(base, head), ns), cluster })).rejects.toThrow(
        `system:serviceaccount:${ns}:deployer is missing a permission config-rollout needs:\n  - list daemonsets.apps in namespace ${ns}`,
      );
    });
  });
});
