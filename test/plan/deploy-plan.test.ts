import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPlanComment } from '../../src/report/comment.js';
import { configHashAnnotation, workloadConfigHash } from '../../src/plan/config-hash.js';
import { findReferences, toWorkload } from '../../src/plan/consumers.js';
import { diffConfigMap, type ConfigMapChange } from '../../src/plan/configmap-diff.js';
import { collectConfigMaps, type ConfigMapSnapshot } from '../../src/plan/configmaps.js';
import {
  dataAfterApply,
  planDeploy,
  withTemplateAnnotation,
  templateHashOf,
  type DeployOptions,
  type RolloutStep,
} from '../../src/plan/deploy-plan.js';
import { handOverFields, ownedChangedFields, unionFields } from '../../src/plan/field-ownership.js';
import { changedFields, diffObjects, writePhaseOf } from '../../src/plan/object-changes.js';
import { planRollout, type LiveState } from '../../src/plan/plan.js';
import { containsFields } from '../../src/plan/template-match.js';
import { deployment, objects } from './helpers.js';

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

/** The ConfigMap of the whole-change fixture, as one side defines it. */
const configOf = (side: typeof head) => collectConfigMaps(side).byRef.get('shop/shop-config')!;

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

  it('leaves a reader that its own write rolls out of the restarts', () => {
    // api reads the changed ConfigMap and its template changes: the apply step covers it.
    expect(deployOf().deploy.untouched).toEqual([]);
  });

  it('restarts with the hash of the config as the head has it', () => {
    const { deploy } = deployOf();
    const web = deploy.rollouts.find((s) => s.workload.id === 'Deployment/shop/web')!;
    const headConfig = new Map([['shop/shop-config', configOf(head)]]);
    expect(web.hash).toBe(workloadConfigHash(findReferences(web.workload, { secrets: false }), headConfig));
  });

  it('writes added and modified ConfigMaps, and prunes or keeps removed ones', () => {
    const cm = (name: string, value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: "${value}"}\n`;
    const plan = planRollout({
      base: objects([cm('same', '1'), cm('changed', '1'), cm('gone', '1')].join('---\n'), 'b.yaml'),
      head: objects([cm('same', '1'), cm('changed', '2'), cm('new', '1')].join('---\n'), 'h.yaml'),
      options: { volumeMounts: 'restart' },
    });
    const deploy = (prune: boolean) =>
      planDeploy({ plan, objects: [], head: [], live: undefined, options: { ...options, prune } });
    const refs = (changes: ConfigMapChange[]) => changes.map((c) => c.ref);
    expect(
      [true, false]
        .map((prune) => deploy(prune))
        .map((d) => [refs(d.config), refs(d.prunedConfig), refs(d.keptConfig)]),
    ).toEqual([
      [['default/changed', 'default/new'], ['default/gone'], []],
      [['default/changed', 'default/new'], [], ['default/gone']],
    ]);
  });

  it('gives another change id when only a config value, or only an object, differs', () => {
    const idOf = (headText: string) => {
      const h = objects(headText, 'head.yaml');
      const plan = planRollout({ base, head: h, options: { volumeMounts: 'restart' } });
      return planDeploy({ plan, objects: plan.objects, head: h, live: undefined, options }).changeId;
    };
    const text = testdata('whole-change-head.yaml');
    const ids = [
      idOf(text),
      idOf(text.replace('LOG_LEVEL: debug', 'LOG_LEVEL: trace')),
      idOf(text.replace('example/api:1.1', 'example/api:1.2')),
    ];
    expect([ids[0], new Set(ids).size]).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), 3]);
  });

  it('hashes the Secrets a workload reads when Secrets are config sources', () => {
    const sides = (level: string, token: string) =>
      objects(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {LEVEL: ${level}}\n---\n` +
          `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {TOKEN: ${token}}\n---\n` +
          deployment('app', '        envFrom: [{configMapRef: {name: c}}, {secretRef: {name: s}}]'),
      );
    const [b, h] = [sides('info', 'YQ=='), sides('debug', 'Yg==')];
    const plan = planRollout({ base: b, head: h, options: { volumeMounts: 'restart', secrets: true } });
    const hash = (secrets: boolean) =>
      planDeploy({ plan, objects: [], head: h, live: undefined, options: { ...options, secrets } })
        .rollouts[0]!.hash;
    expect(hash(true)).not.toBe(hash(false));
  });

  describe('OnDelete readers', () => {
    const b = objects(testdata('ondelete-readers-base.yaml'), 'base.yaml');
    const h = objects(testdata('ondelete-readers-head.yaml'), 'head.yaml');
    const plan = planRollout({ base: b, head: h, options: { volumeMounts: 'restart' } });
    const deploy = (deletePods: boolean) =>
      planDeploy({ plan, objects: [], head: h, live: undefined, options: { ...options, deletePods } });

    it('replaces the pods of an OnDelete StatefulSet one by one when asked; a ReplicaSet is left to a hand', () => {
      const d = deploy(true);
      expect([summary(d.rollouts), d.untouched.map((u) => u.workload)]).toEqual([
        ['delete-pods StatefulSet/shop/db'],
        ['ReplicaSet/shop/rs'],
      ]);
    });

    it('leaves both to a hand when not asked', () => {
      const d = deploy(false);
      expect([summary(d.rollouts), d.untouched.map((u) => u.workload)]).toEqual([
        [],
        ['ReplicaSet/shop/rs', 'StatefulSet/shop/db'],
      ]);
    });
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
    });

    it('keeps every object for the pipeline to apply, workloads and others', () => {
      const { deploy } = deployOf({ scope: 'config' }, liveWith('example/api:1.0'));
      expect(deploy.keptObjects.map((o) => o.id)).toEqual([
        'Ingress/shop/legacy',
        'Deployment/shop/admin',
        'Deployment/shop/api',
        'Namespace/shop',
        'Role/shop/reader',
        'Service/shop/api',
      ]);
    });

    it('neither waits for nor restarts a blocked reader', () => {
      const live = liveWith('example/api:1.0');
      const plan = planRollout({
        base,
        head,
        live,
        options: { volumeMounts: 'restart', applyScope: 'config' },
      });
      const blocked = {
        ...plan,
        consumers: plan.consumers.map((c) => ({ ...c, action: 'blocked' as const })),
      };
      const deploy = planDeploy({
        plan: blocked,
        objects: plan.objects,
        head,
        live,
        options: { ...options, scope: 'config' },
      });
      expect(deploy.rollouts).toEqual([]);
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

    it.each([
      [
        'not applied yet',
        'example/api:1.0',
        'none',
        'apply-scope is config: the merge waits (up to `timeout`) for your pipeline to apply its new template, then watches it roll.',
      ],
      [
        'applied before the config',
        'example/api:1.1',
        'restart',
        'apply-scope is config and the cluster already runs its new template, started before the new config: it restarts.',
      ],
    ])('says what the merge does with a reader whose new template is %s', (_, image, action, reason) => {
      const api = deployOf({ scope: 'config' }, liveWith(image)).plan.consumers.find(
        (c) => c.workload === 'Deployment/shop/api',
      )!;
      expect([api.action, api.reasons.at(-1)]).toEqual([action, reason]);
    });

    it('never says the merge rolls a template it does not write (apply-scope config)', () => {
      const waiting = deployOf({ scope: 'config' }, liveWith('example/api:1.0')).plan;
      const api = waiting.consumers.find((c) => c.workload === 'Deployment/shop/api')!;
      expect(api.note).toBe('your pipeline rolls its new template; the merge waits for it');
      const headline = renderPlanComment(waiting)
        .split('\n')
        .find((l) => l.startsWith('**'))!;
      expect(headline).toContain('waits for your pipeline to roll out Deployment api');
      expect(headline).not.toContain('rolls out the new template');
    });

    it('adds no apply-scope reason to a reader whose template does not change', () => {
      const web = deployOf({ scope: 'config' }, liveWith('example/api:1.0')).plan.consumers.find(
        (c) => c.workload === 'Deployment/shop/web',
      )!;
      expect(web.reasons.some((r) => r.startsWith('apply-scope'))).toBe(false);
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

describe('withTemplateAnnotation', () => {
  it('sets the annotation where the template has annotations: null, and leaves the body given alone', () => {
    const [d] = objects(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {annotations: null}\n    spec: {containers: []}\n',
    );
    const workload = toWorkload(d!.body, 'default', null)!;
    const written = withTemplateAnnotation(d!.body, workload, configHashAnnotation, 'abc');
    expect([templateHashOf(written, workload), templateHashOf(d!.body, workload)]).toEqual(['abc', null]);
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

describe('dataAfterApply', () => {
  const snapshot = (
    name: string,
    data: Record<string, string>,
    binaryData: Record<string, string> = {},
  ): ConfigMapSnapshot => ({
    kind: 'ConfigMap',
    ref: `shop/${name}`,
    namespace: 'shop',
    name,
    data,
    binaryData,
    immutable: false,
    source: null,
  });
  const dataOf = (after: Map<string, ConfigMapSnapshot>) =>
    Object.fromEntries([...after].map(([ref, s]) => [ref, { ...s.data, ...s.binaryData }]));

  it('sets the keys the change touches on the live values, and keeps the keys only the cluster has', () => {
    const change = diffConfigMap(
      snapshot('app', { level: 'info', old: 'x', moved: 'AAAA' }),
      snapshot('app', { level: 'debug', added: 'y' }, { moved: 'AAAA' }),
    );
    const live = new Map([
      ['shop/app', snapshot('app', { level: 'warn', old: 'x', moved: 'AAAA', hand: 'z' })],
    ]);
    const after = dataAfterApply(live, [change], [change]).get('shop/app')!;
    expect([after.data, after.binaryData]).toEqual([
      { level: 'debug', hand: 'z', added: 'y' },
      { moved: 'AAAA' },
    ]);
  });

  it('takes the head where the cluster has no such ConfigMap, and drops one the change removes', () => {
    const added = diffConfigMap(null, snapshot('new', { a: '1' }));
    const removed = diffConfigMap(snapshot('gone', { a: '1' }), null);
    const live = new Map([['shop/gone', snapshot('gone', { a: '1' })]]);
    expect(dataOf(dataAfterApply(live, [added, removed], [added, removed]))).toEqual({
      'shop/new': { a: '1' },
    });
  });

  it('keeps what the cluster holds of ConfigMaps the change does not write, and the manifests where it has none', () => {
    const unchanged = diffConfigMap(snapshot('same', { a: '1' }), snapshot('same', { a: '1' }));
    const onlyManifests = diffConfigMap(snapshot('kept', { a: '1' }), snapshot('kept', { a: '1' }));
    const live = new Map([
      ['shop/same', snapshot('same', { a: 'live' })],
      ['shop/other', snapshot('other', { b: '2' })],
    ]);
    expect(dataOf(dataAfterApply(live, [unchanged, onlyManifests], []))).toEqual({
      'shop/same': { a: 'live' },
      'shop/kept': { a: '1' },
      'shop/other': { b: '2' },
    });
  });

  it('without a cluster, is the manifests: the head, or the base of a ConfigMap the change removes but keeps', () => {
    const removed = diffConfigMap(snapshot('gone', { a: '1' }), null);
    expect(dataOf(dataAfterApply(undefined, [removed], []))).toEqual({ 'shop/gone': { a: '1' } });
  });
});
