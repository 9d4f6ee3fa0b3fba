/** A GitHub REST call that failed for good: says which endpoint, the status, GitHub's words and what to do. */
export class GitHubApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;

  constructor(message: string, endpoint: { method: string; path: string; status: number }) {
    super(message);
    this.name = 'GitHubApiError';
    this.method = endpoint.method;
    this.path = endpoint.path;
    this.status = endpoint.status;
  }
}

/** The parts of an Octokit RequestError we read; duck-typed so we need no direct @octokit dependency. */
interface FailedRequest extends Error {
  status: number;
  request?: { method?: string; url?: string };
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function asFailedRequest(error: unknown): FailedRequest | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? (error as FailedRequest) : undefined;
}

function header(failure: FailedRequest, name: string): string | undefined {
  const value = failure.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** GitHub's own message from the error body, without Octokit's documentation-url suffix. */
function githubMessage(failure: FailedRequest): string {
  const data = failure.response?.data;
  if (typeof data === 'object' && data !== null && 'message' in data) {
    const { message, errors } = data as { message: unknown; errors?: unknown };
    const details = Array.isArray(errors)
      ? errors
          .map((e: unknown) =>
            typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : JSON.stringify(e),
          )
          .join('; ')
      : '';
    return details ? `${String(message)} (${details})` : String(message);
  }
  // No response at all (network failure): Octokit reports those as status 500 with the cause's message.
  return failure.message;
}

/**
 * A rate-limit refusal. GitHub answers 429, or 403 with `x-ratelimit-remaining: 0` (primary limit) or a
 * `retry-after` header (secondary limit):
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
 */
function isRateLimited(failure: FailedRequest): boolean {
  if (failure.status === 429) return true;
  return (
    failure.status === 403 &&
    (header(failure, 'x-ratelimit-remaining') === '0' ||
      header(failure, 'retry-after') !== undefined ||
      /rate limit/i.test(githubMessage(failure)))
  );
}

/** Worth another try: throttled, a server hiccup, or no response at all. */
export function isTransient(failure: FailedRequest): boolean {
  return failure.status >= 500 || isRateLimited(failure);
}

/** How long the server asked us to wait, in ms, if it said (Retry-After, or the rate-limit reset time). */
export function requestedDelayMs(failure: FailedRequest, now: number): number | undefined {
  const retryAfter = Number(header(failure, 'retry-after'));
  if (header(failure, 'retry-after') !== undefined && Number.isFinite(retryAfter)) return retryAfter * 1000;
  const reset = Number(header(failure, 'x-ratelimit-reset'));
  if (header(failure, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset)) {
    return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

/** One row per API area we call: the `permissions:` a workflow token needs to read or to write it. */
const permissionsByArea: readonly { path: RegExp; read: string; write: string }[] = [
  {
    path: /^\/repos\/[^/]+\/[^/]+\/issues\//,
    read: `'pull-requests: read'`,
    write: `'pull-requests: write'`,
  },
  {
    path: /^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+\/pulls$/,
    read: `'contents: read' and 'pull-requests: read'`,
    write: `'contents: read' and 'pull-requests: read'`,
  },
  { path: /^\/repos\/[^/]+\/[^/]+\/deployments/, read: `'deployments: read'`, write: `'deployments: write'` },
];

function permissionHint(method: string, path: string): string | undefined {
  const area = permissionsByArea.find((a) => a.path.test(path));
  return area ? `the workflow needs ${method === 'GET' ? area.read : area.write}` : undefined;
}

function hintFor(failure: FailedRequest, method: string, path: string): string | undefined {
  if (isRateLimited(failure)) return 'rate limited by GitHub; try again later';
  switch (failure.status) {
    case 401:
      return 'the token is missing, expired or invalid';
    case 403:
      return permissionHint(method, path);
    case 404:
      return 'check the repository and number, and that the token can see this repository';
    default:
      return undefined;
  }
}

/** The endpoint's path as GitHub documents it: no host, no API prefix (GHES' /api/v3), no query. */
export function endpointPath(url: string | undefined, baseUrl: string): string {
  if (!url) return '(unknown endpoint)';
  try {
    const path = new URL(url).pathname;
    const prefix = new URL(baseUrl).pathname.replace(/\/$/, '');
    return prefix && path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** Turn a failed Octokit request into a message a workflow author can act on; never includes the token. */
export function toGitHubApiError(
  failure: FailedRequest,
  context: { baseUrl: string; token: string; attempts: number },
): GitHubApiError {
  const method = (failure.request?.method ?? 'GET').toUpperCase();
  const path = endpointPath(failure.request?.url, context.baseUrl);
  const hint = hintFor(failure, method, path);
  const tries = context.attempts > 1 ? ` (gave up after ${context.attempts} attempts)` : '';
  // Octokit reports "no response at all" (refused, reset, DNS) as status 500 without a response.
  const status = failure.response ? `${failure.status} ` : 'no response: ';
  const raw = `GitHub API ${method} ${path} failed: ${status}${githubMessage(failure)}${tries}${hint ? ` — ${hint}` : ''}`;
  const message = context.token ? raw.replaceAll(context.token, '***') : raw;
  return new GitHubApiError(message, { method, path, status: failure.status });
}
