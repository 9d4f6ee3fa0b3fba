import { assertAccess, type AccessCheck } from '../cluster/access-review.js';
import { apiMessage } from '../cluster/api-errors.js';
import { createClusterWriter } from '../cluster/cluster-writer.js';
import { planDeploy, type DeployPlan } from '../plan/deploy-plan.js';
import { hasBlockers } from '../plan/plan.js';
import { prepareChange, type PlannedChange } from '../plan-change.js';
import { InputError } from '../sources/input-error.js';
import type { ApplyResult } from './apply-result.js';
import { applyResult, rollbackRetry, type ApplyRun, type ApplySettings } from './apply-run.js';

/** The cluster failing before anything changed is a failed apply (with the API server's reason), not a crash. */
export function nothingChanged(settings: ApplySettings, what: string, error: unknown): ApplyResult {
  // Unreadable manifests and missing permissions stay input errors: the CLI exits 2 on them.
  if (error instanceof InputError) throw error;
  return applyResult(settings, 'failed', `Nothing was changed: ${what} failed: ${apiMessage(error)}`);
}

/**
 * Phase 1: re-plan against the cluster as it is now, refuse on blockers, decide what to write in which order,
 * and check every permission that takes before anything is written.
 */
export async function prepareApply(settings: ApplySettings): Promise<ApplyRun | ApplyResult> {
  let prepared: PlannedChange;
  try {
    prepared = await prepareChange(settings);
  } catch (error) {
    return nothingChanged(settings, 'reading the cluster', error);
  }
  const { plan } = prepared;
  if (hasBlockers(plan)) {
    const blockers = plan.findings.filter((f) => f.severity === 'blocker').map((f) => f.message);
    return applyResult(settings, 'failed', `Refused: the change has blockers.\n- ${blockers.join('\n- ')}`);
  }
  const deploy = planDeploy({
    plan,
    objects: plan.objects,
    head: prepared.head,
    live: prepared.live,
    options: {
      scope: settings.applyScope ?? 'all',
      prune: settings.prune,
      deletePods: settings.deletePods === true,
      secrets: settings.secrets === true,
    },
  });
  const run: ApplyRun = {
    settings,
    prepared,
    deploy,
    cluster: createClusterWriter(settings.cluster, { dryRun: settings.dryRun }),
    patient: createClusterWriter(settings.cluster, { dryRun: settings.dryRun, retry: rollbackRetry }),
    home: settings.namespace,
    journals: new Map(),
    createdJournals: new Map(),
    configMaps: deploy.keptConfig.map((c) => ({
      ref: c.ref,
      outcome: 'kept',
      keys: [],
      detail: 'removed from the manifests; kept in the cluster (prune is off)',
    })),
    objects: deploy.keptObjects.map((o) => ({
      object: o.id,
      outcome: o.change === 'removed' ? 'kept' : 'not-written',
      fields: o.fields,
      detail:
        o.change === 'removed'
          ? 'removed from the manifests; kept in the cluster (prune is off)'
          : 'apply-scope is config: your pipeline applies it',
    })),
    workloads: [],
    attempted: new Set(),
    problems: [],
  };
  if (!writesAnything(deploy)) {
    const message =
      plan.configMaps.some((c) => c.change !== 'unchanged') || plan.objects.length > 0
        ? 'Nothing to write: what changed is kept or left to your pipeline.'
        : 'No changes to apply.';
    return applyResult(settings, 'no-change', message, run);
  }
  try {
    await assertAccess(settings.cluster, await applyAccessChecks(run));
  } catch (error) {
    return nothingChanged(settings, 'checking access', error);
  }
  return run;
}

function writesAnything(deploy: DeployPlan): boolean {
  return (
    deploy.config.length +
      deploy.prunedConfig.length +
      deploy.objects.length +
      deploy.rollouts.length +
      deploy.prunedObjects.length >
    0
  );
}

/** Namespaces the run writes in (journals and leases live there); cluster-scoped objects count for `home`. */
export function namespacesOf(run: Pick<ApplyRun, 'deploy' | 'home'>): string[] {
  const { deploy } = run;
  const namespaces = [
    ...deploy.config.map((c) => c.namespace),
    ...deploy.prunedConfig.map((c) => c.namespace),
    ...deploy.rollouts.map((r) => r.workload.namespace),
    ...[...deploy.objects, ...deploy.prunedObjects].map((o) => o.namespace ?? run.home),
  ];
  return [...new Set(namespaces)].sort();
}

/** Every permission the run needs, checked in one review per namespace before the first write. */
async function applyAccessChecks(run: ApplyRun): Promise<AccessCheck[]> {
  const checks: AccessCheck[] = [];
  const secrets = run.settings.secrets === true;
  const add = (verbs: string[], group: string, resource: string, namespace: string) =>
    checks.push(...verbs.map((verb) => ({ verb, group, resource, namespace })));
  for (const namespace of namespacesOf(run)) {
    if (secrets) add(['get', 'list', 'create', 'patch', 'delete'], '', 'secrets', namespace);
    add(['get', 'list', 'create', 'patch', 'delete'], '', 'configmaps', namespace);
    add(['get', 'create', 'update', 'delete'], 'coordination.k8s.io', 'leases', namespace);
    add(['list', 'watch'], '', 'pods', namespace);
    add(['list'], '', 'events', namespace);
  }
  for (const step of run.deploy.rollouts) {
    const { group, plural } = step.workload.kind.resource;
    add(['get', 'patch', 'watch'], group, plural, step.workload.namespace);
    if (step.type === 'apply') add(['create', 'update', 'delete'], group, plural, step.workload.namespace);
    if (step.type === 'delete-pods') add(['delete'], '', 'pods', step.workload.namespace);
  }
  for (const object of [...run.deploy.objects, ...run.deploy.prunedObjects]) {
    const slash = object.apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : object.apiVersion.slice(0, slash);
    const resource = await run.cluster.resolveKind(object.apiVersion, object.kind).catch(() => undefined);
    // A kind the server does not serve yet (its CRD is in this change) is checked when it is written.
    if (!resource) continue;
    const verbs = object.change === 'removed' ? ['delete'] : ['get', 'create', 'patch', 'update', 'delete'];
    add(verbs, group, resource.plural, object.namespace ?? '');
  }
  return dedupeChecks(checks);
}

function dedupeChecks(checks: AccessCheck[]): AccessCheck[] {
  const seen = new Map(checks.map((c) => [`${c.verb}|${c.group}|${c.resource}|${c.namespace}`, c]));
  return [...seen.values()];
}
