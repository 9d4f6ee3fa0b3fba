import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveCommit } from './git-revision.js';
import { InputError } from './input-error.js';

const run = promisify(execFile);

/** A git revision's files on disk, for renderers that read files (kustomize, helm). */
export interface RevisionTree {
  /** The folder that stands for `cwd` at that revision (the same subfolder of the checked-out repository). */
  cwd: string;
  dispose(): void;
}

/**
 * Write the files of `ref` into a temporary folder: the base of a change is rendered from its own files (its
 * kustomizations, charts and values files as they were), the same way as the head. git reads the revision
 * through a temporary index, so the checkout's own index, working tree and worktree list are left alone, and
 * `.gitattributes` of the revision can't leave files out as `git archive` would (`export-ignore`).
 */
export async function checkOutRevision(ref: string, cwd: string): Promise<RevisionTree> {
  const git = async (args: string[], env?: NodeJS.ProcessEnv, at = cwd) =>
    (await run('git', args, { cwd: at, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })).stdout;
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => {
    throw new InputError(
      `Git revision '${ref}' is not in this checkout. Fetch it (e.g. actions/checkout with fetch-depth: 0, or git fetch origin ${ref}).`,
    );
  });
  const prefix = (await git(['rev-parse', '--show-prefix'])).trim();
  const top = (await git(['rev-parse', '--show-toplevel'])).trim();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-base-')));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(dir, 'index') };
    await git(['read-tree', `${ref}^{tree}`], env, top);
    // From the repository's root: checkout-index writes every path of the index under the prefix.
    await git(['checkout-index', '--all', '--force', `--prefix=${join(dir, 'tree')}/`], env, top);
    return { cwd: join(dir, 'tree', prefix), dispose };
  } catch (error) {
    dispose();
    if (error instanceof InputError) throw error;
    const detail =
      error instanceof Error ? error.message.split('\n').slice(-3).join(' ').trim() : String(error);
    throw new InputError(`Could not write the files of ${ref} to render the base: ${detail}`);
  }
}

/** Trees already written in this process, by revision and folder: the targets of one run share them. */
const written = new Map<string, Promise<RevisionTree>>();
/** Those whose writing has finished, removed synchronously when the process exits. */
const toRemove: RevisionTree[] = [];

/**
 * `checkOutRevision`, once per revision and folder for the whole process: a run that renders twenty overlays
 * of one repository writes its base once. The folders are removed when the process exits.
 */
export async function sharedRevisionTree(ref: string, cwd: string): Promise<RevisionTree> {
  // By commit, not by name: a branch name may move while a process (a test run) lives on.
  const key = `${await resolveCommit(ref, cwd)}\0${cwd}`;
  let tree = written.get(key);
  if (!tree) {
    if (written.size === 0) process.once('exit', () => toRemove.forEach((t) => t.dispose()));
    tree = checkOutRevision(ref, cwd).then((t) => {
      toRemove.push(t);
      return t;
    });
    // A failed checkout is not kept: the next caller gets the error anew.
    tree.catch(() => written.delete(key));
    written.set(key, tree);
  }
  return tree;
}
