// Plain-JSON lists against the real API server: every page, kinds and apiVersions set, errors as ClusterError.
import { describe, expect, it } from 'vitest';
import { statusOf } from '../../src/cluster/api-errors.js';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import { createObjectLister } from '../../src/cluster/object-lists.js';
import { kubeConfig, withNamespace } from '../cluster/test-env.js';
import { coreApi } from './scenario.js';

const configMaps = { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps' };

describe('createObjectLister', () => {
  it('reads every page of a namespace holding more objects than a page', async () => {
    await withNamespace(async (namespace) => {
      const core = coreApi();
      const names = Array.from({ length: 1203 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < names.length; i += 50) {
        await Promise.all(
          names.slice(i, i + 50).map((name) =>
            core.createNamespacedConfigMap({
              namespace,
              body: { metadata: { name }, data: { n: name } },
            }),
          ),
        );
      }
      const list = await createObjectLister(kubeConfig());
      const items = await list(configMaps, namespace);
      const ours = items.filter((o) => o.metadata.name.startsWith('cm-'));
      expect(ours.map((o) => o.metadata.name)).toEqual(names);
      expect(ours.every((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1')).toBe(true);
      expect((ours[7]!['data'] as Record<string, string>)['n']).toBe('cm-0007');
      const deployments = await list(
        { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments' },
        namespace,
      );
      expect(deployments).toEqual([]);
    });
  });

  it('fails a refused or unknown list with the status the API server gave, in one sentence', async () => {
    const kc = kubeConfig();
    const list = await createObjectLister(kc);
    const error = await list(
      { kind: 'Nothing', group: 'example.com', version: 'v1', plural: 'nothings' },
      'default',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect(statusOf(error)).toBe(404);
    expect((error as ClusterError).message).toBe(
      `Listing nothings in namespace default at ${kc.getCurrentCluster()!.server} (context 'config-rollout-test', user 'admin') failed: the API server answered 404 (Not Found). Check that the server address is the API server's, and that the cluster serves this resource.`,
    );
  });
});
