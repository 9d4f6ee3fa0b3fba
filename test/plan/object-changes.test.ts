// The objects other than config that a whole-change deploy writes: identity, order, fields, Secrets not written.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  changedFields,
  desiredBody,
  diffObjects,
  unwrittenSecretFindings,
  writePhaseOf,
} from '../../src/plan/object-changes.js';
import { objects } from './helpers.js';

const testdata = (name: string) => readFileSync(new URL(`../testdata/${name}`, import.meta.url), 'utf8');
const base = objects(testdata('object-changes-base.yaml'), 'base.yaml', 'team');
const head = objects(testdata('object-changes-head.yaml'), 'head.yaml', 'team');

describe('diffObjects', () => {
  it('matches objects across API versions of a group, not across groups; the last definition wins', () => {
    expect(diffObjects(base, head).map((c) => [c.id, c.apiVersion, c.change, c.phase, c.fields])).toEqual([
      ['Certificate/team/tls', 'example.com/v1', 'added', 'objects', []],
      ['ClusterRole/viewer', 'rbac.authorization.k8s.io/v1', 'modified', 'objects', ['rules']],
      ['Deployment/team/moved', 'apps/v1', 'modified', 'workloads', ['apiVersion', 'spec.replicas']],
    ]);
  });

  it('points a change at the head, and a removed object at the base', () => {
    // The sides swapped: the example.com Certificate is removed.
    const changes = diffObjects(head, base);
    expect(changes.map((c) => [c.id, c.change, c.source?.file, c.head === null])).toEqual([
      ['Certificate/team/tls', 'removed', 'head.yaml', true],
      ['ClusterRole/viewer', 'modified', 'base.yaml', false],
      ['Deployment/team/moved', 'modified', 'base.yaml', false],
    ]);
  });

  it('writes a cluster-scoped object without a namespace, even one its manifest gives', () => {
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', namespace: 'x' } };
    expect(desiredBody({ body, namespace: null }).metadata).toEqual({ name: 'shop' });
  });

  it('puts objects of the same phase in order of their ids', () => {
    const services = objects(
      ['b', 'a', 'c'].map((n) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${n}}\n`).join('---\n'),
    );
    expect(diffObjects([], services).map((c) => c.id)).toEqual([
      'Service/default/a',
      'Service/default/b',
      'Service/default/c',
    ]);
  });
});

describe('writePhaseOf', () => {
  it.each([
    ['Namespace', 'foundations'],
    ['CustomResourceDefinition', 'foundations'],
    ['ConfigMap', 'objects'],
    ['ClusterRole', 'objects'],
    ['Deployment', 'workloads'],
    ['Pod', 'workloads'],
  ])('%s: %s', (kind, phase) => {
    expect(writePhaseOf(kind)).toBe(phase);
  });
});

describe('unwrittenSecretFindings', () => {
  it('says each new, changed or removed Secret is not written, where it is defined; an unchanged one is not named', () => {
    expect(
      unwrittenSecretFindings(base, head).map((f) => [f.message.split(' in this change')[0], f.file]),
    ).toEqual([
      ['Secret team/changed changes', 'head.yaml'],
      ['Secret team/gone is removed', 'base.yaml'],
      ['Secret team/new is new', 'head.yaml'],
    ]);
  });
});

describe('changedFields', () => {
  it('sorts the keys of an object', () => {
    expect(changedFields({ b: 1, a: 1 }, { b: 2, a: 2 })).toEqual(['a', 'b']);
  });

  it('names a field that is added or removed', () => {
    expect(changedFields({ a: 1 }, { b: 1 })).toEqual(['a', 'b']);
  });

  it('names the whole field where an object becomes a scalar', () => {
    expect(changedFields({ a: { b: 1 } }, { a: 'x' })).toEqual(['a']);
  });

  it('stops seven levels deep and names the subtree', () => {
    const deep = (v: number) => ({ a: { b: { c: { d: { e: { f: { g: { h: v } } } } } } } });
    expect(changedFields(deep(1), deep(2))).toEqual(['a.b.c.d.e.f.g']);
  });

  it('counts a named list item as a level', () => {
    const deep = (v: number) => ({ a: [{ name: 'x', b: { c: { d: { e: { f: { g: v } } } } } }] });
    expect(changedFields(deep(1), deep(2))).toEqual(['a[x].b.c.d.e.f']);
  });

  it('lists twelve fields and counts the rest', () => {
    const fields = (v: number) => Object.fromEntries([...'abcdefghijklmn'].map((k) => [k, v]));
    expect(changedFields(fields(1), fields(2))).toEqual([...'abcdefghijkl', '… 2 more']);
  });

  it('lists exactly twelve fields without a count', () => {
    const fields = (v: number) => Object.fromEntries([...'abcdefghijkl'].map((k) => [k, v]));
    expect(changedFields(fields(1), fields(2))).toEqual([...'abcdefghijkl']);
  });

  it.each([
    [
      'items with the same name twice',
      [{ name: 'x' }, { name: 'x', v: 1 }],
      [{ name: 'x' }, { name: 'x', v: 2 }],
    ],
    ['items without a name', [{ v: 1 }], [{ v: 2 }]],
    ['items of which only some have a name', [{ name: 'x' }, { v: 1 }], [{ name: 'x' }, { v: 2 }]],
    ['items whose names are not strings', [{ name: 1, v: 1 }], [{ name: 1, v: 2 }]],
  ])('compares a list of %s whole', (_, a, b) => {
    expect(changedFields({ list: a }, { list: b })).toEqual(['list']);
  });

  it('names an added or removed list item by name', () => {
    expect(changedFields({ c: [{ name: 'a' }] }, { c: [{ name: 'b' }] })).toEqual(['c[a]', 'c[b]']);
  });
});
