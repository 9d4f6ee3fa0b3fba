/**
 * With no standalone kustomize on PATH, a kustomization renders with `kubectl kustomize` (kubectl's own copy of
 * kustomize): the same objects, the same origins. kubectl comes from the control plane's build, which the
 * integration tests have anyway.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSource } from '../../src/sources/render-source.js';
import type { RenderOptions } from '../../src/sources/source.js';
import { repoRoot } from '../cli/run-cli.js';
import { rendererBins } from '../renderers/renderer-bins.js';

const overlay = 'test/testdata/kustomize/overlays/prod';
let clusterBin: string;

beforeAll(() => {
  const r = spawnSync('bash', [join(repoRoot, 'test/cluster/build.sh'), '--print'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('The control plane is not built: run `npm run cluster -- build`.');
  clusterBin = join(r.stdout.trim(), 'bin');
});

describe('kubectl kustomize, when kustomize is not on PATH', () => {
  it('renders what kubectl kustomize writes, each object with the origin the standalone kustomize gives', async () => {
    // The control plane's bin folder has kubectl and no kustomize.
    const viaKubectl: RenderOptions = { cwd: repoRoot, searchPath: clusterBin };
    const rendered = await renderSource({ kind: 'kustomize', path: overlay }, viaKubectl);
    const direct = spawnSync(join(clusterBin, 'kubectl'), ['kustomize', overlay], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(direct.stderr).toBe('');
    expect(rendered.files.map((f) => f.text).join('---\n')).toBe(direct.stdout);

    const standalone = await renderSource(
      { kind: 'kustomize', path: overlay },
      { cwd: repoRoot, searchPath: '/usr/bin:/bin', binaries: { kustomize: rendererBins().kustomize } },
    );
    expect(rendered.files.map((f) => f.origin)).toEqual(standalone.files.map((f) => f.origin));
  });
});
