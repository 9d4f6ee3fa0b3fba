/**
 * The README's Kustomize example is what the CLI prints: examples/kustomize-shop copied into a repository, the
 * PR's change made, planned offline with the real kustomize.
 */
import { cpSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { rendererBins } from '../renderers/renderer-bins.js';
import { commitAll, gitRepo, write, type RepoFixture } from '../sources/repo-fixture.js';
import { repoRoot, runCli } from './run-cli.js';

let repo: RepoFixture | undefined;
afterEach(() => {
  repo?.dispose();
  repo = undefined;
});

/** The quoted comment under the README's "What a reviewer sees on a Kustomize overlay" heading. */
function readmeComment(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### What a reviewer sees on a Kustomize overlay'));
  const quoted = section
    .split('\n')
    .slice(section.split('\n').findIndex((l) => l.startsWith('> ')))
    .filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('>')));
  return quoted.map((l) => l.replace(/^> ?/, '')).join('\n');
}

it('prints the comment the README shows for examples/kustomize-shop', () => {
  repo = gitRepo({});
  cpSync(join(repoRoot, 'examples', 'kustomize-shop'), repo.dir, { recursive: true });
  const base = commitAll(repo.dir, 'the example');
  write(repo.dir, { 'overlays/prod/shop.env': 'LOG_LEVEL=warn\nDB_POOL_SIZE=20\nCURRENCY=EUR\n' });
  const r = runCli(['plan', '--base-ref', base, '--offline'], repo.dir, {
    PATH: `${dirname(rendererBins().kustomize)}:/usr/bin:/bin`,
  });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('config-rollout: the change reaches 1 of 2 targets: prod\n');
  // The README leaves out the marker, the offline notice and the legend.
  const shown = r.stdout
    .replace('<!-- config-rollout:plan -->\n\n', '')
    .replace('> Planned offline, from the manifests alone (--offline).\n\n', '')
    .replace(/<sub>\*\*env\*\*.*<\/sub>\n\n/, '');
  expect(shown.trim()).toBe(readmeComment().trim());
});
