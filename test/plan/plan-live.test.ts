// A plan made against a cluster (pure: the live state is data): drift only in the namespaces read, readers only
// the cluster has, a pause only the cluster knows, and workloads that were not settled before the change.
import { describe, expect, it } from 'vitest';
import { workloadsOf } from '../../src/plan/consumers.js';
import { planRollout, type LiveState } from '../../src/plan/plan.js';
import { testdataObjects, testdataSnapshot } from '../testdata.js';

const objects = (...files: string[]) => files.flatMap(testdataObjects);

/** The cluster: app-config as one fixture has it, and the workloads of others (with no place in the manifests). */
const live = (configMap: string, workloads: string[] = [], namespaces = ['shop']): LiveState => ({
  namespaces,
  configMaps: new Map([['shop/app-config', testdataSnapshot(configMap, { live: true })]]),
  workloads: workloadsOf(objects(...workloads)).map((w) => ({ ...w, source: null })),
});

/** base → head changes app-config; Deployment/shop/api loads it through envFrom on both sides. */
const planAgainst = (state: LiveState) =>
  planRollout({
    base: objects('configmap-base.yaml', 'deployment-envfrom.yaml'),
    head: objects('configmap-head.yaml', 'deployment-envfrom.yaml'),
    live: state,
    options: { volumeMounts: 'restart' },
  });

const loads =
  'Container `app` loads app-config (changed `level`, `logo`; added `retries`; removed `mode`) through envFrom: env vars are fixed when a container starts.';
const at = (file: string) => ({ file, line: 2 });

describe('a plan against the cluster', () => {
  it('plans a reader only the cluster has, and keeps a pause only the cluster knows', () => {
    const p = planAgainst(
      live('configmap-live-as-base.yaml', ['deployment-api-live-paused.yaml', 'deployment-worker-live.yaml']),
    );
    expect(p.live).toBe(true);
    expect(p.consumers).toEqual([
      {
        workload: 'Deployment/shop/api',
        action: 'restart',
        reasons: [
          loads,
          'The Deployment is paused: the new template is recorded but rolls only when it is resumed.',
        ],
        configMaps: ['shop/app-config'],
        reads: [
          { configMap: 'shop/app-config', keys: ['level', 'logo', 'mode', 'retries'], ways: ['envFrom'] },
        ],
        // The cluster's replicas (scaled to 3), not the manifest's 1: that is what a restart replaces.
        pods: 3,
        strategy: 'RollingUpdate',
        source: { file: 'deployment-envfrom.yaml', line: 2 },
      },
      {
        workload: 'Deployment/shop/worker',
        action: 'restart',
        reasons: [
          'Container `app` reads app-config (changed `level`) as an env var: env vars are fixed when a container starts.',
        ],
        configMaps: ['shop/app-config'],
        reads: [{ configMap: 'shop/app-config', keys: ['level'], ways: ['env'] }],
        pods: 1,
        strategy: 'RollingUpdate',
        source: null,
      },
    ]);
    expect(p.findings).toEqual([
      {
        severity: 'warning',
        code: 'paused-deployment',
        message:
          'Deployment/shop/api is paused: it needs a restart for the new config but rolls nothing until resumed (`kubectl rollout resume`).',
        ...at('deployment-envfrom.yaml'),
      },
      {
        severity: 'info',
        code: 'live-only-consumer',
        message:
          'Deployment/shop/worker is not in the manifests but reads shop/app-config in the cluster; it is planned too.',
        file: null,
        line: null,
      },
    ]);
    expect(p.drift).toEqual([
      { ref: 'shop/app-config', drifted: [], conflicts: [], alreadyApplied: [], missingLive: false },
    ]);
  });

  it('warns about a reader that was not settled before the change, and about drift', () => {
    const p = planAgainst(live('configmap-live-edited.yaml', ['deployment-api-live-progressing.yaml']));
    expect(p.consumers.map((c) => [c.workload, c.action, c.reasons])).toEqual([
      ['Deployment/shop/api', 'restart', [loads]],
    ]);
    expect(p.findings).toEqual([
      {
        severity: 'warning',
        code: 'drift',
        message:
          "ConfigMap shop/app-config: `timeout` differs in the cluster from the base (edited by hand?). This change does not touch it; apply keeps the cluster's value.",
        ...at('configmap-head.yaml'),
      },
      {
        severity: 'warning',
        code: 'live-unhealthy',
        message:
          'Deployment/shop/api is not settled in the cluster before this change: Waiting for deployment spec update to be observed...',
        ...at('deployment-envfrom.yaml'),
      },
    ]);
    expect(p.drift).toEqual([
      { ref: 'shop/app-config', drifted: ['timeout'], conflicts: [], alreadyApplied: [], missingLive: false },
    ]);
  });

  it('compares only the namespaces it read', () => {
    const p = planAgainst(live('configmap-live-edited.yaml', [], ['elsewhere']));
    expect([p.findings, p.drift, p.live]).toEqual([[], [], true]);
  });

  it('reports drift of a ConfigMap the change does not touch', () => {
    const p = planRollout({
      base: objects('configmap-base.yaml'),
      head: objects('configmap-head-same.yaml'),
      live: live('configmap-live-edited.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect(p.drift.map((d) => [d.ref, d.drifted])).toEqual([['shop/app-config', ['timeout']]]);
    expect(p.findings.map((f) => [f.code, f.file])).toEqual([['drift', 'configmap-head-same.yaml']]);
    const untouched = planRollout({
      base: objects('configmap-base.yaml'),
      head: objects('configmap-head-same.yaml'),
      live: live('configmap-live-as-base.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect([untouched.drift, untouched.findings]).toEqual([[], []]);
  });

  it('is offline without a live state', () => {
    const p = planRollout({
      base: objects('configmap-base.yaml'),
      head: objects('configmap-head.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect([p.live, p.drift]).toEqual([false, []]);
  });

  it('counts the readers of every definition of a workload, warning that there are several', () => {
    const p = planRollout({
      base: objects('configmap-base.yaml', 'deployment-envfrom.yaml'),
      head: objects('configmap-head.yaml', 'deployment-envfrom.yaml', 'deployment-api-live-progressing.yaml'),
      options: { volumeMounts: 'restart' },
    });
    expect(p.consumers.map((c) => [c.workload, c.action])).toEqual([['Deployment/shop/api', 'restart']]);
    expect(p.findings).toEqual([
      {
        severity: 'warning',
        code: 'duplicate-workload',
        message:
          'Deployment/shop/api is defined 2 times (also at deployment-envfrom.yaml:2); applying them in turn leaves the last one, and the plan counts the readers of all.',
        ...at('deployment-api-live-progressing.yaml'),
      },
    ]);
  });
});
