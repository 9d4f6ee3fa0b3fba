// 4. Parallel rollouts: one key of a ConfigMap that 50 Deployments read through envFrom changes, applied with
// --max-parallel 50. The restart phase (first "restarting" line to last verdict line of the CLI) against the
// slowest single rollout and the sum of all (each rollout's own `seconds` in the JSON result); and, for scale,
// one such Deployment restarted alone just before.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { forEachLimit, rolloutComplete } from '../local-cluster.mjs';
import { check, load, now, runCli, runProcess, seconds } from '../measure.mjs';

const count = 50;
const replicas = 1;
const targetSlackMs = 2000;

function objects(namespace, configName, names, value) {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configName, namespace },
      data: { LOG_LEVEL: value, POOL: '10' },
    },
    ...names.map((name) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: `registry.example.com/bench/${name}:1.0.0`,
                envFrom: [{ configMapRef: { name: configName } }],
              },
            ],
          },
        },
      },
    })),
  ];
}

function changeArgs(dir, base, head) {
  rmSync(dir, { recursive: true, force: true });
  for (const [side, list] of [
    ['base', base],
    ['head', head],
  ]) {
    mkdirSync(join(dir, side), { recursive: true });
    writeFileSync(join(dir, side, 'all.yaml'), list.map((o) => yaml.dump(o)).join('---\n'));
  }
  return ['--base', join(dir, 'base'), '--manifests', join(dir, 'head')];
}

/** Apply and time the restart phase from the CLI's log lines. */
async function applyTimed(cluster, args, maxParallel) {
  let firstRestart;
  let lastVerdict;
  const result = check(
    await runCli(
      [
        'apply',
        ...args,
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--max-parallel',
        String(maxParallel),
        '--timeout',
        '3m',
        '--format',
        'json',
      ],
      {
        onLine: (stream, line, at) => {
          if (stream !== 'stderr') return;
          if (/: restarting$/.test(line)) firstRestart ??= at;
          if (/: (healthy|FAILED) after /.test(line)) lastVerdict = at;
        },
      },
    ),
    'config-rollout apply',
  );
  const parsed = JSON.parse(result.stdout);
  if (parsed.result !== 'applied') throw new Error(`apply ended ${parsed.result}: ${parsed.message}`);
  const times = parsed.workloads.filter((w) => w.restarted).map((w) => w.seconds * 1000);
  return {
    phaseMs: lastVerdict - firstRestart,
    wallMs: result.ms,
    times,
    requests: result.requests?.length ?? 0,
  };
}

/**
 * The control plane's own pace for the same 50 rollouts, without config-rollout: `kubectl rollout restart`
 * of them all (one command), timed until a watch sees every one complete.
 */
async function restartAllWithKubectl(cluster, kubectl, namespace, names) {
  const pending = new Set(names);
  let done;
  const allDone = new Promise((resolve) => (done = resolve));
  const generations = new Map();
  for (const name of names) {
    generations.set(
      name,
      (await cluster.apps.readNamespacedDeployment({ namespace, name })).metadata.generation,
    );
  }
  const stop = await cluster.watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    {},
    (type, object, at) => {
      const name = object.metadata?.name;
      if (type === 'BOOKMARK' || !pending.has(name) || object.metadata.generation <= generations.get(name))
        return;
      if (rolloutComplete(object)) pending.delete(name);
      if (pending.size === 0) done(at);
    },
    now,
  );
  const started = now();
  check(
    await runProcess(kubectl, [
      'rollout',
      'restart',
      'deployment',
      ...names,
      '-n',
      namespace,
      '--kubeconfig',
      cluster.kubeconfigPath,
    ]),
    'kubectl rollout restart',
  );
  const finished = await allDone;
  stop();
  return finished - started;
}

export async function runParallelRollouts({ tmp, log, cluster, kubectl, runId }) {
  const namespace = `bench-${runId}-parallel`;
  await cluster.createNamespaces([namespace]);
  const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  await cluster.createObjects([
    ...objects(namespace, 'shared-config', names, 'info'),
    ...objects(namespace, 'solo-config', ['solo'], 'info'),
  ]);
  await forEachLimit([...names, 'solo'], 8, (name) => cluster.waitRolledOut(namespace, name, 180_000));

  const alone = await applyTimed(
    cluster,
    changeArgs(
      join(tmp, 'parallel-solo'),
      objects(namespace, 'solo-config', ['solo'], 'info'),
      objects(namespace, 'solo-config', ['solo'], 'debug'),
    ),
    1,
  );
  log(`  one Deployment alone: ${seconds(alone.times[0])} (load ${load()})`);

  const all = await applyTimed(
    cluster,
    changeArgs(
      join(tmp, 'parallel-all'),
      objects(namespace, 'shared-config', names, 'info'),
      objects(namespace, 'shared-config', names, 'debug'),
    ),
    count,
  );
  if (all.times.length !== count) throw new Error(`expected ${count} restarts, got ${all.times.length}`);
  const slowest = Math.max(...all.times);
  const sum = all.times.reduce((a, b) => a + b, 0);
  log(
    `  ${count} at once: restart phase ${seconds(all.phaseMs)}, slowest ${seconds(slowest)}, sum ${seconds(sum)}, ` +
      `CLI wall ${seconds(all.wallMs)}, ${all.requests} API requests (load ${load()})`,
  );
  const peer = await restartAllWithKubectl(cluster, kubectl, namespace, names);
  log(
    `  peer: kubectl rollout restart of all ${count}, until the API server shows every rollout complete: ${seconds(peer)} (load ${load()})`,
  );
  await cluster.deleteNamespaces([namespace]);
  return [
    {
      figure: `${count} rollouts at once (--max-parallel ${count}): restart phase`,
      value:
        `${seconds(all.phaseMs)}; slowest ${seconds(slowest)}, sum ${seconds(sum)}, one alone ${seconds(alone.times[0])} ` +
        `(phase/slowest ${(all.phaseMs / slowest).toFixed(2)})`,
      target: `≤ slowest + ${seconds(targetSlackMs)}`,
      met: all.phaseMs <= slowest + targetSlackMs,
    },
    {
      figure: `  the control plane alone: kubectl rollout restart of the ${count}, until all complete`,
      value: `${seconds(peer)} (ours/theirs ${(all.phaseMs / peer).toFixed(2)})`,
    },
  ];
}
