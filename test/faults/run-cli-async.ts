// Run the bundled CLI without blocking this process: tests that serve something the CLI talks to (the fault
// proxy) can't use spawnSync, which would stop their own server from answering.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, type CliResult } from '../cli/run-cli.js';

export function runCliAsync(
  args: string[],
  cwd: string,
  options: { timeoutMs?: number; nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), `${repoRoot}dist/cli.js`, ...args], {
      cwd,
      // Node's compile cache: the 5 MB bundle loads faster on the many runs a suite makes.
      env: {
        ...process.env,
        NODE_COMPILE_CACHE: join(tmpdir(), 'config-rollout-node-compile-cache'),
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
