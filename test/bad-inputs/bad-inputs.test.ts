// Hostile and broken manifests through the bundled CLI (dist/cli.js), as the head of a change, as its base, and
// for `refs`. Each must end in a clear finding or a clear error naming file and line — exit 0 (fine), 1
// (blockers) or 2 (unreadable input) — never a stack trace, within seconds and a bounded heap.
// The corpus is test/bad-inputs/corpus/; files that would bloat the repository are generated below.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';
import { limiter } from '../../src/concurrency-limit.js';
import { runCliAsync } from '../faults/run-cli-async.js';

const corpusDir = 'test/bad-inputs/corpus';
const good = 'test/bad-inputs/good/app.yaml';

/** What the CLI must say about a file. */
type Expected =
  /** Unreadable: exit 2 for plan (either side) and refs, the message naming `file:line:`. */
  | { error: RegExp; line: number }
  /**
   * Readable: exit 0 for refs and as the base; as the head, exactly these findings (`severity:code@line`),
   * exit 1 when one is a blocker. `gap` marks an outcome that is not what Kubernetes would do (see the report).
   */
  | { head: string[]; gap?: string };

const fine: Expected = { head: [] };
const skipped = (...lines: number[]): Expected => ({ head: lines.map((l) => `info:skipped-document@${l}`) });
const blocker = (code: string, line: number): Expected => ({ head: [`blocker:${code}@${line}`] });

const corpus: Record<string, Expected> = {
  'alias-across-documents.yaml': { error: /Merge sources must be maps/, line: 5 },
  'alias-bomb.yaml': { error: /Excessive alias count/, line: 1 },
  'alias-many-refs.yaml': { error: /Excessive alias count/, line: 1 },
  'alias-merge-key.yaml': fine,
  'alias-undefined.yaml': { error: /Unresolved alias .*: nowhere/, line: 6 },
  'binary-tag.yaml': blocker('non-string-value', 9),
  'binarydata-not-base64.yaml': blocker('non-string-value', 9),
  'bom.yaml': fine,
  'configmaplist-junk.yaml': skipped(4, 5, 6, 7, 8),
  'control-chars-escaped.yaml': fine,
  'cr-only.yaml': fine,
  'crlf.yaml': fine,
  'custom-tag.yaml': fine,
  'data-is-list.yaml': blocker('non-string-value', 1),
  'data-not-map.yaml': blocker('non-string-value', 1),
  // Only Deployments that don't parse as workloads: no crash, and the removed ConfigMap a reference needs.
  'deployment-malformed.yaml': blocker('missing-configmap', 14),
  'directive-unknown.yaml': fine,
  'directive-yaml12.yaml': fine,
  'document-end-marker.yaml': fine,
  'duplicate-data-key.yaml': { error: /Map keys must be unique/, line: 8 },
  'duplicate-metadata.yaml': { error: /Map keys must be unique/, line: 5 },
  'empty.yaml': fine,
  'generate-name.yaml': skipped(1),
  'helm-template-valid-yaml.yaml': skipped(1),
  'helm-template.yaml': skipped(4),
  'immutable-not-bool.yaml': blocker('non-string-value', 1),
  'invalid-key-dotdot.yaml': blocker('invalid-key', 8),
  'invalid-key-slash.yaml': blocker('invalid-key', 8),
  'invalid-key-space.yaml': blocker('invalid-key', 8),
  'invalid-key-too-long.yaml': blocker('invalid-key', 8),
  'invalid-name.yaml': { error: /name `App_Config!` is not a valid Kubernetes name/, line: 1 },
  'invalid-utf8.yaml': { error: /not UTF-8/, line: 6 },
  'json-array.json': skipped(1),
  'json-broken.json': { error: /Flow map must end with a \}/, line: 2 },
  'json-duplicate-key.json': { error: /Map keys must be unique/, line: 1 },
  'json-manifest.json': fine,
  'json-number-value.json': blocker('non-string-value', 1),
  'key-in-data-and-binarydata.yaml': blocker('invalid-key', 7),
  'kind-not-string.yaml': skipped(1),
  'kustomization.yaml': skipped(1),
  'list-items-not-array.yaml': skipped(1),
  'list-nested-list.yaml': fine,
  'list-value.yaml': blocker('non-string-value', 8),
  'missing-metadata.yaml': skipped(1),
  'name-not-string.yaml': { error: /metadata.name must be a string, not the number 12345/, line: 1 },
  'namespace-not-string.yaml': { error: /metadata.namespace must be a string, not a list/, line: 1 },
  'nested-map-value.yaml': blocker('non-string-value', 8),
  'null-document.yaml': fine,
  'only-comments.yaml': fine,
  'only-separators.yaml': fine,
  'pod-null-spec.yaml': fine,
  // `constructor: y` is the YAML 1.1 boolean true, as Kubernetes reads it.
  // `__proto__` is a key like any other: apply writes ConfigMaps as plain JSON, which keeps it.
  'prototype-keys.yaml': { head: ['blocker:non-string-value@11'] },
  'scalar-document.yaml': skipped(1),
  'sequence-document.yaml': skipped(1),
  'syntax-bad-indent.yaml': { error: /Nested mappings are not allowed/, line: 6 },
  'syntax-colon-in-plain.yaml': { error: /Nested mappings are not allowed/, line: 6 },
  'syntax-unclosed-flow.yaml': { error: /Flow map .*end with a \}/, line: 6 },
  'syntax-unclosed-quote.yaml': { error: /Missing closing "quote/, line: 6 },
  'tabs-indent.yaml': { error: /Tabs are not allowed as indentation/, line: 6 },
  'unicode-key.yaml': blocker('invalid-key', 8),
  'unicode-values.yaml': fine,
  'unquoted-bool.yaml': blocker('non-string-value', 8),
  'unquoted-float.yaml': blocker('non-string-value', 8),
  'unquoted-null.yaml': blocker('non-string-value', 8),
  'unquoted-number.yaml': blocker('non-string-value', 7),
  'wrong-apiversion.yaml': { error: /a ConfigMap has apiVersion v1, not `v2`/, line: 1 },
  // An unknown kind is a custom resource this tool doesn't plan.
  'wrong-kind.yaml': fine,
};

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n';

/** Files too big or too binary to commit, written to a temporary folder by the test. */
const generated: Record<string, { write: () => string | Buffer; expected: Expected }> = {
  'huge.yaml': {
    write: () => `${configMap}data:\n  big: "${'x'.repeat(17 * 1024 * 1024)}"\n`,
    expected: { error: /bytes is larger than the 16777216-byte limit/, line: 1 },
  },
  'too-large-configmap.yaml': {
    write: () => `${configMap}data:\n  LOG_LEVEL: debug\n  POOL: "10"\n  big: "${'x'.repeat(2 * 1024 * 1024)}"\n`,
    expected: blocker('configmap-too-large', 1),
  },
  'binary.yaml': {
    write: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    expected: { error: /binary data \(a NUL byte\)/, line: 1 },
  },
  'utf16.yaml': {
    write: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${configMap}data:\n  A: b\n`, 'utf16le')]),
    expected: { error: /binary data \(a NUL byte\)/, line: 1 },
  },
  'latin1.yaml': {
    write: () => Buffer.from(`${configMap}data:\n  LOG_LEVEL: "d\u00e9bug"\n  POOL: "10"\n`, 'latin1'),
    expected: { error: /not UTF-8/, line: 6 },
  },
  'deep-flow.yaml': {
    write: () => `${configMap}data:\n  x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    expected: { error: /nested 100000 levels deep; at most 256/, line: 1 },
  },
  'deep-list-kind.yaml': {
    write: () =>
      `apiVersion: v1\nkind: List\nitems:\n${'[{apiVersion: v1, kind: List, items: '.repeat(3000)}[]${'}]'.repeat(3000)}\n`,
    expected: { error: /nested 6001 levels deep; at most 256/, line: 1 },
  },
  'deep-block.yaml': {
    write: () => {
      let text = `${configMap}spec:\n`;
      for (let i = 0; i < 5000; i++) text += `${' '.repeat(2 + i)}k${i}:\n`;
      return text;
    },
    // Where the parser runs out of stack depends on the stack: the line is checked loosely below.
    expected: { error: /nested too deeply to read/, line: -1 },
  },
  'long-line.yaml': {
    write: () => `${configMap}data:\n  LOG_LEVEL: debug\n  POOL: "10"\n  line: "${'abc '.repeat(250_000)}"\n`,
    expected: fine,
  },
  'many-documents.yaml': {
    write: () =>
      Array.from(
        { length: 20_000 },
        (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: v${i}\n`,
      ).join(''),
    expected: fine,
  },
  'many-keys.yaml': {
    write: () =>
      `${configMap}data:\n${Array.from({ length: 50_000 }, (_, i) => `  key-${i}: "v"\n`).join('')}`,
    expected: fine,
  },
  'many-anchors.yaml': {
    write: () =>
      `${configMap}data:\n${Array.from({ length: 20_000 }, (_, i) => `  k${i}: &a${i} "v"\n`).join('')}`,
    expected: { error: /20000 YAML anchors .* at most 1000/, line: 1 },
  },
};

/** Each run must finish within this (2 cores shared with other suites), and within a 256 MB heap. */
const maxSeconds = 20;
const nodeArgs = ['--max-old-space-size=256'];

/** Three CLI processes at a time: the time bound is about each run, not about a crowded machine. */
const limited = limiter(3);

async function cli(args: string[]) {
  const started = Date.now();
  const r = await limited(() => runCliAsync(args, repoRoot, { nodeArgs, timeoutMs: 60_000 }));
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

interface Finding {
  severity: string;
  code: string;
  file: string | null;
  line: number | null;
}

async function check(path: string, expected: Expected): Promise<void> {
  const runs = {
    head: await cli(['plan', '--offline', '--base', good, '--manifests', path, '--format', 'json']),
    // As the base, rendered as the PR comment: the base's findings are not reported, so exit 0 unless unreadable.
    base: await cli(['plan', '--offline', '--base', path, '--manifests', good]),
    refs: await cli(['refs', '--manifests', path]),
  };
  for (const [name, r] of Object.entries(runs)) {
    const what = `${name} of ${path}: exit ${r.status}\n${r.stderr.slice(0, 2000)}`;
    expect(r.stderr, what).not.toMatch(/\n\s+at /);
    expect(r.stderr, what).not.toMatch(/heap out of memory|Maximum call stack|TypeError|ReferenceError/);
    expect(r.seconds, what).toBeLessThan(maxSeconds);
    if ('error' in expected) {
      expect(r.status, what).toBe(2);
      expect(r.stdout, what).toBe('');
      expect(r.stderr, what).toMatch(expected.error);
      const at = expected.line === -1 ? String.raw`\d+` : String(expected.line);
      expect(r.stderr, what).toMatch(new RegExp(`${escape(path)}:${at}(:\\d+)?: `));
      continue;
    }
    if (name === 'head') {
      const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
      expect(
        findings.map((f) => `${f.severity}:${f.code}@${f.line}`),
        what,
      ).toEqual(expected.head);
      // Every finding about the file names it.
      for (const f of findings) expect(f.file, what).toBe(path);
      expect(r.status, what).toBe(expected.head.some((f) => f.startsWith('blocker:')) ? 1 : 0);
    } else {
      expect(r.status, what).toBe(0);
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('hostile and broken manifests', () => {
  it('has an expected outcome for every file of the corpus, and at least 40 bad inputs in all', () => {
    expect(readdirSync(corpusDir).sort()).toEqual(Object.keys(corpus).sort());
    expect(Object.keys(corpus).length + Object.keys(generated).length).toBeGreaterThanOrEqual(40);
  });

  it.concurrent.each(Object.entries(corpus))('%s', async (file, expected) => {
    await check(`${corpusDir}/${file}`, expected);
  }, 120_000);

  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-bad-inputs-'));
  it.concurrent.each(Object.entries(generated))('%s (generated)', async (file, { write, expected }) => {
    // An absolute path, as a user may give one.
    const path = join(dir, file);
    writeFileSync(path, write());
    await check(path, expected);
  }, 120_000);
});
