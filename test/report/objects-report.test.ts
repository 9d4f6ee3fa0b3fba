// The objects a whole-change merge writes besides config, as the plan comment, the JSON contract and the apply
// report show them.
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/apply/apply-result.js';
import type { ObjectChange } from '../../src/plan/object-changes.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { renderApplyReport, renderApplyText } from '../../src/report/apply-report.js';
import { renderPlanComment } from '../../src/report/comment.js';
import { planToJson } from '../../src/report/plan-json.js';
import { testdataObjects, testdataValue } from '../testdata.js';

const object = (id: string, change: ObjectChange['change'], fields: string[] = []): ObjectChange => {
  const [kind, namespace, name] = id.split('/') as [string, string, string];
  return {
    id,
    apiVersion: 'v1',
    kind,
    namespace,
    name,
    change,
    phase: 'objects',
    fields,
    base: null,
    head: null,
    source: change === 'removed' ? null : { file: 'svc.yaml', line: 3 },
  };
};

const withObjects = (objects: ObjectChange[], configChanges = true): Plan => {
  const p = planRollout({
    base: testdataObjects('configmap-base.yaml'),
    head: testdataObjects(configChanges ? 'configmap-head.yaml' : 'configmap-head-same.yaml'),
    options: { volumeMounts: 'restart' },
  });
  return { ...p, objects };
};

const objects = [
  object('Service/shop/api', 'modified', ['spec.ports[http].port', 'metadata.labels.tier']),
  object('Ingress/shop/api', 'added'),
  object('Role/shop/old', 'removed'),
];

describe('the plan comment lists the other objects the merge writes', () => {
  it('says the pipeline applies them, not the merge, with apply-scope config', () => {
    const text = renderPlanComment({ ...withObjects(objects), applyScope: 'config' });
    expect(text).toContain(
      '#### Other objects in this change (apply-scope is config: your pipeline applies them, config-rollout does not)\n\n- changes `Service/shop/api`',
    );
    expect(text).toContain('2 other objects left to your pipeline');
    expect(text).not.toContain('Other objects the merge writes');
    expect(text).not.toContain('other objects written');
  });

  it('says what each one does, with the fields that change, and counts those written', () => {
    const text = renderPlanComment(withObjects(objects));
    expect(text).toContain(
      '#### Other objects the merge writes\n\n- changes `Service/shop/api`: `spec.ports[http].port`, `metadata.labels.tier`\n- creates `Ingress/shop/api`\n- removes (deleted with `prune`, else kept) `Role/shop/old`\n\n#### ConfigMaps',
    );
    expect(text).toContain(
      '**✅ No blockers** · merging writes 1 ConfigMap and 2 other objects; no workload needs a restart · planned offline: drift and live health not checked',
    );
  });

  it('has something to roll out when only other objects change', () => {
    const text = renderPlanComment(withObjects([object('Service/shop/api', 'added')], false));
    expect(text).toContain(
      '**✅ No blockers** · merging writes 1 other object · planned offline: drift and live health not checked',
    );
    expect(text).toContain(
      'No ConfigMap changes in this change: nothing to restart.\n\n#### Other objects the merge writes\n\n- creates `Service/shop/api`\n',
    );
    const removedOnly = renderPlanComment(withObjects([object('Role/shop/old', 'removed')], false));
    expect(removedOnly).toContain(
      '**✅ No blockers** · planned offline: drift and live health not checked\n',
    );
    expect(renderPlanComment(withObjects([], false))).toContain('**✅ Nothing to roll out**');
  });

  it('counts the objects past the rows it shows', () => {
    const many = Array.from({ length: 503 }, (_, i) => object(`Service/shop/s${i}`, 'added'));
    const text = renderPlanComment(withObjects(many));
    expect(text).toContain('- creates `Service/shop/s499`\n- …and 3 more objects.\n');
    expect(text).not.toContain('`Service/shop/s500`');
  });

  it('gives them in the JSON contract with where they are written', () => {
    expect(planToJson(withObjects(objects.slice(0, 1).concat(objects.slice(2)))).objects).toEqual([
      {
        object: 'Service/shop/api',
        apiVersion: 'v1',
        change: 'modified',
        fields: ['spec.ports[http].port', 'metadata.labels.tier'],
        file: 'svc.yaml',
        line: 3,
      },
      { object: 'Role/shop/old', apiVersion: 'v1', change: 'removed', fields: [], file: null, line: null },
    ]);
  });
});

describe('the apply report lists the objects written', () => {
  const result = (): ApplyResult => ({
    ...testdataValue<ApplyResult>('apply-result-applied.yaml'),
    objects: [
      { object: 'Service/shop/api', outcome: 'configured', fields: ['spec.ports', 'metadata.labels'] },
      { object: 'Ingress/shop/api', outcome: 'created', fields: [] },
      { object: 'Role/shop/old', outcome: 'kept', fields: ['x'], detail: 'not pruned: `prune` is off' },
    ],
  });

  it('as a table between the ConfigMaps and the workloads', () => {
    expect(renderApplyReport(result())).toContain(
      '| `shop/app-config` | patched | level, retries |\n\n| Object | Outcome | Fields |\n|---|---|---|\n| `Service/shop/api` | configured | spec.ports, metadata.labels |\n| `Ingress/shop/api` | created |  |\n| `Role/shop/old` | kept | x — not pruned: <code>prune</code> is off |\n\n| Workload |',
    );
    expect(renderApplyReport({ ...result(), objects: [] })).not.toContain('| Object |');
  });

  it('as lines, the detail in place of the fields', () => {
    expect(renderApplyText(result())).toContain(
      '  configmap shop/app-config: patched (level, retries)\n  Service/shop/api: configured (spec.ports, metadata.labels)\n  Ingress/shop/api: created\n  Role/shop/old: kept — not pruned: `prune` is off\n  Deployment/shop/api',
    );
  });
});
