// Field managers: which fields a whole-change deploy takes over, and which conflict with another owner.
import { describe, expect, it } from 'vitest';
import {
  handOverFields,
  isTakenOver,
  ownedChangedFields,
  unionFields,
  type ManagedFieldsEntry,
} from '../../src/plan/field-ownership.js';

describe('isTakenOver', () => {
  it.each([
    ['kubectl-client-side-apply', true],
    ['kubectl-edit', true],
    ['config-rollout', true],
    ['helm', false],
    ['kube-controller-manager', false],
  ])('%s: %s', (manager, expected) => {
    expect(isTakenOver(manager)).toBe(expected);
  });
});

describe('handOverFields', () => {
  const csa: ManagedFieldsEntry = {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: 't1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  };

  it('makes a new apply entry from what client-side apply owned when we own nothing yet', () => {
    expect(handOverFields([csa], 'config-rollout')).toEqual([
      {
        manager: 'config-rollout',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: 't1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
    ]);
  });

  it('moves nothing owned through a subresource or by an apply of the same name', () => {
    const others: ManagedFieldsEntry[] = [
      { ...csa, subresource: 'scale' },
      { ...csa, operation: 'Apply' },
    ];
    expect(handOverFields(others, 'config-rollout')).toBeUndefined();
  });

  it('merges only into our apply entry, not into our updates or our entry of a subresource', () => {
    const ourUpdate: ManagedFieldsEntry = {
      manager: 'config-rollout',
      operation: 'Update',
      fieldsV1: { 'f:metadata': {} },
    };
    const ourScale: ManagedFieldsEntry = {
      manager: 'config-rollout',
      operation: 'Apply',
      subresource: 'scale',
      fieldsV1: { 'f:spec': {} },
    };
    expect(handOverFields([ourUpdate, ourScale, csa], 'config-rollout')).toEqual([
      ourUpdate,
      ourScale,
      { ...csa, manager: 'config-rollout', operation: 'Apply' },
    ]);
  });

  it("takes another manager's apply entry for its own, never for ours", () => {
    const helm: ManagedFieldsEntry = {
      manager: 'helm',
      operation: 'Apply',
      fieldsV1: { 'f:spec': { 'f:x': {} } },
    };
    expect(handOverFields([helm, csa], 'config-rollout')).toEqual([
      helm,
      { ...csa, manager: 'config-rollout', operation: 'Apply' },
    ]);
  });

  it('hands over an entry that lists no fields as an empty set', () => {
    expect(handOverFields([{ ...csa, fieldsV1: undefined }], 'config-rollout')![0]!.fieldsV1).toEqual({});
  });
});

describe('unionFields', () => {
  it.each([
    ['a set on one side only', {}, { 'f:a': {} }, { 'f:a': {} }],
    ['a set kept over a non-set value', { 'f:a': { 'f:b': {} } }, { 'f:a': 1 }, { 'f:a': { 'f:b': {} } }],
    ['a set replacing a non-set value', { 'f:a': 1 }, { 'f:a': { 'f:b': {} } }, { 'f:a': { 'f:b': {} } }],
    ['the first of two non-set values', { 'f:a': 1 }, { 'f:a': 2 }, { 'f:a': 1 }],
  ])('%s', (_, a, b, expected) => {
    expect(unionFields(a, b)).toEqual(expected);
  });
});

describe('ownedChangedFields', () => {
  const liveWith = (managedFields: unknown, spec: Record<string, unknown> = {}) => ({
    metadata: { name: 'api', managedFields },
    spec,
  });

  it('reads no managers when managedFields is not a list or metadata is not an object', () => {
    const desired = { spec: { replicas: 5 } };
    expect([
      ownedChangedFields(liveWith({ manager: 'helm' }, { replicas: 3 }), desired),
      ownedChangedFields({ metadata: 'x', spec: { replicas: 3 } }, desired),
    ]).toEqual([[], []]);
  });

  it('skips entries without a manager or without fields', () => {
    const live = liveWith(
      [{ operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }, { manager: 'helm' }],
      { replicas: 3 },
    );
    expect(ownedChangedFields(live, { spec: { replicas: 5 } })).toEqual([]);
  });

  it('counts a field whose only child is "." as a leaf, and names a top-level field without a dot', () => {
    const live = { ...liveWith([{ manager: 'helm', fieldsV1: { 'f:data': { '.': {} } } }]), data: 'a' };
    expect(ownedChangedFields(live, { data: 'b' })).toEqual([{ manager: 'helm', field: 'data' }]);
  });

  it('walks into an object field that has children', () => {
    const live = liveWith([{ manager: 'helm', fieldsV1: { 'f:spec': { '.': {}, 'f:replicas': {} } } }], {
      replicas: 3,
    });
    expect(ownedChangedFields(live, { spec: { replicas: 5 } })).toEqual([
      { manager: 'helm', field: 'spec.replicas' },
    ]);
  });

  it('compares numbers with their string form', () => {
    const live = liveWith([{ manager: 'helm', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }], {
      replicas: '3',
    });
    expect(ownedChangedFields(live, { spec: { replicas: 3 } })).toEqual([]);
  });

  it('names list items by every key of their key, and finds them among others', () => {
    const key = 'k:{"containerPort":80,"protocol":"TCP"}';
    const live = liveWith(
      [{ manager: 'helm', fieldsV1: { 'f:spec': { 'f:ports': { [key]: { 'f:name': {} } } } } }],
      {
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
      },
    );
    const desired = {
      spec: {
        ports: [
          // Matches one key of two only: not the item owned, though its name equals the owned one's.
          { containerPort: 443, protocol: 'TCP', name: 'http' },
          { containerPort: 80, protocol: 'TCP', name: 'web' },
        ],
      },
    };
    expect(ownedChangedFields(live, desired)).toEqual([
      { manager: 'helm', field: 'spec.ports[containerPort=80,protocol=TCP].name' },
    ]);
  });

  it('skips an item key that is not JSON, and goes on with the next field', () => {
    const live = liveWith(
      [
        {
          manager: 'helm',
          fieldsV1: { 'f:spec': { 'f:ports': { 'k:{bad': { 'f:name': {} } }, 'f:replicas': {} } },
        },
      ],
      { ports: [{ name: 'a' }], replicas: 3 },
    );
    expect(ownedChangedFields(live, { spec: { ports: [{ name: 'b' }], replicas: 4 } })).toEqual([
      { manager: 'helm', field: 'spec.replicas' },
    ]);
  });

  it('finds no conflict in list items a desired field that is not a list cannot hold', () => {
    const live = liveWith(
      [{ manager: 'helm', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"name":"a"}': { 'f:port': {} } } } } }],
      {
        ports: [{ name: 'a', port: 1 }],
      },
    );
    expect(ownedChangedFields(live, { spec: { ports: 'none' } })).toEqual([]);
  });

  it('compares a leaf that holds an object whole', () => {
    const live = liveWith([{ manager: 'helm', fieldsV1: { 'f:spec': { 'f:resources': {} } } }], {
      resources: { limits: { cpu: 1 } },
    });
    expect(ownedChangedFields(live, { spec: { resources: { limits: { cpu: 2 } } } })).toEqual([
      { manager: 'helm', field: 'spec.resources' },
    ]);
  });

  it('takes a list position as a whole item, even in a list of objects: no conflict', () => {
    const live = liveWith(
      [{ manager: 'helm', fieldsV1: { 'f:spec': { 'f:items': { 'i:0': { 'f:x': {} } } } } }],
      {
        items: [{ x: 1 }],
      },
    );
    expect(ownedChangedFields(live, { spec: { items: [{ x: 2 }] } })).toEqual([]);
  });

  it('takes set members and list positions as whole items: no conflict', () => {
    const live = liveWith(
      [
        {
          manager: 'helm',
          fieldsV1: { 'f:spec': { 'f:finalizers': { 'v:"a"': {} }, 'f:args': { 'i:0': {} } } },
        },
      ],
      { finalizers: ['a'], args: ['x'] },
    );
    expect(ownedChangedFields(live, { spec: { finalizers: ['b'], args: ['y'] } })).toEqual([]);
  });
});
