// 3. Time to verdict. A one-key change applied through the built CLI restarts a 3-replica Deployment; the bench
// watches the same Deployment and its pods itself, so it knows when the API server recorded the rollout as
// complete (updated = available = replicas, `kubectl rollout status` rules) and when the last new pod became
// Ready. Our verdict is the CLI's "healthy" line; the peer is `kubectl rollout status`, started as soon as the
// new template is seen. Then a rollout that fails (pods labelled crashloop-after-restart crash once restarted,
// see test/cluster/failure-stages.yaml): our failure verdict (--failure-grace) against kubectl waiting for
// ProgressDeadlineExceeded.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { rolloutComplete } from '../local-cluster.mjs';
import { load, median, now, runCli, runProcess, seconds } from '../measure.mjs';

const replicas = 3;
const graceSeconds = 5;
const progressDeadlineSeconds = 30;
const hashAnnotation = 'config-rollout.io/config-hash';
const targets = { verdictMs: 500, failSlackMs: 2000 };

function configMap(namespace, name, data) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

function deployment(namespace, name, configName, { labels = {}, progressDeadline } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      ...(progressDeadline ? { progressDeadlineSeconds: progressDeadline } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...labels } },
        spec: {
          containers: [
            {
              name,
              image: `registry.example.com/bench/${name}:1.0.0`,
              envFrom: [{ configMapRef: { name: configName } }],
            },
          ],
        },
      },
    },
  };
}

/** Write base/ and head/ folders of one change and return the CLI arguments that apply it. */
function changeDirs(dir, baseObjects, headObjects) {
  rmSync(dir, { recursive: true, force: true });
  for (const [side, objects] of [
    ['base', baseObjects],
    ['head', headObjects],
  ]) {
    mkdirSync(join(dir, side), { recursive: true });
    writeFileSync(join(dir, side, 'app.yaml'), objects.map((o) => yaml.dump(o)).join('---\n'));
  }
  return ['--base', join(dir, 'base'), '--manifests', join(dir, 'head')];
}

const isReady = (pod) =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const isCrashing = (pod) =>
  (pod.status?.containerStatuses ?? []).some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff');

/**
 * Apply one change and time stamp what happens: the new generation, rollout complete (API server), the last
 * new pod Ready, the first new pod crash-looping, our verdict line and kubectl's verdict.
 */
async function observeApply({
  cluster,
  kubectl,
  namespace,
  name,
  applyArgs,
  verdictPattern,
  kubectlTimeout,
}) {
  const t = { gen: undefined, complete: undefined, lastReady: undefined, firstCrash: undefined };
  const initial = await cluster.apps.readNamespacedDeployment({ namespace, name });
  const initialGeneration = initial.metadata.generation;
  let newHash;
  let kubectlRun;
  const kubectlLines = [];
  const readySeen = new Set();
  const stopDeployments = await cluster.watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    { fieldSelector: `metadata.name=${name}` },
    (type, object, at) => {
      if (type === 'BOOKMARK' || object.metadata.generation <= initialGeneration) return;
      newHash = object.spec.template.metadata?.annotations?.[hashAnnotation];
      if (t.gen === undefined) {
        t.gen = at;
        // The peer starts as a script would right after the change: `kubectl rollout status`.
        kubectlRun = runProcess(
          kubectl,
          [
            'rollout',
            'status',
            `deployment/${name}`,
            '-n',
            namespace,
            '--kubeconfig',
            cluster.kubeconfigPath,
            `--timeout=${kubectlTimeout}s`,
          ],
          { onLine: (_s, line, lineAt) => kubectlLines.push({ line, at: lineAt }) },
        );
      }
      if (t.complete === undefined && rolloutComplete(object)) t.complete = at;
    },
    now,
  );
  const stopPods = await cluster.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: `app=${name}` },
    (type, pod, at) => {
      if (type === 'BOOKMARK' || type === 'DELETED' || !newHash) return;
      if (pod.metadata.annotations?.[hashAnnotation] !== newHash) return;
      if (isReady(pod) && !readySeen.has(pod.metadata.name)) {
        readySeen.add(pod.metadata.name);
        t.lastReady = at;
      }
      if (t.firstCrash === undefined && isCrashing(pod)) t.firstCrash = at;
    },
    now,
  );
  let ourVerdict;
  const result = await runCli(
    ['apply', ...applyArgs, '--kubeconfig', cluster.kubeconfigPath, '--format', 'json'],
    {
      onLine: (stream, line, at) => {
        if (stream === 'stderr' && ourVerdict === undefined && verdictPattern.test(line)) ourVerdict = at;
      },
    },
  );
  const kubectlResult = kubectlRun ? await kubectlRun : undefined;
  stopDeployments();
  stopPods();
  const kubectlDone = kubectlLines.find((l) =>
    /successfully rolled out|exceeded its progress deadline|error/i.test(l.line),
  )?.at;
  return {
    ...t,
    ours: ourVerdict,
    kubectl: kubectlDone ?? (kubectlResult ? kubectlResult.started + kubectlResult.ms : undefined),
    kubectlWatched: kubectlLines.some((l) => /Waiting for/.test(l.line)),
    kubectlCode: kubectlResult?.code,
    result: JSON.parse(result.stdout || '{}'),
  };
}

export async function runTimeToVerdict({ tmp, reps, log, cluster, kubectl, runId }) {
  const namespace = `bench-${runId}-verdict`;
  await cluster.createNamespaces([namespace]);
  const healthyDeployment = deployment(namespace, 'api', 'api-config');
  const fragileDeployment = deployment(namespace, 'fragile', 'fragile-config', {
    labels: { 'config-rollout.test/fail': 'crashloop-after-restart' },
    progressDeadline: progressDeadlineSeconds,
  });
  const config = (n) => configMap(namespace, 'api-config', { LOG_LEVEL: `level-${n}`, POOL: '10' });
  const fragileConfig = (n) => configMap(namespace, 'fragile-config', { LOG_LEVEL: `level-${n}` });
  await cluster.createObjects([config(0), fragileConfig(0), healthyDeployment, fragileDeployment]);
  await cluster.waitRolledOut(namespace, 'api');
  await cluster.waitRolledOut(namespace, 'fragile');

  const healthy = [];
  for (let i = 0; i < reps; i++) {
    const args = changeDirs(
      join(tmp, 'verdict-healthy'),
      [config(i), healthyDeployment],
      [config(i + 1), healthyDeployment],
    );
    const o = await observeApply({
      cluster,
      kubectl,
      namespace,
      name: 'api',
      applyArgs: [...args, '--failure-grace', `${graceSeconds}s`, '--timeout', '2m'],
      verdictPattern: /deploy\/api: healthy after/,
      kubectlTimeout: 120,
    });
    if (o.result.result !== 'applied' || o.complete === undefined || o.ours === undefined) {
      throw new Error(`healthy rollout not observed: ${JSON.stringify({ ...o, result: o.result.result })}`);
    }
    const row = {
      oursMs: o.ours - o.complete,
      kubectlMs: o.kubectl - o.complete,
      lastReadyToCompleteMs: o.complete - o.lastReady,
      rolloutMs: o.complete - o.gen,
      kubectlWatched: o.kubectlWatched,
    };
    log(
      `  healthy #${i + 1}: rollout ${seconds(row.rolloutMs)}; after complete: ours ${Math.round(row.oursMs)} ms, ` +
        `kubectl ${Math.round(row.kubectlMs)} ms${o.kubectlWatched ? '' : ' (kubectl started after completion)'}; ` +
        `last pod Ready → complete ${Math.round(row.lastReadyToCompleteMs)} ms (load ${load()})`,
    );
    healthy.push(row);
  }

  const failArgs = changeDirs(
    join(tmp, 'verdict-failing'),
    [fragileConfig(0), fragileDeployment],
    [fragileConfig(1), fragileDeployment],
  );
  const f = await observeApply({
    cluster,
    kubectl,
    namespace,
    name: 'fragile',
    applyArgs: [...failArgs, '--failure-grace', `${graceSeconds}s`, '--timeout', '2m', '--no-rollback'],
    verdictPattern: /deploy\/fragile: FAILED after/,
    kubectlTimeout: progressDeadlineSeconds + 60,
  });
  if (f.ours === undefined || f.firstCrash === undefined) {
    throw new Error(`failing rollout not observed: ${JSON.stringify({ ...f, result: f.result.result })}`);
  }
  const failOurs = f.ours - f.firstCrash;
  const failKubectl = f.kubectl - f.firstCrash;
  log(
    `  failing: first new pod crash-looping ${seconds(f.firstCrash - f.gen)} after the restart; ours FAILED ` +
      `${seconds(failOurs)} later (grace ${graceSeconds} s), kubectl ${seconds(failKubectl)} later ` +
      `(exit ${f.kubectlCode}, progressDeadlineSeconds ${progressDeadlineSeconds}) (load ${load()})`,
  );
  await cluster.deleteNamespaces([namespace]);

  const ms = (values) => `${Math.round(median(values))} ms`;
  const afterReady = healthy.map((h) => h.oursMs + h.lastReadyToCompleteMs);
  const worst = healthy.reduce((a, b) =>
    a.oursMs + a.lastReadyToCompleteMs >= b.oursMs + b.lastReadyToCompleteMs ? a : b,
  );
  // Judged on the median; the worst is shown with its two parts: the controller's lag from the last pod Ready
  // to the Deployment status that says complete (which kubectl rollout status waits for too), and ours after it.
  return [
    {
      figure: `healthy verdict after the last new pod Ready (${replicas} replicas; median of ${reps}; worst = controller + ours)`,
      value:
        `${ms(afterReady)} (worst ${Math.round(worst.lastReadyToCompleteMs + worst.oursMs)} ms = ` +
        `${Math.round(worst.lastReadyToCompleteMs)} + ${Math.round(worst.oursMs)}); kubectl rollout status ` +
        `${ms(healthy.map((h) => h.kubectlMs + h.lastReadyToCompleteMs))}`,
      target: `median ≤ ${targets.verdictMs} ms`,
      met: median(afterReady) <= targets.verdictMs,
    },
    {
      figure: '  of which after the API server recorded the rollout complete',
      value: `${ms(healthy.map((h) => h.oursMs))}; kubectl ${ms(healthy.map((h) => h.kubectlMs))}`,
    },
    {
      figure: `failing rollout detected (from first crash-looping pod; grace ${graceSeconds} s)`,
      value: `${seconds(failOurs)}; kubectl (ProgressDeadlineExceeded, ${progressDeadlineSeconds} s) ${seconds(failKubectl)}`,
      target: `≤ grace + 2 s = ${graceSeconds + 2} s`,
      met: failOurs <= graceSeconds * 1000 + targets.failSlackMs,
    },
  ];
}
