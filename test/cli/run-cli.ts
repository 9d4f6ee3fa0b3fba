import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = `${repoRoot}dist/cli.js`;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the bundled CLI (dist/cli.js) as a user would; `env` adds to (or, set undefined, removes from) the test's. */
export function runCli(args: string[], cwd = repoRoot, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
