import type { ApiRequest } from './api-request.js';
import { statusOf, withRetry } from './api-errors.js';

/** Where objects of one kind live in the API: its group/version, plural, and whether it is namespaced. */
export interface ResolvedResource {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** The collection path of a resource (in a namespace when it is namespaced), with a name for one object. */
export function resourcePath(resource: ResolvedResource, namespace: string | null, name?: string): string {
  const prefix = resource.apiVersion.includes('/')
    ? `/apis/${resource.apiVersion}`
    : `/api/${resource.apiVersion}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${scope}/${resource.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/**
 * Resolve kinds to resources with the API server's discovery, one request per group/version, cached. A kind
 * the server does not serve (yet: a CRD applied moments ago) is looked up again after `forget()`.
 */
export class ApiResources {
  private readonly lists = new Map<string, Promise<ResourceList | undefined>>();

  constructor(private readonly request: ApiRequest) {}

  async resolve(apiVersion: string, kind: string): Promise<ResolvedResource | undefined> {
    let list = this.lists.get(apiVersion);
    if (!list) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      list = withRetry(() => this.request<ResourceList>('GET', path)).catch((error: unknown) => {
        if (statusOf(error) === 404) return undefined;
        this.lists.delete(apiVersion);
        throw error;
      });
      this.lists.set(apiVersion, list);
    }
    const found = (await list)?.resources?.find((r) => r.kind === kind && !r.name.includes('/'));
    return found ? { apiVersion, kind, plural: found.name, namespaced: found.namespaced } : undefined;
  }

  /** Forget what discovery said, so kinds of CRDs created since are found. */
  forget(): void {
    this.lists.clear();
  }
}
