// `npm run bench`: benchmarks of the built bundles (dist/cli.js, dist/index.js) against synthetic estates and the
// local control plane; prints a figure per line as it goes and one table at the end (figure, target, met?).
// See bench/README.md for what each figure means and the latest results.
//
//   node bench/run.mjs [--only start-up,offline,monorepo,verdict,parallel,live] [--reps 3]
//                      [--live-workloads 2000] [--json results.json] [--keep]
//   CONFIG_ROLLOUT_BENCH_DIST=/other/dist node bench/run.mjs ...   measures another build (say, with a fix)
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLivePlan } from './cases/live-plan.mjs';
import { runMonorepo } from './cases/monorepo.mjs';
import { runOfflinePlan } from './cases/offline-plan.mjs';
import { runParallelRollouts } from './cases/parallel-rollouts.mjs';
import { runStartUp } from './cases/start-up.mjs';
import { runTimeToVerdict } from './cases/time-to-verdict.mjs';
import { acquireCluster, BenchCluster, kubectlPath, releaseCluster } from './local-cluster.mjs';
import { cliPath, distDir, load, machine, now, repoRoot, seconds } from './measure.mjs';

const cases = [
  { id: 'start-up', title: '5. Start-up and size', run: runStartUp },
  { id: 'offline', title: '1. Offline plan at scale', run: runOfflinePlan },
  { id: 'monorepo', title: '6. Monorepo of rendered sources', run: runMonorepo },
  { id: 'verdict', title: '3. Time to verdict', run: runTimeToVerdict, cluster: true },
  { id: 'parallel', title: '4. Parallel rollouts', run: runParallelRollouts, cluster: true },
  // Last: it loads the control plane most, and deleting its namespaces goes on after the bench.
  { id: 'live', title: '2. Live plan', run: runLivePlan, cluster: true },
];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    reps: { type: 'string', default: '3' },
    'live-workloads': { type: 'string', default: '2000' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const only = values.only ? new Set(values.only.split(',')) : undefined;
const selected = cases.filter((c) => !only || only.has(c.id));
if (only && selected.length !== only.size) {
  process.stderr.write(`unknown case in --only; the cases are ${cases.map((c) => c.id).join(', ')}\n`);
  process.exit(2);
}

const log = (line) => process.stdout.write(`${line}\n`);

/** Source files newer than the bundle: the figures would be of older code. */
function staleBundle() {
  let bundled;
  try {
    bundled = statSync(cliPath).mtimeMs;
  } catch {
    return 'dist/cli.js is missing: run `npm run bundle` first';
  }
  const newer = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).mtimeMs > bundled) newer.push(path.slice(repoRoot.length));
    }
  };
  walk(join(repoRoot, 'src'));
  return newer.length
    ? `src/ has changes newer than dist/ (${newer.slice(0, 3).join(', ')}…): run \`npm run bundle\``
    : undefined;
}

async function main() {
  const m = machine();
  const started = now();
  const runId = Date.now().toString(36).slice(-5);
  log(`config-rollout bench — ${new Date().toISOString()} on ${hostname()}`);
  log(
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB (${m.freeGb} GB free), node ${m.node}, load ${load()} at start`,
  );
  if (process.env.CONFIG_ROLLOUT_BENCH_DIST) log(`measuring the bundles in ${distDir}`);
  else {
    const stale = staleBundle();
    if (stale?.includes('missing')) throw new Error(stale);
    if (stale) log(`warning: ${stale}`);
  }

  const tmp = mkdtempSync(join(tmpdir(), 'config-rollout-bench-'));
  const reps = Number(values.reps);
  const rows = [];
  let cluster;
  let held = false;
  const cleanUp = async () => {
    if (cluster)
      await cluster.deleteNamespaces().catch((e) => log(`could not delete bench namespaces: ${e.message}`));
    if (held) releaseCluster();
    held = false;
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    log('interrupted: deleting bench namespaces');
    void cleanUp().finally(() => process.exit(130));
  });

  let failed = false;
  try {
    for (const c of selected) {
      log(`\n## ${c.title} (load ${load()})`);
      const context = { tmp, reps, log, runId, workloads: Number(values['live-workloads']) };
      if (c.cluster && !cluster) {
        const kubeconfig = await acquireCluster();
        held = true;
        cluster = new BenchCluster(kubeconfig);
        log(`local control plane: ${kubeconfig}`);
      }
      const caseStarted = now();
      try {
        const caseRows = await c.run({ ...context, cluster, kubectl: c.cluster ? kubectlPath() : undefined });
        rows.push(...caseRows.map((r) => ({ ...r, load: load() })));
      } catch (error) {
        failed = true;
        log(`  FAILED: ${error.stack ?? error}`);
        rows.push({ figure: c.title, value: `error: ${String(error.message).split('\n')[0]}`, met: false });
      }
      log(`  (${seconds(now() - caseStarted)})`);
    }
  } finally {
    await cleanUp();
  }

  log(`\n## Results (${seconds(now() - started)} in all; load ${load()} at the end)\n`);
  const table = [['figure', 'measured', 'target', 'met?', 'load']];
  for (const r of rows)
    table.push([
      r.figure,
      r.value,
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
      r.load ?? '',
    ]);
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const [i, row] of table.entries()) {
    log(`| ${row.map((cell, j) => cell.padEnd(widths[j])).join(' | ')} |`);
    if (i === 0) log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
  if (values.json)
    writeFileSync(
      values.json,
      `${JSON.stringify({ date: new Date().toISOString(), machine: m, rows }, null, 2)}\n`,
    );
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
