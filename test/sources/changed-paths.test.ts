// The files a change touches, from a real git repository: committed, staged, unstaged, untracked, deleted, renamed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedPaths } from '../../src/sources/changed-paths.js';
import { InputError } from '../../src/sources/input-error.js';

let dir: string;
let base: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-changed-')));
  git('init', '-q', '-b', 'main');
  write({
    '.gitignore': '*.tmp\n',
    'deploy/app/kustomization.yaml': 'resources: [deployment.yaml]\n',
    'deploy/app/deployment.yaml': 'kind: Deployment\n',
    'deploy/app/config.env': 'LOG_LEVEL=info\n',
    'deploy/app/staged.env': 'A=1\n',
    'deploy/app/committed.env': 'B=1\n',
    'deploy/app/old-name.yaml': 'kind: ConfigMap\nmetadata: {name: renamed}\n',
    'deploy/app/gone.yaml': 'kind: Gone\n',
    'deploy/app/same.yaml': 'kind: Same\n',
    'other/x.yaml': 'kind: X\n',
  });
  git('add', '-A');
  git('commit', '-qm', 'base');
  base = git('rev-parse', 'HEAD');
  // The PR's branch: one commit, then uncommitted work on top.
  git('checkout', '-qb', 'pr');
  write({ 'deploy/app/committed.env': 'B=2\n' });
  git('mv', 'deploy/app/old-name.yaml', 'deploy/app/new-name.yaml');
  git('commit', '-qam', 'pr');
  write({ 'deploy/app/staged.env': 'A=2\n' });
  git('add', 'deploy/app/staged.env');
  write({
    'deploy/app/config.env': 'LOG_LEVEL=debug\n',
    'deploy/app/untracked é.env': 'C=1\n',
    'deploy/app/scratch.tmp': 'ignored\n',
    'other/x.yaml': 'kind: X2\n',
    'other/new.yaml': 'kind: New\n',
  });
  rmSync(join(dir, 'deploy/app/gone.yaml'));
  // Changed and changed back: the same bytes as the base.
  write({ 'deploy/app/same.yaml': 'kind: Changed\n' });
  write({ 'deploy/app/same.yaml': 'kind: Same\n' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('changedPaths', () => {
  const inApp = [
    'app/committed.env',
    'app/config.env',
    'app/gone.yaml',
    'app/new-name.yaml',
    'app/old-name.yaml',
    'app/staged.env',
    'app/untracked é.env',
  ];

  it('lists every file that differs from the base, both paths of a rename, and untracked files', async () => {
    expect(await changedPaths('main', dir)).toEqual([
      ...inApp.map((p) => `deploy/${p}`),
      'other/new.yaml',
      'other/x.yaml',
    ]);
  });

  it('takes a commit id as well as a branch', async () => {
    expect(await changedPaths(base, dir)).toEqual(await changedPaths('main', dir));
  });

  it('lists paths relative to a subfolder, leaving out what is outside it', async () => {
    expect(await changedPaths('main', join(dir, 'deploy'))).toEqual(inApp);
  });

  it('against HEAD lists the uncommitted changes only, and nothing in a clean clone', async () => {
    expect(await changedPaths('HEAD', join(dir, 'deploy/app/..'))).toEqual([
      'app/config.env',
      'app/gone.yaml',
      'app/staged.env',
      'app/untracked é.env',
    ]);
    const clean = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-clean-')));
    try {
      execFileSync('git', ['clone', '-q', dir, clean]);
      expect(await changedPaths('HEAD', clean)).toEqual([]);
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it.each(['no-such-branch', '--output=out.txt'])('refuses a revision that is not there: %s', async (ref) => {
    await expect(changedPaths(ref, dir)).rejects.toThrow(
      new InputError(
        `Git revision '${ref}' is not in this checkout. Fetch it (e.g. actions/checkout with fetch-depth: 0, or git fetch origin ${ref}).`,
      ),
    );
  });
});
