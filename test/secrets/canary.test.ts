// Secret values planted as canaries must not appear in any output: comment, JSON, table, errors.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

const canaries = {
  password: 'canary-pw-7f3a91c2e4',
  token: 'canary-token-b81d55e0',
  stringData: 'canary-stringdata-44aa19',
  numeric: '918273645546372819',
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Every form a planted value could leak in. */
const forms = Object.values(canaries).flatMap((v) => [v, b64(v), b64(v).replace(/=+$/, '')]);

function secretYaml(values: { password: string; token: string; stringData: string }, extra = ''): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: app-creds
data:
  password: ${b64(values.password)}
  token: ${b64(values.token)}
stringData:
  api-key: ${values.stringData}
${extra}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      volumes:
      - name: creds
        secret: {secretName: app-creds, items: [{key: token, path: token}]}
      containers:
      - name: api
        envFrom: [{secretRef: {name: app-creds}}]
        env: [{name: PW, valueFrom: {secretKeyRef: {name: app-creds, key: password}}}]
        volumeMounts: [{name: creds, mountPath: /creds}]
`;
}

function change(base: string, head: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-canary-'));
  mkdirSync(join(dir, 'base'));
  mkdirSync(join(dir, 'head'));
  writeFileSync(join(dir, 'base', 's.yaml'), base);
  writeFileSync(join(dir, 'head', 's.yaml'), head);
  return dir;
}

describe('Secrets as config sources', () => {
  const dir = change(
    secretYaml({ password: 'old-password-1', token: canaries.token, stringData: 'old-key' }),
    secretYaml(
      { password: canaries.password, token: canaries.token, stringData: canaries.stringData },
      `  numeric: ${canaries.numeric}\n`,
    ),
  );

  it('plans Secret changes with the same decisions, showing key names and fingerprints only', () => {
    const json = runCli(
      ['plan', '--offline', '--secrets', '--base', 'base', '--manifests', 'head', '--format', 'json'],
      dir,
    );
    const plan = JSON.parse(json.stdout);
    expect(plan.configMaps).toEqual([]);
    expect(plan.secrets).toMatchObject([
      {
        ref: 'default/app-creds',
        change: 'modified',
        keys: { added: ['numeric'], removed: [], changed: ['api-key', 'password'] },
      },
    ]);
    expect(plan.secrets[0].fingerprints.head.password).toMatch(/^[0-9a-f]{8}$/);
    expect(plan.secrets[0].fingerprints.head.password).not.toBe(plan.secrets[0].fingerprints.base.password);
    expect(plan.secrets[0].fingerprints.head.token).toBe(plan.secrets[0].fingerprints.base.token);
    expect(plan.consumers).toEqual([
      {
        workload: 'Deployment/default/api',
        action: 'restart',
        reasons: expect.arrayContaining([
          expect.stringContaining('Secret app-creds (changed `password`) as an env var'),
        ]),
        configMaps: ['Secret/default/app-creds'],
        // Key names only, never values.
        reads: [
          {
            configMap: 'Secret/default/app-creds',
            keys: ['api-key', 'numeric', 'password'],
            ways: ['env', 'envFrom'],
          },
        ],
        pods: 1,
        strategy: 'RollingUpdate',
        file: 'head/s.yaml',
        line: 12,
      },
    ]);
    // An unquoted number in stringData is a blocker that names the key, not the value.
    expect(plan.findings.map((f: { code: string; message: string }) => [f.code, f.message])).toEqual([
      [
        'non-string-value',
        'Secret default/app-creds: the value of `numeric` is not a string (quote it); the API server rejects it.',
      ],
    ]);
  });

  it('never prints a planted value, in any format or stream', () => {
    const outputs = [
      runCli(
        ['plan', '--offline', '--secrets', '--base', 'base', '--manifests', 'head', '--format', 'json'],
        dir,
      ),
      runCli(['plan', '--offline', '--secrets', '--base', 'base', '--manifests', 'head'], dir),
      runCli(['plan', '--offline', '--base', 'base', '--manifests', 'head'], dir),
      runCli(['refs', '--manifests', 'head', '--format', 'json'], dir),
      runCli(['refs', '--manifests', 'head'], dir),
    ];
    const comment = outputs[1]!.stdout;
    expect(comment).toContain('fingerprint');
    expect(comment).toContain('ConfigMaps and Secrets (Secret values are never shown)');
    for (const out of outputs) {
      for (const form of forms) {
        expect(out.stdout, `stdout leaks ${form}`).not.toContain(form);
        expect(out.stderr, `stderr leaks ${form}`).not.toContain(form);
      }
    }
  });

  it('blocks removing a Secret key a workload requires, naming the key only', () => {
    const removed = change(
      secretYaml({ password: canaries.password, token: canaries.token, stringData: canaries.stringData }),
      secretYaml({
        password: canaries.password,
        token: canaries.token,
        stringData: canaries.stringData,
      }).replace(/ {2}password: .*\n/, ''),
    );
    const r = runCli(
      ['plan', '--offline', '--secrets', '--base', 'base', '--manifests', 'head', '--format', 'json'],
      removed,
    );
    expect(r.status).toBe(1);
    const plan = JSON.parse(r.stdout);
    expect(plan.findings.map((f: { code: string }) => f.code)).toEqual(['missing-key']);
    expect(plan.findings[0].message).toContain(
      'Secret app-creds no longer has key `password`, which Deployment/default/api requires: new pods would not start. Needed by container `api` env `PW` (key `password`).',
    );
    for (const form of forms) expect(r.stdout).not.toContain(form);
  });
});

describe('Cluster errors', () => {
  // A kubeconfig whose credentials are canaries: a token, a client certificate and a client key (not a
  // usable key: TLS fails on it, which is a path of its own). Servers: a port with nothing listening on
  // 127.0.0.1 (connections are refused) and a name under .invalid (it never resolves).
  const credentials = {
    token: 'canary-kube-token-5c0ffee1d',
    cert: 'canary-client-cert-77e1d3a9',
    key: 'canary-client-key-3b9f20c4a',
  };
  const pem = (label: string, body: string) =>
    b64(`-----BEGIN ${label}-----\n${b64(body.repeat(3))}\n-----END ${label}-----\n`);
  const secretForms = Object.values(credentials).flatMap((v) => [
    v,
    b64(v),
    b64(v.repeat(3)),
    pem('CERTIFICATE', v).slice(0, 40),
    pem('PRIVATE KEY', v).slice(0, 40),
  ]);
  const kubeconfig = (server: string, user: string) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}"}
users:
- name: u
  user:
${user}
contexts:
- name: dev
  context: {cluster: c, user: u}
current-context: dev
`;
  const tokenUser = `    token: ${credentials.token}`;
  const certUser = `    client-certificate-data: ${pem('CERTIFICATE', credentials.cert)}
    client-key-data: ${pem('PRIVATE KEY', credentials.key)}`;
  const dir = change(
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {A: "1"}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {A: "2"}\n',
  );
  const files: Record<string, string> = {
    'refused-token.yaml': kubeconfig('https://127.0.0.1:39998', tokenUser),
    'refused-token-and-cert.yaml': kubeconfig('https://127.0.0.1:39998', `${tokenUser}\n${certUser}`),
    'refused-cert.yaml': kubeconfig('https://127.0.0.1:39998', certUser),
    'unresolved-token.yaml': kubeconfig('https://api.canary.invalid:6443', tokenUser),
    'unresolved-cert.yaml': kubeconfig('https://api.canary.invalid:6443', certUser),
    'broken-yaml.yaml': kubeconfig('https://127.0.0.1:39998', `${tokenUser}\n   bad: [`),
    'broken-key-yaml.yaml': kubeconfig('https://127.0.0.1:39998', `${certUser}\n   bad: [`),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

  it.each(Object.keys(files))('%s: the error names no token, certificate or key', (file) => {
    const plan = ['plan', '--base', 'base', '--manifests', 'head', '--kubeconfig', file];
    const runs = [runCli(plan, dir), runCli([...plan, '--on-unreachable', 'offline'], dir)];
    expect(runs[0]!.stderr).toMatch(/^config-rollout: (Listing configmaps|Loading the kubeconfig)/);
    for (const run of runs) {
      for (const form of secretForms) {
        expect(run.stdout, `stdout leaks ${form}`).not.toContain(form);
        expect(run.stderr, `stderr leaks ${form}`).not.toContain(form);
      }
    }
  });
});
