// Helpers for apply/plan integration tests: manifests on disk, the same objects created in the cluster.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { ApplySettings } from '../../src/apply/apply-change.js';
import { kubeConfig, waitFor } from '../cluster/test-env.js';

/** A folder with `base/` and `head/` manifest folders, as a PR's two sides. */
export function changeDir(base: Record<string, string>, head: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-int-'));
  for (const [side, files] of [
    ['base', base],
    ['head', head],
  ] as const) {
    mkdirSync(join(dir, side));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, side, name), text);
  }
  return dir;
}

/**
 * Create every object of a YAML stream in a namespace, as `kubectl create -n` would; with `fieldManager`
 * `kubectl-client-side-apply`, as the first `kubectl apply` of a repository records it.
 */
export async function createObjects(namespace: string, yaml: string, fieldManager?: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig());
  for (const doc of parseAllDocuments(yaml)) {
    const object = doc.toJS() as KubernetesObject | null;
    if (!object) continue;
    object.metadata = { ...object.metadata, namespace };
    await api.create(object, undefined, undefined, fieldManager);
  }
}

export function appsApi(): AppsV1Api {
  return kubeConfig().makeApiClient(AppsV1Api);
}

export function coreApi(): CoreV1Api {
  return kubeConfig().makeApiClient(CoreV1Api);
}

/** Wait until a Deployment, StatefulSet or DaemonSet has rolled out completely. */
export async function waitRolledOut(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  namespace: string,
  name: string,
): Promise<void> {
  const apps = appsApi();
  await waitFor(
    async () => {
      if (kind === 'Deployment') {
        const d = await apps.readNamespacedDeployment({ name, namespace });
        const s = d.status ?? {};
        return (
          (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
          (s.availableReplicas ?? 0) === (d.spec?.replicas ?? 1) &&
          (s.updatedReplicas ?? 0) === (d.spec?.replicas ?? 1)
        );
      }
      if (kind === 'StatefulSet') {
        const s = await apps.readNamespacedStatefulSet({ name, namespace });
        return (
          (s.status?.readyReplicas ?? 0) === (s.spec?.replicas ?? 1) &&
          s.status?.currentRevision === s.status?.updateRevision
        );
      }
      const ds = await apps.readNamespacedDaemonSet({ name, namespace });
      const st = ds.status;
      return (
        !!st &&
        st.desiredNumberScheduled > 0 &&
        st.numberAvailable === st.desiredNumberScheduled &&
        st.updatedNumberScheduled === st.desiredNumberScheduled
      );
    },
    90_000,
    `${kind} ${namespace}/${name} to roll out`,
  );
}

/** Settings for applyChange on a change folder, with short test timeouts. */
export function applySettings(
  dir: string,
  namespace: string,
  overrides: Partial<ApplySettings> = {},
): ApplySettings {
  const log: string[] = [];
  return {
    manifests: ['head'],
    base: { paths: ['base'] },
    namespace,
    volumeMounts: 'restart',
    cwd: dir,
    cluster: kubeConfig(),
    dryRun: false,
    prune: false,
    maxParallel: 5,
    stopOnFirstFailure: true,
    rollback: true,
    timeoutMs: 90_000,
    failureGraceMs: 3_000,
    log: (line) => log.push(line),
    ...overrides,
  };
}

export function configMapYaml(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}

/** A workload whose container reads `configMap` through envFrom. */
export function workloadYaml(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  name: string,
  configMap: string,
  options: { replicas?: number; labels?: Record<string, string>; extraSpec?: string } = {},
): string {
  const labels = { app: name, ...options.labels };
  const labelYaml = Object.entries(labels)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(', ');
  const replicas = kind === 'DaemonSet' ? '' : `  replicas: ${options.replicas ?? 2}\n`;
  const service = kind === 'StatefulSet' ? `  serviceName: ${name}\n` : '';
  return `---
apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
spec:
${replicas}${service}${options.extraSpec ?? ''}  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {${labelYaml}}
    spec:
      containers:
      - name: app
        image: example.com/app:1
        envFrom: [{configMapRef: {name: ${configMap}}}]
`;
}

/** A Service selecting `app: <name>`: the object a whole-change test adds besides config and workloads. */
export function serviceYaml(name: string): string {
  return `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector: {app: ${name}}
  ports: [{port: 80}]
`;
}
