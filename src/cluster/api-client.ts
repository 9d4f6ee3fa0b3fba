import {
  createConfiguration,
  ServerConfiguration,
  type ApiConstructor,
  type ApiType,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { requestTimeoutOf } from './request-timeout.js';

export { defaultRequestTimeoutMs, requestTimeoutOf, setRequestTimeout } from './request-timeout.js';

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
