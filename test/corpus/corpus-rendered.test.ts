/**
 * Real-world sources from the shared corpus, rendered with the real kustomize and helm and planned end to end:
 * the descheduler's kustomize bases (three ways to run it over one policy ConfigMap) and its Helm chart.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';
import { renderedChanges } from '../sources/rendered-changes.js';
import { commitAll, write, type RepoFixture } from '../sources/repo-fixture.js';

const corpus = join(repoRoot, '..', 'shared', 'corpus');
const changes = renderedChanges();

/** A repository holding a copy of a corpus folder at `at`, committed as the base. */
function repoWith(folder: string, at: string): RepoFixture {
  const fixture = changes.repo({ 'README.md': 'corpus copy\n' });
  cpSync(join(corpus, folder), join(fixture.dir, at), { recursive: true });
  commitAll(fixture.dir, 'corpus');
  return { ...fixture, base: 'HEAD' };
}

describe('the descheduler, from the shared corpus', () => {
  it('kustomize: a policy change restarts the Deployment, reaches the CronJob on its next run', async () => {
    const repo = repoWith('descheduler/kubernetes', 'kubernetes');
    const policy = 'kubernetes/base/configmap.yaml';
    const text = readFileSync(join(repo.dir, policy), 'utf8');
    write(repo.dir, { [policy]: text.replace('"cpu" : 20', '"cpu" : 30') });

    const deployment = await changes.plan(repo, {
      manifests: ['kubernetes/deployment'],
      namespace: 'kube-system',
    });
    const [config] = deployment.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config).toMatchObject({ ref: 'kube-system/descheduler-policy-configmap', change: 'modified' });
    expect(config!.keys.changed).toEqual(['policy.yaml']);
    // Where a person edits it: the base's resource file, at its document.
    expect(config!.head!.source).toEqual({ file: policy, line: 2 });
    expect(deployment.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['Deployment/kube-system/descheduler', 'restart'],
    ]);
    expect(deployment.consumers[0]!.source?.file).toBe('kubernetes/deployment/deployment.yaml');

    const cronJob = await changes.plan(repo, { manifests: ['kubernetes/cronjob'], namespace: 'kube-system' });
    expect(cronJob.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['CronJob/kube-system/descheduler-cronjob', 'next-run'],
    ]);
  });

  it('helm: a values change reaches the policy ConfigMap, and the chart’s checksum/config rolls the CronJob', async () => {
    const repo = repoWith('helm-charts/charts/descheduler', 'charts/descheduler');
    const values = 'charts/descheduler/values.yaml';
    const text = readFileSync(join(repo.dir, values), 'utf8');
    write(repo.dir, { [values]: text.replace(/cpu: 20/, 'cpu: 35') });
    const result = await changes.plan(repo, { manifests: ['charts/descheduler'], namespace: 'kube-system' });
    const [config] = result.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config).toMatchObject({ ref: 'kube-system/descheduler', change: 'modified' });
    expect(config!.keys.changed).toEqual(['policy.yaml']);
    expect(config!.head!.source?.file).toBe('charts/descheduler/templates/configmap.yaml');
    // The chart's default kind is a CronJob whose pod template carries checksum/config: its next Job runs
    // the new config by itself.
    expect(result.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['CronJob/kube-system/descheduler', 'next-run'],
    ]);
    expect(result.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  });
});
