// The action on a config file of targets, one a kustomize overlay: planned live on the PR and applied on
// merge against the local control plane, rendered with the real kustomize on the runner's PATH.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentMarker } from '../../src/report/comment.js';
import { kubeconfigPath, withNamespace } from '../cluster/test-env.js';
import { startFakeGitHub, type FakeGitHub } from '../github/fake-github.js';
import { coreApi, waitRolledOut, workloadYaml } from '../integration/scenario.js';
import { rendererBins } from '../renderers/renderer-bins.js';
import { Checkout, runAction } from './runner.js';

const token = 'ghs_testtoken';
let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub({ token });
});
afterEach(async () => {
  await github.close();
});

const repository = { full_name: 'o/r', name: 'r', owner: { login: 'o' } };

function files(namespace: string, level: string) {
  return {
    'deploy/base/kustomization.yaml': 'resources: [api.yaml]\n',
    'deploy/base/api.yaml': workloadYaml('Deployment', 'api', 'api-config', { replicas: 2 }),
    'deploy/overlays/prod/kustomization.yaml': [
      `namespace: ${namespace}`,
      'resources: [../../base]',
      'configMapGenerator:',
      '  - name: api-config',
      '    envs: [api.env]',
      '    options: {disableNameSuffixHash: true}',
      '',
    ].join('\n'),
    'deploy/overlays/prod/api.env': `LOG_LEVEL=${level}\n`,
    'deploy/other/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {A: "1"}\n',
    'config-rollout.yaml': [
      'targets:',
      '  - name: prod',
      '    manifests: deploy/overlays/prod',
      `    namespace: ${namespace}`,
      '  - name: other',
      '    manifests: deploy/other',
      `    namespace: ${namespace}`,
      '',
    ].join('\n'),
  };
}

describe('the action on a config file of targets', () => {
  it('applies a kustomize overlay on merge, plans its generator change live on the PR, restarts its reader on merge', async () => {
    await withNamespace(async (ns) => {
      const env = { PATH: `${dirname(rendererBins().kustomize)}:${process.env['PATH']}` };
      const kubeconfig = readFileSync(kubeconfigPath(), 'utf8');
      const inputs = { kubeconfig, 'github-token': token };
      const repo = new Checkout();
      const empty = repo.commit({ 'README.md': 'app\n' });
      const first = repo.commit(files(ns, 'info'));
      // Merging the first version deploys the overlay's objects: the other target is untouched (its files
      // came in the same commit, so it is reached, and its ConfigMap is created too).
      const created = await runAction({
        checkout: repo,
        eventName: 'push',
        payload: { before: empty, after: first, ref: 'refs/heads/main', repository },
        inputs,
        apiUrl: github.url,
        sha: first,
        env,
      });
      expect(created.exitCode, created.stdout).toBe(0);
      expect(created.stdout).toContain('config-rollout: the change reaches 2 of 2 targets: prod, other');
      await waitRolledOut('Deployment', ns, 'api');
      const live = await coreApi().readNamespacedConfigMap({ name: 'api-config', namespace: ns });
      expect(live.data).toEqual({ LOG_LEVEL: 'info' });

      const head = repo.commit({ 'deploy/overlays/prod/api.env': 'LOG_LEVEL=debug\n' });
      const planned = await runAction({
        checkout: repo,
        eventName: 'pull_request',
        payload: {
          action: 'synchronize',
          number: 9,
          pull_request: {
            number: 9,
            base: { sha: first, ref: 'main', repo: { full_name: 'o/r' } },
            head: { sha: head, ref: 'feature', repo: { full_name: 'o/r' } },
          },
          repository,
        },
        inputs,
        apiUrl: github.url,
        sha: head,
        env,
      });
      expect(planned.exitCode, planned.stdout).toBe(0);
      expect(planned.stdout).toContain('config-rollout: the change reaches 1 of 2 targets: prod');
      const [comment] = github.comments(9);
      expect(comment!.body.startsWith(commentMarker)).toBe(true);
      expect(comment!.body).toContain('1 target changed: ✅ `prod` · 1 other target untouched');
      expect(comment!.body).toContain('#### Target `prod`');
      expect(comment!.body).toContain('merging restarts Deployment api (2 pods)');
      expect(comment!.body).toContain('Planned against the cluster of context `config-rollout-test`.');
      // Findings and rows point at the overlay's generator and the base's file, at the head commit.
      expect(comment!.body).toContain(`https://github.localhost/o/r/blob/${head}/deploy/base/api.yaml#L2`);
      const plan = JSON.parse(readFileSync(planned.outputs['plan']!, 'utf8')) as {
        targets: string[];
        consumers: { target: string; workload: string; action: string }[];
      };
      expect(plan.targets).toEqual(['prod']);
      expect(plan.consumers.map((c) => [c.target, c.workload, c.action])).toEqual([
        ['prod', `Deployment/${ns}/api`, 'restart'],
      ]);

      const before = await coreApi().listNamespacedPod({ namespace: ns });
      const applied = await runAction({
        checkout: repo,
        eventName: 'push',
        payload: { before: first, after: head, ref: 'refs/heads/main', repository },
        inputs,
        apiUrl: github.url,
        sha: head,
        env,
      });
      expect(applied.exitCode, applied.stdout).toBe(0);
      expect(applied.outputs['result']).toBe('applied');
      expect(JSON.parse(applied.outputs['restarted-workloads']!)).toEqual([
        { workload: `Deployment/${ns}/api`, outcome: 'healthy', seconds: expect.any(Number) },
      ]);
      expect(applied.summary).toContain('#### Target `prod`');
      const after = await coreApi().readNamespacedConfigMap({ name: 'api-config', namespace: ns });
      expect(after.data).toEqual({ LOG_LEVEL: 'debug' });
      const pods = await coreApi().listNamespacedPod({ namespace: ns });
      const oldNames = new Set(before.items.map((p) => p.metadata!.name));
      expect(
        pods.items.filter((p) => !p.metadata!.deletionTimestamp).some((p) => oldNames.has(p.metadata!.name)),
      ).toBe(false);
    });
  });
});
