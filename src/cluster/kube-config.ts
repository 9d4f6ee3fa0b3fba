import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../sources/input-error.js';

/** Where the cluster credentials come from; all unset means kubectl's defaults. */
export interface ClusterConnection {
  /** Path of a kubeconfig file. */
  kubeconfigPath?: string;
  /** A kubeconfig's content (the action's `kubeconfig` input). */
  kubeconfigContent?: string;
  context?: string;
}

/**
 * A KubeConfig as kubectl would pick it: the given file or content, else `KUBECONFIG`, ~/.kube/config or the
 * in-cluster service account (client-node's loadFromDefault).
 */
export function loadKubeConfig(connection: ClusterConnection): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (connection.kubeconfigContent) kc.loadFromString(connection.kubeconfigContent);
    else if (connection.kubeconfigPath) kc.loadFromFile(connection.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error) {
    throw new InputError(
      `Cannot load the kubeconfig: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (connection.context) {
    if (!kc.getContexts().some((c) => c.name === connection.context)) {
      throw new InputError(
        `Context '${connection.context}' is not in the kubeconfig (it has: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }).`,
      );
    }
    kc.setCurrentContext(connection.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      'No cluster to talk to: pass --kubeconfig (or set KUBECONFIG), or plan --offline from the manifests alone.',
    );
  }
  return kc;
}
