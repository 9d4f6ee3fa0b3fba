import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { basename } from 'node:path';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { requestTimeoutOf } from './request-timeout.js';

/** What went wrong between config-rollout and the cluster: each has its own message and way out. */
export type ClusterProblem =
  | 'kubeconfig'
  | 'connection-refused'
  | 'connection-reset'
  | 'no-route'
  | 'timeout'
  | 'dns'
  | 'proxy'
  | 'tls-unknown-authority'
  | 'tls-host-name'
  | 'tls-expired'
  | 'tls-not-yet-valid'
  | 'client-certificate'
  | 'unauthorized'
  | 'forbidden'
  | 'credential-plugin-missing'
  | 'credential-plugin-failed'
  | 'api-status'
  | 'other';

/**
 * Talking to the cluster failed. The message is the whole story for a person: what was being done, against
 * which server, context and user, the cause, and the way out, in one or two sentences. It never holds a
 * stack, a response body, headers, or credential material; the error it came from is not kept (its body and
 * headers would travel with it).
 */
export class ClusterError extends Error {
  constructor(
    message: string,
    readonly problem: ClusterProblem,
    /** The API server's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}

/**
 * The cluster could not be read at all: it is not reachable, or it refuses who we are. A kubeconfig that does
 * not load and a permission that is missing are mistakes to fix, never a reason to plan without the cluster.
 */
export function isUnreachable(error: unknown): error is ClusterError {
  return error instanceof ClusterError && error.problem !== 'kubeconfig' && error.problem !== 'forbidden';
}

/** The proxy variables of the environment a KubeConfig was loaded in, for the "a proxy is in the way" hint. */
const proxyEnvironments = new WeakMap<KubeConfig, ProxyEnvironment>();

interface ProxyEnvironment {
  https?: string;
  http?: string;
  noProxy?: string;
}

/** Remember HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) of the environment this KubeConfig serves. */
export function rememberProxyEnvironment(kc: KubeConfig, env: NodeJS.ProcessEnv): void {
  proxyEnvironments.set(kc, {
    https: env['HTTPS_PROXY'] || env['https_proxy'] || undefined,
    http: env['HTTP_PROXY'] || env['http_proxy'] || undefined,
    noProxy: env['NO_PROXY'] || env['no_proxy'] || undefined,
  });
}

/** Setup actions that put a credential plugin on a GitHub-hosted runner, by the plugin's file name. */
const pluginSetup: Record<string, string> = {
  aws: 'aws-actions/configure-aws-credentials',
  'gke-gcloud-auth-plugin':
    'google-github-actions/setup-gcloud with install_components: gke-gcloud-auth-plugin',
  gcloud: 'google-github-actions/setup-gcloud',
  kubelogin: 'azure/use-kubelogin',
};

/**
 * Any failure of a call to the cluster as a ClusterError; one that already is passes through unchanged.
 * `doing` says what was being done, as "listing configmaps in namespace shop" or "patching deploy/api".
 * Call it around the whole call, retries included: the error is final (withRetry does not retry it).
 */
export function toClusterError(error: unknown, doing: string, kc: KubeConfig): ClusterError {
  if (error instanceof ClusterError) return error;
  const target = targetOf(kc);
  const { problem, cause, wayOut, status } = diagnose(error, target, kc);
  const message = `${capitalize(doing)} at ${target.server} (context '${target.context}', user '${target.user}') failed: ${cause}. ${wayOut}`;
  return new ClusterError(redact(message, target.userObject), problem, status);
}

interface Target {
  /** The server URL without any user:password in it. */
  server: string;
  host: string;
  context: string;
  user: string;
  cluster: Cluster | undefined;
  userObject: User | undefined;
  proxyUrl: string | undefined;
  environment: ProxyEnvironment;
}

function targetOf(kc: KubeConfig): Target {
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  const cluster = kc.getCurrentCluster() ?? undefined;
  const url = parseUrl(cluster?.server);
  return {
    server: url ? withoutCredentials(url) : (cluster?.server ?? 'an unknown server'),
    host: url?.hostname.replace(/^\[|\]$/g, '') ?? '',
    context: contextName || 'none',
    user: context?.user ?? 'none',
    cluster,
    userObject: kc.getCurrentUser() ?? undefined,
    proxyUrl: cluster?.proxyUrl ? displayUrl(cluster.proxyUrl) : undefined,
    environment: proxyEnvironments.get(kc) ?? {},
  };
}

interface Diagnosis {
  problem: ClusterProblem;
  cause: string;
  wayOut: string;
  status?: number;
}

function diagnose(error: unknown, target: Target, kc: KubeConfig): Diagnosis {
  const status = httpStatusOf(error);
  if (status === 401) return { ...unauthorized(target), status };
  if (status === 403) {
    const said = serverMessage(error);
    return {
      problem: 'forbidden',
      cause: `the API server refused it (403 Forbidden${said ? `: ${said}` : ''})`,
      wayOut: 'See "RBAC" in the README for the Role config-rollout needs.',
      status,
    };
  }
  if (status !== undefined) {
    const said = serverMessage(error) ?? STATUS_CODES[status] ?? 'no reason given';
    return {
      problem: 'api-status',
      cause: `the API server answered ${status} (${said})`,
      wayOut:
        status >= 500 || status === 429
          ? 'It did so after retries too: check the health of the API server, then run again.'
          : status === 404
            ? "Check that the server address is the API server's, and that the cluster serves this resource."
            : "Check that the server address is the API server's.",
      status,
    };
  }
  const failures = causeChain(error);
  const text = failures.map((e) => e['message']).join(' ');
  if (/HTTP protocol is not allowed/.test(text))
    return {
      problem: 'kubeconfig',
      cause: 'the server address is http:// and the kubeconfig does not set insecure-skip-tls-verify',
      wayOut: "Use the API server's https:// address.",
    };
  const plugin = credentialPlugin(target.userObject);
  const code = failures.map((e) => e['code']).find((c): c is string => typeof c === 'string');
  if (plugin !== undefined) {
    const spawn = failures.find((e) => typeof e['syscall'] === 'string' && e['syscall'].startsWith('spawn'));
    if (spawn) return pluginNotRunnable(plugin, String(spawn['code'] ?? ''));
    // client-node rejects with the plugin's stderr as a bare Error, or with the SyntaxError of its output.
    if (code === undefined && isPlainError(error)) return pluginFailed(plugin, error);
  }
  if (isTimeout(failures, code)) return withProxyHint(timedOut(kc, failures, code), target);
  if (code === undefined) return other(error);
  return networkProblem(code, failures, target) ?? other(error);
}

/** A 401 says the credentials are wrong; which ones, and how to renew them, depends on the kind the user has. */
function unauthorized(target: Target): Diagnosis {
  const rejected = 'the API server rejected the credentials (401 Unauthorized)';
  const user = target.userObject;
  const plugin = credentialPlugin(user);
  if (plugin !== undefined)
    return {
      problem: 'unauthorized',
      cause: `${rejected}: the token from the credential plugin '${plugin}' is not accepted`,
      wayOut:
        'Check that the plugin signs in to the account or role the cluster maps to a user, in the steps before this one.',
    };
  if (user?.token || user?.authProvider)
    return {
      problem: 'unauthorized',
      cause: `${rejected}: the token of user '${target.user}' is wrong or has expired`,
      wayOut: 'Put a valid token in the kubeconfig (for a ServiceAccount: kubectl create token NAME).',
    };
  const certificate = clientCertificate(user);
  if (certificate) {
    const now = Date.now();
    const validTo = certificate.validToDate.getTime();
    const validFrom = certificate.validFromDate.getTime();
    const when =
      validTo < now
        ? `expired on ${day(validTo)}`
        : validFrom > now
          ? `is not valid before ${day(validFrom)}`
          : 'is not signed by a certificate authority the cluster trusts for clients';
    return {
      problem: 'unauthorized',
      cause: `${rejected}: the client certificate of user '${target.user}' ${when}`,
      wayOut: 'Issue a new client certificate for the cluster and put it in the kubeconfig.',
    };
  }
  if (user?.username)
    return {
      problem: 'unauthorized',
      cause: `${rejected}: the user name or password of user '${target.user}' is wrong`,
      wayOut: 'Use a token or client certificate instead: most clusters turned basic authentication off.',
    };
  return {
    problem: 'unauthorized',
    cause: `${rejected}: user '${target.user}' has no credentials in the kubeconfig`,
    wayOut: 'Add a token, a client certificate or an exec credential plugin to it.',
  };
}

function pluginNotRunnable(plugin: string, code: string): Diagnosis {
  const setup = pluginSetup[basename(plugin)];
  if (code === 'EACCES')
    return {
      problem: 'credential-plugin-missing',
      cause: `the credential plugin '${plugin}' is not executable`,
      wayOut: 'Make it executable (chmod +x) or install it again.',
    };
  return {
    problem: 'credential-plugin-missing',
    cause: plugin.includes('/')
      ? `the credential plugin '${plugin}' that the kubeconfig's user runs does not exist`
      : `the credential plugin '${plugin}' that the kubeconfig's user runs is not on PATH`,
    wayOut: setup
      ? `Set it up in a step before this one (on GitHub Actions: ${setup}).`
      : 'Install it on the runner in a step before this one, or use a kubeconfig with a token.',
  };
}

function pluginFailed(plugin: string, error: Error): Diagnosis {
  const lines = error.message.split('\n').map((line) => line.trim().replace(/[.;]+$/, ''));
  const output = error.name === 'SyntaxError' ? '' : oneLine(lines.filter(Boolean).join('; '), 300);
  return {
    problem: 'credential-plugin-failed',
    cause:
      error.name === 'SyntaxError'
        ? `the credential plugin '${plugin}' printed no ExecCredential JSON`
        : output
          ? `the credential plugin '${plugin}' exited with an error: ${output}`
          : `the credential plugin '${plugin}' exited with an error and printed no reason`,
    wayOut: "Check the plugin's sign-in (account, role, login) in the steps before this one.",
  };
}

/** Our own request deadline, or undici's for opening the connection (its message says how long it waited). */
function timedOut(
  kc: KubeConfig,
  failures: Array<Record<string, unknown>>,
  code: string | undefined,
): Diagnosis {
  const connectMs =
    code === 'UND_ERR_CONNECT_TIMEOUT'
      ? /timeout: (\d+)\s*ms/.exec(failures.map((e) => String(e['message'])).join(' '))?.[1]
      : undefined;
  const what = connectMs
    ? `the connection to the API server did not open within ${Number(connectMs) / 1000} s`
    : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
      ? 'the connection to the API server did not open in time'
      : `the API server did not answer within ${requestTimeoutOf(kc) / 1000} s`;
  return {
    problem: 'timeout',
    cause: `${what} (the requests were retried, to no avail)`,
    wayOut:
      'The cluster may be private or behind a firewall that drops this runner: run on a runner inside its network, or allow the runner to reach it.',
  };
}

const unknownAuthority = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function networkProblem(
  code: string,
  failures: Array<Record<string, unknown>>,
  target: Target,
): Diagnosis | undefined {
  const socket = failures.find((e) => e['code'] === code) ?? {};
  if (code === 'ECONNREFUSED') {
    if (target.proxyUrl && matchesProxy(socket, target.proxyUrl))
      return {
        problem: 'proxy',
        cause: `the proxy ${target.proxyUrl} (the cluster's proxy-url) refused the connection`,
        wayOut: 'Check that the proxy runs and this runner can reach it, or remove proxy-url.',
      };
    return withProxyHint(
      {
        problem: 'connection-refused',
        cause: 'the connection was refused',
        wayOut:
          "Check that the API server is running and that the kubeconfig's server address and port are right.",
      },
      target,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED')
    return withProxyHint(
      {
        problem: 'connection-reset',
        cause: 'the connection was closed before the API server answered',
        wayOut:
          "Something between this runner and the cluster (a firewall, load balancer or proxy) may be cutting it; check that the server address is the API server's.",
      },
      target,
    );
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return withProxyHint(
      {
        problem: 'no-route',
        cause: `there is no network route to ${target.host}`,
        wayOut: 'The cluster may be in a private network: run on a runner inside it.',
      },
      target,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_NODATA') {
    const host = typeof socket['hostname'] === 'string' ? socket['hostname'] : target.host;
    if (target.proxyUrl && host !== target.host)
      return {
        problem: 'proxy',
        cause: `the host name ${host} of the proxy ${target.proxyUrl} (the cluster's proxy-url) does not resolve`,
        wayOut: 'Check proxy-url in the kubeconfig.',
      };
    return withProxyHint(
      {
        problem: 'dns',
        cause: `the host name ${host} does not resolve`,
        wayOut:
          "Check the server address in the kubeconfig; a private cluster's name resolves only inside its network (use a runner there).",
      },
      target,
    );
  }
  if (unknownAuthority.has(code))
    return {
      problem: 'tls-unknown-authority',
      cause: "the server's certificate is not signed by a certificate authority the kubeconfig trusts",
      wayOut: "Put this cluster's CA certificate in the kubeconfig's certificate-authority-data.",
    };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = certificateNames(socket['cert']);
    return {
      problem: 'tls-host-name',
      cause: names
        ? `the server's certificate is for ${names}, not ${target.host}`
        : `the server's certificate is not for ${target.host}`,
      wayOut:
        "Use a server address the certificate names, or set tls-server-name on the kubeconfig's cluster.",
    };
  }
  if (code === 'CERT_HAS_EXPIRED')
    return {
      problem: 'tls-expired',
      cause: "the server's certificate has expired",
      wayOut: "The cluster's serving certificate needs renewing (or this machine's clock is wrong).",
    };
  if (code === 'CERT_NOT_YET_VALID')
    return {
      problem: 'tls-not-yet-valid',
      cause: "the server's certificate is not valid yet",
      wayOut: "Check this machine's clock (and the cluster's).",
    };
  if (/^ERR_SSL_.*ALERT/.test(code))
    return {
      problem: 'client-certificate',
      cause: `the server refused the client certificate in the TLS handshake (${alertOf(code)})`,
      wayOut: 'Issue a new client certificate for the cluster and put it in the kubeconfig.',
    };
  if (/^ERR_OSSL_|^ERR_SSL_/.test(code))
    return {
      problem: 'client-certificate',
      cause: `the certificates or key in the kubeconfig could not be used (${code})`,
      wayOut:
        'Check that certificate-authority-data, client-certificate-data and client-key-data each hold a whole PEM, base64-encoded once.',
    };
  return undefined;
}

/** When HTTPS_PROXY is set for the server's host but the kubeconfig names no proxy, the proxy is the likely cause. */
function withProxyHint(diagnosis: Diagnosis, target: Target): Diagnosis {
  if (target.proxyUrl) return diagnosis;
  const proxy = environmentProxy(target);
  if (!proxy) return diagnosis;
  return {
    ...diagnosis,
    wayOut: `${proxy.variable} is set (${proxy.url}), but config-rollout connects to the API server directly unless the kubeconfig's cluster sets proxy-url: if the cluster is reachable only through that proxy, set proxy-url: ${proxy.url} there.`,
  };
}

function environmentProxy(target: Target): { variable: string; url: string } | undefined {
  const https = target.server.startsWith('https:');
  const value = https ? target.environment.https : target.environment.http;
  if (!value || noProxyCovers(target.host, target.environment.noProxy)) return undefined;
  return { variable: https ? 'HTTPS_PROXY' : 'HTTP_PROXY', url: displayUrl(value) };
}

/** NO_PROXY as curl and Go read it: `*`, exact hosts, and domain suffixes with or without a leading dot. */
function noProxyCovers(host: string, noProxy: string | undefined): boolean {
  if (!noProxy || host === '') return false;
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const domain = entry.replace(/^\*?\./, '');
      return host === domain || host.endsWith(`.${domain}`);
    });
}

function matchesProxy(socket: Record<string, unknown>, proxyUrl: string): boolean {
  const proxy = parseUrl(proxyUrl);
  if (!proxy) return false;
  const port = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  return socket['port'] === port;
}

function other(error: unknown): Diagnosis {
  const failures = causeChain(error);
  const deepest = failures.at(-1);
  const text =
    typeof deepest?.['message'] === 'string' && deepest['message'] !== ''
      ? deepest['message']
      : String(error);
  const proxyRefused = /Proxy response \((\d+)\)/.exec(text);
  if (proxyRefused)
    return {
      problem: 'proxy',
      cause: `the proxy refused to open a tunnel to the API server (HTTP ${proxyRefused[1]})`,
      wayOut: "Allow the API server's host in the proxy, or remove proxy-url from the kubeconfig.",
    };
  return {
    problem: 'other',
    cause: oneLine(text, 200).replace(/[.\s]+$/, ''),
    wayOut: 'Check that the kubeconfig works with kubectl from the same machine.',
  };
}

function httpStatusOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  // client-node's ApiException (not imported: this file must load without the client).
  if (typeof e.code === 'number' && ('body' in error || 'headers' in error)) return e.code;
  return undefined;
}

/** The `message` of the API server's Status object, on one line; never the body itself. */
function serverMessage(error: unknown): string | undefined {
  const body = (error as { body?: unknown }).body;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (status as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? oneLine(message, 300) : undefined;
}

/** fetch rejects with `TypeError: fetch failed` and puts the socket error in `cause` (an AggregateError per address). */
function causeChain(error: unknown): Array<Record<string, unknown>> {
  const chain: Array<Record<string, unknown>> = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const record = e as Record<string, unknown>;
    chain.push(record);
    const errors = record['errors'];
    e = record['cause'] ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return chain;
}

function isTimeout(failures: Array<Record<string, unknown>>, code: string | undefined): boolean {
  return (
    failures.some((e) => e['name'] === 'TimeoutError' || e['name'] === 'AbortError') ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  );
}

/** An Error with nothing of the network about it: what client-node makes of a credential plugin's stderr. */
function isPlainError(error: unknown): error is Error {
  return (
    error instanceof Error &&
    (error.constructor === Error || error.name === 'SyntaxError') &&
    error.cause === undefined
  );
}

function credentialPlugin(user: User | undefined): string | undefined {
  const exec = (user?.exec ??
    (user?.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec) as
    { command?: unknown } | undefined;
  return typeof exec?.command === 'string' ? exec.command : undefined;
}

function clientCertificate(user: User | undefined): X509Certificate | undefined {
  try {
    if (user?.certData) return new X509Certificate(Buffer.from(user.certData, 'base64'));
    if (user?.certFile) return new X509Certificate(readFileSync(user.certFile));
  } catch {
    // unreadable: the 401 message says what it can without the dates
  }
  return undefined;
}

/** `DNS:other.example, IP Address:10.0.0.1` → `other.example, 10.0.0.1`. */
function certificateNames(cert: unknown): string | undefined {
  const names = (cert as { subjectaltname?: unknown } | undefined)?.subjectaltname;
  if (typeof names !== 'string' || names === '') return undefined;
  return names
    .split(/,\s*/)
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .join(', ');
}

/** `ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED` → `certificate expired`. */
function alertOf(code: string): string {
  return code
    .replace(/^ERR_SSL_(SSLV3|TLSV1|TLSV13)?_?ALERT_/, '')
    .toLowerCase()
    .replace(/_/g, ' ');
}

/** Never a token, password or key in a message, whatever a plugin or server echoed back. */
function redact(message: string, user: User | undefined): string {
  const secrets = [user?.token, user?.password, user?.keyData].filter(
    (s): s is string => typeof s === 'string' && s.length >= 6,
  );
  return secrets.reduce((text, secret) => text.split(secret).join('***'), message);
}

function parseUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}

function displayUrl(text: string): string {
  const url = parseUrl(text);
  return url ? withoutCredentials(url) : text;
}

function oneLine(text: string, limit: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
