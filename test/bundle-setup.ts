// Vitest global setup: the CLI tests run the bundle (dist/cli.js) as a user would, so they test what was built.
// When any source of the bundle is newer than it, bundle once before the run, so a local test run always tests
// the current source. In CI the bundle is fresh (it is built and compared with dist/ first) and nothing happens.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const bundles = ['dist/cli.js', 'dist/index.js'];
/** What the bundle is built from besides src/. */
const inputs = ['scripts/bundle.mjs', 'package-lock.json'];

function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Modification time of a path (relative to the checkout), or 0 when there is none. */
function mtime(path: string): number {
  try {
    return statSync(isAbsolute(path) ? path : join(root, path)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The bundle is missing, or a file it is built from changed after it was. */
export function bundleIsStale(): boolean {
  const built = Math.min(...bundles.map(mtime));
  const sources = Math.max(newestUnder(join(root, 'src')), ...inputs.map(mtime));
  return built === 0 || sources > built;
}

/** Another test run of this checkout may be bundling right now: one at a time, and the second finds it fresh. */
function withLock(run: () => void): void {
  const id = createHash('sha256').update(root).digest('hex').slice(0, 12);
  const lock = join(tmpdir(), `config-rollout-bundle-${id}.lock`);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest bundle is left over from a killed run.
      if (Date.now() - mtime(lock) > 10 * 60_000 || Date.now() > deadline)
        rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export default function setup(): void {
  if (!bundleIsStale()) return;
  withLock(() => {
    if (!bundleIsStale()) return;
    const started = Date.now();
    execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
    process.stderr.write(
      `dist/ was older than src/: bundled again in ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  });
}
