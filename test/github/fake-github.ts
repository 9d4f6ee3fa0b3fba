import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for api.github.com, for the endpoints config-rollout calls and nothing else. It keeps state
 * in memory, answers with GitHub's JSON shapes (trimmed to the fields that matter) and records every request.
 * Point the real Octokit at `url` (apiUrl, or GITHUB_API_URL in a child process).
 */

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: FakeUser;
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface FakeDeploymentStatus {
  id: number;
  node_id: string;
  url: string;
  state: string;
  description: string;
  environment: string;
  target_url: string;
  log_url: string;
  creator: FakeUser;
  deployment_url: string;
  repository_url: string;
  created_at: string;
  updated_at: string;
}

export interface FakeDeployment {
  id: number;
  node_id: string;
  url: string;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  original_environment: string;
  description: string | null;
  creator: FakeUser;
  statuses_url: string;
  repository_url: string;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  updated_at: string;
}

export interface FakePullSeed {
  number: number;
  state?: 'open' | 'closed';
  /** A merged PR gets merged_at set. */
  merged?: boolean;
  merge_commit_sha?: string | null;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /repos/o/r/issues/3/comments. */
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** The status the fake answered with. */
  status: number;
}

export interface FailureRule {
  /** Matches the path without the query string, exactly. */
  path: string;
  /** Any method when left out. */
  method?: string;
  status: number;
  /** How many matching requests fail; 1 when left out. */
  times?: number;
  message?: string;
  headers?: Record<string, string>;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  /** When set, requests must carry it (`token …` or `Bearer …`), else 401 Bad credentials, as GitHub does. */
  token?: string;
  failNext?: FailureRule[];
}

export interface FakeGitHub {
  /** Base URL to use as apiUrl / GITHUB_API_URL. */
  url: string;
  owner: string;
  repo: string;
  /** Every request, in order, including the ones that failed. */
  requests: RecordedRequest[];
  comments(issue: number): FakeComment[];
  /** Deployments in creation order, each with its statuses (oldest first). */
  readonly deployments: (FakeDeployment & { statuses: FakeDeploymentStatus[] })[];
  seedComment(issue: number, body: string, user?: FakeUser): FakeComment;
  setPullsForCommit(sha: string, prs: FakePullSeed[]): void;
  /** Make the next `times` requests matching the rule fail with its status. */
  failNext(rule: FailureRule): void;
  close(): Promise<void>;
}

export const actionsBot: FakeUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
export const octocat: FakeUser = { login: 'octocat', id: 583231, type: 'User' };

const webUrl = 'https://github.com';
const deploymentStates = new Set([
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
]);

/** What a route answers: status, JSON body, extra headers. */
interface Answer {
  status: number;
  data: unknown;
  headers?: Record<string, string> | undefined;
}

class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const owner = options.owner ?? 'o';
  const repo = options.repo ?? 'r';
  const requests: RecordedRequest[] = [];
  const failures: (FailureRule & { times: number })[] = [];
  const commentsByIssue = new Map<number, FakeComment[]>();
  const deployments: FakeDeployment[] = [];
  const statusesByDeployment = new Map<number, FakeDeploymentStatus[]>();
  const pullsByCommit = new Map<string, FakePullSeed[]>();
  let nextCommentId = 2_000_000_001;
  let nextDeploymentId = 3_000_001;
  let nextStatusId = 7_000_001;
  let tick = 0;
  let url = '';

  /** A deterministic clock: each new or changed object is one second later than the previous one. */
  const now = (): string => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + tick++ * 1000).toISOString();
  const repoApi = (): string => `${url}/repos/${owner}/${repo}`;

  const failNext = (rule: FailureRule): void => {
    failures.push({ ...rule, times: rule.times ?? 1 });
  };
  for (const rule of options.failNext ?? []) failNext(rule);

  const addComment = (issue: number, body: string, user: FakeUser): FakeComment => {
    const id = nextCommentId++;
    const at = now();
    const comment: FakeComment = {
      id,
      node_id: `IC_${id}`,
      url: `${repoApi()}/issues/comments/${id}`,
      html_url: `${webUrl}/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
      issue_url: `${repoApi()}/issues/${issue}`,
      body,
      user,
      author_association: user.type === 'Bot' ? 'NONE' : 'MEMBER',
      created_at: at,
      updated_at: at,
    };
    const list = commentsByIssue.get(issue) ?? [];
    list.push(comment);
    commentsByIssue.set(issue, list);
    return comment;
  };

  const findComment = (id: number): FakeComment | undefined => {
    for (const list of commentsByIssue.values()) {
      const found = list.find((c) => c.id === id);
      if (found) return found;
    }
    return undefined;
  };

  const pullJson = (seed: FakePullSeed): Record<string, unknown> => {
    const merged = seed.merged ?? false;
    return {
      id: 1_800_000_000 + seed.number,
      node_id: `PR_${seed.number}`,
      number: seed.number,
      url: `${repoApi()}/pulls/${seed.number}`,
      html_url: `${webUrl}/${owner}/${repo}/pull/${seed.number}`,
      state: seed.state ?? (merged ? 'closed' : 'open'),
      title: `Change #${seed.number}`,
      user: octocat,
      draft: false,
      created_at: '2024-12-31T09:00:00Z',
      updated_at: '2025-01-01T09:00:00Z',
      closed_at: merged || seed.state === 'closed' ? '2025-01-01T09:00:00Z' : null,
      merged_at: merged ? '2025-01-01T09:00:00Z' : null,
      merge_commit_sha: seed.merge_commit_sha ?? null,
      head: { ref: `change-${seed.number}`, sha: sha1(`head-${seed.number}`) },
      base: { ref: 'main', sha: sha1(`base-${seed.number}`) },
    };
  };

  type Handler = (match: string[], query: URLSearchParams, body: unknown) => Answer;
  const routes: { method: string; pattern: RegExp; handle: Handler }[] = [
    {
      method: 'GET',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([issue], query) => {
        const all = commentsByIssue.get(Number(issue)) ?? [];
        const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
        const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const pageUrl = (n: number): string =>
          `${repoApi()}/issues/${issue}/comments?per_page=${perPage}&page=${n}`;
        const links = [
          ...(page > 1 ? [`<${pageUrl(page - 1)}>; rel="prev"`] : []),
          ...(page < last ? [`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`] : []),
          ...(page > 1 ? [`<${pageUrl(1)}>; rel="first"`] : []),
        ];
        return {
          status: 200,
          data: all.slice((page - 1) * perPage, page * perPage),
          headers: links.length > 0 ? { link: links.join(', ') } : undefined,
        };
      },
    },
    {
      method: 'POST',
      pattern: /^\/issues\/(\d+)\/comments$/,
      handle: ([issue], _query, body) => {
        const text = requireString(body, 'body');
        return { status: 201, data: addComment(Number(issue), text, actionsBot) };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/issues\/comments\/(\d+)$/,
      handle: ([id], _query, body) => {
        const comment = findComment(Number(id));
        if (!comment) throw new HttpError(404, 'Not Found');
        comment.body = requireString(body, 'body');
        comment.updated_at = now();
        return { status: 200, data: comment };
      },
    },
    {
      method: 'GET',
      pattern: /^\/commits\/([0-9a-f]{7,40})\/pulls$/,
      handle: ([sha]) => {
        const prs = pullsByCommit.get(sha ?? '');
        if (!prs) throw new HttpError(422, `No commit found for SHA: ${sha}`);
        return { status: 200, data: prs.map(pullJson) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/deployments$/,
      handle: (_match, _query, body) => {
        const ref = requireString(body, 'ref');
        const fields = body as { environment?: string; description?: string; payload?: unknown };
        const id = nextDeploymentId++;
        const at = now();
        const environment = fields.environment ?? 'production';
        const deployment: FakeDeployment = {
          id,
          node_id: `DE_${id}`,
          url: `${repoApi()}/deployments/${id}`,
          sha: /^[0-9a-f]{40}$/.test(ref) ? ref : sha1(ref),
          ref,
          task: 'deploy',
          payload: fields.payload ?? {},
          environment,
          original_environment: environment,
          description: fields.description ?? null,
          creator: actionsBot,
          statuses_url: `${repoApi()}/deployments/${id}/statuses`,
          repository_url: repoApi(),
          transient_environment: false,
          production_environment: environment === 'production',
          created_at: at,
          updated_at: at,
        };
        deployments.push(deployment);
        statusesByDeployment.set(id, []);
        return { status: 201, data: deployment };
      },
    },
    {
      method: 'POST',
      pattern: /^\/deployments\/(\d+)\/statuses$/,
      handle: ([id], _query, body) => {
        const deployment = deployments.find((d) => d.id === Number(id));
        if (!deployment) throw new HttpError(404, 'Not Found');
        const state = requireString(body, 'state');
        if (!deploymentStates.has(state))
          throw new HttpError(422, `Validation Failed: state is not included in the list`);
        const fields = body as { description?: string; log_url?: string; environment?: string };
        const description = fields.description ?? '';
        if (description.length > 140) {
          throw new HttpError(422, 'Validation Failed: description is too long (maximum is 140 characters)');
        }
        const statusId = nextStatusId++;
        const at = now();
        const status: FakeDeploymentStatus = {
          id: statusId,
          node_id: `DES_${statusId}`,
          url: `${repoApi()}/deployments/${id}/statuses/${statusId}`,
          state,
          description,
          environment: fields.environment ?? deployment.environment,
          target_url: fields.log_url ?? '',
          log_url: fields.log_url ?? '',
          creator: actionsBot,
          deployment_url: deployment.url,
          repository_url: repoApi(),
          created_at: at,
          updated_at: at,
        };
        statusesByDeployment.get(deployment.id)?.push(status);
        return { status: 201, data: status };
      },
    },
  ];

  const respond = (request: IncomingMessage, path: string, query: URLSearchParams, body: unknown): Answer => {
    const method = request.method ?? 'GET';
    const failure = failures.find(
      (f) => f.times > 0 && f.path === path && (!f.method || f.method === method),
    );
    if (failure) {
      failure.times--;
      throw new HttpError(failure.status, failure.message ?? defaultMessage(failure.status), failure.headers);
    }
    if (options.token !== undefined) {
      const given = (request.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
      if (given !== options.token) throw new HttpError(401, 'Bad credentials');
    }
    const prefix = `/repos/${owner}/${repo}`;
    if (path.startsWith(`${prefix}/`)) {
      const rest = path.slice(prefix.length);
      for (const route of routes) {
        const match = route.method === method ? route.pattern.exec(rest) : null;
        if (match) return route.handle(match.slice(1), query, body);
      }
    }
    throw new HttpError(404, 'Not Found');
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const parsed = new URL(request.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(request);
    let body: unknown;
    let answer: Answer;
    try {
      body = raw ? (JSON.parse(raw) as unknown) : undefined;
    } catch {
      body = raw;
    }
    try {
      if (typeof body === 'string') throw new HttpError(400, 'Problems parsing JSON');
      answer = respond(request, parsed.pathname, parsed.searchParams, body);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      answer = {
        status,
        data: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
        headers: error instanceof HttpError ? error.headers : {},
      };
    }
    requests.push({
      method: request.method ?? 'GET',
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      authorization: request.headers.authorization,
      body,
      status: answer.status,
    });
    response.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FAKE:${requests.length}`,
      ...answer.headers,
    });
    response.end(JSON.stringify(answer.data));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    owner,
    repo,
    requests,
    // Copies, so what a test holds does not change under it.
    comments: (issue) => structuredClone(commentsByIssue.get(issue) ?? []),
    get deployments() {
      return structuredClone(
        deployments.map((d) => ({ ...d, statuses: statusesByDeployment.get(d.id) ?? [] })),
      );
    },
    seedComment: (issue, body, user = octocat) => structuredClone(addComment(issue, body, user)),
    setPullsForCommit: (sha, prs) => {
      pullsByCommit.set(sha, prs);
    },
    failNext,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Octokit's fetch keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function requireString(body: unknown, field: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string') throw new HttpError(422, `Invalid request.\n\n"${field}" wasn't supplied.`);
  return value;
}

function defaultMessage(status: number): string {
  const messages: Record<number, string> = {
    401: 'Bad credentials',
    403: 'Resource not accessible by integration',
    404: 'Not Found',
    422: 'Validation Failed',
    429: 'API rate limit exceeded',
    500: 'Internal Server Error',
    502: 'Server Error',
    503: 'Service Unavailable',
  };
  return messages[status] ?? `HTTP ${status}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
