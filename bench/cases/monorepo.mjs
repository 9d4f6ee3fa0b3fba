// 6. Monorepo of rendered sources: `bench/generate-monorepo.mjs` writes a git repository of 200 kustomize overlays
// over 10 shared bases and 50 Helm releases of 5 charts, all 250 listed in config-rollout.yaml, and commits it as
// the base. Three PRs are put in its working tree in turn and planned with the built CLI, offline, the base read from
// git (`plan --base-ref <base> --offline --format json`, as the action plans a PR):
//   - one overlay's generator env file: wall time (median of the reps), and against it the script a team would
//     otherwise run: every target rendered on both sides (`kustomize build` / `helm template` in the checkout and in
//     a `git worktree` of the base commit), two renders at a time (the machine has 2 cores), in the same run;
//   - one shared base's env file: which targets were rendered (the CLI's `the change reaches N of M targets` line)
//     and reported (JSON `targets`): exactly the 20 overlays that include that base;
//   - the README, which no target reads: start-up and deciding what 250 targets' inputs are, with no render, to
//     split the one-overlay plan into that, its two renders (as the script timed them) and the rest.
// The renderers are the cached builds of test/renderers/build.sh, on PATH for the CLI and the script alike. Beside
// each plan's wall time, the CPU time of its whole process tree (node, git, the renderers), which the neighbours
// on a shared machine move less.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyScenario, generateMonorepo, revertScenario, writeMonorepo } from '../generate-monorepo.mjs';
import { check, cliPath, load, median, now, repoRoot, runProcess, seconds } from '../measure.mjs';

const targets = { overlayPlanMs: 3000, speedUp: 10 };
/** Renders the script runs at once: as many as the machine's 2 cores. */
const scriptParallel = 2;
/** A plan that renders every target on both sides takes minutes on a loaded machine: give it room. */
const planTimeoutMs = 60 * 60_000;

/** The folder holding the cached kustomize and helm builds; the bench does not build them. */
function renderersBin() {
  try {
    const dir = execFileSync('bash', [join(repoRoot, 'test', 'renderers', 'build.sh'), '--print'], {
      encoding: 'utf8',
    }).trim();
    return join(dir, 'bin');
  } catch {
    throw new Error('kustomize and helm are not built: run `npm run renderers` first (about 10 minutes)');
  }
}

/** `config-rollout: the change reaches 20 of 250 targets: …` — undefined from a build that renders every target. */
function reachOf(stderr) {
  const match = /the change reaches (\d+) of (\d+) targets?/.exec(stderr);
  return match ? { reached: Number(match[1]), of: Number(match[2]) } : undefined;
}

/**
 * Run the built CLI under bash, whose `times` then gives the CPU time (user + system) of the whole process tree:
 * node and the git and renderer processes it waited for. It moves less with the neighbours than wall time does.
 */
async function runCliTree(args, options) {
  const script = '"$@"; code=$?; times >&2; exit $code';
  const result = await runProcess(
    'bash',
    ['-c', script, 'bash', process.execPath, cliPath, ...args],
    options,
  );
  const lines = result.stderr.trimEnd().split('\n');
  const toMs = (time) => {
    const match = /^(\d+)m([\d.]+)s$/.exec(time);
    return match ? (Number(match[1]) * 60 + Number(match[2])) * 1000 : NaN;
  };
  const [user, system] = (lines.at(-1) ?? '').split(' ').map(toMs);
  return { ...result, stderr: lines.slice(0, -2).join('\n'), treeCpuMs: user + system };
}

/** Plan the PR in the working tree; the reported targets and the reach line of each run. */
async function planRuns(dir, base, env, reps, scenario) {
  const args = ['plan', '--base-ref', base, '--offline', '--format', 'json'];
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const result = check(
      await runCliTree(args, { cwd: dir, env, timeoutMs: planTimeoutMs }),
      `config-rollout ${args.join(' ')}`,
      [0, 1],
    );
    const reported = JSON.parse(result.stdout).targets ?? [];
    const names = reported.map((t) => (typeof t === 'string' ? t : (t.name ?? t.target)));
    const expected = [...scenario.reaches].sort();
    if (JSON.stringify([...names].sort()) !== JSON.stringify(expected))
      throw new Error(
        `plan reported targets ${names.join(', ') || '(none)'}; expected ${expected.join(', ')} (${scenario.what})`,
      );
    runs.push({
      ms: result.ms,
      cpuMs: result.treeCpuMs,
      load: load(),
      reach: reachOf(result.stderr),
      reported: names,
      json: result.stdout,
    });
  }
  return runs;
}

/** The render command a script runs for a target, in `root` (the checkout or the base's worktree). */
function renderCommand(bin, target) {
  if (target.kind === 'kustomize') return [join(bin, 'kustomize'), ['build', target.manifests]];
  return [
    join(bin, 'helm'),
    [
      'template',
      target.release,
      target.manifests,
      '--namespace',
      target.namespace,
      ...target.values.flatMap((file) => ['--values', file]),
    ],
  ];
}

/**
 * What a script does without knowing what a change can reach: a worktree of the base commit, then every target
 * rendered on both sides, `scriptParallel` at a time; the worktree removed. Returns the wall time of it all and
 * the targets whose renders differ (a check that the script did the real work).
 */
async function renderEverything(dir, base, targetList, bin, worktree) {
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const started = now();
  check(
    await runProcess('git', ['worktree', 'add', '-q', '--detach', worktree, base], { cwd: dir }),
    'git worktree add',
  );
  const jobs = targetList.flatMap((target) => [
    { target, root: dir, side: 'head' },
    { target, root: worktree, side: 'base' },
  ]);
  const outputs = new Map();
  /** Per target, its two renders' time (as timed while the script ran them two at a time). */
  const renderMs = new Map();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const [command, args] = renderCommand(bin, job.target);
      const result = check(
        await runProcess(command, args, { cwd: job.root, env }),
        `${command.split('/').pop()} ${args.join(' ')}`,
      );
      outputs.set(`${job.side} ${job.target.name}`, result.stdout);
      renderMs.set(job.target.name, (renderMs.get(job.target.name) ?? 0) + result.ms);
    }
  };
  await Promise.all(Array.from({ length: scriptParallel }, worker));
  check(
    await runProcess('git', ['worktree', 'remove', '--force', worktree], { cwd: dir }),
    'git worktree remove',
  );
  const ms = now() - started;
  const differ = targetList
    .filter((t) => outputs.get(`head ${t.name}`) !== outputs.get(`base ${t.name}`))
    .map((t) => t.name);
  return { ms, renders: jobs.length, renderMs, differ, load: load() };
}

const rendered = (run, of) =>
  run.reach
    ? `${run.reach.reached} of ${run.reach.of}`
    : `${of} of ${of} (this build prints no reach line: it renders every target)`;

export async function runMonorepo({ tmp, reps, log }) {
  const rows = [];
  const bin = renderersBin();
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const versions = ['kustomize version', 'helm version --short']
    .map((c) => execFileSync(join(bin, c.split(' ')[0]), c.split(' ').slice(1), { encoding: 'utf8' }).trim())
    .join(', ');
  const dir = join(tmp, 'monorepo');
  mkdirSync(dir, { recursive: true });
  const monorepo = generateMonorepo();
  const base = writeMonorepo(dir, monorepo);
  const { counts } = monorepo;
  const of = counts.targets;
  log(
    `${counts.overlays} overlays over ${counts.bases} bases, ${counts.releases} releases of ${counts.charts} charts: ` +
      `${of} targets, ${counts.files} files; renderers ${versions} (load ${load()})`,
  );

  const runs = (r) => r.map((run) => seconds(run.ms)).join(', ');
  const cpu = (r) => `CPU ${seconds(median(r.map((run) => run.cpuMs)))}`;
  const plan = async (scenario, times) => {
    applyScenario(dir, scenario);
    try {
      return await planRuns(dir, base, env, times, scenario);
    } finally {
      revertScenario(dir, monorepo, scenario);
    }
  };

  // A PR no target reads: what starting and deciding the reach of 250 targets costs, nothing rendered.
  const docs = monorepo.scenarios.docs;
  const docsRuns = await plan(docs, reps);
  const docsMs = median(docsRuns.map((r) => r.ms));
  log(
    `PR 0, ${docs.what}: plan ${seconds(docsMs)} (runs ${runs(docsRuns)}; ${cpu(docsRuns)}), rendered ${rendered(docsRuns[0], of)} ` +
      `(load ${docsRuns.at(-1).load})`,
  );

  // One overlay's generator, and the script that renders everything, in the same run.
  const overlay = monorepo.scenarios.overlay;
  const overlayRuns = await plan(overlay, reps);
  const overlayMs = median(overlayRuns.map((r) => r.ms));
  const configMaps = JSON.parse(overlayRuns[0].json).configMaps ?? [];
  const paired = configMaps.filter((c) => c.change === 'modified' && c.replaces).length;
  log(
    `PR 1, ${overlay.what}: plan ${seconds(overlayMs)} (runs ${runs(overlayRuns)}; ${cpu(overlayRuns)}), ` +
      `rendered ${rendered(overlayRuns[0], of)}, reported ${overlayRuns[0].reported.join(', ')}; ` +
      `${paired} hash-suffixed ConfigMap paired (load ${overlayRuns.at(-1).load})`,
  );
  applyScenario(dir, overlay);
  const script = await renderEverything(dir, base, monorepo.targets, bin, join(tmp, 'monorepo-base'));
  revertScenario(dir, monorepo, overlay);
  if (JSON.stringify(script.differ) !== JSON.stringify(overlay.reaches))
    throw new Error(`the script's renders differ for ${script.differ.join(', ') || 'no target'}`);
  const speedUp = script.ms / overlayMs;
  const rendersOf = (names) => names.reduce((sum, name) => sum + script.renderMs.get(name), 0);
  const overlayRenderMs = rendersOf(overlay.reaches);
  const overlayRestMs = overlayMs - docsMs - overlayRenderMs;
  log(
    `  every target rendered on both sides (${script.renders} renders, ${scriptParallel} at a time): ` +
      `${seconds(script.ms)}, ×${speedUp.toFixed(1)} the plan (load ${script.load})`,
  );
  log(
    `  the plan's ${seconds(overlayMs)}: start-up and reach ${seconds(docsMs)} (PR 0), the target's 2 renders ` +
      `${seconds(overlayRenderMs)} (as the script timed them), the rest ${seconds(overlayRestMs)}`,
  );

  // One shared base: the overlays that include it, and only those.
  const shared = monorepo.scenarios.base;
  const [baseRun] = await plan(shared, 1);
  const onlyReached =
    baseRun.reach !== undefined && baseRun.reach.reached === shared.reaches.length && baseRun.reach.of === of;
  const baseRenderMs = rendersOf(shared.reaches);
  log(
    `PR 2, ${shared.what}: plan ${seconds(baseRun.ms)} (${cpu([baseRun])}), rendered ${rendered(baseRun, of)}, ` +
      `reported ${baseRun.reported.length} (the base's ${shared.reaches.length} overlays); their ` +
      `${2 * shared.reaches.length} renders took the script ${seconds(baseRenderMs)} (load ${baseRun.load})`,
  );

  rows.push({
    figure: `monorepo (${of} targets): PR no target reads (start-up and reach only)`,
    value: `${seconds(docsMs)} (runs ${runs(docsRuns)}; ${cpu(docsRuns)}); rendered ${rendered(docsRuns[0], of)}`,
  });
  rows.push({
    figure: `monorepo: PR changing one overlay's generator, plan --base-ref --offline`,
    value: `${seconds(overlayMs)} (runs ${runs(overlayRuns)}; ${cpu(overlayRuns)}); rendered ${rendered(overlayRuns[0], of)}`,
    target: `≤ ${seconds(targets.overlayPlanMs)}`,
    met: overlayMs <= targets.overlayPlanMs,
  });
  rows.push({
    figure: `… against rendering every target on both sides (${script.renders} renders, ${scriptParallel} at a time)`,
    value: `${seconds(script.ms)} (×${speedUp.toFixed(1)})`,
    target: `≥ ${targets.speedUp}× faster`,
    met: speedUp >= targets.speedUp,
  });
  rows.push({
    figure: '… the plan: start-up and reach; the 2 renders (script-timed); the rest',
    value: `${seconds(docsMs)}; ${seconds(overlayRenderMs)}; ${seconds(overlayRestMs)}`,
  });
  rows.push({
    figure: `monorepo: PR changing one shared base (included by ${shared.reaches.length} overlays)`,
    value:
      `rendered ${rendered(baseRun, of)}, reported ${baseRun.reported.length}; plan ${seconds(baseRun.ms)} ` +
      `(${cpu([baseRun])}; their ${2 * shared.reaches.length} renders: ${seconds(baseRenderMs)})`,
    target: `renders only its ${shared.reaches.length} overlays`,
    met: onlyReached,
  });
  return rows;
}
