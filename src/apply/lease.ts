import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { apiMessage, statusOf } from '../cluster/api-errors.js';
import { ConflictError, type ClusterWriter, type ObjectRef } from '../cluster/cluster-writer.js';
import type { KubeObject } from '../plan/manifests.js';

/** The Lease that says "an apply is running here": one per namespace a run writes in. */
export const leaseName = 'config-rollout';

/** A holder that stops renewing (a crashed run) loses the lease after this long (as leader election's default). */
export const leaseDurationSeconds = 15;

/** How often a held lease is renewed: well inside its duration, so a slow API server can't make it lapse. */
const renewEveryMs = 5_000;

/** How often a waiting run looks again. */
const pollEveryMs = 1_000;

export interface LeaseHold {
  /** Another apply held a namespace first: the cluster may have changed since this run planned. */
  waited: boolean;
  /** Stop renewing and give the leases back (best effort: an unreleased lease expires anyway). */
  release(): Promise<void>;
}

/** Who holds a lease: enough for a person to find the run. */
export function holderIdentity(change: string, env: NodeJS.ProcessEnv = process.env): string {
  const run =
    env['GITHUB_REPOSITORY'] && env['GITHUB_RUN_ID']
      ? `${env['GITHUB_REPOSITORY']} run ${env['GITHUB_RUN_ID']}`
      : `${hostname()} pid ${process.pid}`;
  // Every run is its own holder, even a second run of the same change from the same process.
  return `${run} (change ${change}, run ${randomBytes(3).toString('hex')})`;
}

const leaseRef = (namespace: string): ObjectRef => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  namespace,
  name: leaseName,
});

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  acquireTime?: string;
  leaseDurationSeconds?: number;
}

const specOf = (lease: KubeObject): LeaseSpec => (lease['spec'] as LeaseSpec | undefined) ?? {};

/** Held by someone else and not expired (judged by our clock against the holder's last renewal). */
function heldByOther(lease: KubeObject, identity: string, now: number): boolean {
  const spec = specOf(lease);
  if (!spec.holderIdentity || spec.holderIdentity === identity) return false;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return false;
  return renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 > now;
}

/**
 * Take the lease of every namespace in order (sorted, so two runs can't each hold one the other waits for),
 * waiting up to `timeoutMs` for another holder; then keep them renewed until released. Fails naming the
 * holder when one isn't given up in time.
 */
export async function holdLeases(
  cluster: ClusterWriter,
  namespaces: readonly string[],
  identity: string,
  options: { timeoutMs: number; log(message: string): void; now?: () => number },
): Promise<LeaseHold> {
  const now = options.now ?? Date.now;
  const held = new Map<string, KubeObject>();
  let waited = false;
  const release = async () => {
    clearInterval(timer);
    for (const [namespace, lease] of held) {
      await cluster
        .deleteObject(leaseRef(namespace), { uid: String(lease.metadata['uid'] ?? '') || undefined })
        .catch(() => undefined);
    }
    held.clear();
  };
  const write = async (namespace: string, current: KubeObject | undefined): Promise<KubeObject> => {
    const time = microTime(now());
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime:
        current && specOf(current).holderIdentity === identity ? specOf(current).acquireTime : time,
      renewTime: time,
    };
    const body: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName, namespace },
      spec,
    };
    return current
      ? cluster.replaceObject(body, String(current.metadata['resourceVersion'] ?? ''))
      : cluster.createObject(body);
  };
  const timer = setInterval(() => {
    for (const [namespace, lease] of held) {
      write(namespace, lease)
        .then((renewed) => held.set(namespace, renewed))
        .catch((error: unknown) =>
          options.log(`namespace ${namespace}: could not renew the apply lease: ${apiMessage(error)}`),
        );
    }
  }, renewEveryMs);
  timer.unref();
  try {
    for (const namespace of [...namespaces].sort()) {
      const deadline = now() + options.timeoutMs;
      let said = false;
      for (;;) {
        const current = await cluster.readObject(leaseRef(namespace));
        if (current && heldByOther(current, identity, now())) {
          const holder = specOf(current).holderIdentity;
          if (now() >= deadline) {
            throw new LeaseHeldError(
              `Another apply holds namespace ${namespace}: ${holder} (lease ${namespace}/${leaseName}, renewed ${specOf(current).renewTime ?? 'never'}). Waited ${Math.round(options.timeoutMs / 1000)}s; run again once it has finished.`,
            );
          }
          if (!said) options.log(`namespace ${namespace}: waiting for another apply to finish (${holder})`);
          said = true;
          waited = true;
          await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
          continue;
        }
        try {
          held.set(namespace, await write(namespace, current));
          break;
        } catch (error) {
          // A namespace this change creates has nothing to hold yet (the home namespace's lease covers it).
          if (statusOf(error) === 404) break;
          // Someone took or renewed it between our read and write: look again.
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { waited, release };
}

/** Another run holds a namespace for longer than we may wait. */
export class LeaseHeldError extends Error {}
