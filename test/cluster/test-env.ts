// Helpers for integration tests (*.int.test.ts) against the control plane started by global-setup.ts.
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

/** Pod-template labels that make KWOK fail the pods on purpose (see test/cluster/failure-stages.yaml). */
export const failureLabels = {
  /** Running, never Ready; container waiting in CrashLoopBackOff with a growing restartCount. */
  crashLoop: { 'config-rollout.test/fail': 'crashloop' },
  /** Running with its containers running, but never Ready (like a failing readiness probe). */
  notReady: { 'config-rollout.test/fail': 'not-ready' },
  /** Fine until config-rollout restarts it: pods with the config-hash annotation crash-loop. */
  crashLoopAfterRestart: { 'config-rollout.test/fail': 'crashloop-after-restart' },
} as const;

/** Label put on every namespace made by createTestNamespace, to find leftovers. */
export const testNamespaceLabel = 'config-rollout.test/namespace';

export function kubeconfigPath(): string {
  return inject('kubeconfigPath');
}

/** A KubeConfig for the test cluster (admin rights). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** The HTTP status of a failed Kubernetes API call, or undefined for any other error. */
export function apiStatusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export interface TestNamespace {
  name: string;
  /** Deletes the namespace; returns without waiting for it to be gone. */
  delete(): Promise<void>;
}

/**
 * Creates a namespace with a generated name and waits for its `default` ServiceAccount, without which the
 * ServiceAccount admission plugin refuses pods (kube-controller-manager makes it a moment after the namespace).
 */
export async function createTestNamespace(prefix = 'cr-test'): Promise<TestNamespace> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const created = await core.createNamespace({
    body: { metadata: { generateName: `${prefix}-`, labels: { [testNamespaceLabel]: 'true' } } },
  });
  const name = created.metadata?.name;
  if (!name) throw new Error('the API server returned a namespace without a name');
  await waitFor(
    () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
    30_000,
    `the default ServiceAccount in namespace ${name}`,
  );
  return {
    name,
    async delete() {
      if (process.env.CONFIG_ROLLOUT_TEST_KEEP_NAMESPACES) return;
      try {
        await core.deleteNamespace({ name });
      } catch (error) {
        if (apiStatusCode(error) !== 404) throw error;
      }
    },
  };
}

/**
 * Runs `body` in a fresh namespace and deletes the namespace afterwards, also when `body` throws.
 * Set CONFIG_ROLLOUT_TEST_KEEP_NAMESPACES=1 to keep namespaces for a look with kubectl.
 */
export async function withNamespace<T>(body: (namespace: string) => Promise<T>, prefix?: string): Promise<T> {
  const namespace = await createTestNamespace(prefix);
  try {
    return await body(namespace.name);
  } finally {
    await namespace.delete();
  }
}

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and returns that value.
 * Errors thrown by the probe (say a 404 before an object exists) count as "not yet". On timeout the error
 * names `what` and shows the probe's last result or error, so a failed wait says what it was waiting for.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 60_000,
  what = 'condition',
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}; last result: ${describe(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  if (value instanceof ApiException) return `HTTP ${value.code}: ${String(value.body).slice(0, 300)}`;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value) ?? String(value);
}
