// The action end to end, through dist/index.js, against the local control plane and a local GitHub fake.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { commentMarker } from '../../src/report/comment.js';
import { failureLabels, kubeconfigPath, withNamespace } from '../cluster/test-env.js';
import { startFakeArtifacts, type FakeArtifacts } from '../github/fake-artifacts.js';
import { startFakeGitHub, type FakeGitHub } from '../github/fake-github.js';
import {
  appsApi,
  configMapYaml,
  coreApi,
  createObjects,
  waitRolledOut,
  workloadYaml,
} from '../integration/scenario.js';
import { Checkout, runAction } from './runner.js';

const token = 'ghs_testtoken';
let github: FakeGitHub;
let artifacts: FakeArtifacts;
beforeEach(async () => {
  github = await startFakeGitHub({ token });
  artifacts = await startFakeArtifacts();
});
afterEach(async () => {
  await github.close();
  await artifacts.close();
});

function prEvent(number: number, baseSha: string, headSha: string, fork = false) {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      base: { sha: baseSha, ref: 'main', repo: { full_name: 'o/r' } },
      head: { sha: headSha, ref: 'feature', repo: { full_name: fork ? 'someone/r' : 'o/r' } },
    },
    repository: { full_name: 'o/r', name: 'r', owner: { login: 'o' } },
  };
}

function pushEvent(before: string, after: string) {
  return {
    before,
    after,
    ref: 'refs/heads/main',
    repository: { full_name: 'o/r', name: 'r', owner: { login: 'o' } },
  };
}

const manifests = (config: Record<string, string>, labels: Record<string, string> = {}) => ({
  'k8s/config.yaml': configMapYaml('app-config', config),
  'k8s/api.yaml': workloadYaml('Deployment', 'api', 'app-config', { replicas: 2, labels }),
});

describe('the action through dist/index.js', () => {
  it('comments once per PR, updates that comment on the next push, and fails the check on a blocker', async () => {
    await withNamespace(async (ns) => {
      const repo = new Checkout();
      const base = repo.commit(manifests({ LEVEL: 'info', KEEP: 'x' }));
      await createObjects(ns, Object.values(manifests({ LEVEL: 'info', KEEP: 'x' })).join('---\n'));
      const inputs = {
        manifests: 'k8s/',
        namespace: ns,
        kubeconfig: readFileSync(kubeconfigPath(), 'utf8'),
        'github-token': token,
      };

      const head1 = repo.commit(manifests({ LEVEL: 'debug', KEEP: 'x' }));
      const first = await runAction({
        checkout: repo,
        eventName: 'pull_request',
        payload: prEvent(7, base, head1),
        inputs,
        apiUrl: github.url,
        // The build runs on a merge commit; links go to the head the author pushed.
        sha: 'f'.repeat(40),
        env: { ACTIONS_RUNTIME_TOKEN: artifacts.token, ACTIONS_RESULTS_URL: artifacts.url },
      });
      expect(first.exitCode).toBe(0);
      expect(first.outputs['result']).toBe('planned');
      expect(JSON.parse(first.outputs['changed-configmaps']!)).toEqual([`${ns}/app-config`]);
      const comments = github.comments(7);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body.startsWith(commentMarker)).toBe(true);
      const body = comments[0]!.body;
      expect(body).toContain(
        `### config-rollout plan · \`${head1.slice(0, 7)}\`\n**✅ No blockers** · merging restarts Deployment api (2 pods)`,
      );
      // The workload links to its line at the head commit of the repository the event names.
      const row = `| [Deployment \`api\`](https://github.localhost/o/r/blob/${head1}/k8s/api.yaml#L2) | 🔄 restart<br><sub>2 pods · RollingUpdate</sub> | \`app-config: LEVEL\` | envFrom |`;
      expect(body).toContain(row);
      expect(body).toContain('Planned against the cluster of context `config-rollout-test`.');
      // The whole plan: the job summary and the plan JSON, uploaded as an artifact of the run.
      const artifact = artifacts.artifacts.get('config-rollout-plan.json');
      expect(artifact?.content).toBe(readFileSync(first.outputs['plan']!, 'utf8'));
      expect(body).toContain(
        `<sub>The whole plan: [job summary](https://github.localhost/o/r/actions/runs/42) · [plan JSON](https://github.localhost/o/r/actions/runs/42/artifacts/${artifact!.id}).</sub>`,
      );
      expect(first.outputs['comment-url']).toBe(comments[0]!.html_url);
      expect(first.summary).toContain(row);
      expect(JSON.parse(readFileSync(first.outputs['plan']!, 'utf8')).consumers).toEqual([
        {
          workload: `Deployment/${ns}/api`,
          action: 'restart',
          reasons: expect.any(Array),
          configMaps: [`${ns}/app-config`],
          reads: [{ configMap: `${ns}/app-config`, keys: ['LEVEL'], ways: ['envFrom'] }],
          pods: 2,
          strategy: 'RollingUpdate',
          file: 'k8s/api.yaml',
          line: 2,
        },
      ]);

      // A second push removes a key the Deployment requires: same comment, updated; the check fails.
      const head2 = repo.commit({
        'k8s/config.yaml': configMapYaml('app-config', { KEEP: 'x' }),
        'k8s/api.yaml': workloadYaml('Deployment', 'api', 'app-config').replace(
          'envFrom: [{configMapRef: {name: app-config}}]',
          'env: [{name: LEVEL, valueFrom: {configMapKeyRef: {name: app-config, key: LEVEL}}}]',
        ),
      });
      const second = await runAction({
        checkout: repo,
        eventName: 'pull_request',
        payload: prEvent(7, base, head2),
        inputs,
        apiUrl: github.url,
        sha: head2,
      });
      expect(second.exitCode).toBe(1);
      expect(github.comments(7)).toHaveLength(1);
      expect(github.comments(7)[0]!.body).toContain(
        '**❌ 1 blocker: merging stops before writing anything**',
      );
      expect(github.comments(7)[0]!.body).toContain(
        `> - ❌ **missing-key** — app-config no longer has key <code>LEVEL</code>, which Deployment/${ns}/api requires`,
      );
      expect(github.comments(7)[0]!.body).toContain(
        `([k8s/config.yaml:1](https://github.localhost/o/r/blob/${head2}/k8s/config.yaml#L1) · [k8s/api.yaml:2](https://github.localhost/o/r/blob/${head2}/k8s/api.yaml#L2))`,
      );
      expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      // One blocker, annotated where the key was removed (the ConfigMap) and where it is needed.
      const errors = second.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error title=config-rollout%3A missing-key'));
      expect(errors.map((l) => l.slice(0, l.indexOf('::', 2) + 2))).toEqual([
        '::error title=config-rollout%3A missing-key,file=k8s/config.yaml,line=1::',
        '::error title=config-rollout%3A missing-key,file=k8s/api.yaml,line=2::',
      ]);
      // The token is only ever handed to the runner's masking command, never logged.
      const logged = second.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
      expect(logged.join('\n')).not.toContain(token);
      expect(second.stdout).toContain(`::add-mask::${token}`);

      // A third push takes all config changes back out: the comment says so instead of lingering.
      const head3 = repo.commit(manifests({ LEVEL: 'info', KEEP: 'x' }));
      const third = await runAction({
        checkout: repo,
        eventName: 'pull_request',
        payload: prEvent(7, base, head3),
        inputs,
        apiUrl: github.url,
        sha: head3,
      });
      expect(third.exitCode).toBe(0);
      expect(third.outputs['result']).toBe('no-change');
      expect(github.comments(7)).toHaveLength(1);
      expect(github.comments(7)[0]!.body).toContain('No ConfigMap changes in this change');
    });
  });

  it('plans a PR from a fork offline, without cluster credentials, and never comments on an unchanged PR', async () => {
    const repo = new Checkout();
    const base = repo.commit(manifests({ LEVEL: 'info' }));
    const head = repo.commit(manifests({ LEVEL: 'debug' }));
    const inputs = {
      manifests: 'k8s/',
      namespace: 'shop',
      kubeconfig: 'not: a valid kubeconfig',
      'github-token': token,
    };
    const run = await runAction({
      checkout: repo,
      eventName: 'pull_request',
      payload: prEvent(9, base, head, true),
      inputs,
      apiUrl: github.url,
      sha: head,
    });
    expect(run.exitCode).toBe(0);
    expect(github.comments(9)[0]!.body).toContain('pull requests from forks never get cluster credentials');

    const unchanged = repo.commit({ 'README.md': 'docs only' });
    const quiet = await runAction({
      checkout: repo,
      eventName: 'pull_request',
      payload: prEvent(10, head, unchanged),
      inputs: { ...inputs, offline: 'true' },
      apiUrl: github.url,
      sha: unchanged,
    });
    expect(quiet.exitCode).toBe(0);
    expect(quiet.outputs['result']).toBe('no-change');
    expect(github.comments(10)).toEqual([]);
  });

  it('fails the check with one message when the cluster is not reachable, leaving no comment; offline on request', async () => {
    const repo = new Checkout();
    const base = repo.commit(manifests({ LEVEL: 'info' }));
    const head = repo.commit(manifests({ LEVEL: 'debug' }));
    // The test cluster's kubeconfig, pointed at a port on 127.0.0.1 where nothing listens.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const server = `https://127.0.0.1:${port}`;
    const kubeconfig = readFileSync(kubeconfigPath(), 'utf8').replace(/server: \S+/, `server: ${server}`);
    const inputs = { manifests: 'k8s/', namespace: 'shop', kubeconfig, 'github-token': token };
    const message = `Listing configmaps in namespace shop at ${server} (context 'config-rollout-test', user 'admin') failed: the connection was refused. Check that the API server is running and that the kubeconfig's server address and port are right.`;

    const run = await runAction({
      checkout: repo,
      eventName: 'pull_request',
      payload: prEvent(11, base, head),
      inputs,
      apiUrl: github.url,
      sha: head,
    });
    expect(run.exitCode).toBe(1);
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toEqual([`::error::${message}`]);
    expect(run.stdout).not.toMatch(/^\s+at /m);
    expect(run.stdout).not.toContain('fetch failed');
    // Nothing half-written: no comment, no summary, no plan output.
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(github.comments(11)).toEqual([]);
    expect(run.summary).toBe('');
    expect(run.outputs['comment-url']).toBeUndefined();
    expect(run.outputs['result']).toBeUndefined();

    const offline = await runAction({
      checkout: repo,
      eventName: 'pull_request',
      payload: prEvent(11, base, head),
      inputs: { ...inputs, 'on-unreachable': 'offline' },
      apiUrl: github.url,
      sha: head,
    });
    expect(offline.exitCode).toBe(0);
    expect(offline.outputs['result']).toBe('planned');
    expect(offline.stdout).toContain(
      `::warning::Planned offline, from the manifests alone, as the cluster could not be read (on-unreachable: offline). ${message}`,
    );
    expect(github.comments(11)).toHaveLength(1);
    expect(github.comments(11)[0]!.body).toContain(
      `> Planned offline, from the manifests alone, as the cluster could not be read (on-unreachable: offline). ${message}`,
    );
  });

  it('applies on merge: patches, restarts, verifies, reports on the merged PR and the deployment', async () => {
    await withNamespace(async (ns) => {
      const repo = new Checkout();
      const base = repo.commit(manifests({ LEVEL: 'info' }));
      await createObjects(ns, Object.values(manifests({ LEVEL: 'info' })).join('---\n'));
      await waitRolledOut('Deployment', ns, 'api');
      const head = repo.commit(manifests({ LEVEL: 'debug' }));
      github.setPullsForCommit(head, [{ number: 12, state: 'closed', merged: true, merge_commit_sha: head }]);
      const inputs = {
        manifests: 'k8s/',
        namespace: ns,
        kubeconfig: readFileSync(kubeconfigPath(), 'utf8'),
        'github-token': token,
        environment: 'production',
      };
      const run = await runAction({
        checkout: repo,
        eventName: 'push',
        payload: pushEvent(base, head),
        inputs,
        apiUrl: github.url,
        sha: head,
      });
      expect(run.exitCode).toBe(0);
      expect(run.outputs['result']).toBe('applied');
      expect(JSON.parse(run.outputs['restarted-workloads']!)).toEqual([
        { workload: `Deployment/${ns}/api`, outcome: 'healthy', seconds: expect.any(Number) },
      ]);
      expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual({
        LEVEL: 'debug',
      });
      const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      expect(d.spec?.template.metadata?.annotations?.[configHashAnnotation]).toMatch(/^[0-9a-f]{32}$/);
      expect(run.summary).toContain('✅ Applied');
      expect(github.comments(12)).toHaveLength(1);
      expect(github.comments(12)[0]!.body).toContain('✅ healthy (restarted)');
      expect(github.deployments.map((x) => [x.environment, x.statuses.map((s) => s.state)])).toEqual([
        ['production', ['in_progress', 'success']],
      ]);
    });
  });

  it('gives the GitHub Deployment a final status when the merge cannot even be applied', async () => {
    await withNamespace(async (ns) => {
      const repo = new Checkout();
      const base = repo.commit(manifests({ LEVEL: 'info' }));
      await createObjects(ns, Object.values(manifests({ LEVEL: 'info' })).join('---\n'));
      // A head whose manifests don't parse: apply stops before it changes anything.
      const head = repo.commit({ ...manifests({ LEVEL: 'debug' }), 'k8s/broken.yaml': 'a: [\n' });
      const before = github.deployments.length;
      const run = await runAction({
        checkout: repo,
        eventName: 'push',
        payload: pushEvent(base, head),
        inputs: {
          manifests: 'k8s/',
          namespace: ns,
          kubeconfig: readFileSync(kubeconfigPath(), 'utf8'),
          'github-token': token,
          environment: 'production',
        },
        apiUrl: github.url,
        sha: head,
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('k8s/broken.yaml');
      expect(github.deployments.slice(before).map((x) => x.statuses.map((s) => s.state))).toEqual([
        ['in_progress', 'failure'],
      ]);
      expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual({
        LEVEL: 'info',
      });
    });
  });

  it('rolls back a failing rollout on merge and fails the step', async () => {
    await withNamespace(async (ns) => {
      const repo = new Checkout();
      const files = (level: string) => manifests({ LEVEL: level }, failureLabels.crashLoopAfterRestart);
      const base = repo.commit(files('info'));
      await createObjects(ns, Object.values(files('info')).join('---\n'));
      await waitRolledOut('Deployment', ns, 'api');
      const head = repo.commit(files('debug'));
      const inputs = {
        manifests: 'k8s/',
        namespace: ns,
        kubeconfig: readFileSync(kubeconfigPath(), 'utf8'),
        'github-token': token,
        'failure-grace': '2s',
      };
      const run = await runAction({
        checkout: repo,
        eventName: 'push',
        payload: pushEvent(base, head),
        inputs,
        apiUrl: github.url,
        sha: head,
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs['result']).toBe('rolled-back');
      expect(run.summary).toContain('↩️ Rolled back');
      expect(run.summary).toContain('CrashLoopBackOff');
      expect((await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data).toEqual({
        LEVEL: 'info',
      });
    });
  });
});
