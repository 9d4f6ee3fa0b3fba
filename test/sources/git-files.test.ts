// The base of a change read from git, taking the working tree's text where git says the bytes are the same.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitBlobId, readManifestFilesAtRef } from '../../src/sources/git-files.js';
import { readManifestFiles } from '../../src/sources/manifest-files.js';

function repo(files: Record<string, string>): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git('add', '-A');
  git('commit', '-qm', 'base');
  return { dir, git };
}

describe('readManifestFilesAtRef', () => {
  it("gives the revision's text of every file, whatever the working tree holds now", async () => {
    const { dir } = repo({
      'k8s/a.yaml': 'kind: A\n',
      'k8s/b.yaml': 'kind: B # é\n',
      'k8s/gone.yaml': 'kind: Gone\n',
    });
    writeFileSync(join(dir, 'k8s/a.yaml'), 'kind: A2\n');
    writeFileSync(join(dir, 'k8s/new.yaml'), 'kind: New\n');
    execFileSync('rm', [join(dir, 'k8s/gone.yaml')]);
    const head = await readManifestFiles(['k8s'], dir);
    const base = await readManifestFilesAtRef('HEAD', ['k8s'], dir, head);
    expect(base).toEqual([
      { path: 'k8s/a.yaml', text: 'kind: A\n' },
      { path: 'k8s/b.yaml', text: 'kind: B # é\n' },
      { path: 'k8s/gone.yaml', text: 'kind: Gone\n' },
    ]);
    expect(await readManifestFilesAtRef('HEAD', ['k8s'], dir)).toEqual(base);
  });

  it("computes git's object ids", () => {
    const { git } = repo({ 'x.yaml': 'a: "ü"\r\n' });
    const text = 'a: "ü"\r\n';
    expect(gitBlobId(text, 40)).toBe(git('hash-object', 'x.yaml').trim());
    expect(gitBlobId('', 40)).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });
});
