// Cluster problems that need no cluster: kubeconfigs that don't load or name what isn't there, and failures
// on the way to a server (nothing listening, a name that doesn't resolve, a credential plugin not installed),
// each as one ClusterError message. The cases that need the API server are in test/integration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterError, isUnreachable } from '../../src/cluster/cluster-error.js';
import { loadKubeConfig } from '../../src/cluster/kube-config.js';
import { createObjectLister } from '../../src/cluster/object-lists.js';

const token = 'canary-token-b81d55e0';

interface Kubeconfig {
  server?: string;
  user?: string;
  currentContext?: string | null;
  contextCluster?: string;
  contextUser?: string;
}

function kubeconfig(options: Kubeconfig = {}): string {
  const current = options.currentContext === undefined ? 'dev' : options.currentContext;
  return `apiVersion: v1
kind: Config
clusters:
- name: dev-cluster
  cluster:
    server: ${options.server ?? 'https://127.0.0.1:6443'}
users:
- name: deployer
  user:
${options.user ?? `    token: ${token}`}
contexts:
- name: dev
  context: {cluster: ${options.contextCluster ?? 'dev-cluster'}, user: ${options.contextUser ?? 'deployer'}}
- name: prod
  context: {cluster: dev-cluster, user: deployer}
${current === null ? '' : `current-context: ${current}\n`}`;
}

function loadError(content: string, context?: string): ClusterError {
  try {
    loadKubeConfig({ kubeconfigContent: content, context });
  } catch (error) {
    if (error instanceof ClusterError) return error;
    throw error;
  }
  throw new Error('the kubeconfig loaded');
}

describe('a kubeconfig that does not load', () => {
  it.each([
    [
      'a context that is not there',
      kubeconfig(),
      'staging',
      "Loading the kubeconfig failed: context 'staging' is not in it (it has: dev, prod). Choose one with --context (the action's context input).",
    ],
    [
      'no current-context',
      kubeconfig({ currentContext: null }),
      undefined,
      "Loading the kubeconfig failed: it sets no current-context (its contexts: dev, prod). Choose one with --context (the action's context input).",
    ],
    [
      'a current-context that is not there',
      kubeconfig({ currentContext: 'old' }),
      undefined,
      "Loading the kubeconfig failed: its current-context 'old' is not one of its contexts (dev, prod). Choose one with --context (the action's context input).",
    ],
    [
      'a context naming a missing cluster',
      kubeconfig({ contextCluster: 'gone' }),
      undefined,
      "Loading the kubeconfig failed: context 'dev' names cluster 'gone', which it does not define (its clusters: dev-cluster). Fix the context, or add the cluster.",
    ],
    [
      'a context naming a missing user',
      kubeconfig({ contextUser: 'nobody' }),
      undefined,
      "Loading the kubeconfig failed: context 'dev' names user 'nobody', which it does not define (its users: deployer). Fix the context, or add the user.",
    ],
    [
      'YAML that does not parse (its text, a token here, is never quoted)',
      kubeconfig().replace(`    token: ${token}`, `    token: ${token}\n   bad: [`),
      undefined,
      'Loading the kubeconfig failed: it is not valid YAML (bad indentation of a mapping entry at line 11, column 4). Check that the whole kubeconfig went into the file or secret, indentation included.',
    ],
    [
      'base64 of a kubeconfig',
      Buffer.from(kubeconfig()).toString('base64'),
      undefined,
      'Loading the kubeconfig failed: it looks base64-encoded. Put the kubeconfig itself in the secret, not its base64.',
    ],
    [
      'no contexts at all',
      'apiVersion: v1\nkind: Config\n',
      undefined,
      'Loading the kubeconfig failed: it defines no contexts. Check that it is a kubeconfig (kubectl config view --raw).',
    ],
    [
      'a cluster without a server',
      kubeconfig().replace('    server: https://127.0.0.1:6443\n', '    insecure-skip-tls-verify: true\n'),
      undefined,
      'Loading the kubeconfig failed: clusters[0].cluster.server is missing. Fix the kubeconfig.',
    ],
  ])('%s', (_name, content, context, message) => {
    const error = loadError(content, context);
    expect(error.message).toBe(message);
    expect(error.problem).toBe('kubeconfig');
    expect(isUnreachable(error)).toBe(false);
    expect(error.message).not.toContain(token);
  });

  it('names the file it read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-rollout-kubeconfig-'));
    const missing = join(dir, 'nothing.yaml');
    expect(() => loadKubeConfig({ kubeconfigPath: missing })).toThrow(
      new ClusterError(
        `Loading the kubeconfig ${missing} failed: the file does not exist. Check --kubeconfig (or KUBECONFIG).`,
        'kubeconfig',
      ),
    );
    const file = join(dir, 'config.yaml');
    writeFileSync(file, kubeconfig());
    expect(() => loadKubeConfig({ kubeconfigPath: file, context: 'qa' })).toThrow(
      `Loading the kubeconfig ${file} failed: context 'qa' is not in it (it has: dev, prod).`,
    );
  });
});

/** A port on 127.0.0.1 with nothing listening: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listError(content: string, env: NodeJS.ProcessEnv = {}): Promise<ClusterError> {
  const kc = loadKubeConfig({ kubeconfigContent: content, env });
  const list = await createObjectLister(kc);
  const error = await list(
    { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps' },
    'shop',
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ClusterError) return error;
  throw new Error(`expected a ClusterError, got ${String(error)}`);
}

describe('a server that can not be reached', () => {
  it('says the connection was refused, and what to check', async () => {
    const port = await closedPort();
    const error = await listError(kubeconfig({ server: `https://127.0.0.1:${port}` }));
    expect(error.message).toBe(
      `Listing configmaps in namespace shop at https://127.0.0.1:${port} (context 'dev', user 'deployer') failed: the connection was refused. Check that the API server is running and that the kubeconfig's server address and port are right.`,
    );
    expect(error.problem).toBe('connection-refused');
    expect(isUnreachable(error)).toBe(true);
  });

  it('names a proxy in the environment that the kubeconfig does not use, unless NO_PROXY covers the host', async () => {
    const port = await closedPort();
    const content = kubeconfig({ server: `https://localhost:${port}` });
    const proxied = await listError(content, { HTTPS_PROXY: 'http://proxy-user:proxy-pass@proxy.corp:3128' });
    expect(proxied.message).toBe(
      `Listing configmaps in namespace shop at https://localhost:${port} (context 'dev', user 'deployer') failed: the connection was refused. HTTPS_PROXY is set (http://proxy.corp:3128), but config-rollout connects to the API server directly unless the kubeconfig's cluster sets proxy-url: if the cluster is reachable only through that proxy, set proxy-url: http://proxy.corp:3128 there.`,
    );
    const excluded = await listError(content, {
      https_proxy: 'http://proxy.corp:3128',
      no_proxy: '.example.com,localhost',
    });
    expect(excluded.message).toContain('Check that the API server is running');
  });

  it("names the kubeconfig's proxy-url when the proxy refuses the connection", async () => {
    const proxyPort = await closedPort();
    const content = kubeconfig({ server: 'https://cluster.example.com:6443' }).replace(
      '    server: https://cluster.example.com:6443\n',
      `    server: https://cluster.example.com:6443\n    proxy-url: http://user:pass@127.0.0.1:${proxyPort}\n`,
    );
    const error = await listError(content);
    expect(error.message).toBe(
      `Listing configmaps in namespace shop at https://cluster.example.com:6443 (context 'dev', user 'deployer') failed: the proxy http://127.0.0.1:${proxyPort} (the cluster's proxy-url) refused the connection. Check that the proxy runs and this runner can reach it, or remove proxy-url.`,
    );
    expect(error.problem).toBe('proxy');
  });

  it('says the connection was cut when the server closes it before answering', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const error = await listError(kubeconfig({ server: `https://127.0.0.1:${port}` }));
      expect(error.message).toBe(
        `Listing configmaps in namespace shop at https://127.0.0.1:${port} (context 'dev', user 'deployer') failed: the connection was closed before the API server answered. Something between this runner and the cluster (a firewall, load balancer or proxy) may be cutting it; check that the server address is the API server's.`,
      );
      expect(error.problem).toBe('connection-reset');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says a host name does not resolve', async () => {
    const error = await listError(kubeconfig({ server: 'https://cluster.config-rollout.invalid:6443' }));
    expect(error.message).toBe(
      "Listing configmaps in namespace shop at https://cluster.config-rollout.invalid:6443 (context 'dev', user 'deployer') failed: the host name cluster.config-rollout.invalid does not resolve. Check the server address in the kubeconfig; a private cluster's name resolves only inside its network (use a runner there).",
    );
    expect(error.problem).toBe('dns');
  });

  it('names a credential plugin that is not installed, and the setup action that provides it', async () => {
    const port = await closedPort();
    const user = `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin-not-installed-here
      args: [get-token]`;
    const error = await listError(kubeconfig({ server: `https://127.0.0.1:${port}`, user }));
    expect(error.message).toBe(
      `Listing configmaps in namespace shop at https://127.0.0.1:${port} (context 'dev', user 'deployer') failed: the credential plugin 'kubelogin-not-installed-here' that the kubeconfig's user runs is not on PATH. Install it on the runner in a step before this one, or use a kubeconfig with a token.`,
    );
    expect(error.problem).toBe('credential-plugin-missing');
  });

  it('says a credential plugin named by its path does not exist', async () => {
    const port = await closedPort();
    const user = `    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /nonexistent/bin/gke-gcloud-auth-plugin`;
    const error = await listError(kubeconfig({ server: `https://127.0.0.1:${port}`, user }));
    expect(error.message).toBe(
      `Listing configmaps in namespace shop at https://127.0.0.1:${port} (context 'dev', user 'deployer') failed: the credential plugin '/nonexistent/bin/gke-gcloud-auth-plugin' that the kubeconfig's user runs does not exist. Set it up in a step before this one (on GitHub Actions: google-github-actions/setup-gcloud with install_components: gke-gcloud-auth-plugin).`,
    );
  });
});
