// A live plan says which fields the merge takes over from kubectl, and which other field managers would stop
// server-side apply (field-takeover, field-conflict), from the live objects' managedFields.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toWorkload } from '../../src/plan/consumers.js';
import type { ManagedFieldsEntry } from '../../src/plan/field-ownership.js';
import type { KubeObject } from '../../src/plan/manifests.js';
import { planRollout, type LiveState } from '../../src/plan/plan.js';
import { objects } from './helpers.js';

const testdata = (name: string) => readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8');
const base = objects(testdata('whole-change-base.yaml'), 'base.yaml');
const head = objects(testdata('whole-change-head.yaml'), 'head.yaml');

/** An object as the base defines it, as the cluster holds it with these field managers. */
function liveBody(kind: string, name: string, managedFields: ManagedFieldsEntry[]): KubeObject {
  const body = structuredClone(base.find((o) => o.kind === kind && o.name === name)!.body);
  return { ...body, metadata: { ...body.metadata, managedFields } };
}

const container = (fields: Record<string, unknown>) => ({
  'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"api"}': fields } } } },
});

const live: LiveState = {
  namespaces: ['shop'],
  configMaps: new Map(),
  workloads: [
    // helm set api's image and env; our own earlier restart set the image too (never a conflict with ourselves).
    liveBody('Deployment', 'api', [
      { manager: 'helm', operation: 'Update', fieldsV1: container({ 'f:image': {}, 'f:env': {} }) },
      { manager: 'config-rollout', operation: 'Apply', fieldsV1: container({ 'f:image': {} }) },
    ]),
    // admin was deployed with client-side kubectl apply.
    liveBody('Deployment', 'admin', [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
    ]),
  ].map((body) => toWorkload(body, 'shop', null)!),
  objects: new Map([
    [
      'Role/shop/reader',
      liveBody('Role', 'reader', [{ manager: 'helm', operation: 'Update', fieldsV1: { 'f:rules': {} } }]),
    ],
    // Removed by the change: nothing is written to it, so no field of it conflicts.
    [
      'Ingress/shop/legacy',
      liveBody('Ingress', 'legacy', [{ manager: 'helm', operation: 'Update', fieldsV1: { 'f:spec': {} } }]),
    ],
  ]),
};

const ownership = (forceConflicts: boolean, code = 'field-') =>
  planRollout({ base, head, live, options: { volumeMounts: 'restart', forceConflicts } })
    .findings.filter((f) => f.code.startsWith(code))
    .map((f) => [f.severity, f.message]);

const apiFields =
  '`spec.template.spec.containers[name=api].image`, `spec.template.spec.containers[name=api].env`';

describe('field managers in a live plan', () => {
  it('warns of fields another manager owns, and says what the merge takes over from kubectl', () => {
    expect(ownership(false)).toEqual([
      [
        'warning',
        `Deployment/shop/api: ${apiFields} are owned by \`helm\`, and the change sets them: the merge fails on this object (and rolls back) unless \`force-conflicts\` is on, or the field is left out of the manifests.`,
      ],
      [
        'warning',
        'Role/shop/reader: `rules` is owned by `helm`, and the change sets it: the merge fails on this object (and rolls back) unless `force-conflicts` is on, or the field is left out of the manifests.',
      ],
      [
        'info',
        'Deployment/shop/admin: the merge takes over `spec.replicas` from `kubectl-client-side-apply` (last written by kubectl).',
      ],
    ]);
  });

  it('says the merge takes conflicting fields over when force-conflicts is on', () => {
    expect(ownership(true, 'field-conflict')).toEqual([
      [
        'info',
        `Deployment/shop/api: ${apiFields} are owned by \`helm\`; force-conflicts is on, so the merge takes them over.`,
      ],
      [
        'info',
        'Role/shop/reader: `rules` is owned by `helm`; force-conflicts is on, so the merge takes it over.',
      ],
    ]);
  });
});
