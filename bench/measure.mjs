// Running what is measured: child processes timed from spawn to exit on the bench's monotonic clock, their
// output lines time-stamped on arrival, and (for node children) peak memory and HTTP requests from
// child-probe.mjs. Plus the small statistics the cases share.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The bundles measured: the repository's dist/, or another build's (to compare a fix) via CONFIG_ROLLOUT_BENCH_DIST. */
export const distDir = process.env.CONFIG_ROLLOUT_BENCH_DIST ?? join(repoRoot, 'dist');
export const cliPath = join(distDir, 'cli.js');
export const actionPath = join(distDir, 'index.js');
const probePath = fileURLToPath(new URL('./child-probe.mjs', import.meta.url));

/** Milliseconds on the bench's monotonic clock; every time stamp in a case uses it. */
export const now = () => performance.now();

/**
 * Run a command to its end. `onLine(stream, line, at)` sees each output line as it arrives (at = now()).
 * `probe: true` (node scripts only) adds child-probe.mjs and returns maxRssKb and requests.
 * Resolves with the exit code, wall time and output; never rejects on a non-zero exit.
 */
export function runProcess(command, args, options = {}) {
  const { cwd = repoRoot, env = process.env, probe = false, onLine, timeoutMs = 600_000, stdin } = options;
  let probeDir;
  let childEnv = env;
  let childArgs = args;
  if (probe) {
    probeDir = mkdtempSync(join(tmpdir(), 'config-rollout-bench-probe-'));
    childEnv = { ...env, CONFIG_ROLLOUT_BENCH_PROBE: join(probeDir, 'probe.json') };
    childArgs = ['--import', probePath, ...args];
  }
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(command, childArgs, { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks = { stdout: [], stderr: [] };
    const partial = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr']) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (text) => {
        const at = now();
        chunks[stream].push(text);
        if (!onLine) return;
        const lines = (partial[stream] + text).split('\n');
        partial[stream] = lines.pop();
        for (const line of lines) onLine(stream, line, at);
      });
    }
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = now() - started;
      clearTimeout(timer);
      if (onLine)
        for (const stream of ['stdout', 'stderr'])
          if (partial[stream]) onLine(stream, partial[stream], now());
      let probed = {};
      if (probeDir) {
        try {
          probed = JSON.parse(readFileSync(join(probeDir, 'probe.json'), 'utf8'));
        } catch {
          probed = {};
        }
        rmSync(probeDir, { recursive: true, force: true });
      }
      resolve({
        code: code ?? (signal ? 128 : 1),
        signal,
        ms,
        started,
        stdout: chunks.stdout.join(''),
        stderr: chunks.stderr.join(''),
        maxRssKb: probed.maxRssKb,
        cpuMs: probed.cpuMs,
        apiMs:
          probed.firstRequestMs === undefined ? undefined : probed.lastResponseMs - probed.firstRequestMs,
        requests: probed.requests,
      });
    });
  });
}

/** Run the built CLI (dist/cli.js) with peak memory and request counting. */
export function runCli(args, options = {}) {
  return runProcess(process.execPath, [cliPath, ...args], { probe: true, ...options });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const megabytes = (kb) => `${Math.round(kb / 1024)} MB`;

/** The 1-minute load average, to read each figure against (2 cores: 2.0 is a full machine). */
export function load() {
  return loadavg()[0].toFixed(2);
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: (totalmem() / 2 ** 30).toFixed(1),
    freeGb: (freemem() / 2 ** 30).toFixed(1),
    node: process.version,
  };
}

/** Stop with a readable message when a measured command failed: a figure from a failed run means nothing. */
export function check(result, what, okCodes = [0]) {
  if (okCodes.includes(result.code)) return result;
  const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-15).join('\n');
  throw new Error(`${what} exited with ${result.code}:\n${output}`);
}
