import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  type KubeConfig,
  type V1ResourceRule,
} from '@kubernetes/client-node';
import { InputError } from '../sources/input-error.js';
import { makeApiClient } from './api-client.js';
import { withRetry } from './api-errors.js';
import { toClusterError } from './cluster-error.js';

/** One permission config-rollout needs: `verb` on `group/resource` in `namespace`. */
export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  namespace: string;
}

export function describeAccess(check: AccessCheck): string {
  const resource = check.group ? `${check.resource}.${check.group}` : check.resource;
  return check.namespace === ''
    ? `${check.verb} ${resource} (cluster-wide)`
    : `${check.verb} ${resource} in namespace ${check.namespace}`;
}

function allows(rule: V1ResourceRule, check: AccessCheck): boolean {
  const has = (list: string[] | undefined, value: string) =>
    (list ?? []).some((v) => v === '*' || v === value);
  return (
    has(rule.verbs, check.verb) &&
    has(rule.apiGroups, check.group) &&
    has(rule.resources, check.resource) &&
    (rule.resourceNames ?? []).length === 0
  );
}

/**
 * The checks the current user fails. One SelfSubjectRulesReview per namespace answers them all; where the
 * authorizer says its rules are incomplete, a SelfSubjectAccessReview decides the ones the rules don't allow.
 */
export async function deniedAccess(kc: KubeConfig, checks: readonly AccessCheck[]): Promise<AccessCheck[]> {
  const api = makeApiClient(kc, AuthorizationV1Api);
  const namespaces = [...new Set(checks.map((c) => c.namespace))];
  const denied: AccessCheck[] = [];
  await Promise.all(
    namespaces.map(async (namespace) => {
      // Cluster-scoped checks have no namespace to review the rules of: ask about each one.
      if (namespace === '') {
        for (const check of checks.filter((c) => c.namespace === '')) {
          const answer = await withRetry(() =>
            api.createSelfSubjectAccessReview({
              body: {
                spec: {
                  resourceAttributes: { verb: check.verb, group: check.group, resource: check.resource },
                },
              },
            }),
          );
          if (!answer.status?.allowed) denied.push(check);
        }
        return;
      }
      const review = await withRetry(() =>
        api.createSelfSubjectRulesReview({ body: { spec: { namespace } } }),
      );
      const rules = review.status?.resourceRules ?? [];
      for (const check of checks.filter((c) => c.namespace === namespace)) {
        if (rules.some((rule) => allows(rule, check))) continue;
        if (review.status?.incomplete) {
          const answer = await withRetry(() =>
            api.createSelfSubjectAccessReview({
              body: { spec: { resourceAttributes: { ...check } } },
            }),
          );
          if (answer.status?.allowed) continue;
        }
        denied.push(check);
      }
    }),
  );
  return denied;
}

/** Permission problems are one clear error naming each verb, resource and namespace. */
export class AccessDeniedError extends InputError {}

export async function assertAccess(cluster: KubeConfig, checks: readonly AccessCheck[]): Promise<void> {
  if (checks.length === 0) return;
  const denied = await deniedAccess(cluster, checks).catch((error: unknown) => {
    throw toClusterError(error, 'checking the permissions config-rollout needs', cluster);
  });
  if (denied.length === 0) return;
  const user = await whoAmI(cluster);
  throw new AccessDeniedError(
    [
      `${user} is missing ${denied.length === 1 ? 'a permission' : `${denied.length} permissions`} config-rollout needs:`,
      ...denied.map((d) => `  - ${describeAccess(d)}`),
      'See "RBAC" in the README for the least-privilege Role.',
    ].join('\n'),
  );
}

/** The user the API server sees (SelfSubjectReview), for error messages; the kubeconfig's name if it won't say. */
async function whoAmI(cluster: KubeConfig): Promise<string> {
  try {
    const review = await cluster.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    if (review.status?.userInfo?.username) return review.status.userInfo.username;
  } catch {
    // older clusters or no permission: fall back to the kubeconfig's name for the user
  }
  return cluster.getCurrentUser()?.name ?? 'the current user';
}
