// What sources read at the base revision, from git's objects, and which targets a change reaches, end to end.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedPaths } from '../../src/sources/changed-paths.js';
import { folderTree } from '../../src/sources/file-tree.js';
import { sourceInputsAtRef } from '../../src/sources/source-inputs-at-ref.js';
import { isTouched, sourceInputs } from '../../src/sources/source-inputs.js';
import type { Source } from '../../src/sources/source.js';

const fixture = 'test/testdata/reach';
let dir: string;
let base: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

const kustomize = (path: string): Source => ({ kind: 'kustomize', path });
const targets = ['overlays/prod', 'overlays/staging', 'overlays/dev', 'everything', 'with-chart'];

beforeAll(() => {
  // The fixture under deploy/ of a repository, committed as the base; the PR's head is written over it.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-reach-')));
  git('init', '-q', '-b', 'main');
  cpSync(fixture, join(dir, 'deploy'), { recursive: true });
  git('add', '-A');
  git('commit', '-qm', 'base');
  base = git('rev-parse', 'HEAD');
  // The head: prod drops its component (removed), staging's base env changes, a new overlay is added.
  writeFileSync(
    join(dir, 'deploy/overlays/prod/kustomization.yaml'),
    'resources: [../../base]\nconfigMapGenerator: [{name: api-config, behavior: merge, envs: [prod.env]}]\n',
  );
  rmSync(join(dir, 'deploy/components'), { recursive: true });
  writeFileSync(join(dir, 'deploy/base/config.env'), 'LOG_LEVEL=debug\nTIMEOUT=30s\n');
  cpSync(join(dir, 'deploy/overlays/dev'), join(dir, 'deploy/overlays/qa'), { recursive: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sourceInputsAtRef', () => {
  it('reads each graph as the base revision holds it, whatever the working tree holds now', async () => {
    const atBase = await sourceInputsAtRef(targets.map(kustomize), base, join(dir, 'deploy'));
    // The base commit is the fixture as it is on disk.
    expect(atBase).toEqual(targets.map((t) => sourceInputs(kustomize(t), folderTree(fixture))));
    expect(atBase[0]!.kustomizations).toContain('components/tracing');
  });

  it('reads paths relative to the folder it is run from, like the working tree', async () => {
    const [prod] = await sourceInputsAtRef([kustomize('deploy/overlays/prod')], 'main', dir);
    expect(prod!.kustomizations).toEqual([
      'deploy/base',
      'deploy/components/tracing',
      'deploy/overlays/prod',
    ]);
  });

  it('finds no kustomization where the base has none: a new target counts as touched', async () => {
    const [qa] = await sourceInputsAtRef([kustomize('overlays/qa')], base, join(dir, 'deploy'));
    expect(qa!.unreadable).toEqual([{ path: 'overlays/qa', reason: 'no such folder' }]);
    expect(isTouched(qa!, [])).toBe(true);
  });

  it('reads plain and Helm sources from their settings alone', async () => {
    const chart: Source = {
      kind: 'helm',
      path: 'with-chart/vendor/api',
      release: 'api',
      namespace: 'shop',
      valuesFiles: ['with-chart/values/prod.yaml'],
      set: [],
    };
    const sources: Source[] = [{ kind: 'plain', path: 'overlays/dev' }, chart];
    expect(await sourceInputsAtRef(sources, base, join(dir, 'deploy'))).toEqual(
      sources.map((s) => sourceInputs(s, folderTree(fixture))),
    );
  });
});

describe('the targets a change reaches, both sides read', () => {
  it('renders the overlays of the changed base and the changed or new ones, and no other', async () => {
    const cwd = join(dir, 'deploy');
    const all = [...targets, 'overlays/qa'].map(kustomize);
    const changed = await changedPaths(base, cwd);
    const head = all.map((s) => sourceInputs(s, folderTree(cwd)));
    const atBase = await sourceInputsAtRef(all, base, cwd);
    const touched = all.filter((_, i) => isTouched(head[i]!, changed) || isTouched(atBase[i]!, changed));
    expect(touched.map((s) => s.path)).toEqual(['overlays/prod', 'overlays/staging', 'overlays/qa']);
  });
});
