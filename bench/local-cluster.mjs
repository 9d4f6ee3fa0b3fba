// The local control plane (test/cluster/cluster.sh) for the live cases: held with `acquire`/`release` under
// the bench's pid like a test run (started if it is down, stopped only if the bench started it and no one else
// holds it), namespaces of its own (bench-*), deleted at the end.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { repoRoot } from './measure.mjs';

const clusterScript = join(repoRoot, 'test', 'cluster', 'cluster.sh');

/** Hold the cluster (starting it if needed, which prints progress); returns its kubeconfig path. */
export async function acquireCluster() {
  const stdout = await new Promise((resolve, reject) => {
    const child = spawn('bash', [clusterScript, 'acquire', String(process.pid)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`cluster.sh acquire exited with ${code}`)),
    );
  });
  return stdout.trim().split('\n').at(-1);
}

export function releaseCluster() {
  execFileSync('bash', [clusterScript, 'release', String(process.pid)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The kubectl the cluster was built with (same version as the API server). */
export function kubectlPath() {
  const dir = execFileSync('bash', [join(repoRoot, 'test', 'cluster', 'build.sh'), '--print'], {
    encoding: 'utf8',
  }).trim();
  return join(dir, 'bin', 'kubectl');
}

export class BenchCluster {
  constructor(kubeconfigPath) {
    this.kubeconfigPath = kubeconfigPath;
    this.kc = new KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
    this.namespaces = new Set();
  }

  /** Create namespaces (names must start with bench-) and wait for their default ServiceAccount (pods need it). */
  async createNamespaces(names, labels = {}) {
    await forEachLimit(names, 8, async (name) => {
      if (!name.startsWith('bench-')) throw new Error(`bench namespaces start with bench-, not ${name}`);
      this.namespaces.add(name);
      await this.core.createNamespace({
        body: { metadata: { name, labels: { 'config-rollout.bench': 'true', ...labels } } },
      });
    });
    await forEachLimit(names, 8, (name) =>
      waitUntil(`the default ServiceAccount in ${name}`, 60_000, async () => {
        try {
          await this.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
          return true;
        } catch {
          return false;
        }
      }),
    );
  }

  /** Create objects, `limit` requests at a time. */
  async createObjects(objects, limit = 16) {
    await forEachLimit(objects, limit, (object) => this.objects.create(object));
  }

  /** Delete these namespaces (default: every one this run created); returns without waiting for them to go. */
  async deleteNamespaces(names = [...this.namespaces]) {
    for (const name of names) this.namespaces.delete(name);
    await forEachLimit(names, 8, async (name) => {
      try {
        await this.core.deleteNamespace({ name });
      } catch (error) {
        if (error?.code !== 404) throw error;
      }
    });
  }

  /** Wait until a Deployment has rolled out completely (kubectl rollout status rules). */
  async waitRolledOut(namespace, name, timeoutMs = 120_000) {
    await waitUntil(`Deployment ${namespace}/${name} to roll out`, timeoutMs, async () =>
      rolloutComplete(await this.apps.readNamespacedDeployment({ namespace, name })),
    );
  }

  /**
   * Watch one collection and call `onEvent(type, object, at)` with the bench clock's time of arrival.
   * Returns a stop function. Waits until the watch is established (the initial state has arrived).
   */
  async watch(path, query, onEvent, now) {
    const watch = new Watch(this.kc);
    const controller = await watch.watch(
      path,
      query,
      (type, object) => onEvent(type, object, now()),
      () => {},
    );
    return () => controller.abort();
  }
}

/** `kubectl rollout status` rules for a Deployment: the new template's pods all updated and available. */
export function rolloutComplete(deployment) {
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const replicas = spec.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= replicas &&
    (status.replicas ?? 0) <= (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
  );
}

export async function waitUntil(what, timeoutMs, probe, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Run `body` on every item, at most `limit` at a time; rejects with the first error. */
export async function forEachLimit(items, limit, body) {
  const queue = [...items];
  const lanes = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0) await body(queue.shift());
  });
  await Promise.all(lanes);
}
