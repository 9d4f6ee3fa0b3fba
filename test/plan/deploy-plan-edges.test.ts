// planDeploy and apply-scope config at their edges: which set readers get their pods deleted, Secrets under
// apply-scope config, the config a restart hashes when the cluster's copy differs from the base, and a blocked
// reader whose template changes. From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { workloadConfigHash } from '../../src/plan/config-hash.js';
import { findReferences, toWorkload } from '../../src/plan/consumers.js';
import type { ConfigMapSnapshot } from '../../src/plan/configmaps.js';
import { planDeploy, type DeployOptions, type RolloutStep } from '../../src/plan/deploy-plan.js';
import type { ManifestObject } from '../../src/plan/manifests.js';
import { planRollout, type LiveState, type PlanOptions } from '../../src/plan/plan.js';
import { testdataObjects } from '../testdata.js';

const options: DeployOptions = { scope: 'all', prune: false, deletePods: false, secrets: false };
const summary = (steps: RolloutStep[]) => steps.map((s) => `${s.type} ${s.workload.id}`);

/** The objects of a fixture as the cluster holds them: workloads and config with no place in the manifests. */
function liveOf(objects: readonly ManifestObject[], configMaps: readonly ConfigMapSnapshot[]): LiveState {
  return {
    namespaces: ['shop'],
    configMaps: new Map(configMaps.map((c) => [c.ref, { ...c, source: null }])),
    workloads: objects.flatMap((o) => toWorkload(o.body, o.namespace, null) ?? []),
  };
}

function planBoth(
  fixture: string,
  planOptions: Omit<PlanOptions, 'volumeMounts'>,
  deployOptions: Partial<DeployOptions>,
  live?: (base: ManifestObject[], head: ManifestObject[]) => LiveState,
) {
  const base = testdataObjects(`${fixture}-base.yaml`);
  const head = testdataObjects(`${fixture}-head.yaml`);
  const state = live?.(base, head);
  const plan = planRollout({ base, head, live: state, options: { volumeMounts: 'restart', ...planOptions } });
  const deploy = planDeploy({
    plan,
    objects: plan.objects,
    head,
    live: state,
    options: { ...options, ...deployOptions },
  });
  return { plan, deploy };
}

describe('planDeploy: pods deleted by hand', () => {
  it('deletes the pods of an OnDelete DaemonSet one by one when asked, and restarts a RollingUpdate StatefulSet', () => {
    const { plan, deploy } = planBoth('set-readers', {}, { deletePods: true });
    expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['DaemonSet/shop/agent', 'delete-pods'],
      ['StatefulSet/shop/db', 'restart'],
    ]);
    expect([summary(deploy.rollouts), deploy.untouched]).toEqual([
      ['delete-pods DaemonSet/shop/agent', 'restart StatefulSet/shop/db'],
      [],
    ]);
  });

  it('leaves the OnDelete DaemonSet to a hand when not asked, and still restarts the StatefulSet', () => {
    const { deploy } = planBoth('set-readers', {}, { deletePods: false });
    expect([summary(deploy.rollouts), deploy.untouched.map((u) => u.workload)]).toEqual([
      ['restart StatefulSet/shop/db'],
      ['DaemonSet/shop/agent'],
    ]);
  });
});

describe('apply-scope config with Secrets as config sources', () => {
  const secretOf = (objects: ManifestObject[]) =>
    planRollout({ base: [], head: objects, options: { volumeMounts: 'restart', secrets: true } })
      .configMaps[0]!.head!;
  /** The cluster runs the head's Deployment (the pipeline applied it) and the Secret of one side. */
  const applied = (side: 'base' | 'head') => (base: ManifestObject[], head: ManifestObject[]) =>
    liveOf(
      head.filter((o) => o.kind === 'Deployment'),
      [secretOf((side === 'base' ? base : head).filter((o) => o.kind === 'Secret'))],
    );

  it('restarts a reader the pipeline applied before the Secret changed', () => {
    const { plan, deploy } = planBoth(
      'secret-reader',
      { secrets: true, applyScope: 'config' },
      { scope: 'config', secrets: true },
      applied('base'),
    );
    expect(plan.consumers.map((c) => [c.workload, c.action, c.reasons.at(-1)])).toEqual([
      [
        'Deployment/shop/api',
        'restart',
        'apply-scope is config and the cluster already runs its new template, started before the new config: it restarts.',
      ],
    ]);
    expect(summary(deploy.rollouts)).toEqual(['restart Deployment/shop/api']);
    expect(deploy.rollouts[0]!.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('only watches a reader the pipeline applied together with the Secret', () => {
    const { plan, deploy } = planBoth(
      'secret-reader',
      { secrets: true, applyScope: 'config' },
      { scope: 'config', secrets: true },
      applied('head'),
    );
    expect(plan.consumers.map((c) => [c.workload, c.action, c.reasons.at(-1)])).toEqual([
      [
        'Deployment/shop/api',
        'none',
        'apply-scope is config: the cluster already runs its new template with the new config; the merge watches it.',
      ],
    ]);
    expect(summary(deploy.rollouts)).toEqual(['await-template Deployment/shop/api']);
  });
});

describe('the config after apply, when the cluster differs from the base', () => {
  /** shop-config of the whole-change fixture's base as the cluster has it, with the given data. */
  const liveConfig = (data: Record<string, string>): ConfigMapSnapshot => {
    const base = testdataObjects('whole-change-base.yaml');
    const snapshot = planRollout({ base: [], head: base, options: { volumeMounts: 'restart' } })
      .configMaps[0]!.head!;
    return { ...snapshot, data, source: null };
  };

  it('restarts with the hash of the cluster values with the changed keys set to the head', () => {
    // Someone added a key by hand: the merge sets the changed keys and leaves that one in place.
    const { deploy } = planBoth('whole-change', {}, {}, (base) =>
      liveOf(
        base.filter((o) => o.kind === 'Deployment'),
        [liveConfig({ LOG_LEVEL: 'info', DB_POOL_SIZE: '10', HAND: 'x' })],
      ),
    );
    const web = deploy.rollouts.find((s) => s.workload.id === 'Deployment/shop/web')!;
    const hashOf = (data: Record<string, string>) =>
      workloadConfigHash(
        findReferences(web.workload, { secrets: false }),
        new Map([['shop/shop-config', liveConfig(data)]]),
      );
    expect(web.hash).toBe(hashOf({ LOG_LEVEL: 'debug', DB_POOL_SIZE: '10', HAND: 'x' }));
    expect(web.hash).not.toBe(hashOf({ LOG_LEVEL: 'info', DB_POOL_SIZE: '10', HAND: 'x' }));
  });

  it('under apply-scope config, restarts a reader applied before the config when the cluster holds the base', () => {
    const { plan } = planBoth('whole-change', { applyScope: 'config' }, { scope: 'config' }, (_, head) =>
      liveOf(
        head.filter((o) => o.kind === 'Deployment'),
        [liveConfig({ LOG_LEVEL: 'info', DB_POOL_SIZE: '10' })],
      ),
    );
    const api = plan.consumers.find((c) => c.workload === 'Deployment/shop/api')!;
    expect([api.action, api.reasons.at(-1)]).toEqual([
      'restart',
      'apply-scope is config and the cluster already runs its new template, started before the new config: it restarts.',
    ]);
  });
});

describe('apply-scope config and a blocked reader whose template changes', () => {
  it.each([
    ['not applied yet', 'base' as const],
    ['already applied', 'head' as const],
  ])('stays blocked, with no apply-scope reason, when its new template is %s', (_, side) => {
    const { plan, deploy } = planBoth(
      'blocked-reader',
      { applyScope: 'config' },
      { scope: 'config' },
      (base, head) =>
        liveOf(
          (side === 'base' ? base : head).filter((o) => o.kind === 'Deployment'),
          [],
        ),
    );
    const [api] = plan.consumers;
    expect([api!.workload, api!.action, api!.note]).toEqual(['Deployment/shop/api', 'blocked', undefined]);
    expect(api!.reasons).toEqual([
      'Container `api` requires key `POOL` of shop-config (configMapKeyRef, not optional), which this change removes: new pods would not start.',
    ]);
    expect(deploy.rollouts).toEqual([]);
  });
});
