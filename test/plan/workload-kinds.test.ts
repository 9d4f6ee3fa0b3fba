import { describe, expect, it } from 'vitest';
import {
  podTemplateOf,
  read,
  workloadKindOf,
  workloadKinds,
  type WorkloadKind,
} from '../../src/plan/workload-kinds.js';
import { expectTestdata, testdataObject } from '../testdata.js';

const kindOf = (name: string): WorkloadKind => {
  const kind = workloadKindOf(name);
  if (!kind) throw new Error(`no workload kind ${name}`);
  return kind;
};

/** What the kind table says about the one object of a fixture. */
const facts = (file: string) => {
  const body = testdataObject(file);
  const kind = kindOf(body.kind);
  const template = podTemplateOf(kind, body);
  return {
    resource: kind.resource,
    restartMethod: kind.restartMethod(body),
    rollsOut: kind.rollsOut,
    labels: template?.metadata['labels'],
    containers: (template?.spec['containers'] as { name: string }[] | undefined)?.map((c) => c.name),
  };
};

const apps = (plural: string) => ({ group: 'apps', version: 'v1', plural });
const batch = (plural: string) => ({ group: 'batch', version: 'v1', plural });
const pods = ['app'];

describe('the workload kind table', () => {
  it.each([
    ['deployment-rolling.yaml', apps('deployments'), 'rolling', true, 'api'],
    ['statefulset-rolling.yaml', apps('statefulsets'), 'rolling', true, 'db'],
    ['statefulset-ondelete.yaml', apps('statefulsets'), 'delete-pods', true, 'db'],
    ['daemonset-rolling.yaml', apps('daemonsets'), 'rolling', true, 'agent'],
    ['daemonset-ondelete.yaml', apps('daemonsets'), 'delete-pods', true, 'agent'],
    ['replicaset-bare.yaml', apps('replicasets'), 'delete-pods', false, 'rs'],
    ['job-once.yaml', batch('jobs'), 'recreate', false, 'migrate'],
    ['cronjob-scheduled.yaml', batch('cronjobs'), 'next-run', false, 'report'],
    ['pod-bare.yaml', { group: '', version: 'v1', plural: 'pods' }, 'recreate', false, 'debug'],
  ] as const)('%s', (file, resource, restartMethod, rollsOut, app) => {
    expectTestdata(file, facts, { resource, restartMethod, rollsOut, labels: { app }, containers: pods });
  });

  it('has one row per kind, found by its exact name', () => {
    expect(workloadKinds.map((k) => k.kind)).toEqual([
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'ReplicaSet',
      'CronJob',
      'Job',
      'Pod',
    ]);
    expect(workloadKinds.map((k) => k.templatePath.join('.'))).toEqual([
      'spec.template',
      'spec.template',
      'spec.template',
      'spec.template',
      'spec.jobTemplate.spec.template',
      'spec.template',
      '',
    ]);
    for (const kind of workloadKinds) expect(workloadKindOf(kind.kind)).toBe(kind);
    expect(workloadKindOf('deployment')).toBeUndefined();
    expect(workloadKindOf('ConfigMap')).toBeUndefined();
  });
});

describe('podTemplateOf', () => {
  it('gives empty metadata to a template without any', () => {
    const body = testdataObject('deployment-no-template-metadata.yaml');
    expect(podTemplateOf(kindOf('Deployment'), body)).toEqual({
      metadata: {},
      spec: { containers: [{ name: 'app', image: 'example/app:1' }] },
    });
  });

  it('finds no template without a pod spec, or where the path holds no object', () => {
    expect(
      podTemplateOf(kindOf('Deployment'), testdataObject('deployment-no-pod-spec.yaml')),
    ).toBeUndefined();
    // A CronJob's template is under jobTemplate: a Deployment-shaped body has none there.
    expect(podTemplateOf(kindOf('CronJob'), testdataObject('deployment-rolling.yaml'))).toBeUndefined();
    const body = testdataObject('deployment-rolling.yaml');
    expect(podTemplateOf(kindOf('Deployment'), { ...body, spec: { template: 'x' } })).toBeUndefined();
    expect(
      podTemplateOf(kindOf('Deployment'), { ...body, spec: { template: { spec: ['x'] } } }),
    ).toBeUndefined();
  });

  it('reads a bare Pod as its own template', () => {
    const body = testdataObject('pod-bare.yaml');
    const template = podTemplateOf(kindOf('Pod'), body);
    expect(template?.metadata).toBe(body.metadata);
    expect(template?.spec).toBe(body['spec']);
  });
});

describe('read', () => {
  it('follows a path through objects, and gives undefined where one step is not an object', () => {
    const value = { a: { b: { c: 1 } }, list: [{ x: 1 }] };
    expect(read(value, ['a', 'b', 'c'])).toBe(1);
    expect(read(value, [])).toBe(value);
    expect(read(value, ['a', 'missing', 'c'])).toBeUndefined();
    expect(read(value, ['a', 'b', 'c', 'd'])).toBeUndefined();
    expect(read(value, ['list', '0'])).toBeUndefined();
    expect(read(null, ['a'])).toBeUndefined();
  });
});
