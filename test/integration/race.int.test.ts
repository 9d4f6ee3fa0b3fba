// Racing writers on one ConfigMap: two applies at once, and a hand edit landing between apply's read and its
// patch. One side wins, the other sees the conflict and says so; no update is lost.
import { describe, expect, it } from 'vitest';
import { applyChange } from '../../src/apply/apply-change.js';
import type { ApplyResult } from '../../src/apply/apply-result.js';
import { kubeconfigPath, withNamespace } from '../cluster/test-env.js';
import { startApiProxy } from '../faults/api-proxy.js';
import {
  applySettings,
  changeDir,
  configMapYaml,
  coreApi,
  createObjects,
  waitRolledOut,
  workloadYaml,
} from './scenario.js';

const workload = workloadYaml('Deployment', 'api', 'app-config');
const side = (data: Record<string, string>) => ({ 'c.yaml': configMapYaml('app-config', data) + workload });
const base = { A: 'base-a', B: 'base-b', C: 'line 1\nline 2\n' };

async function data(ns: string): Promise<Record<string, string> | undefined> {
  return (await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns })).data;
}

async function journals(ns: string): Promise<number> {
  const list = await coreApi().listNamespacedConfigMap({
    namespace: ns,
    labelSelector: 'app.kubernetes.io/managed-by=config-rollout',
  });
  return list.items.length;
}

/** A change of `base`, applied from its own checkout. */
function apply(ns: string, change: Record<string, string>): Promise<ApplyResult> {
  const dir = changeDir(side(base), side({ ...base, ...change }));
  return applyChange(applySettings(dir, ns));
}

/** Two applies started together; returns [winner, loser] by result. */
async function race(ns: string, x: Record<string, string>, y: Record<string, string>) {
  const results = await Promise.all([apply(ns, x), apply(ns, y)]);
  const winner = results.findIndex((r) => r.result === 'applied');
  expect(
    results.map((r) => r.result),
    results.map((r) => r.message).join('\n'),
  ).toContain('applied');
  return { winner: results[winner]!, loser: results[1 - winner]!, winnerIndex: winner };
}

describe('racing merges on one ConfigMap', () => {
  it.each([1, 2, 3])(
    'two applies changing the same key: one wins, the other is refused, the winner’s value stands (round %i)',
    async () => {
      await withNamespace(async (ns) => {
        await createObjects(ns, side(base)['c.yaml']);
        await waitRolledOut('Deployment', ns, 'api');
        const x = { A: 'from-x' };
        const y = { A: 'from-y' };
        const { winner, loser, winnerIndex } = await race(ns, x, y);
        expect(winner.configMaps).toMatchObject([{ outcome: 'patched', keys: ['A'] }]);
        // The second waits for the first's lease, plans again, and is refused by the key the first changed.
        expect(loser.result).toBe('failed');
        expect(loser.message).toMatch(
          /Refused: (another apply is running|an earlier apply in namespace|the change has blockers[\s\S]*`A`)/,
        );
        expect(await data(ns)).toEqual({ ...base, ...[x, y][winnerIndex] });
        expect(await journals(ns)).toBe(0);
      });
    },
  );

  it('two applies changing different keys: the second waits for the first (its lease), plans again and applies its key too', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, side(base)['c.yaml']);
      await waitRolledOut('Deployment', ns, 'api');
      const x = { A: 'from-x' };
      const y = { B: 'from-y' };
      const results = await Promise.all([apply(ns, x), apply(ns, y)]);
      // The other's key is drift each keeps: neither loses the other's update.
      expect(
        results.map((r) => r.result),
        results.map((r) => r.message).join('\n'),
      ).toEqual(['applied', 'applied']);
      expect(await data(ns)).toEqual({ ...base, ...x, ...y });
      expect(await journals(ns)).toBe(0);
    });
  });

  it('a hand edit of another key between apply’s read and its patch: 409, re-read, both edits kept', async () => {
    const proxy = await startApiProxy(kubeconfigPath());
    try {
      await withNamespace(async (ns) => {
        await createObjects(ns, side(base)['c.yaml']);
        await waitRolledOut('Deployment', ns, 'api');
        proxy.addRule({
          name: 'hand edit of B',
          method: 'PATCH',
          path: new RegExp(`^/api/v1/namespaces/${ns}/configmaps/app-config$`),
          fault: {
            type: 'intercept',
            run: async () => {
              const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
              cm.data = { ...cm.data, B: 'by-hand' };
              await coreApi().replaceNamespacedConfigMap({ name: 'app-config', namespace: ns, body: cm });
            },
          },
        });
        const dir = changeDir(side(base), side({ ...base, A: 'from-apply' }));
        const log: string[] = [];
        const result = await applyChange(
          applySettings(dir, ns, { cluster: proxy.kubeConfig(), log: (l) => log.push(l) }),
        );
        expect(proxy.applied()['hand edit of B']).toBe(1);
        expect(result.result, log.join('\n')).toBe('applied');
        expect(log.join('\n')).toContain('changed meanwhile (409); re-reading');
        expect(await data(ns)).toEqual({ ...base, A: 'from-apply', B: 'by-hand' });
        expect(await journals(ns)).toBe(0);
      });
    } finally {
      await proxy.close();
    }
  });

  it('a hand edit of a key apply already wrote, then apply fails: its rollback leaves the edit, restores the rest', async () => {
    const proxy = await startApiProxy(kubeconfigPath());
    try {
      await withNamespace(async (ns) => {
        const second = configMapYaml('other-config', { X: 'base-x' });
        await createObjects(ns, `${side(base)['c.yaml']}---\n${second}`);
        await waitRolledOut('Deployment', ns, 'api');
        proxy.addRule({
          name: 'hand edit of A',
          method: 'PATCH',
          path: new RegExp(`^/api/v1/namespaces/${ns}/configmaps/other-config$`),
          fault: {
            type: 'intercept',
            // other-config is patched after app-config (by name): by then A holds apply's value. The
            // patch of other-config is then refused for good, so apply rolls back with A changed under it.
            run: async () => {
              const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
              cm.data = { ...cm.data, A: 'by-hand' };
              await coreApi().replaceNamespacedConfigMap({ name: 'app-config', namespace: ns, body: cm });
            },
            status: 403,
          },
        });
        const dir = changeDir(
          { ...side(base), 'o.yaml': second },
          {
            ...side({ ...base, A: 'from-apply', B: 'from-apply' }),
            'o.yaml': configMapYaml('other-config', { X: 'y' }),
          },
        );
        const log: string[] = [];
        const result = await applyChange(
          applySettings(dir, ns, { cluster: proxy.kubeConfig(), log: (l) => log.push(l) }),
        );
        expect(proxy.applied()['hand edit of A']).toBe(1);
        expect(result.result, log.join('\n')).toBe('rolled-back');
        expect(log.join('\n')).toContain('A changed by someone else meanwhile; left as they are');
        // The hand edit stands; apply's other key is restored; the refused ConfigMap never changed.
        expect(await data(ns)).toEqual({ ...base, A: 'by-hand' });
        expect(
          (await coreApi().readNamespacedConfigMap({ name: 'other-config', namespace: ns })).data,
        ).toEqual({
          X: 'base-x',
        });
        expect(await journals(ns)).toBe(0);
      });
    } finally {
      await proxy.close();
    }
  });

  it('a hand edit of the key apply is patching, between its read and its patch: apply stops, the edit stands', async () => {
    const proxy = await startApiProxy(kubeconfigPath());
    try {
      await withNamespace(async (ns) => {
        await createObjects(ns, side(base)['c.yaml']);
        await waitRolledOut('Deployment', ns, 'api');
        proxy.addRule({
          name: 'hand edit of A',
          method: 'PATCH',
          path: new RegExp(`^/api/v1/namespaces/${ns}/configmaps/app-config$`),
          fault: {
            type: 'intercept',
            run: async () => {
              const cm = await coreApi().readNamespacedConfigMap({ name: 'app-config', namespace: ns });
              cm.data = { ...cm.data, A: 'by-hand' };
              await coreApi().replaceNamespacedConfigMap({ name: 'app-config', namespace: ns, body: cm });
            },
          },
        });
        const dir = changeDir(side(base), side({ ...base, A: 'from-apply', B: 'from-apply' }));
        const log: string[] = [];
        const result = await applyChange(
          applySettings(dir, ns, { cluster: proxy.kubeConfig(), log: (l) => log.push(l) }),
        );
        expect(proxy.applied()['hand edit of A']).toBe(1);
        expect(result.result, log.join('\n')).toBe('rolled-back');
        expect(result.message).toContain(
          'A changed in the cluster while applying (a concurrent change); stopped',
        );
        expect(await data(ns)).toEqual({ ...base, A: 'by-hand' });
        expect(await journals(ns)).toBe(0);
      });
    } finally {
      await proxy.close();
    }
  });

  it('a concurrent apply of the same change converges on one result', async () => {
    await withNamespace(async (ns) => {
      await createObjects(ns, side(base)['c.yaml']);
      await waitRolledOut('Deployment', ns, 'api');
      const change = { A: 'same', C: 'line 1\nline 2 changed\n' };
      const results = await Promise.all([apply(ns, change), apply(ns, change)]);
      // The same change: the second either waits out as refused or finds nothing left to do.
      expect(results.map((r) => r.result)).toContain('applied');
      for (const r of results) expect(['applied', 'failed']).toContain(r.result);
      expect(await data(ns)).toEqual({ ...base, ...change });
      expect(await journals(ns)).toBe(0);
    });
  });
});
