// 1. Offline plan at scale: `refs` and `plan --offline` through the built CLI on synthetic estates of three
// sizes (to show growth), the large one also with its base read from git (`--base-ref`, as the action does),
// and `refs` on the real-world corpus. Wall time is spawn to exit (node's start-up and the bundle's load count,
// as they do for a user); CPU time (user + system) is the same work measured so that other load on the
// machine barely moves it; peak memory is the child's maximum resident set.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateEstate, writeEstate } from '../generate-estate.mjs';
import { check, load, median, megabytes, repoRoot, runCli, seconds } from '../measure.mjs';

const sizes = [
  { name: 'small', workloads: 100 },
  { name: 'medium', workloads: 1000 },
  { name: 'large', workloads: 2000 },
];

const targets = { largePlanMs: 2000, largePlanKb: 500 * 1024, doubling: 2.2 };

async function measure(args, cwd, reps, validate) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const result = check(await runCli(args, { cwd }), `config-rollout ${args.join(' ')}`, [0, 1]);
    validate?.(result);
    runs.push(result);
  }
  return {
    ms: median(runs.map((r) => r.ms)),
    minMs: Math.min(...runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpuMs ?? NaN)),
    maxRssKb: Math.max(...runs.map((r) => r.maxRssKb ?? 0)),
  };
}

const describe = (m) =>
  `${seconds(m.ms)} (min ${seconds(m.minMs)}, CPU ${seconds(m.cpuMs)}), peak ${megabytes(m.maxRssKb)}`;

/** A checkout whose last commit holds the base and whose working tree holds the head, under k8s/. */
function gitEstate(dir, estateDir, changedFiles) {
  const git = (...args) =>
    execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  mkdirSync(dir, { recursive: true });
  cpSync(join(estateDir, 'base'), join(dir, 'k8s'), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  for (const file of changedFiles) cpSync(join(estateDir, 'head', file), join(dir, 'k8s', file));
}

/** Manifest files under a folder and their bytes. */
function manifestSize(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ya?ml|json)$/i.test(entry.name)) continue;
    files++;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return `${files} files, ${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export async function runOfflinePlan({ tmp, reps, log }) {
  const rows = [];
  const points = [];
  let largeDir;
  let largeChanged;
  for (const size of sizes) {
    const dir = join(tmp, `estate-${size.name}`);
    mkdirSync(dir, { recursive: true });
    const estate = generateEstate({ workloads: size.workloads });
    writeEstate(dir, estate);
    const { counts } = estate;
    log(
      `${size.name}: ${counts.workloads} workloads in ${counts.namespaces} namespaces, ${counts.configMaps} ConfigMaps, ` +
        `${estate.files.size} files per side, ${estate.changedFiles.length} ConfigMaps changed (load ${load()})`,
    );
    const refs = await measure(['refs', '--manifests', 'head', '--format', 'json'], dir, reps, (r) => {
      const parsed = JSON.parse(r.stdout);
      if (parsed.configMaps.length !== counts.configMaps)
        throw new Error(`refs found ${parsed.configMaps.length} ConfigMaps`);
    });
    let consumers = 0;
    const validatePlan = (r) => {
      const parsed = JSON.parse(r.stdout);
      const changed = parsed.configMaps.filter((c) => c.change !== 'unchanged').length;
      if (changed !== estate.changedFiles.length) throw new Error(`plan found ${changed} changed ConfigMaps`);
      consumers = parsed.consumers.length;
    };
    const planArgs = ['plan', '--offline', '--base', 'base', '--manifests', 'head', '--format', 'json'];
    const plan = await measure(planArgs, dir, reps, validatePlan);
    log(`  refs ${describe(refs)}`);
    log(`  plan --offline ${describe(plan)}; ${consumers} consumers planned (load ${load()})`);
    points.push({ ...size, refs, plan });
    largeDir = dir;
    largeChanged = estate.changedFiles;
  }

  const gitDir = join(tmp, 'estate-large-git');
  gitEstate(gitDir, largeDir, largeChanged);
  const gitArgs = ['plan', '--offline', '--base-ref', 'HEAD', '--manifests', 'k8s', '--format', 'json'];
  const fromGit = await measure(gitArgs, gitDir, reps, (r) => {
    const changed = JSON.parse(r.stdout).configMaps.filter((c) => c.change !== 'unchanged').length;
    if (changed !== largeChanged.length)
      throw new Error(`plan --base-ref found ${changed} changed ConfigMaps`);
  });
  log(`large, base from git (--base-ref HEAD): plan --offline ${describe(fromGit)} (load ${load()})`);

  const corpus = await measure(['refs', '--manifests', '../shared/corpus'], repoRoot, reps);
  log(`corpus (../shared/corpus): refs ${describe(corpus)} (load ${load()})`);

  // Growth, on CPU rather than wall time (on a shared 2-core machine the wall time mostly measures the
  // neighbours). A cost that grows linearly (fixed start-up plus a part per workload) at most doubles when the
  // estate doubles, 1,000 → 2,000 workloads; more than that (beyond 10% of noise) grows faster than linear.
  // The slopes (CPU per 1,000 workloads) are shown too: with a plan this fast they are differences of small,
  // noisy numbers, so they are not what is judged.
  const slope = (a, b, what) => ((b[what].cpuMs - a[what].cpuMs) / (b.workloads - a.workloads)) * 1000;
  const [small, medium, large] = points;
  const slopes = [slope(small, medium, 'plan'), slope(medium, large, 'plan')];
  const doubling = { plan: large.plan.cpuMs / medium.plan.cpuMs, refs: large.refs.cpuMs / medium.refs.cpuMs };

  for (const p of points) {
    rows.push({
      figure: `refs, ${p.name} (${p.workloads} workloads)`,
      value: `${seconds(p.refs.ms)}, ${megabytes(p.refs.maxRssKb)}`,
    });
    rows.push({
      figure: `plan --offline, ${p.name} (${p.workloads} workloads)`,
      value: `${seconds(p.plan.ms)} (CPU ${seconds(p.plan.cpuMs)}), ${megabytes(p.plan.maxRssKb)}`,
      ...(p.name === 'large'
        ? {
            target: `≤ ${seconds(targets.largePlanMs)}, ≤ ${megabytes(targets.largePlanKb)}`,
            met: p.plan.ms <= targets.largePlanMs && p.plan.maxRssKb <= targets.largePlanKb,
          }
        : {}),
    });
  }
  rows.push({
    figure: 'plan --offline, large, base from git (--base-ref)',
    value: `${seconds(fromGit.ms)} (CPU ${seconds(fromGit.cpuMs)}), ${megabytes(fromGit.maxRssKb)}`,
    target: `≤ ${seconds(targets.largePlanMs)}, ≤ ${megabytes(targets.largePlanKb)}`,
    met: fromGit.ms <= targets.largePlanMs && fromGit.maxRssKb <= targets.largePlanKb,
  });
  rows.push({
    figure: 'growth 1000→2000 workloads: CPU ×, plan and refs (plan CPU per 1,000: 100→1000, 1000→2000)',
    value:
      `plan ×${doubling.plan.toFixed(2)}, refs ×${doubling.refs.toFixed(2)} ` +
      `(${Math.round(slopes[0])} ms, ${Math.round(slopes[1])} ms)`,
    target: `linear (doubling the estate ≤ ×${targets.doubling} CPU)`,
    met: doubling.plan <= targets.doubling && doubling.refs <= targets.doubling,
  });
  rows.push({
    figure: `refs on ../shared/corpus (${manifestSize(join(repoRoot, '..', 'shared', 'corpus'))})`,
    value: `${seconds(corpus.ms)} (CPU ${seconds(corpus.cpuMs)}), ${megabytes(corpus.maxRssKb)}`,
  });
  return rows;
}
