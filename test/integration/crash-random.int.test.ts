// `config-rollout apply` (dist/cli.js) killed with SIGKILL at random points — seeded, so a failure can be
// replayed with CONFIG_ROLLOUT_CRASH_SEED — then run again: it must converge, to the new config when the new
// version is healthy, back to the previous one when its pods crash-loop (some runs are killed mid-rollback),
// and no key's previous value may be lost (compared byte for byte, with a key drifted by hand kept too).
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { failureLabels, kubeconfigPath, waitFor, withNamespace } from '../cluster/test-env.js';
import { repoRoot } from '../cli/run-cli.js';
import { limiter } from '../../src/concurrency-limit.js';
import {
  appsApi,
  applySettings,
  changeDir,
  configMapYaml,
  coreApi,
  createObjects,
  serviceYaml,
} from './scenario.js';

const seed = Number(process.env['CONFIG_ROLLOUT_CRASH_SEED'] ?? 7_231_123);
const runs = 24;

/** mulberry32: a small seeded generator, so the kill points are the same on every run of the suite. */
function random(seedValue: number): () => number {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Values with bytes that are easy to mangle: unicode, a CRLF, a trailing space, an empty string.
const baseData = {
  LOG_LEVEL: 'info',
  KEEP: 'unchanged ✓ ',
  'app.conf': 'a = 1\r\nb = "ü"\n',
  GONE: 'removed by the change',
  EMPTY: '',
};
const headData = {
  LOG_LEVEL: 'debug',
  KEEP: 'unchanged ✓ ',
  'app.conf': 'a = 1\r\nb = "ö"\nc = 3\n',
  EMPTY: '',
  ADDED: 'new key',
};
/** Added by hand in the cluster: not in the manifests, kept by every apply and every rollback. */
const hand = { HAND: 'made by hand' };

function workloads(crash: boolean): string {
  const labels = crash ? `, ${Object.entries(failureLabels.crashLoopAfterRestart)[0]!.join(': ')}` : '';
  const template = (name: string) => `  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}${name === 'api' ? labels : ''}}
    spec:
      containers:
      - name: app
        image: example.com/app:1
        envFrom: [{configMapRef: {name: app-config}}]
`;
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
${template('api')}---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 1
  serviceName: db
${template('db')}`;
}

const manifests = (data: Record<string, string>, crash: boolean) =>
  configMapYaml('app-config', data) + workloads(crash);

/**
 * The whole-change variant's head: the Deployment also gets a new image (written whole, server-side apply,
 * config hash in the same write) and a Service is added, so kills land in the object and workload writes too.
 */
const wholeHead = (data: Record<string, string>, crash: boolean) =>
  configMapYaml('app-config', data) +
  workloads(crash).replace('example.com/app:1', 'example.com/app:2') +
  serviceYaml('api');

interface Plan {
  run: number;
  crash: boolean;
  /** The change also writes a Service and the Deployment itself, not only config and restarts. */
  whole: boolean;
  /** Count log lines from the start, or from the line that starts the rollback. */
  from: 'start' | 'rollback';
  /** Kill once the CLI has logged this many lines from there (0 from the start: after `delayMs`). */
  afterLines: number;
  delayMs: number;
}

const rng = random(seed);
const plans: Plan[] = Array.from({ length: runs }, (_, run) => {
  const crash = run % 3 === 2;
  // Most runs of the crash-looping version are killed while rolling back, the rest anywhere before.
  const from = crash && rng() < 0.7 ? 'rollback' : 'start';
  // A healthy apply logs about 8 lines; a rollback about 6 more.
  const afterLines = Math.floor(rng() * (from === 'rollback' ? 5 : crash ? 10 : 9));
  const delayMs = Math.floor(rng() * (from === 'start' && afterLines === 0 ? 900 : 150));
  return { run, crash, whole: run % 2 === 1, from, afterLines, delayMs };
});

interface Outcome {
  killed: boolean;
  lastLine: string;
  /** It had started rolling back when it was killed. */
  rollingBack: boolean;
}

/** Start the CLI apply and kill it at the planned point; resolves when the process is gone. */
function applyAndKill(dir: string, ns: string, plan: Plan): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `${repoRoot}dist/cli.js`,
        'apply',
        '--manifests',
        'head',
        '--base',
        'base',
        '--namespace',
        ns,
        '--kubeconfig',
        kubeconfigPath(),
        '--failure-grace',
        '2s',
        '--timeout',
        '3m',
      ],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NODE_COMPILE_CACHE: join(tmpdir(), 'config-rollout-node-compile-cache') },
      },
    );
    let lines: string[] = [];
    let partial = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), plan.delayMs);
    };
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines = [...lines, ...parts];
      const origin = plan.from === 'start' ? 0 : lines.findIndex((l) => l.startsWith('Rolling back')) + 1;
      if (origin === 0 && plan.from === 'rollback') return;
      if (lines.length - origin >= plan.afterLines && (plan.afterLines > 0 || plan.from === 'rollback'))
        kill();
    });
    if (plan.from === 'start' && plan.afterLines === 0) kill();
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        killed: signal === 'SIGKILL',
        lastLine: lines.at(-1) ?? '(nothing logged yet)',
        rollingBack: lines.some((l) => l.startsWith('Rolling back')),
      });
    });
  });
}

async function rolledOut(ns: string): Promise<void> {
  await waitFor(
    async () => {
      const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
      const s = await appsApi().readNamespacedStatefulSet({ name: 'db', namespace: ns });
      return (
        (d.metadata?.generation ?? 0) <= (d.status?.observedGeneration ?? 0) &&
        d.status?.updatedReplicas === 2 &&
        d.status?.replicas === 2 &&
        d.status?.availableReplicas === 2 &&
        (s.metadata?.generation ?? 0) <= (s.status?.observedGeneration ?? 0) &&
        s.status?.readyReplicas === 1 &&
        s.status?.currentRevision === s.status?.updateRevision
      );
    },
    180_000,
    `the workloads of ${ns} to roll out`,
  );
}

async function hashes(ns: string): Promise<(string | undefined)[]> {
  const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
  const s = await appsApi().readNamespacedStatefulSet({ name: 'db', namespace: ns });
  return [d, s].map((w) => w.spec?.template.metadata?.annotations?.[configHashAnnotation]);
}

const limited = limiter(3);
const summary: string[] = [];

describe(`apply killed at random points (seed ${seed}), then run again`, () => {
  afterAll(() => {
    console.log(`crash runs (seed ${seed}):\n${summary.sort().join('\n')}`);
    // Enough of the runs were really killed mid-apply, some of them while rolling back.
    expect(summary.filter((s) => s.includes('killed')).length).toBeGreaterThanOrEqual(runs / 2);
    expect(summary.filter((s) => s.includes('killed rolling back')).length).toBeGreaterThan(0);
  });

  it.concurrent.each(plans)(
    'run $run (whole change: $whole, crash-looping version: $crash): killed $afterLines log lines after the $from',
    (plan) =>
      limited(async () => {
        await withNamespace(async (ns) => {
          // The whole-change runs start from objects `kubectl apply` made, as a repository deployed that way.
          await createObjects(
            ns,
            manifests(baseData, plan.crash),
            plan.whole ? 'kubectl-client-side-apply' : undefined,
          );
          // A key changed by hand, which no apply may lose.
          const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
          cm.data = { ...cm.data, ...hand };
          await coreApi().replaceNamespacedConfigMap({ name: 'app-config', namespace: ns, body: cm });
          await rolledOut(ns);
          const dir = changeDir(
            { 'c.yaml': manifests(baseData, plan.crash) },
            { 'c.yaml': (plan.whole ? wholeHead : manifests)(headData, plan.crash) },
          );

          const first = await applyAndKill(dir, ns, plan);
          const log: string[] = [];
          const settings = applySettings(dir, ns, {
            failureGraceMs: 2_000,
            timeoutMs: 180_000,
            log: (line) => log.push(line),
          });
          const again = await applyChange(settings);
          const context = `first run ${first.killed ? 'killed' : 'finished'} after: ${first.lastLine}\n${again.message}\n${log.join('\n')}`;
          expect(again.result, context).toBe(plan.crash ? 'rolled-back' : 'applied');

          const data = (await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data;
          expect(data, context).toEqual({ ...(plan.crash ? baseData : headData), ...hand });
          await rolledOut(ns);
          const [api, db] = await hashes(ns);
          if (plan.crash) {
            expect([api, db], context).toEqual([undefined, undefined]);
          } else {
            expect(api, context).toMatch(/^[0-9a-f]{32}$/);
            expect(db, context).toBe(api);
          }
          if (plan.whole) {
            const applied = !plan.crash;
            const d = await appsApi().readNamespacedDeployment({ name: 'api', namespace: ns });
            expect(d.spec?.template.spec?.containers[0]?.image, context).toBe(
              applied ? 'example.com/app:2' : 'example.com/app:1',
            );
            const services = await coreApi().listNamespacedService({ namespace: ns });
            expect(
              services.items.map((i) => i.metadata?.name),
              context,
            ).toEqual(applied ? ['api'] : []);
          }
          const journals = await coreApi().listNamespacedConfigMap({
            namespace: ns,
            labelSelector: 'app.kubernetes.io/managed-by=config-rollout',
          });
          expect(journals.items, context).toEqual([]);
          if (!plan.crash) {
            // Converged: one more run has nothing left to do.
            const third = await applyChange(settings);
            expect(third.configMaps.map((c) => c.outcome)).toEqual(['unchanged']);
            expect(third.workloads.every((w) => !w.restarted)).toBe(true);
          }
          const state = first.killed
            ? first.rollingBack
              ? 'killed rolling back'
              : 'killed'
            : 'finished first';
          summary.push(
            `run ${String(plan.run).padStart(2)} ${plan.whole ? 'whole change' : 'config only'}, ${plan.crash ? 'crash-looping' : 'healthy'}, ${state}, last line: ${first.lastLine}`,
          );
        });
      }),
    300_000,
  );
});
