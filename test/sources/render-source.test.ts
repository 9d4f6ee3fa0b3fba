/** The seam for sources: what kind a manifests path is, and a plain source through the one dispatch. */
import { describe, expect, it } from 'vitest';
import { readManifestFiles } from '../../src/sources/manifest-files.js';
import { renderSource } from '../../src/sources/render-source.js';
import { detectSourceKind, sourceAt } from '../../src/sources/source.js';
import { repoRoot } from '../cli/run-cli.js';

describe('detectSourceKind', () => {
  it.each([
    ['test/testdata/kustomize/overlays/prod', 'kustomize'],
    ['test/testdata/kustomize/components/tracing', 'kustomize'],
    ['test/testdata/helm/api', 'helm'],
    ['test/testdata', 'plain'],
    ['test/testdata/configmap-base.yaml', 'plain'],
    ['test/testdata/*.yaml', 'plain'],
    ['no/such/folder', 'plain'],
  ])('%s is %s', (path, kind) => {
    expect(detectSourceKind(path, repoRoot)).toBe(kind);
  });
});

describe('sourceAt', () => {
  it.each([
    [
      'test/testdata/kustomize/overlays/prod',
      { kind: 'kustomize', path: 'test/testdata/kustomize/overlays/prod' },
    ],
    [
      'test/testdata/kustomize/with-helm',
      { kind: 'kustomize', path: 'test/testdata/kustomize/with-helm', enableHelm: true },
    ],
    [
      'test/testdata/helm/umbrella',
      {
        kind: 'helm',
        path: 'test/testdata/helm/umbrella',
        release: 'shop',
        namespace: 'prod',
        valuesFiles: ['a.yaml'],
        set: ['x=1'],
      },
    ],
    ['test/testdata/*.yaml', { kind: 'plain', path: 'test/testdata/*.yaml' }],
  ])('%s', (path, source) => {
    const defaults = { namespace: 'prod', release: 'shop', valuesFiles: ['a.yaml'], set: ['x=1'] };
    expect(sourceAt(path, repoRoot, { ...defaults, enableHelm: path.endsWith('with-helm') })).toEqual(source);
  });
});

describe('renderSource', () => {
  it('reads a plain source as it is, each file its own origin', async () => {
    const rendered = await renderSource(
      { kind: 'plain', path: 'test/testdata/configmap-*.yaml' },
      { cwd: repoRoot, searchPath: '' },
    );
    const files = await readManifestFiles(['test/testdata/configmap-*.yaml'], repoRoot);
    expect(rendered.files).toEqual(files.map((f) => ({ ...f, origin: { path: f.path, via: 'resource' } })));
  });
});
