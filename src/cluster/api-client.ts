import {
  createConfiguration,
  ServerConfiguration,
  type ApiConstructor,
  type ApiType,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/**
 * How long one API request (or a watch without any event) may take before it is abandoned and retried.
 * client-node sets no deadline on plain requests, so a connection that stalls (a dead load balancer, a hung
 * API server) would hang apply until undici's 5-minute body timeout; kubectl's `--request-timeout` is the
 * same idea.
 */
export const defaultRequestTimeoutMs = 30_000;

const requestTimeouts = new WeakMap<KubeConfig, number>();

/** Use another request timeout for every client made from this KubeConfig (tests use short ones). */
export function setRequestTimeout(kc: KubeConfig, ms: number): void {
  requestTimeouts.set(kc, ms);
}

export function requestTimeoutOf(kc: KubeConfig): number {
  return requestTimeouts.get(kc) ?? defaultRequestTimeoutMs;
}

/**
 * `kc.makeApiClient(Api)` with a deadline on every request: each request gets an abort signal that fires
 * after the request timeout, covering the wait for headers and the body alike. The abort surfaces as a
 * `TimeoutError`, which withRetry treats as transient.
 */
export function makeApiClient<T extends ApiType>(kc: KubeConfig, api: ApiConstructor<T>): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster.');
  const timeoutMs = requestTimeoutOf(kc);
  return new api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (context: RequestContext) => {
            context.setHeaderParam('User-Agent', 'config-rollout');
            context.setSignal(AbortSignal.timeout(timeoutMs));
            return context;
          },
          post: async (response: ResponseContext) => response,
        },
      ],
    }),
  );
}
