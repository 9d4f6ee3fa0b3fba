import { getOctokit } from '@actions/github';
import {
  asFailedRequest,
  GitHubApiError,
  isTransient,
  requestedDelayMs,
  toGitHubApiError,
} from './api-errors.js';

export { GitHubApiError } from './api-errors.js';

export interface StickyComment {
  id: number;
  url: string;
  created: boolean;
}

export interface UpsertOptions {
  /** When false, an existing comment is updated but none is created (the call returns undefined). Default true. */
  create?: boolean;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error';

/** Everything config-rollout needs from GitHub, and nothing more. */
export interface GitHubClient {
  /**
   * Find our comment on an issue/PR by a hidden marker (an HTML comment string that the body contains), update
   * it in place if found, else create it. Paginates comment lists (per_page 100). Returns the comment's html_url.
   */
  upsertStickyComment(issueNumber: number, marker: string, body: string): Promise<StickyComment>;
  upsertStickyComment(
    issueNumber: number,
    marker: string,
    body: string,
    options: UpsertOptions,
  ): Promise<StickyComment | undefined>;
  /** Create a plain new comment (used for the merged PR's apply result). */
  createComment(issueNumber: number, body: string): Promise<{ id: number; url: string }>;
  /**
   * The pull request a commit belongs to (GET /repos/{owner}/{repo}/commits/{sha}/pulls): the merged PR whose
   * merge_commit_sha equals sha, else another merged PR holding it; open PRs never count. Undefined if none.
   */
  findPullRequestForCommit(sha: string): Promise<number | undefined>;
  /** GitHub Deployments: create one for ref+environment (auto_merge false, required_contexts []); its id. */
  createDeployment(ref: string, environment: string, description: string): Promise<number>;
  setDeploymentStatus(
    deploymentId: number,
    state: DeploymentState,
    description: string,
    logUrl?: string,
  ): Promise<void>;
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff in ms; doubles each time, with jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  /** Longest wait between tries; a server asking for more (Retry-After, rate-limit reset) is not retried. */
  maxDelayMs: number;
}

export const defaultGitHubRetry: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

export interface GitHubClientOptions {
  token: string;
  owner: string;
  repo: string;
  /** REST API base URL; without it @actions/github's default (GITHUB_API_URL, read when it is first imported). */
  apiUrl?: string;
  retry?: Partial<RetryPolicy>;
}

type Octokit = ReturnType<typeof getOctokit>;

/** GitHub caps a deployment status description at 140 characters and answers 422 beyond. */
const maxStatusDescription = 140;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const octokit = getOctokit(options.token, options.apiUrl ? { baseUrl: options.apiUrl } : {});
  const policy: RetryPolicy = { ...defaultGitHubRetry, ...options.retry };
  const baseUrl = octokit.request.endpoint.DEFAULTS.baseUrl;
  // Every request, paginated pages included, goes through this hook: retries and error wording live here.
  octokit.hook.wrap('request', (request, requestOptions) =>
    withRetry(
      async () => request(requestOptions),
      policy,
      (failure, attempts) => toGitHubApiError(failure, { baseUrl, token: options.token, attempts }),
    ),
  );
  return new RestGitHubClient(octokit, { owner: options.owner, repo: options.repo });
}

async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  describe: (failure: NonNullable<ReturnType<typeof asFailedRequest>>, attempts: number) => Error,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = asFailedRequest(error);
      if (!failure) throw error;
      const asked = requestedDelayMs(failure, Date.now());
      const again =
        isTransient(failure) &&
        attempt < policy.attempts &&
        (asked === undefined || asked <= policy.maxDelayMs);
      if (!again) throw describe(failure, attempt);
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = asked ?? backoff * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

class RestGitHubClient implements GitHubClient {
  private readonly octokit: Octokit;
  private readonly repo: { owner: string; repo: string };

  constructor(octokit: Octokit, repo: { owner: string; repo: string }) {
    this.octokit = octokit;
    this.repo = repo;
  }

  upsertStickyComment(issueNumber: number, marker: string, body: string): Promise<StickyComment>;
  upsertStickyComment(
    issueNumber: number,
    marker: string,
    body: string,
    options: UpsertOptions,
  ): Promise<StickyComment | undefined>;
  async upsertStickyComment(
    issueNumber: number,
    marker: string,
    body: string,
    options: UpsertOptions = {},
  ): Promise<StickyComment | undefined> {
    // Without the marker in the body the next run could not find this comment and would post another.
    if (!marker || !body.includes(marker)) {
      throw new Error(
        `upsertStickyComment: the comment body must contain its marker ${JSON.stringify(marker)}`,
      );
    }
    const existing = await this.findCommentWith(issueNumber, marker);
    if (existing !== undefined) {
      try {
        const { data } = await this.octokit.rest.issues.updateComment({
          ...this.repo,
          comment_id: existing,
          body,
        });
        return { id: data.id, url: data.html_url, created: false };
      } catch (error) {
        // Deleted between our listing and our update: post it afresh below.
        if (!(error instanceof GitHubApiError && error.status === 404)) throw error;
      }
    }
    if (options.create === false) return undefined;
    const created = await this.createComment(issueNumber, body);
    return { ...created, created: true };
  }

  /** The first (oldest) comment whose body holds the marker; stops paging once found. */
  private async findCommentWith(issueNumber: number, marker: string): Promise<number | undefined> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    for await (const page of pages) {
      const found = page.data.find((comment) => comment.body?.includes(marker));
      if (found) return found.id;
    }
    return undefined;
  }

  async createComment(issueNumber: number, body: string): Promise<{ id: number; url: string }> {
    const { data } = await this.octokit.rest.issues.createComment({
      ...this.repo,
      issue_number: issueNumber,
      body,
    });
    return { id: data.id, url: data.html_url };
  }

  async findPullRequestForCommit(sha: string): Promise<number | undefined> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...this.repo,
      commit_sha: sha,
      per_page: 100,
    });
    const merged = data.filter((pr) => pr.merged_at !== null);
    return (merged.find((pr) => pr.merge_commit_sha === sha) ?? merged[0])?.number;
  }

  async createDeployment(ref: string, environment: string, description: string): Promise<number> {
    const { data } = await this.octokit.rest.repos.createDeployment({
      ...this.repo,
      ref,
      environment,
      description,
      auto_merge: false,
      required_contexts: [],
    });
    // 202 carries a message instead of a deployment; it only happens when GitHub merged the default branch in.
    if (!('id' in data))
      throw new Error(`GitHub did not create a deployment for ${ref}: ${data.message ?? ''}`);
    return data.id;
  }

  async setDeploymentStatus(
    deploymentId: number,
    state: DeploymentState,
    description: string,
    logUrl?: string,
  ): Promise<void> {
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: deploymentId,
      state,
      description: shorten(description, maxStatusDescription),
      ...(logUrl ? { log_url: logUrl } : {}),
    });
  }
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
