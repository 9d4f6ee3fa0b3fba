import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configHashAnnotation } from '../../src/plan/config-hash.js';
import { toWorkload } from '../../src/plan/consumers.js';
import {
  planDeploy,
  templateHashOf,
  type DeployOptions,
  type RolloutStep,
} from '../../src/plan/deploy-plan.js';
import { handOverFields, ownedChangedFields, unionFields } from '../../src/plan/field-ownership.js';
import { changedFields, diffObjects, writePhaseOf } from '../../src/plan/object-changes.js';
import { planRollout, type LiveState } from '../../src/plan/plan.js';
import { containsFields } from '../../src/plan/template-match.js';
import { objects } from './helpers.js';

const testdata = (name: string) => readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8');
const base = objects(testdata('whole-change-base.yaml'), 'base.yaml');
const head = objects(testdata('whole-change-head.yaml'), 'head.yaml');
const options: DeployOptions = { scope: 'all', prune: false, deletePods: false, secrets: false };

function deployOf(overrides: Partial<DeployOptions> = {}, live?: LiveState) {
  const plan = planRollout({
    base,
    head,
    live,
    options: { volumeMounts: 'restart', applyScope: overrides.scope ?? 'all' },
  });
  return {
    plan,
    deploy: planDeploy({ plan, objects: plan.objects, head, live, options: { ...options, ...overrides } }),
  };
}

const summary = (steps: RolloutStep[]) => steps.map((s) => `${s.type} ${s.workload.id}`);

describe('diffObjects', () => {
  it('lists every other object the change adds, modifies or removes, in write order, with the fields that change', () => {
    const changes = diffObjects(base, head);
    expect(changes.map((c) => [c.id, c.change, c.phase, c.fields])).toEqual([
      ['Namespace/shop', 'added', 'foundations', []],
      ['Ingress/shop/legacy', 'removed', 'objects', []],
      ['Role/shop/reader', 'modified', 'objects', ['rules']],
      ['Service/shop/api', 'added', 'objects', []],
      ['Deployment/shop/admin', 'modified', 'workloads', ['spec.replicas']],
      [
        'Deployment/shop/api',
        'modified',
        'workloads',
        ['spec.template.spec.containers[api].env', 'spec.template.spec.containers[api].image'],
      ],
    ]);
    // ConfigMaps are the config phase's, key by key; an unchanged workload is not written.
    expect(changes.some((c) => c.kind === 'ConfigMap' || c.id === 'Deployment/shop/web')).toBe(false);
  });

  it('makes the namespace explicit and drops status from what is written', () => {
    const [service] = diffObjects(
      [],
      objects(
        'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 1}]}\nstatus: {x: 1}\n',
        'a.yaml',
        'team',
      ),
    );
    expect(service!.head).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'team' },
      spec: { ports: [{ port: 1 }] },
    });
  });

  it('names list items by name, and compares unnamed lists whole', () => {
    expect(
      changedFields(
        {
          a: [
            { name: 'x', v: 1 },
            { name: 'y', v: 1 },
          ],
          b: [1, 2],
        },
        {
          a: [
            { name: 'x', v: 2 },
            { name: 'y', v: 1 },
          ],
          b: [1, 3],
        },
      ),
    ).toEqual(['a[x].v', 'b']);
  });

  it('puts namespaces and CRDs first and workload kinds last', () => {
    expect(
      ['CustomResourceDefinition', 'Namespace', 'Service', 'StatefulSet', 'CronJob'].map(writePhaseOf),
    ).toEqual(['foundations', 'foundations', 'objects', 'workloads', 'workloads']);
  });

  it('says a changed Secret is not written unless Secrets are config sources', () => {
    const secret = (v: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ndata: {k: ${v}}\n`;
    const plan = planRollout({
      base: objects(secret('YQ=='), 'b.yaml'),
      head: objects(secret('Yg=='), 'h.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect(plan.findings.map((f) => [f.code, f.severity])).toEqual([['secret-not-applied', 'warning']]);
    expect(plan.findings[0]!.message).not.toContain('Yg==');
  });
});

describe('planDeploy', () => {
  it('writes changed workloads whole with the config hash in the same write, and restarts readers whose template does not change', () => {
    const { deploy } = deployOf();
    expect(summary(deploy.rollouts)).toEqual([
      'apply Deployment/shop/admin',
      'apply Deployment/shop/api',
      'restart Deployment/shop/web',
    ]);
    const api = deploy.rollouts[1]!;
    expect(api.type === 'apply' && api.hash).toMatch(/^[0-9a-f]{32}$/);
    // api reads the changed ConfigMap: one write carries both its new image and its config hash.
    expect(templateHashOf(api.type === 'apply' ? api.body : undefined, api.workload)).toBe(api.hash);
    // admin reads no changed config: written as the manifest says, no hash.
    const admin = deploy.rollouts[0]!;
    expect(admin.type === 'apply' && admin.hash).toBe(null);
    expect(templateHashOf(admin.type === 'apply' ? admin.body : undefined, admin.workload)).toBe(null);
    expect(deploy.objects.map((o) => o.id)).toEqual([
      'Namespace/shop',
      'Role/shop/reader',
      'Service/shop/api',
    ]);
    expect(deploy.keptObjects.map((o) => o.id)).toEqual(['Ingress/shop/legacy']);
    expect(deploy.config.map((c) => c.ref)).toEqual(['shop/shop-config']);
  });

  it('prunes removed objects only when asked', () => {
    expect(deployOf({ prune: true }).deploy.prunedObjects.map((o) => o.id)).toEqual(['Ingress/shop/legacy']);
    expect(deployOf({ prune: true }).deploy.keptObjects).toEqual([]);
  });

  it('gives the same change id on every run, and another for another change', () => {
    expect(deployOf().deploy.changeId).toBe(deployOf().deploy.changeId);
    const other = planRollout({ base, head: base, options: { volumeMounts: 'restart' } });
    expect(
      planDeploy({ plan: other, objects: other.objects, head: base, live: undefined, options }).changeId,
    ).not.toBe(deployOf().deploy.changeId);
  });

  describe('apply-scope config', () => {
    /** The api Deployment as the cluster has it: the given image, and what the API server adds by default. */
    const liveWith = (image: string): LiveState => {
      const body = structuredClone(head.find((o) => o.kind === 'Deployment' && o.name === 'api')!.body);
      const pod = (body['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
      (pod['containers'] as Record<string, unknown>[])[0]!['image'] = image;
      pod['restartPolicy'] = 'Always';
      return { namespaces: ['shop'], configMaps: new Map(), workloads: [toWorkload(body, 'shop', null)!] };
    };

    it('waits for the pipeline to apply a reader whose template changes', () => {
      const { deploy } = deployOf({ scope: 'config' }, liveWith('example/api:1.0'));
      expect(summary(deploy.rollouts)).toEqual([
        'await-template Deployment/shop/api',
        'restart Deployment/shop/web',
      ]);
      expect(deploy.objects).toEqual([]);
      expect(deploy.keptObjects.map((o) => o.id)).toContain('Service/shop/api');
    });

    it('only watches a reader the pipeline applied together with its config (helm upgrade writes both)', () => {
      const live = liveWith('example/api:1.1');
      const headConfig = planRollout({ base, head, options: { volumeMounts: 'restart' } }).configMaps[0]!
        .head!;
      const withConfig: LiveState = {
        ...live,
        configMaps: new Map([[headConfig.ref, { ...headConfig, source: null }]]),
      };
      const { deploy, plan } = deployOf({ scope: 'config' }, withConfig);
      // web's template does not change, so nobody else restarts it: its pods still read the old values.
      expect(summary(deploy.rollouts)).toEqual([
        'await-template Deployment/shop/api',
        'restart Deployment/shop/web',
      ]);
      expect(plan.consumers.find((c) => c.workload === 'Deployment/shop/api')!.reasons.at(-1)).toBe(
        'apply-scope is config: the cluster already runs its new template with the new config; the merge watches it.',
      );
    });

    it('restarts a reader the pipeline applied before the config changed (its pods read the old values)', () => {
      const { deploy } = deployOf({ scope: 'config' }, liveWith('example/api:1.1'));
      expect(summary(deploy.rollouts)).toEqual([
        'restart Deployment/shop/api',
        'restart Deployment/shop/web',
      ]);
    });
  });
});

describe('containsFields', () => {
  it.each([
    [{ a: 1, b: { c: [1, 2] }, d: 'x' }, { a: 1, b: { c: [1, 2] } }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: [1, 2, 3] }, { a: [1, 2] }, false],
    [{ a: { x: 1 } }, { a: {} }, true],
    [{}, { a: null }, true],
    [{ a: '1' }, { a: 1 }, true],
  ])('%j contains %j: %s', (live, desired, expected) => {
    expect(containsFields(live, desired)).toBe(expected);
  });
});

describe('handOverFields', () => {
  it('moves what client-side kubectl apply owned to our apply entry, and leaves other managers alone', () => {
    const entries = [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: 't1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
      {
        manager: 'config-rollout',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 't2',
        fieldsV1: { 'f:spec': { 'f:template': {} } },
      },
    ];
    expect(handOverFields(entries, 'config-rollout')).toEqual([
      entries[1],
      {
        manager: 'config-rollout',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 't2',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:template': {}, 'f:replicas': {} } },
      },
    ]);
    expect(handOverFields([entries[1]!], 'config-rollout')).toBeUndefined();
  });

  it('unions nested field sets', () => {
    expect(unionFields({ 'f:a': { 'f:b': {} }, '.': {} }, { 'f:a': { 'f:c': {} }, 'f:d': {} })).toEqual({
      'f:a': { 'f:b': {}, 'f:c': {} },
      '.': {},
      'f:d': {},
    });
  });
});

describe('templateHashOf', () => {
  it('reads the config hash a workload template carries', () => {
    const [d] = objects(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {annotations: {${configHashAnnotation}: abc}}\n    spec: {containers: []}\n`,
    );
    const workload = toWorkload(d!.body, 'default', null)!;
    expect(templateHashOf(d!.body, workload)).toBe('abc');
  });
});

describe('ownedChangedFields', () => {
  const live = {
    metadata: {
      name: 'api',
      managedFields: [
        {
          manager: 'helm',
          operation: 'Update',
          fieldsV1: {
            'f:spec': {
              'f:replicas': {},
              'f:template': {
                'f:spec': {
                  'f:containers': {
                    'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:args': {} },
                  },
                },
              },
            },
          },
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          subresource: 'status',
          fieldsV1: { 'f:status': { 'f:replicas': {} } },
        },
      ],
    },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'a:1', args: ['x'] }] } } },
    status: { replicas: 3 },
  };

  it('names the fields another manager owns that the change sets to a new value', () => {
    const desired = {
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'a:2', args: ['x'] }] } } },
      status: { replicas: 1 },
    };
    expect(ownedChangedFields(live, desired)).toEqual([
      { manager: 'helm', field: 'spec.template.spec.containers[name=app].image' },
    ]);
  });

  it('finds no conflict in fields the change leaves out or keeps, nor in status', () => {
    expect(
      ownedChangedFields(live, {
        spec: { template: { spec: { containers: [{ name: 'other', image: 'b' }] } } },
      }),
    ).toEqual([]);
    expect(ownedChangedFields(live, { spec: { replicas: '3' } })).toEqual([]);
    expect(ownedChangedFields(live, { spec: { replicas: 5 } })).toEqual([
      { manager: 'helm', field: 'spec.replicas' },
    ]);
    expect(ownedChangedFields({ metadata: {} }, { spec: { replicas: 5 } })).toEqual([]);
  });

  it('compares atomic lists whole', () => {
    const desired = { spec: { template: { spec: { containers: [{ name: 'app', args: ['y'] }] } } } };
    expect(ownedChangedFields(live, desired)).toEqual([
      { manager: 'helm', field: 'spec.template.spec.containers[name=app].args' },
    ]);
  });
});
