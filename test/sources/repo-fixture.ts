/**
 * A throwaway git repository for tests of a change: the base committed, the head written over it in the
 * working tree, as a PR's checkout has them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Repository-relative path → text; `null` deletes the file in the head. */
export type FileTree = Record<string, string | null>;

export interface RepoFixture {
  dir: string;
  /** The base commit. */
  base: string;
  dispose(): void;
}

export function gitRepo(base: FileTree, head: FileTree = {}): RepoFixture {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-repo-')));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  write(dir, base);
  const sha = commitAll(dir, 'base');
  write(dir, head);
  return { dir, base: sha, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Commit everything in the working tree; the new commit's id. */
export function commitAll(dir: string, message = 'change'): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    }).trim();
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);
  return git('rev-parse', 'HEAD');
}

export function write(dir: string, files: FileTree): void {
  for (const [path, text] of Object.entries(files)) {
    const at = join(dir, path);
    if (text === null) {
      rmSync(at, { force: true });
      continue;
    }
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, text);
  }
}

/** Lines joined with newlines, ending with one: fixtures read as the files they stand for. */
export function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}
