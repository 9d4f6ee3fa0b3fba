// Certificates for connection tests, made with openssl in a temporary folder: certificate authorities,
// server certificates for a given name, client certificates (also with dates in the past), and a tiny HTTPS
// server on 127.0.0.1 that serves with one of them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  /** PEM files. */
  cert: string;
  key: string;
}

export interface Validity {
  /** `YYYYMMDDHHMMSSZ`, as `openssl ca -startdate` takes it. */
  start: string;
  end: string;
}

const dir = mkdtempSync(join(tmpdir(), 'config-rollout-tls-'));
let serial = 0;

function openssl(args: string[], cwd = dir): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new certificate authority, valid from yesterday for a year. */
export function makeAuthority(name: string): KeyPair {
  const pair = { cert: join(dir, `${name}-ca.crt`), key: join(dir, `${name}-ca.key`) };
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pair.key]);
  openssl([
    ...['req', '-x509', '-new', '-key', pair.key, '-subj', `/CN=${name}`, '-days', '365'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ...['-out', pair.cert],
  ]);
  return pair;
}

/**
 * A certificate signed by `authority` (a pair of files anywhere: only read). `openssl ca` is used because it
 * takes any start and end date, so a certificate can have expired before it was made.
 */
export function signCertificate(
  authority: KeyPair,
  options: { name: string; subject: string; extensions: string; validity?: Validity },
): KeyPair {
  const base = join(dir, `${options.name}-${++serial}`);
  const db = `${base}-db`;
  mkdirSync(db);
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), `${String(1000 + serial)}\n`);
  writeFileSync(
    `${base}.cnf`,
    `[ca]
default_ca = test_ca
[test_ca]
database = ${join(db, 'index.txt')}
new_certs_dir = ${db}
serial = ${join(db, 'serial')}
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
organizationName = optional
[ext]
${options.extensions}
`,
  );
  const pair = { cert: `${base}.crt`, key: `${base}.key` };
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pair.key]);
  openssl(['req', '-new', '-key', pair.key, '-subj', options.subject, '-out', `${base}.csr`]);
  const validity = options.validity ?? { start: dateAgo(1), end: dateAgo(-365) };
  openssl([
    ...['ca', '-batch', '-notext', '-config', `${base}.cnf`, '-extensions', 'ext'],
    ...['-cert', authority.cert, '-keyfile', authority.key, '-in', `${base}.csr`, '-out', pair.cert],
    ...['-startdate', validity.start, '-enddate', validity.end],
  ]);
  return pair;
}

export const serverExtensions = (san: string) =>
  `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}`;

export const clientExtensions =
  'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth';

/** `days` days ago (negative: ahead) as `YYYYMMDDHHMMSSZ`. */
function dateAgo(days: number): string {
  const date = new Date(Date.now() - days * 86_400_000);
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export const base64File = (path: string) => readFileSync(path).toString('base64');

export interface LocalTlsServer {
  url: string;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 presenting `pair`, answering every request with an empty list. */
export async function startTlsServer(pair: KeyPair): Promise<LocalTlsServer> {
  const server: Server = createServer(
    { cert: readFileSync(pair.cert), key: readFileSync(pair.key) },
    (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"kind":"List","items":[]}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
