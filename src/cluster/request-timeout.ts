import type { KubeConfig } from '@kubernetes/client-node';

/**
 * How long one API request (or a watch without any event) may take before it is abandoned and retried.
 * client-node sets no deadline on plain requests, so a connection that stalls (a dead load balancer, a hung
 * API server) would hang apply until undici's 5-minute body timeout; kubectl's `--request-timeout` is the
 * same idea. Kept apart from api-client.ts so that error messages can say it without loading the client.
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
