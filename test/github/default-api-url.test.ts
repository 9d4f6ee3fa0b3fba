import { afterEach, expect, it, vi } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';

let fake: FakeGitHub | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

// The action passes no apiUrl: @actions/github takes GITHUB_API_URL when it is first imported, as on a runner.
// So this file imports the client only after setting it, and must not import @actions/github statically.
it('without apiUrl, talks to GITHUB_API_URL as set when @actions/github is first imported', async () => {
  fake = await startFakeGitHub({ token: 'ghs_runnerToken' });
  vi.stubEnv('GITHUB_API_URL', fake.url);
  const { createGitHubClient } = await import('../../src/github/pull-requests.js');

  const comment = await createGitHubClient({ token: 'ghs_runnerToken', owner: 'o', repo: 'r' }).createComment(
    1,
    'hello',
  );

  expect(comment).toEqual({
    id: 2_000_000_001,
    url: 'https://github.com/o/r/pull/1#issuecomment-2000000001',
  });
  expect(fake.requests.map((r) => [r.method, r.path, r.authorization])).toEqual([
    ['POST', '/repos/o/r/issues/1/comments', 'token ghs_runnerToken'],
  ]);
});
