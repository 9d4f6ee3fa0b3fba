import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterConnection } from './kube-config.js';

export interface ResolvedCluster {
  cluster: KubeConfig | undefined;
  /** Said in the report: how the plan was made. */
  notice: string;
}

/**
 * The cluster a command talks to. Explicit flags must work; with none, kubectl's defaults are used when
 * there are any, and a machine without any cluster credentials plans offline and says so. The cluster client
 * loads only when there is a cluster: offline plans start without it (it is most of the start-up time).
 */
export async function resolveCluster(
  options: ClusterConnection & { offline?: boolean },
  env: NodeJS.ProcessEnv,
): Promise<ResolvedCluster> {
  if (options.offline)
    return { cluster: undefined, notice: 'Planned offline, from the manifests alone (--offline).' };
  const explicit = options.kubeconfigPath || options.kubeconfigContent || options.context;
  const defaults =
    Boolean(env['KUBECONFIG']) ||
    existsSync(join(homedir(), '.kube', 'config')) ||
    Boolean(env['KUBERNETES_SERVICE_HOST']);
  if (!explicit && !defaults) {
    return {
      cluster: undefined,
      notice: 'Planned offline, from the manifests alone: no cluster credentials were given.',
    };
  }
  const { loadKubeConfig } = await import(/* webpackMode: "eager" */ './kube-config.js');
  const cluster = loadKubeConfig({ ...options, env });
  return { cluster, notice: `Planned against the cluster of context \`${cluster.getCurrentContext()}\`.` };
}
