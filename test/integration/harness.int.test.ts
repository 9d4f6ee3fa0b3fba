// Proves the integration-test control plane behaves like a real cluster for what config-rollout relies on:
// rollouts, rollback to an old ReplicaSet, failed rollouts, optimistic concurrency, and the other workload kinds.
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1DaemonSet,
  type V1Deployment,
  type V1DeploymentSpec,
  type V1PodTemplateSpec,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiStatusCode,
  createTestNamespace,
  failureLabels,
  kubeConfig,
  waitFor,
  withNamespace,
  type TestNamespace,
} from '../cluster/test-env.js';

const kc = kubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const hashAnnotation = 'config-rollout.test/config-hash';

function podTemplate(app: string, configMap: string): V1PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1.0.0',
          envFrom: [{ configMapRef: { name: configMap } }],
        },
      ],
    },
  };
}

function deployment(
  name: string,
  replicas: number,
  configMap: string,
  spec: Partial<V1DeploymentSpec> = {},
): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name, configMap),
      ...spec,
    },
  };
}

function configMap(name: string, data: Record<string, string>): V1ConfigMap {
  return { metadata: { name }, data };
}

/** The `kubectl rollout status` notion of done, as plain fields, so a failure shows what was off. */
function rolloutFields(d: V1Deployment) {
  return {
    observedCurrentGeneration: (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1),
    replicas: d.status?.replicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    readyReplicas: d.status?.readyReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
  };
}

async function waitForDeploymentRolledOut(
  namespace: string,
  name: string,
  replicas: number,
): Promise<V1Deployment> {
  const done = {
    observedCurrentGeneration: true,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  let last: ReturnType<typeof rolloutFields> | undefined;
  try {
    return await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace });
        last = rolloutFields(d);
        return JSON.stringify(last) === JSON.stringify(done) && d;
      },
      90_000,
      `deployment ${namespace}/${name} to roll out`,
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; last status ${JSON.stringify(last)}`,
      { cause: error },
    );
  }
}

async function replicaSetsOf(namespace: string, app: string) {
  const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: `app=${app}` });
  return list.items.map((rs) => ({
    name: rs.metadata?.name ?? '',
    hash: rs.metadata?.labels?.['pod-template-hash'] ?? '',
    revision: rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '',
    replicas: rs.spec?.replicas ?? 0,
  }));
}

async function podsOf(namespace: string, app: string) {
  const list = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return list.items;
}

function isReady(pod: { status?: { conditions?: Array<{ type: string; status: string }> } }): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Nodes any pod can land on: the fake nodes of test/cluster, or untainted nodes of another cluster. */
async function schedulableNodeNames(): Promise<string[]> {
  const nodes = await core.listNode();
  return nodes.items
    .filter(
      (n) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect !== 'PreferNoSchedule'),
    )
    .map((n) => n.metadata?.name ?? '')
    .sort();
}

describe('a Deployment reading a ConfigMap through envFrom', () => {
  let ns: TestNamespace;
  let originalHash = '';
  beforeAll(async () => {
    ns = await createTestNamespace('harness-deploy');
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('becomes available with 3 Ready pods on the fake nodes', async () => {
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: configMap('web-config', { GREETING: 'hello' }),
    });
    await apps.createNamespacedDeployment({ namespace: ns.name, body: deployment('web', 3, 'web-config') });

    const d = await waitForDeploymentRolledOut(ns.name, 'web', 3);
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

    const pods = await waitFor(
      async () => {
        const all = await podsOf(ns.name, 'web');
        return all.length === 3 && all;
      },
      30_000,
      '3 pods',
    );
    const nodes = await schedulableNodeNames();
    expect(nodes.length).toBeGreaterThanOrEqual(1);
    for (const pod of pods) {
      expect(isReady(pod)).toBe(true);
      expect(pod.status?.phase).toBe('Running');
      expect(nodes).toContain(pod.spec?.nodeName);
      expect(pod.spec?.containers[0]?.envFrom).toEqual([{ configMapRef: { name: 'web-config' } }]);
    }

    const replicaSets = await replicaSetsOf(ns.name, 'web');
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0]?.replicas).toBe(3);
    originalHash = replicaSets[0]?.hash ?? '';
    expect(originalHash).not.toBe('');
  });

  it('rolls out a new ReplicaSet when a pod-template annotation changes', async () => {
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns.name,
        body: { spec: { template: { metadata: { annotations: { [hashAnnotation]: 'v2' } } } } },
      },
      mergePatch,
    );
    expect(patched.metadata?.generation).toBe(2);

    const d = await waitForDeploymentRolledOut(ns.name, 'web', 3);
    expect(d.status?.observedGeneration).toBe(2);
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');

    const replicaSets = await replicaSetsOf(ns.name, 'web');
    expect(replicaSets).toHaveLength(2);
    const current = replicaSets.find((rs) => rs.hash !== originalHash);
    expect(current).toMatchObject({ replicas: 3, revision: '2' });
    expect(replicaSets.find((rs) => rs.hash === originalHash)).toMatchObject({ replicas: 0, revision: '1' });

    // Old pods go away: only the new template's pods are left.
    const pods = await waitFor(
      async () => {
        const all = await podsOf(ns.name, 'web');
        return (
          all.length === 3 &&
          all.every((p) => p.metadata?.labels?.['pod-template-hash'] === current?.hash) &&
          all
        );
      },
      30_000,
      'only the new ReplicaSet pods to be left',
    );
    expect(pods.every((p) => p.metadata?.annotations?.[hashAnnotation] === 'v2' && isReady(p))).toBe(true);
  });

  it('scales the old ReplicaSet back up when the previous template comes back', async () => {
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns.name,
        body: { spec: { template: { metadata: { annotations: { [hashAnnotation]: null } } } } },
      },
      mergePatch,
    );

    const d = await waitForDeploymentRolledOut(ns.name, 'web', 3);
    expect(d.status?.observedGeneration).toBe(3);
    // The Deployment controller moves the revision of a reused ReplicaSet forward.
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');

    const replicaSets = await replicaSetsOf(ns.name, 'web');
    expect(replicaSets).toHaveLength(2); // no third ReplicaSet
    expect(replicaSets.find((rs) => rs.hash === originalHash)).toMatchObject({ replicas: 3, revision: '3' });
    expect(replicaSets.find((rs) => rs.hash !== originalHash)).toMatchObject({ replicas: 0 });

    await waitFor(
      async () => {
        const all = await podsOf(ns.name, 'web');
        return (
          all.length === 3 &&
          all.every((p) => p.metadata?.labels?.['pod-template-hash'] === originalHash && isReady(p))
        );
      },
      30_000,
      'only pods of the original ReplicaSet',
    );
  });
});

it('reports ProgressDeadlineExceeded when restarted pods crash-loop', async () => {
  await withNamespace(async (namespace) => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('api-config', { MODE: 'ok' }) });
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('api', 2, 'api-config', { progressDeadlineSeconds: 10 }),
    });
    await waitForDeploymentRolledOut(namespace, 'api', 2);

    // A restart whose new pods fail: the failure label goes on the template, as a bad config would.
    await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace,
        body: {
          spec: {
            template: {
              metadata: {
                labels: failureLabels.crashLoop,
                annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
              },
            },
          },
        },
      },
      mergePatch,
    );

    const failed = await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'api', namespace });
        const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
        return progressing?.reason === 'ProgressDeadlineExceeded' && d;
      },
      60_000,
      'Progressing=False reason ProgressDeadlineExceeded',
    );

    const progressing = failed.status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing?.status).toBe('False');
    expect(failed.status?.observedGeneration).toBe(2);
    // maxSurge 25% of 2 rounds up to 1 new pod; maxUnavailable rounds down to 0, so both old pods stay.
    expect(failed.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 1,
      availableReplicas: 2,
      unavailableReplicas: 1,
    });

    const crashing = await waitFor(
      async () => {
        const pods = await podsOf(namespace, 'api');
        const pod = pods.find((p) => p.metadata?.labels?.['config-rollout.test/fail'] === 'crashloop');
        return (pod?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && pod;
      },
      30_000,
      'the crash-looping pod to restart at least twice',
    );
    expect(isReady(crashing)).toBe(false);
    expect(crashing.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(crashing.status?.containerStatuses?.[0]?.ready).toBe(false);
  });
});

it('refuses a write with a stale resourceVersion with 409 Conflict', async () => {
  await withNamespace(async (namespace) => {
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: configMap('settings', { LEVEL: 'info' }),
    });
    const stale = created.metadata?.resourceVersion;
    expect(stale).toBeTruthy();

    const updated = await core.replaceNamespacedConfigMap({
      name: 'settings',
      namespace,
      body: { ...created, data: { LEVEL: 'debug' } },
    });
    expect(updated.metadata?.resourceVersion).not.toBe(stale);

    const staleReplace = core.replaceNamespacedConfigMap({
      name: 'settings',
      namespace,
      body: { ...created, data: { LEVEL: 'warn' } },
    });
    await expect(staleReplace.catch(apiStatusCode)).resolves.toBe(409);

    const stalePatch = core.patchNamespacedConfigMap(
      {
        name: 'settings',
        namespace,
        body: { metadata: { resourceVersion: stale }, data: { LEVEL: 'error' } },
      },
      mergePatch,
    );
    await expect(stalePatch.catch(apiStatusCode)).resolves.toBe(409);

    const current = await core.readNamespacedConfigMap({ name: 'settings', namespace });
    expect(current.data).toEqual({ LEVEL: 'debug' });
  });
});

it('rolls a StatefulSet and a DaemonSet to a changed template', async () => {
  await withNamespace(async (namespace) => {
    await core.createNamespacedConfigMap({ namespace, body: configMap('shared-config', { A: '1' }) });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'db' },
        spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
      },
    });
    const statefulSet: V1StatefulSet = {
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 3,
        selector: { matchLabels: { app: 'db' } },
        updateStrategy: { type: 'RollingUpdate' },
        template: podTemplate('db', 'shared-config'),
      },
    };
    const daemonSet: V1DaemonSet = {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        updateStrategy: { type: 'RollingUpdate' },
        template: podTemplate('agent', 'shared-config'),
      },
    };
    await apps.createNamespacedStatefulSet({ namespace, body: statefulSet });
    await apps.createNamespacedDaemonSet({ namespace, body: daemonSet });
    const nodes = await schedulableNodeNames();

    const statefulSetDone = async (generation: number) => {
      const s = await apps.readNamespacedStatefulSet({ name: 'db', namespace });
      const st = s.status;
      return (
        st?.observedGeneration === generation &&
        st.currentRevision === st.updateRevision &&
        st.updatedReplicas === 3 &&
        st.readyReplicas === 3 &&
        st.availableReplicas === 3 &&
        s
      );
    };
    const daemonSetDone = async (generation: number) => {
      const d = await apps.readNamespacedDaemonSet({ name: 'agent', namespace });
      const st = d.status;
      return (
        st?.observedGeneration === generation &&
        st.desiredNumberScheduled === nodes.length &&
        st.updatedNumberScheduled === nodes.length &&
        st.numberReady === nodes.length &&
        st.numberAvailable === nodes.length &&
        d
      );
    };

    const firstSts = await waitFor(() => statefulSetDone(1), 90_000, 'StatefulSet db ready');
    await waitFor(() => daemonSetDone(1), 90_000, 'DaemonSet agent ready');
    const firstRevision = firstSts.status?.updateRevision;

    // One DaemonSet pod on every fake node.
    const agentPods = await podsOf(namespace, 'agent');
    expect(agentPods.map((p) => p.spec?.nodeName).sort()).toEqual(nodes);

    const restart = { spec: { template: { metadata: { annotations: { [hashAnnotation]: 'v2' } } } } };
    await apps.patchNamespacedStatefulSet({ name: 'db', namespace, body: restart }, mergePatch);
    await apps.patchNamespacedDaemonSet({ name: 'agent', namespace, body: restart }, mergePatch);

    const rolledSts = await waitFor(() => statefulSetDone(2), 90_000, 'StatefulSet db rolled out');
    expect(rolledSts.status?.updateRevision).not.toBe(firstRevision);
    await waitFor(() => daemonSetDone(2), 90_000, 'DaemonSet agent rolled out');

    const dbPods = await waitFor(
      async () => {
        const pods = await podsOf(namespace, 'db');
        return (
          pods.length === 3 &&
          pods.every((p) => p.metadata?.annotations?.[hashAnnotation] === 'v2' && isReady(p)) &&
          pods
        );
      },
      30_000,
      'StatefulSet pods with the new template',
    );
    expect(dbPods.map((p) => p.metadata?.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    await waitFor(
      async () => {
        const pods = await podsOf(namespace, 'agent');
        return (
          pods.length === nodes.length &&
          pods.every((p) => p.metadata?.annotations?.[hashAnnotation] === 'v2' && isReady(p))
        );
      },
      30_000,
      'DaemonSet pods with the new template',
    );
  });
});
