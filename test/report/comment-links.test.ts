// Links from the comment to the lines of the PR's head commit, and paths that must not become links.
import { describe, expect, it } from 'vitest';
import { lineUrl, linked, locationLink, repositoryPath } from '../../src/report/comment-links.js';

const links = { repositoryUrl: 'https://github.com/acme/shop', sha: 'abc123', root: '/work/repo' };

describe('links to the manifests', () => {
  it.each([
    ['k8s/api.yaml', 'k8s/api.yaml'],
    ['./k8s/api.yaml', 'k8s/api.yaml'],
    ['././k8s/api.yaml', 'k8s/api.yaml'],
    ['/work/repo/k8s/api.yaml', 'k8s/api.yaml'],
    ['k8s\\win\\api.yaml', 'k8s/win/api.yaml'],
    ['/work/repository/k8s/api.yaml', undefined],
    ['/elsewhere/api.yaml', undefined],
    ['../outside/api.yaml', undefined],
    ['k8s/../../api.yaml', undefined],
    ['./', undefined],
  ])('%s is %s in the repository', (file, path) => {
    expect(repositoryPath(file, links.root)).toBe(path);
  });

  it('takes no absolute path without a root', () => {
    expect(repositoryPath('/work/repo/k8s/api.yaml', undefined)).toBeUndefined();
    expect(repositoryPath('/work/repo/k8s/api.yaml', '/work/repo///')).toBe('k8s/api.yaml');
  });

  it('links a line at the commit, encoding what would end the link', () => {
    expect(lineUrl({ file: 'k8s/api.yaml', line: 12 }, links)).toBe(
      'https://github.com/acme/shop/blob/abc123/k8s/api.yaml#L12',
    );
    expect(lineUrl({ file: "k8s/a b (1)!*'.yaml", line: 3 }, links)).toBe(
      'https://github.com/acme/shop/blob/abc123/k8s/a%20b%20%281%29%21%2A%27.yaml#L3',
    );
    expect(lineUrl({ file: 'k8s/api.yaml', line: 1 }, undefined)).toBeUndefined();
    expect(lineUrl({ file: '/elsewhere/api.yaml', line: 1 }, links)).toBeUndefined();
  });

  it('writes a location as a link on GitHub, as a code span elsewhere, with inert text', () => {
    expect(locationLink({ file: 'k8s/[x]`@team.yaml', line: 2 }, links)).toBe(
      '[k8s/\\[x\\]&#96;@\u200bteam.yaml:2](https://github.com/acme/shop/blob/abc123/k8s/%5Bx%5D%60%40team.yaml#L2)',
    );
    expect(locationLink({ file: 'k8s/api.yaml', line: 2 }, undefined)).toBe('`k8s/api.yaml:2`');
    expect(linked('Deployment `api`', { file: 'k8s/api.yaml', line: 2 }, links)).toBe(
      '[Deployment `api`](https://github.com/acme/shop/blob/abc123/k8s/api.yaml#L2)',
    );
    expect(linked('Deployment `api`', null, links)).toBe('Deployment `api`');
    expect(linked('Deployment `api`', { file: 'k8s/api.yaml', line: 2 }, undefined)).toBe('Deployment `api`');
  });
});
