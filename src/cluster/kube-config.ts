import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, rememberProxyEnvironment } from './cluster-error.js';

/** Where the cluster credentials come from; all unset means kubectl's defaults. */
export interface ClusterConnection {
  /** Path of a kubeconfig file. */
  kubeconfigPath?: string;
  /** A kubeconfig's content (the action's `kubeconfig` input). */
  kubeconfigContent?: string;
  context?: string;
  /** The environment of the run, for its proxy variables (HTTPS_PROXY, NO_PROXY) when explaining failures. */
  env?: NodeJS.ProcessEnv;
}

const chooseContext = "Choose one with --context (the action's context input).";

/**
 * A KubeConfig as kubectl would pick it: the given file or content, else `KUBECONFIG`, ~/.kube/config or the
 * in-cluster service account (client-node's loadFromDefault). Checked here, as kubectl checks it, so that a
 * context, cluster or user that isn't there is named now instead of failing obscurely at the first request.
 */
export function loadKubeConfig(connection: ClusterConnection): KubeConfig {
  const kc = new KubeConfig();
  const where =
    !connection.kubeconfigContent && connection.kubeconfigPath ? ` ${connection.kubeconfigPath}` : '';
  const fail = (cause: string, wayOut: string) =>
    new ClusterError(`Loading the kubeconfig${where} failed: ${cause}. ${wayOut}`, 'kubeconfig');
  try {
    if (connection.kubeconfigContent) kc.loadFromString(connection.kubeconfigContent);
    else if (connection.kubeconfigPath) kc.loadFromFile(connection.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error) {
    throw fail(...describeLoadError(error));
  }
  if (connection.env) rememberProxyEnvironment(kc, connection.env);

  const contexts = kc.getContexts().map((c) => c.name);
  const listed = (names: string[]) => names.join(', ') || 'none';
  if (contexts.length === 0) {
    if (looksBase64(connection.kubeconfigContent))
      throw fail('it looks base64-encoded', 'Put the kubeconfig itself in the secret, not its base64.');
    throw fail('it defines no contexts', 'Check that it is a kubeconfig (kubectl config view --raw).');
  }
  if (connection.context) {
    if (!contexts.includes(connection.context))
      throw fail(`context '${connection.context}' is not in it (it has: ${listed(contexts)})`, chooseContext);
    kc.setCurrentContext(connection.context);
  } else {
    const current = kc.getCurrentContext();
    if (!current) throw fail(`it sets no current-context (its contexts: ${listed(contexts)})`, chooseContext);
    if (!contexts.includes(current))
      throw fail(
        `its current-context '${current}' is not one of its contexts (${listed(contexts)})`,
        chooseContext,
      );
  }
  const name = kc.getCurrentContext();
  const context = kc.getContextObject(name)!;
  if (!kc.getCluster(context.cluster)) {
    const clusters = kc.getClusters().map((c) => c.name);
    throw fail(
      `context '${name}' names cluster '${context.cluster}', which it does not define (its clusters: ${listed(clusters)})`,
      'Fix the context, or add the cluster.',
    );
  }
  // A context without a user is anonymous access (kubectl allows it); one naming a missing user is a mistake.
  if (context.user && !kc.getUser(context.user)) {
    const users = kc.getUsers().map((u) => u.name);
    throw fail(
      `context '${name}' names user '${context.user}', which it does not define (its users: ${listed(users)})`,
      'Fix the context, or add the user.',
    );
  }
  return kc;
}

/** Cause and way out for a kubeconfig that can't be read. Never the parser's message: it quotes the text. */
function describeLoadError(error: unknown): [string, string] {
  const e = error as {
    code?: unknown;
    name?: unknown;
    reason?: unknown;
    mark?: { line?: number; column?: number };
  };
  if (e?.code === 'ENOENT') return ['the file does not exist', 'Check --kubeconfig (or KUBECONFIG).'];
  if (e?.code === 'EACCES') return ['the file cannot be read (permission denied)', 'Check its permissions.'];
  if (e?.code === 'EISDIR') return ['it is a folder, not a file', 'Check --kubeconfig (or KUBECONFIG).'];
  if (e?.name === 'YAMLException') {
    const at =
      e.mark?.line !== undefined ? ` at line ${e.mark.line + 1}, column ${(e.mark.column ?? 0) + 1}` : '';
    return [
      `it is not valid YAML (${typeof e.reason === 'string' ? e.reason : 'unreadable'}${at})`,
      'Check that the whole kubeconfig went into the file or secret, indentation included.',
    ];
  }
  if (error instanceof TypeError)
    return ['it is empty or not a kubeconfig', 'Check that it is a kubeconfig (kubectl config view --raw).'];
  // client-node's own checks, like `clusters[0].cluster.server is missing`: they name fields, not values.
  const message = error instanceof Error ? error.message : String(error);
  return [message.split('\n')[0]!.replace(/[.\s]+$/, ''), 'Fix the kubeconfig.'];
}

function looksBase64(content: string | undefined): boolean {
  const text = content?.trim() ?? '';
  return text.length > 20 && /^[A-Za-z0-9+/=\s]+$/.test(text);
}
