import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the runner's artifact service (the results service's Twirp API and the blob storage it signs
 * upload URLs for), answering as actions/upload-artifact's client expects: it records each call and artifact.
 */
export interface FakeArtifacts {
  /** ACTIONS_RESULTS_URL */
  url: string;
  /** ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` names the run and job, as the runner's does. */
  token: string;
  /** Finalized artifacts by name. */
  artifacts: Map<string, { id: number; content: string }>;
  /** Twirp calls in order, with their JSON bodies. */
  requests: { method: string; body: unknown; authorization: string | undefined }[];
  /** Refuse blob uploads (403), as storage does when a signature has expired. */
  failUploads: boolean;
  close(): Promise<void>;
}

const twirp = '/twirp/github.actions.results.api.v1.ArtifactService/';

export async function startFakeArtifacts(): Promise<FakeArtifacts> {
  const blocks = new Map<string, Map<string, Buffer>>();
  const blobs = new Map<string, Buffer>();
  const artifacts = new Map<string, { id: number; content: string }>();
  const requests: FakeArtifacts['requests'] = [];
  let nextId = 100;
  const server = createServer((req, res) => {
    void body(req).then((data) => handle(req, res, data));
  });
  function handle(req: IncomingMessage, res: ServerResponse, data: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith(twirp)) {
      requests.push({
        method: url.pathname.slice(twirp.length),
        body: JSON.parse(data.toString()) as unknown,
        authorization: req.headers.authorization,
      });
    }
    if (req.method === 'POST' && url.pathname === `${twirp}CreateArtifact`) {
      const { name } = JSON.parse(data.toString()) as { name: string };
      json(res, { ok: true, signed_upload_url: `${base()}/blob/${encodeURIComponent(name)}?sig=fake` });
    } else if (req.method === 'POST' && url.pathname === `${twirp}FinalizeArtifact`) {
      const { name } = JSON.parse(data.toString()) as { name: string };
      const content = blobs.get(name);
      if (!content) return json(res, { code: 'not_found', msg: 'nothing uploaded' }, 404);
      const id = nextId++;
      artifacts.set(name, { id, content: content.toString('utf8') });
      json(res, { ok: true, artifact_id: String(id) });
    } else if (req.method === 'PUT' && url.pathname.startsWith('/blob/') && fake.failUploads) {
      res.writeHead(403).end('<Error><Code>AuthenticationFailed</Code></Error>');
    } else if (req.method === 'PUT' && url.pathname.startsWith('/blob/')) {
      const name = decodeURIComponent(url.pathname.slice('/blob/'.length));
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        const staged = blocks.get(name) ?? new Map<string, Buffer>();
        staged.set(url.searchParams.get('blockid') ?? '', data);
        blocks.set(name, staged);
      } else if (comp === 'blocklist') {
        const ids = [...data.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map(
          (m) => m[1]!,
        );
        const staged = blocks.get(name) ?? new Map<string, Buffer>();
        blobs.set(name, Buffer.concat(ids.map((id) => staged.get(id) ?? Buffer.alloc(0))));
      } else {
        blobs.set(name, data);
      }
      res.writeHead(201, { etag: '"0x1"', 'last-modified': new Date().toUTCString() }).end();
    } else {
      json(res, { code: 'bad_route', msg: `${req.method} ${url.pathname}` }, 404);
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const claims = Buffer.from(JSON.stringify({ scp: 'Actions.Results:run-backend-1:job-backend-1' })).toString(
    'base64url',
  );
  const fake: FakeArtifacts = {
    url: `${base()}/`,
    token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.sig`,
    artifacts,
    requests,
    failUploads: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return fake;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function json(res: ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
