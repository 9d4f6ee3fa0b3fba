// When the cluster can't be reached or refuses us: the CLI (dist/cli.js) exits 2 with one message naming what
// it was doing, the server, context and user, the cause and the way out; never a stack, a response body or a
// credential. Every server here is the local control plane or a server of this test on 127.0.0.1.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRequestTimeout } from '../../src/cluster/api-client.js';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import { loadKubeConfig } from '../../src/cluster/kube-config.js';
import { watchObjects } from '../../src/cluster/object-watch.js';
import { planChange } from '../../src/plan-change.js';
import { kubeConfig, kubeconfigPath } from '../cluster/test-env.js';
import { runCliAsync } from '../faults/run-cli-async.js';
import { changeDir, configMapYaml } from './scenario.js';
import {
  base64File,
  clientExtensions,
  makeAuthority,
  serverExtensions,
  signCertificate,
  startTlsServer,
  type LocalTlsServer,
} from './tls-fixtures.js';

const token = 'canary-token-b81d55e0';
const configMap = (value: string) =>
  configMapYaml('app-config', { LEVEL: value }).replace('metadata:', 'metadata:\n  namespace: shop');
const dir = changeDir({ 'c.yaml': configMap('info') }, { 'c.yaml': configMap('debug') });
const plan = ['plan', '--base', 'base', '--manifests', 'head'];

interface User {
  name: string;
  fields: Record<string, unknown>;
}

/** A kubeconfig file with one context, `test`, for this server (CA of the test cluster unless given) and user. */
function writeKubeconfig(options: { server?: string; caData?: string; user: User }): string {
  const cluster = kubeConfig().getCurrentCluster()!;
  const file = join(mkdtempSync(join(tmpdir(), 'config-rollout-kubeconfig-')), 'config');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'test-cluster',
        cluster: {
          server: options.server ?? cluster.server,
          'certificate-authority-data': options.caData ?? cluster.caData,
        },
      },
    ],
    users: [{ name: options.user.name, user: options.user.fields }],
    contexts: [{ name: 'test', context: { cluster: 'test-cluster', user: options.user.name } }],
    'current-context': 'test',
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The admin user of the test cluster. */
function admin(): User {
  const user = kubeConfig().getCurrentUser()!;
  return {
    name: 'admin',
    fields: { 'client-certificate-data': user.certData, 'client-key-data': user.keyData },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const at = (server: string, user: string) => `at ${server} (context 'test', user '${user}') failed:`;
const listing = 'config-rollout: Listing configmaps in namespace shop';

/** Runs `plan` with this kubeconfig and checks the one-line error: exit 2, no stack, no credential. */
async function expectPlanError(kubeconfig: string, message: string, env: NodeJS.ProcessEnv = {}) {
  const run = await runCliAsync([...plan, '--kubeconfig', kubeconfig], dir, { env });
  expect(run.stderr).toBe(`${message}\n`);
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  return run;
}

describe('a plan whose cluster cannot be reached or refuses us', () => {
  const cluster = () => kubeConfig().getCurrentCluster()!.server;

  it('server stopped: nothing listening on the port', async () => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    await expectPlanError(
      writeKubeconfig({ server, user: admin() }),
      `${listing} ${at(server, 'admin')} the connection was refused. Check that the API server is running and that the kubeconfig's server address and port are right.`,
    );
  });

  it('an address that does not resolve', async () => {
    const server = 'https://api.config-rollout.invalid:6443';
    await expectPlanError(
      writeKubeconfig({ server, user: admin() }),
      `${listing} ${at(server, 'admin')} the host name api.config-rollout.invalid does not resolve. Check the server address in the kubeconfig; a private cluster's name resolves only inside its network (use a runner there).`,
    );
  });

  it('a CA that does not match the server', async () => {
    const other = makeAuthority('another-ca');
    await expectPlanError(
      writeKubeconfig({ caData: base64File(other.cert), user: admin() }),
      `${listing} ${at(cluster(), 'admin')} the server's certificate is not signed by a certificate authority the kubeconfig trusts. Put this cluster's CA certificate in the kubeconfig's certificate-authority-data.`,
    );
  });

  describe('a server certificate that is not right for the server', () => {
    const authority = makeAuthority('local-ca');
    let servers: LocalTlsServer[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
      servers = [];
    });
    const serve = async (cert: Parameters<typeof startTlsServer>[0]) => {
      const server = await startTlsServer(cert);
      servers.push(server);
      return server.url;
    };

    it('is for another host name', async () => {
      const server = await serve(
        signCertificate(authority, {
          name: 'other-host',
          subject: '/CN=other.example',
          extensions: serverExtensions('DNS:other.example'),
        }),
      );
      await expectPlanError(
        writeKubeconfig({
          server,
          caData: base64File(authority.cert),
          user: { name: 'someone', fields: { token } },
        }),
        `${listing} ${at(server, 'someone')} the server's certificate is for other.example, not 127.0.0.1. Use a server address the certificate names, or set tls-server-name on the kubeconfig's cluster.`,
      );
    });

    it('has expired', async () => {
      const server = await serve(
        signCertificate(authority, {
          name: 'expired-server',
          subject: '/CN=127.0.0.1',
          extensions: serverExtensions('IP:127.0.0.1'),
          validity: { start: '20200101000000Z', end: '20200102000000Z' },
        }),
      );
      await expectPlanError(
        writeKubeconfig({
          server,
          caData: base64File(authority.cert),
          user: { name: 'someone', fields: { token } },
        }),
        `${listing} ${at(server, 'someone')} the server's certificate has expired. The cluster's serving certificate needs renewing (or this machine's clock is wrong).`,
      );
    });

    it('is not valid yet', async () => {
      const server = await serve(
        signCertificate(authority, {
          name: 'future-server',
          subject: '/CN=127.0.0.1',
          extensions: serverExtensions('IP:127.0.0.1'),
          validity: { start: '20990101000000Z', end: '20991231000000Z' },
        }),
      );
      await expectPlanError(
        writeKubeconfig({
          server,
          caData: base64File(authority.cert),
          user: { name: 'someone', fields: { token } },
        }),
        `${listing} ${at(server, 'someone')} the server's certificate is not valid yet. Check this machine's clock (and the cluster's).`,
      );
    });
  });

  // The control plane's client CA is the one cluster.sh keeps beside the kubeconfig (not with an external cluster).
  const pki = () => join(dirname(kubeconfigPath()), 'pki');
  const hasClientCa = () => existsSync(join(pki(), 'ca.key'));

  it('an expired client certificate', async (context) => {
    if (!hasClientCa()) context.skip();
    const expired = signCertificate(
      { cert: join(pki(), 'ca.crt'), key: join(pki(), 'ca.key') },
      {
        name: 'expired-client',
        subject: '/CN=expired-user',
        extensions: clientExtensions,
        validity: { start: '20200101000000Z', end: '20200102000000Z' },
      },
    );
    const keyData = base64File(expired.key);
    const run = await expectPlanError(
      writeKubeconfig({
        user: {
          name: 'expired',
          fields: { 'client-certificate-data': base64File(expired.cert), 'client-key-data': keyData },
        },
      }),
      `${listing} ${at(cluster(), 'expired')} the API server rejected the credentials (401 Unauthorized): the client certificate of user 'expired' expired on 2020-01-02. Issue a new client certificate for the cluster and put it in the kubeconfig.`,
    );
    expect(run.stderr).not.toContain(keyData.slice(0, 40));
    expect(run.stderr).not.toContain(readFileSync(expired.key, 'utf8').split('\n')[1]);
  });

  it('a wrong token', async () => {
    const run = await expectPlanError(
      writeKubeconfig({ user: { name: 'deployer', fields: { token } } }),
      `${listing} ${at(cluster(), 'deployer')} the API server rejected the credentials (401 Unauthorized): the token of user 'deployer' is wrong or has expired. Put a valid token in the kubeconfig (for a ServiceAccount: kubectl create token NAME).`,
    );
    expect(run.stderr).not.toContain(token);
  });

  it('a context that is not in the kubeconfig', async () => {
    const run = await runCliAsync([...plan, '--kubeconfig', kubeconfigPath(), '--context', 'staging'], dir);
    expect(run.stderr).toBe(
      `config-rollout: Loading the kubeconfig ${kubeconfigPath()} failed: context 'staging' is not in it (it has: config-rollout-test). Choose one with --context (the action's context input).\n`,
    );
    expect(run.status).toBe(2);
  });

  it('an exec credential plugin that is not on PATH', async () => {
    const user = {
      name: 'eks',
      fields: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args: ['eks', 'get-token', '--cluster-name', 'prod'],
        },
      },
    };
    // Only node's own folder on PATH: no aws there, whatever this machine has installed.
    await expectPlanError(
      writeKubeconfig({ user }),
      `${listing} ${at(cluster(), 'eks')} the credential plugin 'aws' that the kubeconfig's user runs is not on PATH. Set it up in a step before this one (on GitHub Actions: aws-actions/configure-aws-credentials).`,
      { PATH: dirname(process.execPath) },
    );
  });

  it('an exec credential plugin that exits 1 with a message', async () => {
    const plugin = join(mkdtempSync(join(tmpdir(), 'config-rollout-plugin-')), 'sso-login');
    writeFileSync(
      plugin,
      '#!/bin/sh\necho "error: the SSO session has expired" >&2\necho "run: aws sso login --profile prod" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const user = {
      name: 'sso',
      fields: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin } },
    };
    await expectPlanError(
      writeKubeconfig({ user }),
      `${listing} ${at(cluster(), 'sso')} the credential plugin '${plugin}' exited with an error: error: the SSO session has expired; run: aws sso login --profile prod. Check the plugin's sign-in (account, role, login) in the steps before this one.`,
    );
  });

  it('on-unreachable offline: plans from the manifests instead, and says so in the headline', async () => {
    const server = `https://127.0.0.1:${await closedPort()}`;
    const kubeconfig = writeKubeconfig({ server, user: admin() });
    const run = await runCliAsync([...plan, '--kubeconfig', kubeconfig, '--on-unreachable', 'offline'], dir);
    const reason = `Listing configmaps in namespace shop ${at(server, 'admin')} the connection was refused. Check that the API server is running and that the kubeconfig's server address and port are right.`;
    const notice = `Planned offline, from the manifests alone, as the cluster could not be read (on-unreachable: offline). ${reason}`;
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`config-rollout: ${notice}\n`);
    expect(run.stdout).toContain(`\n> ${notice}\n`);
    expect(run.stdout).toContain('· planned offline: drift and live health not checked');
  });
});

describe('a watch refused for good', () => {
  /** The message the watch gives up with. */
  const fatal = (kubeconfig: string) =>
    new Promise<string>((resolve) => {
      const watch = watchObjects(
        loadKubeConfig({ kubeconfigPath: kubeconfig }),
        { path: '/api/v1/namespaces/shop/configmaps', apiVersion: 'v1', kind: 'ConfigMap' },
        () => {},
        (message) => {
          watch.stop();
          resolve(message);
        },
      );
    });

  it('stops with the message of the refusal, not a status code', async () => {
    const server = kubeConfig().getCurrentCluster()!.server;
    expect(await fatal(writeKubeconfig({ user: { name: 'deployer', fields: { token } } }))).toBe(
      `Watching configmaps in namespace shop ${at(server, 'deployer')} the API server rejected the credentials (401 Unauthorized): the token of user 'deployer' is wrong or has expired. Put a valid token in the kubeconfig (for a ServiceAccount: kubectl create token NAME).`,
    );
    const plugin = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin' } };
    const path = process.env['PATH'];
    process.env['PATH'] = dirname(process.execPath);
    try {
      expect(await fatal(writeKubeconfig({ user: { name: 'aks', fields: plugin } }))).toBe(
        `Watching configmaps in namespace shop ${at(server, 'aks')} the credential plugin 'kubelogin' that the kubeconfig's user runs is not on PATH. Set it up in a step before this one (on GitHub Actions: azure/use-kubelogin).`,
      );
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe('a server that never answers', () => {
  let server: ReturnType<typeof createServer>;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and says nothing: a hung API server or a load balancer that lost its backend.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('says how long it waited and that the requests were retried', async () => {
    const { port } = server.address() as { port: number };
    const url = `https://127.0.0.1:${port}`;
    const kc = loadKubeConfig({ kubeconfigPath: writeKubeconfig({ server: url, user: admin() }) });
    setRequestTimeout(kc, 250);
    const error = await planChange({
      manifests: ['head'],
      base: { paths: ['base'] },
      namespace: 'default',
      volumeMounts: 'restart',
      cwd: dir,
      cluster: kc,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).message).toBe(
      `Listing configmaps in namespace shop ${at(url, 'admin')} the API server did not answer within 0.25 s (the requests were retried, to no avail). The cluster may be private or behind a firewall that drops this runner: run on a runner inside its network, or allow the runner to reach it.`,
    );
  });
});
