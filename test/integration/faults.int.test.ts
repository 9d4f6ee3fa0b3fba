// Fault matrix: apply through a proxy that injects API failures into each phase of an apply, and check that every
// run ends either at the new config with healthy rollouts (result `applied`) or at the exact previous config with
// its consumers rolled back (`rolled-back`, or `failed` with a message saying what could not be verified) —
// never half-applied, and with no journal left behind unless the rollback itself could not finish (then a
// re-run converges).
import { afterAll, describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import type { ApplyResult } from '../../src/apply/apply-result.js';
import { setRequestTimeout } from '../../src/cluster/api-client.js';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { kubeconfigPath, waitFor, withNamespace } from '../cluster/test-env.js';
import { startApiProxy, type ApiProxy, type Fault, type FaultRule } from '../faults/api-proxy.js';
import { limiter } from '../../src/concurrency-limit.js';
import { runCliAsync } from '../faults/run-cli-async.js';
import {
  appsApi,
  applySettings,
  changeDir,
  configMapYaml,
  coreApi,
  createObjects,
  serviceYaml,
} from './scenario.js';

/** Short enough that a stalled request costs little; the product's default is 30 s. */
const requestTimeoutMs = 2_000;

/**
 * Generous: on the shared 2-core machine the controller manager can lag by minutes when other suites create
 * hundreds of workloads at once; under normal load every rollout here takes a second or two.
 */
const rolloutTimeoutMs = 180_000;

/** Cases run a few at a time: each is mostly waiting, but the cluster and the CPUs are shared. */
const maxConcurrent = 3;
const limited = limiter(maxConcurrent);

/** The Deployment's pods all run its current template (kubectl rollout status "done"). */
async function waitRolledOut(ns: string): Promise<void> {
  await waitFor(
    async () => {
      const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      const s = d.status ?? {};
      const replicas = d.spec?.replicas ?? 1;
      return (
        (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) &&
        (s.updatedReplicas ?? 0) === replicas &&
        (s.replicas ?? 0) === replicas &&
        (s.availableReplicas ?? 0) === replicas
      );
    },
    rolloutTimeoutMs,
    `Deployment ${ns}/api to roll out`,
  );
}

const baseData = {
  'app-config': { LOG_LEVEL: 'info', POOL: '10', 'app.conf': 'a = 1\nb = 2\n' },
  'extra-config': { FLAG: 'off' },
};
const headData = {
  'app-config': { LOG_LEVEL: 'debug', POOL: '10', 'app.conf': 'a = 1\nb = 3\n', NEW: 'x' },
  'extra-config': { FLAG: 'on' },
};

function deploymentYaml(crashAfterRestart: boolean): string {
  const fail = crashAfterRestart ? ', config-rollout.test/fail: crashloop-after-restart' : '';
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  progressDeadlineSeconds: 600
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api${fail}}
    spec:
      containers:
      - name: app
        image: example.com/app:1
        envFrom: [{configMapRef: {name: app-config}}, {configMapRef: {name: extra-config}}]
`;
}

function manifests(data: typeof baseData, crashAfterRestart: boolean): string {
  return (
    configMapYaml('app-config', data['app-config']) +
    '---\n' +
    configMapYaml('extra-config', data['extra-config']) +
    deploymentYaml(crashAfterRestart)
  );
}

/**
 * The whole-change variant: the head also adds a Service and gives the Deployment a new image, so apply writes
 * an object and the workload itself (server-side apply), not only ConfigMaps and a restart. Its new pods carry
 * the config hash, so `crashAfterRestart` makes them crash-loop as a restart's would.
 */
function wholeChange(data: typeof baseData, crashAfterRestart: boolean, side: 'base' | 'head'): string {
  const workload =
    side === 'head'
      ? deploymentYaml(crashAfterRestart).replace('example.com/app:1', 'example.com/app:2')
      : deploymentYaml(crashAfterRestart);
  return (
    configMapYaml('app-config', data['app-config']) +
    '---\n' +
    configMapYaml('extra-config', data['extra-config']) +
    workload +
    (side === 'head' ? serviceYaml('api') : '')
  );
}

/** Where in an apply the fault strikes. `rollback-*` phases use a version whose new pods crash-loop. */
type Phase =
  | 'write-object'
  | 'write-workload'
  | 'rollback-object'
  | 'read'
  | 'patch-configmap'
  | 'patch-workload'
  | 'watch-workload'
  | 'watch-pods'
  | 'rollback-configmap'
  | 'rollback-workload'
  | 'rollback-watch';

type FaultName =
  | '429'
  | '500'
  | '503'
  | 'reset'
  | 'reset-after-write'
  | 'stall'
  | '409'
  | 'stall-after-headers'
  | 'cut-after-1-event'
  | 'cut-after-300ms-reset'
  | '410-event-on-resume'
  | '410-http-on-resume'
  | '403-always'
  | '500-always';

const generic: FaultName[] = ['429', '500', '503', 'reset', 'stall'];
const writes: FaultName[] = ['reset-after-write', '409'];
const watchOnly: FaultName[] = [
  'stall-after-headers',
  'cut-after-1-event',
  'cut-after-300ms-reset',
  '410-event-on-resume',
  '410-http-on-resume',
];
const permanent: FaultName[] = ['403-always', '500-always'];

/** Phases of the whole-change variant: an object and a workload written whole, and the object rolled back. */
const wholePhases: readonly Phase[] = ['write-object', 'write-workload', 'rollback-object'];

const matrix: [Phase, FaultName][] = [
  ...(['write-object', 'write-workload', 'rollback-object'] as const).flatMap((phase) =>
    [...generic, ...writes, ...permanent].map((fault): [Phase, FaultName] => [phase, fault]),
  ),
  ...(
    ['read', 'patch-configmap', 'patch-workload', 'rollback-configmap', 'rollback-workload'] as const
  ).flatMap((phase) => generic.map((fault): [Phase, FaultName] => [phase, fault])),
  ...(['patch-configmap', 'patch-workload', 'rollback-configmap', 'rollback-workload'] as const).flatMap(
    (phase) => writes.map((fault): [Phase, FaultName] => [phase, fault]),
  ),
  ...(['watch-workload', 'watch-pods', 'rollback-watch'] as const).flatMap((phase) =>
    [...generic, ...watchOnly].map((fault): [Phase, FaultName] => [phase, fault]),
  ),
  ...(
    [
      'read',
      'patch-configmap',
      'patch-workload',
      'watch-workload',
      'rollback-configmap',
      'rollback-workload',
      'rollback-watch',
    ] as const
  ).flatMap((phase) => permanent.map((fault): [Phase, FaultName] => [phase, fault])),
];

/** Which requests a phase's faults hit. */
function target(
  phase: Phase,
  fault: FaultName,
  ns: string,
  proxy: ApiProxy,
): Omit<FaultRule, 'name' | 'fault'> {
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const core = `/api/v1/namespaces/${ns}`;
  const rollbackStarted = () => proxy.count('PATCH', new RegExp(`^${apps}/deployments/api$`)) >= 2;
  switch (phase) {
    case 'write-object':
      return { method: 'PATCH', path: new RegExp(`^${core}/services/api$`) };
    case 'write-workload':
      return { method: 'PATCH', path: new RegExp(`^${apps}/deployments/api$`) };
    case 'rollback-object':
      // The Service this run created is deleted again on rollback.
      return { method: 'DELETE', path: new RegExp(`^${core}/services/api$`) };
    case 'read':
      return { method: 'GET', path: new RegExp(`^${core}/configmaps$`), watch: false };
    case 'patch-configmap':
      // A permanent fault on the second ConfigMap: the first one is patched by then and must be restored.
      return {
        method: 'PATCH',
        path: new RegExp(`^${core}/configmaps/${fault.endsWith('always') ? 'extra' : 'app'}-config$`),
      };
    case 'patch-workload':
      return { method: 'PATCH', path: new RegExp(`^${apps}/deployments/api$`) };
    case 'watch-workload':
      return { method: 'GET', path: new RegExp(`^${apps}/deployments$`), watch: true };
    case 'watch-pods':
      return { method: 'GET', path: new RegExp(`^${core}/pods$`), watch: true };
    case 'rollback-configmap':
      return { method: 'PATCH', path: new RegExp(`^${core}/configmaps/app-config$`), skip: 1 };
    case 'rollback-workload':
      return { method: 'PATCH', path: new RegExp(`^${apps}/deployments/api$`), skip: 1 };
    case 'rollback-watch':
      return {
        method: 'GET',
        path: new RegExp(`^${apps}/deployments$`),
        watch: true,
        when: rollbackStarted,
      };
  }
}

/** The rules of one fault: usually one; a fault on a watch resume first cuts a stream so that one happens. */
function rules(phase: Phase, fault: FaultName, ns: string, proxy: ApiProxy): FaultRule[] {
  const at = target(phase, fault, ns, proxy);
  const rule = (f: Fault, extra: Partial<FaultRule> = {}): FaultRule => ({
    name: `${phase}/${fault}`,
    ...at,
    fault: f,
    ...extra,
  });
  switch (fault) {
    case '429':
      return [rule({ type: 'status', status: 429, retryAfterSeconds: 1 })];
    case '500':
      return [rule({ type: 'status', status: 500 }, { times: 2 })];
    case '503':
      return [rule({ type: 'status', status: 503 })];
    case 'reset':
      return [rule({ type: 'reset' })];
    case 'reset-after-write':
      return [rule({ type: 'reset' }, { phase: 'after' })];
    case 'stall':
      return [rule({ type: 'stall' })];
    case '409':
      return [rule({ type: 'status', status: 409 })];
    case 'stall-after-headers':
      return [rule({ type: 'stall', afterHeaders: true })];
    case 'cut-after-1-event':
      return [rule({ type: 'cut-watch', events: 1 })];
    case 'cut-after-300ms-reset':
      return [rule({ type: 'cut-watch', ms: 300, reset: true })];
    case '410-event-on-resume':
    case '410-http-on-resume': {
      const resume = at.when;
      return [
        // A first stream that ends after a bookmark at an old version: the next watch resumes from it.
        {
          ...rule({ type: 'bookmark', resourceVersion: '1' }),
          name: `${phase}/${fault} (bookmark first)`,
          when: (r) => r.resourceVersion === undefined && (resume?.(r) ?? true),
        },
        rule(fault === '410-event-on-resume' ? { type: 'gone-event' } : { type: 'status', status: 410 }, {
          when: (r) => r.resourceVersion !== undefined && (resume?.(r) ?? true),
        }),
      ];
    }
    case '403-always':
      return [rule({ type: 'status', status: 403 }, { times: Infinity })];
    case '500-always':
      return [rule({ type: 'status', status: 500 }, { times: Infinity })];
  }
}

type End = 'new' | 'previous' | 'configmap-new-workload-previous' | 'configmap-previous-workload-new';

interface Expected {
  result: ApplyResult['result'];
  end: End;
  message?: RegExp;
  /** The rollback could not finish: the journal stays, and a re-run without faults converges. */
  journalKept?: boolean;
}

function expected(phase: Phase, fault: FaultName): Expected {
  const rollbackPhase = phase.startsWith('rollback-');
  if (!permanent.includes(fault)) {
    return rollbackPhase
      ? { result: 'rolled-back', end: 'previous', message: /rolled back to the previous config/ }
      : { result: 'applied', end: 'new' };
  }
  switch (phase) {
    case 'write-object':
      return {
        result: 'rolled-back',
        end: 'previous',
        message: /Service\/.*\/api: writing it failed: (403|500)/,
      };
    case 'write-workload':
      return {
        result: 'rolled-back',
        end: 'previous',
        message: /Deployment\/.*\/api: writing it failed: (403|500)/,
      };
    case 'rollback-object':
      return {
        result: 'failed',
        end: 'configmap-previous-workload-new',
        message:
          /rollback is incomplete[\s\S]*Service\/.*\/api: putting the previous state back failed[\s\S]*re-run this apply/,
        journalKept: true,
      };
    case 'read':
      return {
        result: 'failed',
        end: 'previous',
        message: /Nothing was changed: reading the cluster failed/,
      };
    case 'patch-configmap':
      return {
        result: 'rolled-back',
        end: 'previous',
        message:
          /ConfigMap .*\/extra-config: writing it failed: (403|500)[\s\S]*|rolled back to the previous config/,
      };
    case 'patch-workload':
      return { result: 'rolled-back', end: 'previous', message: /could not restart: (403|500)/ };
    case 'watch-workload':
    case 'rollback-watch':
      // Nothing can confirm the rollback's health while watching is refused: it says so.
      return {
        result: 'failed',
        end: 'previous',
        message:
          fault === '403-always'
            ? /rollback did not become healthy[\s\S]*|cannot watch/
            : /no healthy rollout within|rollback did not become healthy/,
      };
    case 'rollback-configmap':
      return {
        result: 'failed',
        end: 'configmap-new-workload-previous',
        message:
          /rollback is incomplete[\s\S]*restoring the previous ConfigMap values failed[\s\S]*re-run this apply/,
        journalKept: true,
      };
    case 'rollback-workload':
      return {
        result: 'failed',
        end: 'configmap-previous-workload-new',
        message:
          /rollback is incomplete[\s\S]*putting the previous pod template back failed[\s\S]*re-run this apply/,
        journalKept: true,
      };
    case 'watch-pods':
      throw new Error('not in the matrix');
  }
}

async function configMapData(ns: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of ['app-config', 'extra-config']) {
    const cm = await coreApi().readNamespacedConfigMap({ name, namespace: ns });
    out[name] = { data: cm.data ?? {}, binaryData: cm.binaryData ?? {} };
  }
  return out;
}

const dataOf = (d: typeof baseData) =>
  Object.fromEntries(Object.entries(d).map(([name, data]) => [name, { data, binaryData: {} }]));

async function templateHash(ns: string): Promise<string | undefined> {
  const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
  return d.spec?.template.metadata?.annotations?.[configHashAnnotation];
}

async function journals(ns: string): Promise<string[]> {
  const list = await coreApi().listNamespacedConfigMap({
    namespace: ns,
    labelSelector: 'app.kubernetes.io/managed-by=config-rollout',
  });
  return list.items.map((c) => c.metadata?.name ?? '');
}

/**
 * Byte-for-byte config and the pod template, as an end state must have them; in the whole-change variant also
 * the image and the Service (for `rollback-object`'s incomplete rollback, "workload new" means the Service the
 * rollback could not delete is still there while config and Deployment are back).
 */
async function expectEnd(ns: string, end: End, whole = false): Promise<void> {
  const data = await configMapData(ns);
  const hash = await templateHash(ns);
  const configNew = end === 'new' || end === 'configmap-new-workload-previous';
  const workloadNew = end === 'new' || (end === 'configmap-previous-workload-new' && !whole);
  expect(data).toEqual(dataOf(configNew ? headData : baseData));
  if (workloadNew) expect(hash).toMatch(/^[0-9a-f]{32}$/);
  else expect(hash).toBeUndefined();
  if (!whole) return;
  const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
  expect(d.spec?.template.spec?.containers[0]?.image).toBe(
    workloadNew ? 'example.com/app:2' : 'example.com/app:1',
  );
  const services = await coreApi().listNamespacedService({ namespace: ns });
  expect(services.items.map((i) => i.metadata?.name)).toEqual(end === 'previous' ? [] : ['api']);
}

const tried: string[] = [];

describe('apply under injected API faults', () => {
  afterAll(() => {
    console.log(`fault matrix: ${tried.length} faults × phases tried`);
    expect(tried.length).toBeGreaterThanOrEqual(100);
  });

  it.concurrent.each(matrix)(
    '%s: %s',
    (phase, fault) =>
      limited(async () => {
        const proxy = await startApiProxy(kubeconfigPath());
        try {
          await withNamespace(async (ns) => {
            const crash = phase.startsWith('rollback-');
            const whole = wholePhases.includes(phase);
            const side = (data: typeof baseData, which: 'base' | 'head') =>
              whole ? wholeChange(data, crash, which) : manifests(data, crash);
            // As `kubectl apply` deployed them until now: its fields are handed over on the first merge.
            await createObjects(ns, side(baseData, 'base'), whole ? 'kubectl-client-side-apply' : undefined);
            await waitRolledOut(ns);
            const dir = changeDir({ 'c.yaml': side(baseData, 'base') }, { 'c.yaml': side(headData, 'head') });
            for (const r of rules(phase, fault, ns, proxy)) proxy.addRule(r);
            const kc = proxy.kubeConfig();
            setRequestTimeout(kc, requestTimeoutMs);
            const log: string[] = [];
            const slowFailure = fault === '500-always' && phase.includes('watch');
            const result = await applyChange(
              applySettings(dir, ns, {
                cluster: kc,
                failureGraceMs: 2_000,
                timeoutMs: slowFailure ? 6_000 : rolloutTimeoutMs,
                log: (line) => log.push(line),
              }),
            );
            const want = expected(phase, fault);
            const context = `${result.result}: ${result.message}\n${log.join('\n')}`;
            // The fault was really injected, or this case proves nothing.
            expect(proxy.applied()[`${phase}/${fault}`] ?? 0, context).toBeGreaterThan(0);
            expect(result.result, context).toBe(want.result);
            if (want.message) expect(result.message, context).toMatch(want.message);
            expect(result.message).not.toMatch(/\n\s+at |HTTP-Code|Headers:/);
            await expectEnd(ns, want.end, whole);
            expect(await journals(ns)).toEqual(want.journalKept ? ['config-rollout-journal'] : []);
            if (want.end === 'previous') await waitRolledOut(ns);

            if (want.journalKept) {
              // The API server is well again: the same apply finishes the job (the version still crash-loops).
              proxy.clearRules();
              const again = await applyChange(
                applySettings(dir, ns, {
                  cluster: kc,
                  failureGraceMs: 2_000,
                  timeoutMs: rolloutTimeoutMs,
                  log: (line) => log.push(line),
                }),
              );
              expect(again.result, `${again.message}\n${log.join('\n')}`).toBe('rolled-back');
              await expectEnd(ns, 'previous', whole);
              expect(await journals(ns)).toEqual([]);
            }
            tried.push(`${phase}/${fault}`);
          });
        } finally {
          await proxy.close();
        }
      }),
    600_000,
  );
});

describe('the CLI under injected API faults', () => {
  it.each([
    ['a transient fault', { type: 'reset' } as Fault, 1, 0, /Applied 2 ConfigMap change/],
    ['a permanent fault', { type: 'status', status: 403 } as Fault, Infinity, 1, /could not restart: 403/],
  ])('exits as the result says, without a stack trace, on %s', async (_, fault, times, exit, output) => {
    const proxy = await startApiProxy(kubeconfigPath());
    try {
      await withNamespace(async (ns) => {
        await createObjects(ns, manifests(baseData, false));
        await waitRolledOut(ns);
        const dir = changeDir(
          { 'c.yaml': manifests(baseData, false) },
          { 'c.yaml': manifests(headData, false) },
        );
        proxy.addRule({
          name: 'cli',
          method: 'PATCH',
          path: new RegExp(`^/apis/apps/v1/namespaces/${ns}/deployments/api$`),
          times,
          fault,
        });
        const kubeconfig = proxy.writeKubeconfig(`${dir}/kubeconfig`);
        const r = await runCliAsync(
          ['apply', '--manifests', 'head', '--base', 'base', '--namespace', ns, '--kubeconfig', kubeconfig],
          dir,
        );
        expect(r.status, r.stderr).toBe(exit);
        expect(r.stdout + r.stderr).toMatch(output);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        await expectEnd(ns, exit === 0 ? 'new' : 'previous');
        expect(await journals(ns)).toEqual([]);
      });
    } finally {
      await proxy.close();
    }
  });
});
