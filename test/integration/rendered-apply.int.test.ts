// Apply on rendered objects against the real control plane: a kustomize overlay whose hash-suffixed generator
// changes is deployed as a new ConfigMap, the readers rolled by their new template, the old one pruned after.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { withNamespace } from '../cluster/test-env.js';
import { rendererBins } from '../renderers/renderer-bins.js';
import { gitRepo, lines, write, type RepoFixture } from '../sources/repo-fixture.js';
import { appsApi, applySettings, coreApi, createObjects, waitRolledOut, workloadYaml } from './scenario.js';

let repo: RepoFixture | undefined;
afterEach(() => {
  repo?.dispose();
  repo = undefined;
});

function overlay(namespace: string): string {
  return lines(
    `namespace: ${namespace}`,
    'resources: [../../base]',
    'configMapGenerator:',
    '  - name: api-config',
    '    envs: [api.env]',
  );
}

describe('apply on a kustomize overlay', () => {
  it('creates the new hash-suffixed ConfigMap, rolls its reader by its new template, prunes the old one', async () => {
    await withNamespace(async (ns) => {
      const bins = rendererBins();
      repo = gitRepo({
        'deploy/base/kustomization.yaml': lines('resources: [api.yaml]'),
        'deploy/base/api.yaml': workloadYaml('Deployment', 'api', 'api-config', { replicas: 2 }),
        'deploy/overlays/prod/kustomization.yaml': overlay(ns),
        'deploy/overlays/prod/api.env': lines('LOG_LEVEL=info'),
      });
      // The cluster runs the base as kustomize renders it; then the PR's change is made in the working tree.
      await createObjects(
        ns,
        execFileSync(bins.kustomize, ['build', 'deploy/overlays/prod'], { cwd: repo.dir, encoding: 'utf8' }),
      );
      write(repo.dir, { 'deploy/overlays/prod/api.env': lines('LOG_LEVEL=debug') });
      await waitRolledOut('Deployment', ns, 'api');
      const [old] = (await coreApi().listNamespacedConfigMap({ namespace: ns })).items
        .map((c) => c.metadata!.name!)
        .filter((n) => n.startsWith('api-config-'));

      const result = await applyChange(
        applySettings(repo.dir, ns, {
          manifests: ['deploy/overlays/prod'],
          base: { gitRef: repo.base },
          prune: true,
          // The objects were created by another client (the test's): taking its fields over is the point here.
          forceConflicts: true,
          render: { searchPath: '/usr/bin:/bin', binaries: { kustomize: bins.kustomize } },
        }),
      );
      expect(result.result, JSON.stringify(result, null, 1)).toBe('applied');
      const names = (await coreApi().listNamespacedConfigMap({ namespace: ns })).items
        .map((c) => c.metadata!.name!)
        .filter((n) => n.startsWith('api-config-'));
      expect(names).toHaveLength(1);
      expect(names[0]).not.toBe(old);
      const created = await coreApi().readNamespacedConfigMap({ name: names[0]!, namespace: ns });
      expect(created.data).toEqual({ LOG_LEVEL: 'debug' });
      // The reader rolled because its template now names the new ConfigMap: no restart annotation was needed.
      const api = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      expect(JSON.stringify(api.spec!.template.spec!.containers)).toContain(names[0]!);
      expect(api.spec!.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
      expect(result.workloads.map((w) => [w.workload, w.outcome])).toEqual([
        [`Deployment/${ns}/api`, 'healthy'],
      ]);
      expect(result.configMaps.map((c) => [c.ref, c.outcome])).toEqual(
        expect.arrayContaining([
          [`${ns}/${names[0]}`, 'created'],
          [`${ns}/${old}`, 'pruned'],
        ]),
      );
    });
  });
});
