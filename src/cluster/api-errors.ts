import { ApiException } from '@kubernetes/client-node';
import { ClusterError } from './cluster-error.js';

/** HTTP status of a failed API call; undefined for network errors. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ClusterError) return error.status;
  return error instanceof ApiException ? error.code : undefined;
}

/** The API server's own message (from its Status body) when there is one; the network failure otherwise. */
export function apiMessage(error: unknown): string {
  if (error instanceof ClusterError) return error.message;
  if (error instanceof ApiException) {
    const body = error.body as unknown;
    try {
      const parsed =
        typeof body === 'string'
          ? (JSON.parse(body) as { message?: string })
          : (body as { message?: string });
      if (parsed?.message) return `${error.code}: ${parsed.message}`;
    } catch {
      // not JSON: fall through to the status code alone
    }
    return `HTTP ${error.code}`;
  }
  if (isTimeout(error)) return 'the request timed out';
  const cause = networkCause(error);
  if (cause) return `${error instanceof Error ? error.message : 'request failed'} (${cause})`;
  return error instanceof Error ? error.message : String(error);
}

/** Network error codes worth another try: the connection dropped, was refused, or timed out. */
const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The code and message of what went wrong on the wire. fetch (undici) rejects with a bare
 * `TypeError: fetch failed` and puts the socket error in `cause`.
 */
function networkCause(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && transientCodes.has(code))
      return typeof message === 'string' && message !== '' ? `${code}: ${message}` : code;
    e = cause;
  }
  return undefined;
}

/** Our own request deadline (api-client.ts) or an abort while waiting. */
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Worth another try: throttled, a server hiccup, the connection dropped, or the request timed out. */
export function isTransient(error: unknown): boolean {
  // Made after the retries ran out (or for a failure retrying can't fix): final.
  if (error instanceof ClusterError) return false;
  const status = statusOf(error);
  if (status !== undefined)
    return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
  if (isTimeout(error) || networkCause(error) !== undefined) return true;
  const message = error instanceof Error ? error.message : '';
  return /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|network|timed out|aborted/i.test(message);
}

/** Seconds the server asked us to wait (429/503 Retry-After), if it said. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const headers = error.headers as Record<string, string> | undefined;
  const value = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

export interface RetryOptions {
  attempts: number;
  /** First backoff in ms; doubles each time, with jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetry: RetryOptions = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Run a call, retrying transient failures with bounded exponential backoff (and Retry-After). */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = defaultRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !isTransient(error)) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const asked = retryAfterSeconds(error);
      const delay =
        asked !== undefined
          ? Math.min(options.maxDelayMs * 2, asked * 1000)
          : backoff * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
