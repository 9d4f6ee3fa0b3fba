// A fault-injecting proxy in front of the test API server, for reliability tests.
//
// Product code talks plain HTTP to 127.0.0.1:PORT (see proxyKubeConfig); the proxy forwards every request over
// HTTPS with the admin client certificate of the test kubeconfig, streaming responses so watches work. Rules
// pick requests (method, path, watch or not, a predicate) and answer them with a fault instead: an HTTP error
// (429 with Retry-After, 5xx, 403, 409, 410), a reset connection, a stall, a watch cut after some events, or a
// watch ERROR event 410 Gone. Every request is recorded with what was done to it.
import { readFileSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';

/** What a rule does to a request it matches. */
export type Fault =
  /** Answer with this status and a Kubernetes Status body (Retry-After for 429/503 when given). */
  | { type: 'status'; status: number; retryAfterSeconds?: number; reason?: string }
  /** Destroy the client's connection without an answer. */
  | { type: 'reset' }
  /** Never answer (until the client gives up or the proxy closes); `afterHeaders` sends 200 headers first. */
  | { type: 'stall'; afterHeaders?: boolean }
  /** Forward a watch, then end it (or reset it) after `events` events and/or `ms` milliseconds. */
  | { type: 'cut-watch'; events?: number; ms?: number; reset?: boolean }
  /** Answer a watch with 200 and one ERROR event carrying a 410 Gone Status, then end the stream. */
  | { type: 'gone-event' }
  /**
   * Answer a watch with 200 and one BOOKMARK event at this resourceVersion, then end the stream (a watch
   * that timed out on the server): the client resumes from that version next, deterministically.
   */
  | { type: 'bookmark'; resourceVersion: string }
  /**
   * Run something first (say a concurrent write by someone else), then forward the request as it is, or
   * answer it with `status` instead.
   */
  | { type: 'intercept'; run: () => Promise<void>; status?: number };

export interface RequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  watch: boolean;
  /** The resourceVersion asked for (a watch resuming from one), if any. */
  resourceVersion: string | undefined;
  body: string;
}

export interface FaultRule {
  /** Shown in the request record. */
  name: string;
  method?: string;
  path: RegExp;
  /** Only watch requests (true) or only plain requests (false); either when unset. */
  watch?: boolean;
  /** More conditions, e.g. "only once the rollback has started" (see ApiProxy.count). */
  when?: (request: RequestInfo) => boolean;
  /**
   * `before` (default): answer without forwarding. `after`: forward, let the API server act on the request,
   * then replace its answer with the fault (the client can't tell whether its write landed). Only for
   * status and reset faults.
   */
  phase?: 'before' | 'after';
  /** Let this many matching requests through first. */
  skip?: number;
  /** How many matching requests get the fault (default 1; Infinity for a permanent fault). */
  times?: number;
  fault: Fault;
}

export interface RecordedRequest extends Omit<RequestInfo, 'body' | 'query'> {
  url: string;
  /** The rule that faulted this request, if any. */
  fault?: string;
  /** Status sent to the client (undefined for resets and stalls). */
  status?: number;
  at: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  applied: number;
}

export interface ApiProxy {
  url: string;
  port: number;
  readonly requests: readonly RecordedRequest[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** How many times each rule has faulted a request, by name. */
  applied(): Record<string, number>;
  /** Requests recorded so far that match method and path (for rule predicates and assertions). */
  count(method: string, path: RegExp, options?: { watch?: boolean }): number;
  /** A KubeConfig that talks to the API server through this proxy, with no credentials of its own. */
  kubeConfig(): KubeConfig;
  /** The same as a kubeconfig file (for the CLI). */
  writeKubeconfig(path: string): string;
  close(): Promise<void>;
}

interface Upstream {
  host: string;
  port: number;
  agent: https.Agent;
}

function upstreamOf(kubeconfigFile: string): Upstream {
  const config = parse(readFileSync(kubeconfigFile, 'utf8')) as {
    'current-context': string;
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const context = config.contexts.find((c) => c.name === config['current-context'])!.context;
  const cluster = config.clusters.find((c) => c.name === context.cluster)!.cluster;
  const user = config.users.find((u) => u.name === context.user)!.user;
  const decode = (b64: string) => Buffer.from(b64, 'base64');
  const server = new URL(cluster.server);
  return {
    host: server.hostname,
    port: Number(server.port || 443),
    agent: new https.Agent({
      keepAlive: true,
      ca: decode(cluster['certificate-authority-data']),
      cert: decode(user['client-certificate-data']),
      key: decode(user['client-key-data']),
    }),
  };
}

/** The Status body the API server sends with an error. */
function statusBody(status: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: status };
}

const reasons: Record<number, string> = {
  403: 'Forbidden',
  409: 'Conflict',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export async function startApiProxy(kubeconfigFile: string): Promise<ApiProxy> {
  const upstream = upstreamOf(kubeconfigFile);
  const rules: ActiveRule[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const appliedCounts: Record<string, number> = {};

  const pick = (info: RequestInfo): ActiveRule | undefined => {
    for (const rule of rules) {
      if (rule.method && rule.method !== info.method) continue;
      if (!rule.path.test(info.path)) continue;
      if (rule.watch !== undefined && rule.watch !== info.watch) continue;
      if (rule.when && !rule.when(info)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.applied >= (rule.times ?? 1)) continue;
      rule.applied++;
      appliedCounts[rule.name] = (appliedCounts[rule.name] ?? 0) + 1;
      return rule;
    }
    return undefined;
  };

  const sendStatus = (res: ServerResponse, fault: Extract<Fault, { type: 'status' }>) => {
    const reason = fault.reason ?? reasons[fault.status] ?? 'Unknown';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    res.writeHead(fault.status, headers);
    res.end(JSON.stringify(statusBody(fault.status, reason, `injected by the fault proxy: ${reason}`)));
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    record: RecordedRequest,
    replace?: Fault,
    cut?: Extract<Fault, { type: 'cut-watch' }>,
  ) => {
    const headers = { ...req.headers, host: `${upstream.host}:${upstream.port}` };
    delete headers['connection'];
    const out = https.request({
      host: upstream.host,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: upstream.agent,
    });
    const abortUpstream = () => out.destroy();
    res.on('close', abortUpstream);
    out.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify(statusBody(502, 'BadGateway', 'fault proxy: upstream failed')));
      } else res.destroy();
    });
    out.on('response', (answer) => {
      if (replace) {
        // The API server has acted on the request; the client gets the fault instead of its answer.
        answer.resume();
        answer.on('end', () => {
          if (replace.type === 'reset') {
            req.socket.destroy();
          } else if (replace.type === 'status') {
            record.status = replace.status;
            sendStatus(res, replace);
          }
        });
        return;
      }
      record.status = answer.statusCode;
      const outHeaders: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers))
        if (v !== undefined && !hopByHop.has(k)) outHeaders[k] = v;
      res.writeHead(answer.statusCode ?? 502, outHeaders);
      res.flushHeaders();
      if (!cut) {
        answer.pipe(res);
        return;
      }
      let events = 0;
      let done = false;
      const stop = () => {
        if (done) return;
        done = true;
        answer.destroy();
        if (cut.reset) req.socket.destroy();
        else res.end();
      };
      if (cut.ms !== undefined) {
        const timer = setTimeout(stop, cut.ms);
        res.on('close', () => clearTimeout(timer));
      }
      answer.on('data', (chunk: Buffer) => {
        if (done) return;
        if (cut.events === undefined) {
          res.write(chunk);
          return;
        }
        // Pass whole events up to the limit, then cut.
        for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
          events++;
          if (events >= cut.events) {
            res.write(chunk.subarray(0, i + 1));
            stop();
            return;
          }
        }
        res.write(chunk);
      });
      answer.on('end', () => {
        if (!done) res.end();
      });
    });
    out.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const info: RequestInfo = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        watch: url.searchParams.get('watch') === 'true',
        resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
        body: body.toString('utf8'),
      };
      const record: RecordedRequest = {
        method: info.method,
        path: info.path,
        url: req.url ?? '/',
        watch: info.watch,
        resourceVersion: info.resourceVersion,
        at: Date.now(),
      };
      requests.push(record);
      const rule = pick(info);
      if (!rule) return forward(req, res, body, record);
      record.fault = rule.name;
      const fault = rule.fault;
      if (rule.phase === 'after' && (fault.type === 'status' || fault.type === 'reset'))
        return forward(req, res, body, record, fault);
      switch (fault.type) {
        case 'status':
          record.status = fault.status;
          return sendStatus(res, fault);
        case 'reset':
          return req.socket.destroy();
        case 'stall':
          if (fault.afterHeaders) {
            record.status = 200;
            res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
            res.flushHeaders();
          }
          return;
        case 'cut-watch':
          return forward(req, res, body, record, undefined, fault);
        case 'intercept':
          fault.run().then(
            () => {
              if (fault.status === undefined) return forward(req, res, body, record);
              record.status = fault.status;
              sendStatus(res, { type: 'status', status: fault.status });
            },
            () => req.socket.destroy(),
          );
          return;
        case 'bookmark':
          record.status = 200;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              type: 'BOOKMARK',
              object: { metadata: { resourceVersion: fault.resourceVersion } },
            }) + '\n',
          );
          return;
        case 'gone-event':
          record.status = 200;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              type: 'ERROR',
              object: statusBody(410, 'Expired', 'too old resource version (injected by the fault proxy)'),
            }) + '\n',
          );
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfigYaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fault-proxy',
    // client-node refuses plain http unless TLS verification is off; there is no TLS to verify here.
    `  cluster: {server: '${url}', insecure-skip-tls-verify: true}`,
    'users:',
    '- name: fault-proxy',
    '  user: {}',
    'contexts:',
    '- name: fault-proxy',
    '  context: {cluster: fault-proxy, user: fault-proxy}',
    'current-context: fault-proxy',
    '',
  ].join('\n');

  return {
    url,
    port,
    requests,
    addRule: (rule) => rules.push({ ...rule, seen: 0, applied: 0 }),
    clearRules: () => rules.splice(0),
    applied: () => ({ ...appliedCounts }),
    count: (method, path, options = {}) =>
      requests.filter(
        (r) =>
          r.method === method &&
          path.test(r.path) &&
          (options.watch === undefined || r.watch === options.watch),
      ).length,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml);
      return kc;
    },
    writeKubeconfig: (path) => {
      writeFileSync(path, kubeconfigYaml);
      return path;
    },
    close: async () => {
      rules.splice(0);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstream.agent.destroy();
    },
  };
}
