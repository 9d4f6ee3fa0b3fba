import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError } from './input-error.js';

const run = promisify(execFile);

/** git's output for `args`, run in `cwd`. */
export async function runGit(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The commit id a revision names, or an InputError saying how to fetch it. */
export async function resolveCommit(ref: string, cwd: string): Promise<string> {
  try {
    return (
      await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], cwd)
    ).trim();
  } catch {
    throw new InputError(
      `Git revision '${ref}' is not in this checkout. Fetch it (e.g. actions/checkout with fetch-depth: 0, or git fetch origin ${ref}).`,
    );
  }
}
