// Which targets a change reaches: each kind of source's inputs, and the changed paths that touch them.
import { describe, expect, it } from 'vitest';
import type { FileTree } from '../../src/sources/file-tree.js';
import {
  changesReaching,
  isTouched,
  sourceInputs,
  type SourceInputs,
} from '../../src/sources/source-inputs.js';
import type { HelmSource } from '../../src/sources/source.js';

/** Plain and Helm sources are known from their settings alone: a tree that is read is a mistake. */
const unread: FileTree = {
  readFile: (path) => {
    throw new Error(`read ${path}`);
  },
  kindOf: (path) => {
    throw new Error(`looked at ${path}`);
  },
};

const none = { kustomizations: [], files: [], folders: [], patterns: [], untracked: [], unreadable: [] };

function chart(path: string, valuesFiles: string[]): HelmSource {
  return { kind: 'helm', path, release: 'api', namespace: 'shop', valuesFiles, set: [] };
}

describe('a Helm source', () => {
  const prod = chart('./charts/api/', ['values/common.yaml', 'values/prod.yaml', './values/common.yaml']);
  const staging = chart('charts/api', ['values/common.yaml', 'values/staging.yaml']);

  it('reads its chart folder and its values files', () => {
    expect(sourceInputs(prod, unread)).toEqual({
      ...none,
      files: ['values/common.yaml', 'values/prod.yaml'],
      folders: ['charts/api'],
    });
  });

  it.each([
    ['charts/api/templates/configmap.yaml', true, true],
    ['charts/api/values.yaml', true, true],
    // A vendored dependency is under the chart folder.
    ['charts/api/charts/common/templates/_helpers.tpl', true, true],
    ['values/common.yaml', true, true],
    ['values/prod.yaml', true, false],
    ['values/staging.yaml', false, true],
    ['charts/api-v2/Chart.yaml', false, false],
    ['charts/other/values.yaml', false, false],
  ])('a change to %s reaches prod: %s, staging: %s', (changed, reachesProd, reachesStaging) => {
    expect(isTouched(sourceInputs(prod, unread), [changed])).toBe(reachesProd);
    expect(isTouched(sourceInputs(staging, unread), [changed])).toBe(reachesStaging);
  });
});

describe('a plain source', () => {
  it.each([
    ['k8s', ['k8s/app/deployment.yaml', 'k8s/config.JSON']],
    ['./k8s/app/', ['k8s/app/deployment.yaml']],
    ['k8s/app/deployment.yaml', ['k8s/app/deployment.yaml']],
    ['k8s/**/*.yaml', ['k8s/app/deployment.yaml']],
    ['.', ['k8s/app/deployment.yaml', 'k8s/config.JSON', 'top.yml']],
  ])('%s is reached by its manifests only', (path, reached) => {
    const changed = [
      'README.md',
      'k8s/app/deployment.yaml',
      'k8s/app/notes.txt',
      'k8s/config.JSON',
      'top.yml',
    ];
    expect(changesReaching(sourceInputs({ kind: 'plain', path }, unread), changed)).toEqual(reached);
  });
});

describe('isTouched', () => {
  const inputs: SourceInputs = {
    ...none,
    kustomizations: ['app'],
    files: ['shared/config.env'],
    folders: ['charts/api'],
  };

  it.each([
    [[], false],
    [['app/kustomization.yaml'], true],
    [['app/kustomization.yml'], true],
    [['app/Kustomization'], true],
    // Only the kustomization itself: the folder's other files count when the kustomization names them.
    [['app/deployment.yaml'], false],
    [['app/sub/kustomization.yaml'], false],
    [['shared/config.env'], true],
    [['shared/config.env.orig'], false],
    [['charts/api'], true],
    [['charts/api/Chart.yaml'], true],
    [['charts/apiary/Chart.yaml'], false],
    [['elsewhere.yaml', 'charts/api/values.yaml'], true],
  ])('%j: %s', (changed, touched) => {
    expect(isTouched(inputs, changed)).toBe(touched);
  });

  it('is always true when part of the graph could not be read', () => {
    expect(isTouched({ ...none, unreadable: [{ path: 'app', reason: 'no such folder' }] }, [])).toBe(true);
  });

  it('is never true for references out of reach', () => {
    const remote = {
      ...none,
      untracked: [{ reference: 'github.com/a/b', namedIn: 'app', why: 'remote' as const }],
    };
    expect(isTouched(remote, ['github.com/a/b', 'app'])).toBe(false);
  });

  it('takes the repository root as a folder holding everything', () => {
    expect(isTouched({ ...none, folders: ['.'] }, ['any/file'])).toBe(true);
  });
});
