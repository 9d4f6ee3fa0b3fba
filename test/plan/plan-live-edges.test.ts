// A plan against the cluster at its edges: readers that need nothing get no live findings, a reader only the
// cluster has names every ConfigMap it reads, and apply-scope config with the new config already written.
// From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { toWorkload } from '../../src/plan/consumers.js';
import { planRollout, type LiveState, type PlanOptions } from '../../src/plan/plan.js';
import { configMap, deployment, objects } from './helpers.js';

const env = (...pairs: [string, string][]) =>
  `        env:\n${pairs.map(([cm, key]) => `        - {name: ${key.toUpperCase()}, valueFrom: {configMapKeyRef: {name: ${cm}, key: ${key}}}}`).join('\n')}`;

/** A workload as the cluster holds it (no place in the manifests). */
const liveWorkload = (yaml: string) => toWorkload(objects(yaml)[0]!.body, 'default', null)!;

/** A Deployment whose last spec change the controller has not observed yet. */
const progressing = (yaml: string) =>
  yaml.replace('metadata:\n  name: ', 'metadata:\n  generation: 3\n  name: ') +
  'status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}\n';

function planWith(base: string, head: string, live: Partial<LiveState>, options: Partial<PlanOptions> = {}) {
  return planRollout({
    base: objects(base, 'base.yaml'),
    head: objects(head, 'head.yaml'),
    live: { namespaces: ['default'], configMaps: new Map(), workloads: [], ...live },
    options: { volumeMounts: 'restart', ...options },
  });
}

describe('live findings', () => {
  const liveCodes = ['live-only-consumer', 'live-unhealthy'];

  it('has none for readers that need nothing: one not settled, one only the cluster has', () => {
    const api = deployment('api', env(['app-config', 'a']));
    const p = planWith(
      configMap('app-config', { a: '1', b: '1' }) + api,
      configMap('app-config', { a: '1', b: '2' }) + api,
      {
        workloads: [
          liveWorkload(progressing(api)),
          liveWorkload(deployment('worker', env(['app-config', 'a']))),
        ],
      },
    );
    expect(p.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['Deployment/default/api', 'none'],
      ['Deployment/default/worker', 'none'],
    ]);
    expect(p.findings.filter((f) => liveCodes.includes(f.code))).toEqual([]);
  });

  it('names every changed ConfigMap a reader only the cluster has reads', () => {
    const p = planWith(
      configMap('a', { k: '1' }) + configMap('b', { k: '1' }),
      configMap('a', { k: '2' }) + configMap('b', { k: '2' }),
      { workloads: [liveWorkload(deployment('worker', env(['a', 'k'], ['b', 'k'])))] },
    );
    expect(p.findings.filter((f) => f.code === 'live-only-consumer').map((f) => f.message)).toEqual([
      'Deployment/default/worker is not in the manifests but reads default/a, default/b in the cluster; it is planned too.',
    ]);
  });
});

describe('apply-scope config when the cluster already holds the new config', () => {
  const api = (image: string) => deployment('api', env(['app-config', 'a'])).replace('app:1', image);
  const newConfig = () => {
    const snapshot = planRollout({
      base: [],
      head: objects(configMap('app-config', { a: '2' })),
      options: { volumeMounts: 'restart' },
    }).configMaps[0]!.head!;
    return new Map([[snapshot.ref, { ...snapshot, source: null }]]);
  };

  it.each([
    [
      'still runs its old template: the merge waits for the pipeline',
      'app:1',
      'apply-scope is config: the merge waits (up to `timeout`) for your pipeline to apply its new template, then watches it roll.',
      'your pipeline rolls its new template; the merge waits for it',
    ],
    [
      'runs its new template: the merge watches it',
      'app:2',
      'apply-scope is config: the cluster already runs its new template with the new config; the merge watches it.',
      'already runs its new template: the merge watches it',
    ],
  ])('a reader that %s', (_, liveImage, reason, note) => {
    const p = planWith(
      configMap('app-config', { a: '1' }) + api('app:1'),
      configMap('app-config', { a: '2' }) + api('app:2'),
      { configMaps: newConfig(), workloads: [liveWorkload(api(liveImage))] },
      { applyScope: 'config' },
    );
    expect(p.consumers.map((c) => [c.action, c.reasons.at(-1), c.note])).toEqual([['none', reason, note]]);
  });
});
