// A re-run of apply after the process is killed mid-apply converges instead of leaving a half-applied state.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { journalName } from '../../src/apply/journal.js';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { kubeconfigPath, waitFor, withNamespace } from '../cluster/test-env.js';
import { repoRoot } from '../cli/run-cli.js';
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

const workloads =
  workloadYaml('Deployment', 'api', 'app-config', { replicas: 3 }) +
  workloadYaml('StatefulSet', 'db', 'app-config');
const base = { 'c.yaml': configMapYaml('app-config', { A: '1', B: 'keep' }) + workloads };
const head = { 'c.yaml': configMapYaml('app-config', { A: '2', B: 'keep', C: 'new' }) + workloads };

type KillPoint = 'journal written' | 'ConfigMap patched' | 'Deployment restarted';

async function reached(point: KillPoint, ns: string): Promise<boolean> {
  const core = coreApi();
  if (point === 'journal written') {
    return (
      (await core.listNamespacedConfigMap({ namespace: ns, fieldSelector: `metadata.name=${journalName}` }))
        .items.length > 0
    );
  }
  if (point === 'ConfigMap patched') {
    return (await core.readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data?.['A'] === '2';
  }
  const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
  return d.spec?.template.metadata?.annotations?.[configHashAnnotation] !== undefined;
}

describe('apply after a crash', () => {
  it.each<KillPoint>(['journal written', 'ConfigMap patched', 'Deployment restarted'])(
    'killed once the %s, a re-run converges to the new config',
    async (point) => {
      await withNamespace(async (ns) => {
        await createObjects(ns, base['c.yaml']);
        await waitRolledOut('Deployment', ns, 'api');
        await waitRolledOut('StatefulSet', ns, 'db');
        const dir = changeDir(base, head);
        const child = spawn(
          process.execPath,
          [
            `${repoRoot}dist/cli.js`,
            'apply',
            '--manifests',
            'head',
            '--base',
            'base',
            '--namespace',
            ns,
            '--kubeconfig',
            kubeconfigPath(),
          ],
          { cwd: dir, stdio: 'ignore' },
        );
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        await waitFor(() => reached(point, ns), 30_000, `apply to reach "${point}"`, 5);
        child.kill('SIGKILL');
        await exited;

        const result = await applyChange(applySettings(dir, ns));
        expect(result.result).toBe('applied');
        expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual(
          { A: '2', B: 'keep', C: 'new' },
        );
        expect(result.workloads.map((w) => [w.workload, w.outcome])).toEqual([
          [`Deployment/${ns}/api`, 'healthy'],
          [`StatefulSet/${ns}/db`, 'healthy'],
        ]);
        const journals = await coreApi().listNamespacedConfigMap({
          namespace: ns,
          fieldSelector: `metadata.name=${journalName}`,
        });
        expect(journals.items).toEqual([]);
        // One more run finds nothing left to do.
        const again = await applyChange(applySettings(dir, ns));
        expect(again.workloads.every((w) => !w.restarted)).toBe(true);
        expect(again.configMaps.map((c) => c.outcome)).toEqual(['unchanged']);
      });
    },
  );
});
