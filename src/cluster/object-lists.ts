import { ApiException, HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';
import { limiter } from '../concurrency-limit.js';
import type { KubeObject } from '../plan/manifests.js';
import type { ApiResource } from '../plan/workload-kinds.js';
import { requestTimeoutOf } from './api-client.js';
import { withRetry } from './api-errors.js';
import { toClusterError } from './cluster-error.js';

/** A resource the API server lists (`group` '' for the core group), and the kind of its objects. */
export type ListedResource = ApiResource & { kind: string };

/** Every object of one resource in one namespace, as plain JSON. */
export type ObjectLister = (resource: ListedResource, namespace: string) => Promise<KubeObject[]>;

/** Objects per list page: large enough to keep requests few, small enough to bound each response. */
const pageSize = 500;

/**
 * Requests in flight at once. Each one in flight holds a connection of its own (HTTP/1.1), and a new connection
 * costs a TLS handshake on both sides; a few connections kept alive serve dozens of small lists as fast.
 */
const maxInFlight = 16;

interface ListPage {
  items?: KubeObject[];
  metadata?: { continue?: string };
}

/**
 * Paged lists as plain JSON, over one connection pool. The typed client turns every response into model
 * classes (which the plan turns back into JSON) and opens a new TLS connection per request; a live plan makes
 * dozens of lists at once, so both costs add up. Credentials, CA and proxy come from the KubeConfig exactly as
 * the typed client applies them (exec plugins and tokens included), once per lister, at the first list (so a
 * credential plugin that fails is reported as that list failing). Every failure is a ClusterError.
 */
export async function createObjectLister(kc: KubeConfig): Promise<ObjectLister> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster.');
  const server = cluster.server.replace(/\/+$/, '');
  const timeoutMs = requestTimeoutOf(kc);
  const slot = limiter(maxInFlight);
  let credentials:
    Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> | undefined;
  const connect = () =>
    (credentials ??= (async () => {
      const auth = new RequestContext(server, HttpMethod.GET);
      await kc.applySecurityAuthentication(auth);
      return {
        headers: { ...auth.getHeaders(), Accept: 'application/json', 'User-Agent': 'config-rollout' },
        dispatcher: auth.getDispatcher() as Dispatcher | undefined,
      };
    })());

  const page = (url: string): Promise<ListPage> => slot(() => fetchPage(url));
  const fetchPage = async (url: string): Promise<ListPage> => {
    const { headers, dispatcher } = await connect();
    const response = await fetch(url, { headers, dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    if (response.status < 200 || response.status > 299) {
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => (responseHeaders[name] = value));
      throw new ApiException(
        response.status,
        `HTTP ${response.status} listing ${url}`,
        body,
        responseHeaders,
      );
    }
    return JSON.parse(body) as ListPage;
  };

  return async (resource, namespace) => {
    const prefix = resource.group
      ? `/apis/${resource.group}/${resource.version}`
      : `/api/${resource.version}`;
    const path = `${server}${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
    const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    const items: KubeObject[] = [];
    let next: string | undefined;
    try {
      do {
        const query = `?limit=${pageSize}${next ? `&continue=${encodeURIComponent(next)}` : ''}`;
        const listed = await withRetry(() => page(path + query));
        // List items carry no kind or apiVersion; the plan reads both.
        for (const item of listed.items ?? []) items.push({ ...item, apiVersion, kind: resource.kind });
        next = listed.metadata?.continue || undefined;
      } while (next);
    } catch (error) {
      throw toClusterError(error, `listing ${resource.plural} in namespace ${namespace}`, kc);
    }
    return items;
  };
}
