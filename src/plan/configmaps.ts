import { finding, type Finding, type SourceLocation } from './findings.js';
import { isPlainObject, type ManifestObject } from './manifests.js';

/** Where config comes from: ConfigMaps always, Secrets when asked for (their values are never shown). */
export type SourceKind = 'ConfigMap' | 'Secret';

/** One ConfigMap's (or Secret's) content as one side (base, head or live) has it. */
export interface ConfigMapSnapshot {
  kind: SourceKind;
  /** `namespace/name` for a ConfigMap, `Secret/namespace/name` for a Secret. */
  ref: string;
  namespace: string;
  name: string;
  /** Values as the API server stores them (a non-string YAML value is shown as written); a Secret's as base64. */
  data: Record<string, string>;
  /** base64 text as written; compared as text. */
  binaryData: Record<string, string>;
  immutable: boolean;
  /** Where it is defined; null for the live cluster. */
  source: SourceLocation | null;
}

/**
 * A record of ConfigMap keys. `__proto__` is a valid key, and assigning it on a plain object sets the object's
 * prototype instead of a key: records of keys have no prototype.
 */
export function keyRecord<T>(from?: Readonly<Record<string, T>>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, from);
}

export function configMapRef(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function secretRef(namespace: string, name: string): string {
  return `Secret/${namespace}/${name}`;
}

/** How a source is named in reasons and findings: `app-config`, or `Secret app-creds`. */
export function sourceLabel(source: { kind: SourceKind; name: string }): string {
  return source.kind === 'Secret' ? `Secret ${source.name}` : source.name;
}

/** Kubernetes' IsConfigMapKey: at most 253 of [-._a-zA-Z0-9], and not `.` or `..`. */
const configMapKeyPattern = /^[-._a-zA-Z0-9]+$/;
export function isValidConfigMapKey(key: string): boolean {
  return key.length <= 253 && configMapKeyPattern.test(key) && key !== '.' && key !== '..';
}

/** The API server rejects a ConfigMap whose data and binaryData add up to more than 1 MiB. */
export const maxConfigMapBytes = 1024 * 1024;

export interface CollectedConfigMaps {
  byRef: Map<string, ConfigMapSnapshot>;
  findings: Finding[];
}

/** Every ConfigMap among the objects; a second definition of the same one wins, as `kubectl apply` would. */
export function collectConfigMaps(objects: readonly ManifestObject[]): CollectedConfigMaps {
  const byRef = new Map<string, ConfigMapSnapshot>();
  const findings: Finding[] = [];
  for (const object of objects) {
    if (object.kind !== 'ConfigMap' || object.namespace === null) continue;
    const snapshot = snapshotOf(object, findings);
    const earlier = byRef.get(snapshot.ref);
    if (earlier && !sameContent(earlier, snapshot)) {
      findings.push(
        finding(
          'warning',
          'duplicate-configmap',
          `ConfigMap ${snapshot.ref} is defined twice with different data (also at ${where(earlier.source)}); the last one applied wins, so this one is planned.`,
          snapshot.source,
        ),
      );
    }
    byRef.set(snapshot.ref, snapshot);
  }
  return { byRef, findings };
}

function snapshotOf(object: ManifestObject, findings: Finding[]): ConfigMapSnapshot {
  const ref = configMapRef(object.namespace!, object.name);
  const at = (key: string): SourceLocation => ({
    file: object.source.file,
    line: object.lineOfKey(key),
  });
  const data = keyRecord<string>();
  const binaryData = keyRecord<string>();
  let bytes = 0;
  for (const [field, target] of [
    ['data', data],
    ['binaryData', binaryData],
  ] as const) {
    for (const [key, value] of entriesOf(object, field, `ConfigMap ${ref}`, findings)) {
      if (!isValidConfigMapKey(key)) {
        findings.push(
          finding(
            'blocker',
            'invalid-key',
            `ConfigMap ${ref}: key \`${key}\` is not a valid ConfigMap key (at most 253 of letters, digits, \`-\`, \`_\`, \`.\`; not \`.\` or \`..\`); the API server rejects it.`,
            at(key),
          ),
        );
      }
      if (typeof value !== 'string') {
        findings.push(
          finding(
            'blocker',
            'non-string-value',
            `ConfigMap ${ref}: \`${key}\` is ${describe(value)}, not a string; the API server rejects it. Quote it: \`${key}: "${shown(value)}"\`.`,
            at(key),
          ),
        );
      }
      const text = stringValue(value);
      if (field === 'binaryData' && typeof value === 'string' && !isStrictBase64(text)) {
        findings.push(
          finding(
            'blocker',
            'non-string-value',
            `ConfigMap ${ref}: \`binaryData.${key}\` is not valid base64 (padded, no spaces); the API server rejects it. Put text under \`data\`.`,
            at(key),
          ),
        );
      }
      if (field === 'binaryData' && Object.hasOwn(data, key)) {
        findings.push(
          finding(
            'blocker',
            'invalid-key',
            `ConfigMap ${ref}: key \`${key}\` is in both \`data\` and \`binaryData\`; the API server rejects a key in both.`,
            at(key),
          ),
        );
      }
      target[key] = text;
      bytes += key.length + Buffer.byteLength(text);
    }
  }
  immutableFinding(object, `ConfigMap ${ref}`, findings);
  if (bytes > maxConfigMapBytes) {
    findings.push(
      finding(
        'blocker',
        'configmap-too-large',
        `ConfigMap ${ref} holds ${bytes} bytes; the API server rejects more than ${maxConfigMapBytes} (1 MiB). Split it or mount the data another way.`,
        object.source,
      ),
    );
  }
  return {
    kind: 'ConfigMap',
    ref,
    namespace: object.namespace!,
    name: object.name,
    data,
    binaryData,
    immutable: object.body['immutable'] === true,
    source: object.source,
  };
}

/**
 * Every Secret among the objects, when Secrets are config sources. Values are kept as base64 of their bytes
 * (`stringData` encoded and laid over `data`, as the API server does) so equal bytes compare equal; findings
 * never quote a value.
 */
export function collectSecrets(objects: readonly ManifestObject[]): CollectedConfigMaps {
  const byRef = new Map<string, ConfigMapSnapshot>();
  const findings: Finding[] = [];
  for (const object of objects) {
    if (object.kind !== 'Secret' || object.namespace === null) continue;
    const ref = secretRef(object.namespace, object.name);
    const shown = `${object.namespace}/${object.name}`;
    const data = keyRecord<string>();
    let bytes = 0;
    for (const field of ['data', 'stringData'] as const) {
      for (const [key, value] of entriesOf(object, field, `Secret ${shown}`, findings)) {
        const at = { file: object.source.file, line: object.lineOfKey(key) };
        if (!isValidConfigMapKey(key)) {
          findings.push(
            finding(
              'blocker',
              'invalid-key',
              `Secret ${shown}: key \`${key}\` is not a valid key; the API server rejects it.`,
              at,
            ),
          );
        }
        if (typeof value !== 'string') {
          findings.push(
            finding(
              'blocker',
              'non-string-value',
              `Secret ${shown}: the value of \`${key}\` is not a string (quote it); the API server rejects it.`,
              at,
            ),
          );
        }
        const text =
          typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
        if (field === 'data' && !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text)) {
          findings.push(
            finding(
              'blocker',
              'non-string-value',
              `Secret ${shown}: \`data.${key}\` is not valid base64.`,
              at,
            ),
          );
        }
        const encoded =
          field === 'data'
            ? Buffer.from(text, 'base64').toString('base64')
            : Buffer.from(text, 'utf8').toString('base64');
        data[key] = encoded;
        bytes += key.length + Buffer.from(encoded, 'base64').length;
      }
    }
    immutableFinding(object, `Secret ${shown}`, findings);
    if (bytes > maxConfigMapBytes) {
      findings.push(
        finding(
          'blocker',
          'configmap-too-large',
          `Secret ${shown} holds ${bytes} bytes; the API server rejects more than 1 MiB.`,
          object.source,
        ),
      );
    }
    byRef.set(ref, {
      kind: 'Secret',
      ref,
      namespace: object.namespace,
      name: object.name,
      data,
      binaryData: {},
      immutable: object.body['immutable'] === true,
      source: object.source,
    });
  }
  return { byRef, findings };
}

/** The key/value pairs of one data field; a field that is not a mapping is a blocker, and yields nothing. */
function entriesOf(
  object: ManifestObject,
  field: string,
  label: string,
  findings: Finding[],
): [string, unknown][] {
  const raw = object.body[field];
  if (raw === undefined || raw === null) return [];
  if (isPlainObject(raw)) return Object.entries(raw);
  findings.push(
    finding(
      'blocker',
      'non-string-value',
      `${label}: \`${field}\` must be a mapping of keys to strings.`,
      object.source,
    ),
  );
  return [];
}

/**
 * base64 as the API server decodes binaryData (Go's standard encoding: padded; line breaks are skipped, any
 * other character is an error).
 */
function isStrictBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text.replace(/[\r\n]/g, ''));
}

/** `immutable` is a boolean field: anything else (`"yes"` in quotes, a number) makes the API refuse the object. */
function immutableFinding(object: ManifestObject, label: string, findings: Finding[]): void {
  const immutable = object.body['immutable'];
  if (immutable === undefined || immutable === null || typeof immutable === 'boolean') return;
  findings.push(
    finding(
      'blocker',
      'non-string-value',
      `${label}: \`immutable\` is ${describe(immutable)}, not a boolean; the API server rejects it. Write \`immutable: true\` or \`false\`, unquoted.`,
      object.source,
    ),
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null (an empty value in YAML)';
  if (typeof value === 'boolean')
    return `the boolean ${value} (YAML reads unquoted true/false/yes/no/on/off so)`;
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value === 'object' ? 'mapping' : typeof value}`;
}

function shown(value: unknown): string {
  return value === null || typeof value === 'object' ? '...' : String(value);
}

function stringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function sameContent(a: ConfigMapSnapshot, b: ConfigMapSnapshot): boolean {
  return sameRecord(a.data, b.data) && sameRecord(a.binaryData, b.binaryData);
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function where(at: SourceLocation | null): string {
  return at ? `${at.file}:${at.line}` : 'the cluster';
}
