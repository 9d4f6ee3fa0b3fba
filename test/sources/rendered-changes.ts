/**
 * What the tests of rendered changes share: throwaway repositories (removed after each test) and a plan of
 * their change rendered with the real kustomize and helm (test/renderers/build.sh), on a bare PATH.
 */
import { afterEach, beforeAll } from 'vitest';
import { planChange, type PlanChangeSettings } from '../../src/plan-change.js';
import type { Plan } from '../../src/plan/plan.js';
import type { SourceDefaults } from '../../src/sources/source.js';
import { rendererBins } from '../renderers/renderer-bins.js';
import { gitRepo, type FileTree, type RepoFixture } from './repo-fixture.js';

export interface RenderedChanges {
  /** A repository with `base` committed and `head` in its working tree. */
  repo(base: FileTree, head?: FileTree): RepoFixture;
  /** Plan the working tree against the base commit, rendering kustomizations and charts. */
  plan(
    repo: RepoFixture,
    settings: Partial<Omit<PlanChangeSettings, 'render'>> & { helm?: Omit<SourceDefaults, 'namespace'> },
  ): Promise<Plan>;
}

/** Call once per test file, at its top level: it registers the hooks that find the renderers and clean up. */
export function renderedChanges(): RenderedChanges {
  let binaries: { kustomize: string; helm: string } | undefined;
  const made: RepoFixture[] = [];
  beforeAll(() => {
    const bins = rendererBins();
    binaries = { kustomize: bins.kustomize, helm: bins.helm };
  });
  afterEach(() => {
    for (const repo of made.splice(0)) repo.dispose();
  });
  return {
    repo(base, head) {
      const repo = gitRepo(base, head);
      made.push(repo);
      return repo;
    },
    plan(repo, { helm, ...settings }) {
      return planChange({
        manifests: [],
        base: { gitRef: repo.base },
        namespace: 'default',
        volumeMounts: 'restart',
        cwd: repo.dir,
        render: { searchPath: '/usr/bin:/bin', binaries: binaries!, ...(helm ? { helm } : {}) },
        ...settings,
      });
    },
  };
}
