import { ApiException, HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';
import { requestTimeoutOf } from './api-client.js';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  /** For PATCH: `application/merge-patch+json` or `application/apply-patch+yaml` (server-side apply). */
  contentType?: string;
  query?: Record<string, string | undefined>;
}

/** One API request as plain JSON; failures are ApiException (status, the server's Status body), as elsewhere. */
export type ApiRequest = <T = unknown>(
  method: HttpVerb,
  path: string,
  options?: RequestOptions,
) => Promise<T>;

/**
 * Requests as plain JSON over one kept-alive connection pool, as the lister reads: the typed client's model
 * classes drop keys such as `__proto__` from ConfigMap data and only know built-in kinds, while apply writes
 * every kind the API server serves. Credentials are taken from the KubeConfig per request, so a token from an
 * exec plugin is refreshed when it expires during a long apply; the TLS settings once.
 */
export function createApiRequest(kc: KubeConfig): ApiRequest {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster.');
  const server = cluster.server.replace(/\/+$/, '');
  const timeoutMs = requestTimeoutOf(kc);
  let dispatcher: Promise<Dispatcher | undefined> | undefined;
  const authenticate = async () => {
    const context = new RequestContext(server, HttpMethod.GET);
    await kc.applySecurityAuthentication(context);
    return context;
  };
  return async <T>(method: HttpVerb, path: string, options: RequestOptions = {}): Promise<T> => {
    const auth = await authenticate();
    dispatcher ??= Promise.resolve(auth.getDispatcher() as Dispatcher | undefined);
    const query = Object.entries(options.query ?? {})
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&');
    const url = `${server}${path}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = {
      ...auth.getHeaders(),
      Accept: 'application/json',
      'User-Agent': 'config-rollout',
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(url, {
      method,
      headers,
      body,
      dispatcher: await dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => (responseHeaders[name] = value));
      throw new ApiException(
        response.status,
        `HTTP ${response.status} ${method} ${path}`,
        text,
        responseHeaders,
      );
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}
