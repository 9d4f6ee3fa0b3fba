import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createGitHubClient,
  GitHubApiError,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../src/github/pull-requests.js';
import { actionsBot, octocat, startFakeGitHub, type FakeGitHub, type FakePullSeed } from './fake-github.js';

const token = 'ghs_fakeInstallationToken0123456789';
const marker = '<!-- config-rollout:plan -->';
const sha = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const otherSha = 'a5c3785ed8d6a35868bc169f07e40e889087fd2e';

let fake: FakeGitHub;
let github: GitHubClient;

function client(overrides: Partial<GitHubClientOptions> = {}): GitHubClient {
  return createGitHubClient({
    token,
    owner: 'o',
    repo: 'r',
    apiUrl: fake.url,
    retry: { baseDelayMs: 1, maxDelayMs: 50 },
    ...overrides,
  });
}

/** Each request as `METHOD path status`, in order. */
function calls(): string[] {
  return fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

async function failureOf(call: Promise<unknown>): Promise<GitHubApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GitHubApiError)) throw new Error(`expected a GitHubApiError, got ${String(error)}`);
  return error;
}

beforeEach(async () => {
  fake = await startFakeGitHub({ owner: 'o', repo: 'r', token });
  github = client();
});

afterEach(async () => {
  await fake.close();
});

describe('upsertStickyComment', () => {
  it('creates the comment once, then updates that same comment in place', async () => {
    const review = fake.seedComment(3, 'Looks fine, but what about staging?');
    const otherBot = fake.seedComment(3, '<!-- coverage-bot -->\nCoverage 81%', {
      login: 'codecov[bot]',
      id: 22429695,
      type: 'Bot',
    });

    const first = await github.upsertStickyComment(3, marker, `${marker}\nPlan v1`);
    const second = await github.upsertStickyComment(3, marker, `${marker}\nPlan v2`);

    const ours = 2_000_000_003;
    const htmlUrl = `https://github.com/o/r/pull/3#issuecomment-${ours}`;
    expect(first).toEqual({ id: ours, url: htmlUrl, created: true });
    expect(second).toEqual({ id: ours, url: htmlUrl, created: false });
    expect(calls()).toEqual([
      'GET /repos/o/r/issues/3/comments 200',
      'POST /repos/o/r/issues/3/comments 201',
      'GET /repos/o/r/issues/3/comments 200',
      `PATCH /repos/o/r/issues/comments/${ours} 200`,
    ]);
    expect(fake.requests.map((r) => r.body)).toEqual([
      undefined,
      { body: `${marker}\nPlan v1` },
      undefined,
      { body: `${marker}\nPlan v2` },
    ]);
    expect(fake.comments(3)).toEqual([
      review,
      otherBot,
      {
        id: ours,
        node_id: `IC_${ours}`,
        url: `${fake.url}/repos/o/r/issues/comments/${ours}`,
        html_url: htmlUrl,
        issue_url: `${fake.url}/repos/o/r/issues/3`,
        body: `${marker}\nPlan v2`,
        user: actionsBot,
        author_association: 'NONE',
        created_at: '2025-01-01T12:00:02.000Z',
        updated_at: '2025-01-01T12:00:03.000Z',
      },
    ]);
    expect(review.user).toEqual(octocat);
  });

  it('finds the marker on page 2 of more than 100 comments and updates it', async () => {
    for (let i = 1; i <= 120; i++) fake.seedComment(8, `comment ${i}`);
    const ours = fake.seedComment(8, `${marker}\nold plan`, actionsBot);

    const result = await github.upsertStickyComment(8, marker, `${marker}\nnew plan`);

    expect(result).toEqual({ id: ours.id, url: ours.html_url, created: false });
    expect(fake.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/repos/o/r/issues/8/comments', { per_page: '100' }],
      ['GET', '/repos/o/r/issues/8/comments', { per_page: '100', page: '2' }],
      ['PATCH', `/repos/o/r/issues/comments/${ours.id}`, {}],
    ]);
    expect(fake.comments(8).map((c) => c.body)).toEqual([
      ...Array.from({ length: 120 }, (_, i) => `comment ${i + 1}`),
      `${marker}\nnew plan`,
    ]);
  });

  it('stops paging once the marker is found', async () => {
    const ours = fake.seedComment(8, `${marker}\nold plan`, actionsBot);
    for (let i = 1; i <= 150; i++) fake.seedComment(8, `comment ${i}`);

    await github.upsertStickyComment(8, marker, `${marker}\nnew plan`);

    expect(calls()).toEqual([
      'GET /repos/o/r/issues/8/comments 200',
      `PATCH /repos/o/r/issues/comments/${ours.id} 200`,
    ]);
  });

  it('with create: false updates an existing comment but never posts a new one', async () => {
    expect(await github.upsertStickyComment(4, marker, `${marker}\nno change`, { create: false })).toEqual(
      undefined,
    );
    expect(calls()).toEqual(['GET /repos/o/r/issues/4/comments 200']);

    const ours = fake.seedComment(4, `${marker}\nplan`, actionsBot);
    expect(await github.upsertStickyComment(4, marker, `${marker}\nno change`, { create: false })).toEqual({
      id: ours.id,
      url: ours.html_url,
      created: false,
    });
    expect(fake.comments(4).map((c) => c.body)).toEqual([`${marker}\nno change`]);
  });

  it('posts afresh when the found comment is deleted before the update', async () => {
    const ours = fake.seedComment(5, `${marker}\nold`, actionsBot);
    fake.failNext({ method: 'PATCH', path: `/repos/o/r/issues/comments/${ours.id}`, status: 404 });

    const result = await github.upsertStickyComment(5, marker, `${marker}\nnew`);

    expect(result.created).toEqual(true);
    expect(calls()).toEqual([
      'GET /repos/o/r/issues/5/comments 200',
      `PATCH /repos/o/r/issues/comments/${ours.id} 404`,
      'POST /repos/o/r/issues/5/comments 201',
    ]);
  });

  it('refuses a body without its marker, which the next run could not find', async () => {
    await expect(github.upsertStickyComment(3, marker, 'Plan without marker')).rejects.toThrow(
      'upsertStickyComment: the comment body must contain its marker "<!-- config-rollout:plan -->"',
    );
    expect(fake.requests).toEqual([]);
  });
});

describe('createComment', () => {
  it('posts a new comment every time and returns its id and html_url', async () => {
    const first = await github.createComment(12, 'Applied: 2 ConfigMaps, 3 restarts');
    const second = await github.createComment(12, 'Applied again');

    expect([first, second]).toEqual([
      { id: 2_000_000_001, url: 'https://github.com/o/r/pull/12#issuecomment-2000000001' },
      { id: 2_000_000_002, url: 'https://github.com/o/r/pull/12#issuecomment-2000000002' },
    ]);
    expect(fake.comments(12).map((c) => [c.body, c.user.login])).toEqual([
      ['Applied: 2 ConfigMaps, 3 restarts', 'github-actions[bot]'],
      ['Applied again', 'github-actions[bot]'],
    ]);
  });
});

describe('findPullRequestForCommit', () => {
  it.each<[string, FakePullSeed[], number | undefined]>([
    [
      'the merged PR whose merge commit is the sha',
      [
        { number: 5, state: 'open' },
        { number: 9, merged: true, merge_commit_sha: otherSha },
        { number: 12, merged: true, merge_commit_sha: sha },
      ],
      12,
    ],
    [
      'another merged PR holding the commit when none was merged as it',
      [{ number: 5 }, { number: 9, merged: true, merge_commit_sha: otherSha }],
      9,
    ],
    [
      'nothing when only open or closed-unmerged PRs hold it',
      [{ number: 5 }, { number: 6, state: 'closed' }],
      undefined,
    ],
    ['nothing when no PR holds it', [], undefined],
  ])('%s', async (_name, prs, expected) => {
    fake.setPullsForCommit(sha, prs);

    expect(await github.findPullRequestForCommit(sha)).toEqual(expected);
    expect(fake.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', `/repos/o/r/commits/${sha}/pulls`, { per_page: '100' }],
    ]);
  });

  it('names the endpoint when GitHub does not know the commit', async () => {
    const error = await failureOf(github.findPullRequestForCommit(otherSha));
    expect(error.message).toEqual(
      `GitHub API GET /repos/o/r/commits/${otherSha}/pulls failed: 422 No commit found for SHA: ${otherSha}`,
    );
  });
});

describe('deployments', () => {
  it('creates a deployment for the ref and environment, then records its statuses', async () => {
    const runUrl = 'https://github.com/o/r/actions/runs/42';
    const id = await github.createDeployment(sha, 'production', 'config-rollout apply');
    await github.setDeploymentStatus(id, 'in_progress', 'Applying the config change', runUrl);
    await github.setDeploymentStatus(id, 'failure', 'x'.repeat(200));

    expect(id).toEqual(3_000_001);
    expect(fake.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'POST',
        '/repos/o/r/deployments',
        {
          ref: sha,
          environment: 'production',
          description: 'config-rollout apply',
          auto_merge: false,
          required_contexts: [],
        },
      ],
      [
        'POST',
        `/repos/o/r/deployments/${id}/statuses`,
        { state: 'in_progress', description: 'Applying the config change', log_url: runUrl },
      ],
      // Cut to GitHub's 140-character limit, which would otherwise answer 422.
      [
        'POST',
        `/repos/o/r/deployments/${id}/statuses`,
        { state: 'failure', description: `${'x'.repeat(139)}…` },
      ],
    ]);
    expect(
      fake.deployments.map((d) => ({
        id: d.id,
        sha: d.sha,
        ref: d.ref,
        environment: d.environment,
        description: d.description,
        statuses: d.statuses.map((s) => [s.state, s.description.length, s.log_url]),
      })),
    ).toEqual([
      {
        id,
        sha,
        ref: sha,
        environment: 'production',
        description: 'config-rollout apply',
        statuses: [
          ['in_progress', 26, runUrl],
          ['failure', 140, ''],
        ],
      },
    ]);
  });
});

describe('authentication', () => {
  it('sends the token on every request', async () => {
    fake.setPullsForCommit(sha, []);
    await github.createComment(1, 'hello');
    await github.upsertStickyComment(1, marker, `${marker}\nplan`);
    await github.findPullRequestForCommit(sha);
    await github.setDeploymentStatus(await github.createDeployment(sha, 'staging', 'd'), 'success', 'ok');

    expect(fake.requests.map((r) => r.authorization)).toEqual(Array(6).fill(`token ${token}`));
  });

  it('says a rejected token is bad, without repeating it', async () => {
    const error = await failureOf(client({ token: 'ghs_wrongToken' }).createComment(3, 'hello'));

    expect(error.message).toEqual(
      'GitHub API POST /repos/o/r/issues/3/comments failed: 401 Bad credentials — the token is missing, expired or invalid',
    );
    expect(calls()).toEqual(['POST /repos/o/r/issues/3/comments 401']);
  });
});

describe('errors and retries', () => {
  it('retries a 502 and succeeds, posting one comment', async () => {
    fake.failNext({ method: 'POST', path: '/repos/o/r/issues/3/comments', status: 502 });

    expect(await github.createComment(3, 'hello')).toEqual({
      id: 2_000_000_001,
      url: 'https://github.com/o/r/pull/3#issuecomment-2000000001',
    });
    expect(calls()).toEqual([
      'POST /repos/o/r/issues/3/comments 502',
      'POST /repos/o/r/issues/3/comments 201',
    ]);
    expect(fake.comments(3).map((c) => c.body)).toEqual(['hello']);
  });

  it('retries a failed page in the middle of paging', async () => {
    for (let i = 1; i <= 101; i++) fake.seedComment(8, `comment ${i}`);
    fake.failNext({ method: 'GET', path: '/repos/o/r/issues/8/comments', status: 503, times: 2 });

    expect((await github.upsertStickyComment(8, marker, `${marker}\nplan`)).created).toEqual(true);
    expect(calls()).toEqual([
      'GET /repos/o/r/issues/8/comments 503',
      'GET /repos/o/r/issues/8/comments 503',
      'GET /repos/o/r/issues/8/comments 200',
      'GET /repos/o/r/issues/8/comments 200',
      'POST /repos/o/r/issues/8/comments 201',
    ]);
  });

  it('gives up after the bounded number of attempts and says so', async () => {
    fake.failNext({ method: 'POST', path: '/repos/o/r/issues/3/comments', status: 502, times: 10 });

    const error = await failureOf(github.createComment(3, 'hello'));

    expect(error.message).toEqual(
      'GitHub API POST /repos/o/r/issues/3/comments failed: 502 Server Error (gave up after 3 attempts)',
    );
    expect(calls()).toEqual(Array(3).fill('POST /repos/o/r/issues/3/comments 502'));
  });

  it('waits out a short Retry-After on 429', async () => {
    fake.failNext({ path: '/repos/o/r/deployments', status: 429, headers: { 'retry-after': '0' } });

    expect(await github.createDeployment(sha, 'production', 'd')).toEqual(3_000_001);
    expect(calls()).toEqual(['POST /repos/o/r/deployments 429', 'POST /repos/o/r/deployments 201']);
  });

  it('does not wait out a long Retry-After: it surfaces the rate limit at once', async () => {
    fake.failNext({ path: '/repos/o/r/deployments', status: 429, headers: { 'retry-after': '60' } });

    const error = await failureOf(github.createDeployment(sha, 'production', 'd'));

    expect(error.message).toEqual(
      'GitHub API POST /repos/o/r/deployments failed: 429 API rate limit exceeded — rate limited by GitHub; try again later',
    );
    expect(calls()).toEqual(['POST /repos/o/r/deployments 429']);
  });

  it.each([
    [
      'POST',
      '/repos/o/r/issues/3/comments',
      (g: GitHubClient) => g.createComment(3, 'hello'),
      "GitHub API POST /repos/o/r/issues/3/comments failed: 403 Resource not accessible by integration — the workflow needs 'pull-requests: write'",
    ],
    [
      'GET',
      `/repos/o/r/commits/${sha}/pulls`,
      (g: GitHubClient) => g.findPullRequestForCommit(sha),
      `GitHub API GET /repos/o/r/commits/${sha}/pulls failed: 403 Resource not accessible by integration — the workflow needs 'contents: read' and 'pull-requests: read'`,
    ],
    [
      'POST',
      '/repos/o/r/deployments',
      (g: GitHubClient) => g.createDeployment(sha, 'production', 'd'),
      "GitHub API POST /repos/o/r/deployments failed: 403 Resource not accessible by integration — the workflow needs 'deployments: write'",
    ],
  ])(
    'a 403 on %s %s names the endpoint and the permission, with no retry',
    async (method, path, call, message) => {
      fake.setPullsForCommit(sha, []);
      fake.failNext({ method, path, status: 403 });

      const error = await failureOf(call(github));

      expect([error.message, error.status, error.method, error.path]).toEqual([message, 403, method, path]);
      expect(calls()).toEqual([`${method} ${path} 403`]);
    },
  );

  it('never repeats the token, even when GitHub echoes it', async () => {
    fake.failNext({
      path: '/repos/o/r/issues/3/comments',
      status: 422,
      message: `Token ${token} is not valid here`,
    });

    const error = await failureOf(github.createComment(3, 'hello'));

    expect(error.message).toEqual(
      'GitHub API POST /repos/o/r/issues/3/comments failed: 422 Token *** is not valid here',
    );
  });

  it('says when GitHub cannot be reached at all', async () => {
    const gone = await startFakeGitHub();
    await gone.close();
    const port = new URL(gone.url).port;

    const error = await failureOf(
      client({ apiUrl: gone.url, retry: { attempts: 2, baseDelayMs: 1 } }).createComment(3, 'x'),
    );

    expect(error.message).toEqual(
      `GitHub API POST /repos/o/r/issues/3/comments failed: no response: connect ECONNREFUSED 127.0.0.1:${port} (gave up after 2 attempts)`,
    );
  });

  it('answers 404 Not Found for endpoints and repositories it does not serve', async () => {
    const elsewhere = client({ owner: 'someone', repo: 'else' });

    const error = await failureOf(elsewhere.createComment(3, 'hello'));

    expect(error.message).toEqual(
      'GitHub API POST /repos/someone/else/issues/3/comments failed: 404 Not Found — check the repository and number, and that the token can see this repository',
    );
  });
});
