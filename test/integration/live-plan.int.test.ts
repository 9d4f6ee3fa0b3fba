// A live plan on real-world manifests (argo-cd from ../shared/corpus) installed in the real control plane.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { planChange } from '../../src/plan-change.js';
import { kubeConfig, withNamespace } from '../cluster/test-env.js';
import { repoRoot } from '../cli/run-cli.js';
import { changeDir, configMapYaml, coreApi, createObjects, waitRolledOut, workloadYaml } from './scenario.js';

const install = join(repoRoot, '..', 'shared', 'corpus', 'argo-cd', 'manifests', 'install.yaml');
const installedKinds = new Set(['ServiceAccount', 'ConfigMap', 'Deployment', 'StatefulSet']);

describe('live plan on the argo-cd install', () => {
  it('finds the same consumers as offline, plus drift made by hand', async () => {
    await withNamespace(async (ns) => {
      const text = readFileSync(install, 'utf8');
      const api = KubernetesObjectApi.makeApiClient(kubeConfig());
      for (const doc of parseAllDocuments(text)) {
        const object = doc.toJS() as KubernetesObject | null;
        if (!object?.kind || !installedKinds.has(object.kind)) continue;
        await api.create({ ...object, metadata: { ...object.metadata, namespace: ns } });
      }
      await waitRolledOut('Deployment', ns, 'argocd-server');
      const dir = mkdtempSync(join(tmpdir(), 'config-rollout-argo-'));
      cpSync(install, join(dir, 'base.yaml'));
      writeFileSync(
        join(dir, 'head.yaml'),
        text.replace(
          '  name: argocd-cmd-params-cm\n---',
          '  name: argocd-cmd-params-cm\ndata:\n  server.insecure: "true"\n---',
        ),
      );
      const settings = {
        manifests: ['head.yaml'],
        base: { paths: ['base.yaml'] },
        namespace: ns,
        volumeMounts: 'restart' as const,
        cwd: dir,
      };
      const offline = await planChange(settings);
      const live = await planChange({ ...settings, cluster: kubeConfig() });
      expect(live.live).toBe(true);
      expect(live.consumers).toEqual(offline.consumers);
      expect(live.consumers.find((c) => c.action === 'restart')?.workload).toBe(
        `Deployment/${ns}/argocd-server`,
      );
      expect(live.findings.filter((f) => f.severity !== 'info')).toEqual([]);

      // Someone edits the live ConfigMap by hand.
      const cm = await coreApi().readNamespacedConfigMap({ name: 'argocd-cmd-params-cm', namespace: ns });
      cm.data = { 'controller.log.level': 'debug' };
      await coreApi().replaceNamespacedConfigMap({ name: 'argocd-cmd-params-cm', namespace: ns, body: cm });
      const drifted = await planChange({ ...settings, cluster: kubeConfig() });
      expect(drifted.findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'drift']]);
      expect(drifted.findings[0]!.message).toContain('`controller.log.level` differs in the cluster');
      expect(drifted.drift).toEqual([
        {
          ref: `${ns}/argocd-cmd-params-cm`,
          drifted: ['controller.log.level'],
          conflicts: [],
          alreadyApplied: [],
          missingLive: false,
        },
      ]);
    });
  });

  it('plans the namespaces whose ConfigMaps change, though a changed file defines ConfigMaps in others too', async () => {
    await withNamespace(async (touched) => {
      await withNamespace(async (other) => {
        // In the cluster: a reader that only the cluster has, and a hand edit in the other namespace.
        await createObjects(touched, configMapYaml('cfg', { LEVEL: 'info' }));
        await createObjects(touched, workloadYaml('Deployment', 'reader', 'cfg', { replicas: 1 }));
        await createObjects(other, configMapYaml('other', { LEVEL: 'edited-by-hand' }));
        await waitRolledOut('Deployment', touched, 'reader');
        const both = (level: string, extra: string) =>
          configMapYaml('cfg', { LEVEL: level }).replace('name: cfg', `name: cfg\n  namespace: ${touched}`) +
          '---\n' +
          configMapYaml('other', { LEVEL: 'info' }).replace(
            'name: other',
            `name: other\n  namespace: ${other}`,
          ) +
          extra;
        // The changed file defines both ConfigMaps, and only `cfg` changes; the reader is in no manifest.
        const dir = changeDir(
          { 'config.yaml': both('info', '') },
          { 'config.yaml': both('debug', '# a comment changes the file\n') },
        );
        const plan = await planChange({
          manifests: ['head'],
          base: { paths: ['base'] },
          namespace: 'default',
          volumeMounts: 'restart',
          cwd: dir,
          cluster: kubeConfig(),
        });
        expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
          [`Deployment/${touched}/reader`, 'restart'],
        ]);
        expect(plan.findings.map((f) => f.code)).toEqual(['live-only-consumer']);
        expect(plan.drift.map((d) => d.ref)).toEqual([`${touched}/cfg`]);
      }, 'cr-other');
    }, 'cr-touched');
  });
});
