import { resolveCommit, runGit } from './git-revision.js';

/**
 * The files that differ between the git revision `baseRef` and the working tree, relative to `cwd` with `/`:
 * committed, staged and unstaged changes, deleted files, both paths of a rename, and untracked files git does
 * not ignore. Files outside `cwd` are left out: sources read only files under it.
 */
export async function changedPaths(baseRef: string, cwd: string): Promise<string[]> {
  const base = await resolveCommit(baseRef, cwd);
  const [changed, untracked] = await Promise.all([
    // --no-renames: a rename is its old path deleted and its new one added, and both can reach a target.
    runGit(['diff', '--name-only', '-z', '--no-renames', '--relative', base, '--'], cwd),
    runGit(['ls-files', '--others', '--exclude-standard', '-z'], cwd),
  ]);
  const paths = [...changed.split('\0'), ...untracked.split('\0')].filter((p) => p !== '');
  return [...new Set(paths)].sort();
}
