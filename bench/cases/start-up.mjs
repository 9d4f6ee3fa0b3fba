// 5. Start-up and size: `node dist/index.js` as the runner starts it (INPUT_* and GITHUB_* variables, an event
// file, a checkout whose manifests did not change), timed from spawn to its first log line
// ("config-rollout: plan on a 'pull_request' event"); bare `node -e 0` is the floor. And the bundles' sizes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionPath, cliPath, median, now, repoRoot, runProcess } from '../measure.mjs';

const targetMs = 500;

/** A git checkout with the example's manifests committed, and the runner's files around it. */
function makeRunner(dir) {
  const checkout = join(dir, 'checkout');
  mkdirSync(join(checkout, 'k8s'), { recursive: true });
  const source = join(repoRoot, 'examples', 'shop', 'base');
  for (const file of readdirSync(source)) copyFileSync(join(source, file), join(checkout, 'k8s', file));
  const git = (...args) => execFileSync('git', args, { cwd: checkout, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'add', '-A');
  git('-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'commit', '-qm', 'base');
  const sha = git('rev-parse', 'HEAD');
  const eventPath = join(dir, 'event.json');
  const repo = { full_name: 'o/r' };
  writeFileSync(
    eventPath,
    JSON.stringify({ pull_request: { number: 1, base: { sha, repo }, head: { repo } } }),
  );
  for (const f of ['output', 'summary.md']) writeFileSync(join(dir, f), '');
  return {
    cwd: checkout,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: checkout,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
      GITHUB_SHA: sha,
      RUNNER_TEMP: dir,
      INPUT_MANIFESTS: 'k8s',
      INPUT_OFFLINE: 'true',
      INPUT_COMMENT: 'false',
    },
  };
}

export async function runStartUp({ tmp, reps, log }) {
  const runner = makeRunner(join(tmp, 'runner'));
  const firstLine = [];
  const total = [];
  for (let i = 0; i < Math.max(5, reps); i++) {
    let seen;
    const started = now();
    const result = await runProcess(process.execPath, [actionPath], {
      cwd: runner.cwd,
      env: runner.env,
      onLine: (stream, line, at) => {
        if (stream === 'stdout' && seen === undefined && /^config-rollout: plan on a /.test(line)) seen = at;
      },
    });
    if (result.code !== 0 || seen === undefined) {
      throw new Error(
        `dist/index.js exited ${result.code} without its first log line:\n${result.stdout}${result.stderr}`,
      );
    }
    firstLine.push(seen - started);
    total.push(result.ms);
  }
  const bare = [];
  for (let i = 0; i < 5; i++) bare.push((await runProcess(process.execPath, ['-e', '0'])).ms);
  const ms = median(firstLine);
  const floor = median(bare);
  log(
    `  first log line: median ${Math.round(ms)} ms (runs: ${firstLine.map(Math.round).join(', ')}); whole offline run ` +
      `${Math.round(median(total))} ms; bare node ${Math.round(floor)} ms`,
  );
  const size = (path) => `${(statSync(path).size / 2 ** 20).toFixed(1)} MB`;
  return [
    {
      figure: 'cold start: node dist/index.js → first log line (median)',
      value: `${Math.round(ms)} ms; bare node ${Math.round(floor)} ms (×${(ms / floor).toFixed(1)})`,
      target: `≤ ${targetMs} ms`,
      met: ms <= targetMs,
    },
    { figure: 'bundle size: dist/index.js, dist/cli.js', value: `${size(actionPath)}, ${size(cliPath)}` },
  ];
}
