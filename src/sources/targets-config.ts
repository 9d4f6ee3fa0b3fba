import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type YAMLMap,
} from 'yaml';
import { InputError } from './input-error.js';

/** The config file looked for at the repository root when no `--config` is given. */
export const defaultConfigFile = 'config-rollout.yaml';

/**
 * One app or environment of a repository, planned on its own: a plain, kustomize or helm source (what
 * `manifests` names decides which, as for `--manifests`), with its namespace, values and cluster context.
 */
export interface Target {
  name: string;
  /** Files, folders or globs; a kustomization or chart folder is rendered. Repository-relative. */
  manifests: string[];
  /** Namespace for objects that set none, and a Helm release's. */
  namespace: string;
  /** The kubeconfig context to plan and apply against; default the run's (`--context` or the current one). */
  context?: string;
  /** A chart's values files in order, `--set` values, release name. */
  values: string[];
  set: string[];
  release?: string;
  /** Let a kustomization inflate its helmCharts. */
  enableHelm: boolean;
  /** Where the config file defines it. */
  line: number;
}

export interface TargetsConfig {
  /** The config file's path as given (for messages). */
  file: string;
  targets: Target[];
}

/** The config file to read: the one given, else config-rollout.yaml at `cwd` when there is one. */
export function findTargetsConfig(cwd: string, given?: string): string | undefined {
  if (given !== undefined) return given;
  return isFileIn(cwd, defaultConfigFile) ? defaultConfigFile : undefined;
}

/**
 * Whether `dir` holds the file `name`. A function of its own: the bundler copies files a literal path names
 * into the bundle, and a literal name resolved against the working folder would match any such file in this
 * repository (the examples).
 */
function isFileIn(dir: string, name: string): boolean {
  return existsSync(resolve(dir, name));
}

export function readTargetsConfig(file: string, cwd: string): TargetsConfig {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new InputError(`${file}: cannot read the config file (${e.code ?? e.message}).`);
  }
  return parseTargetsConfig(text, file);
}

const targetFields = new Set([
  'name',
  'manifests',
  'namespace',
  'context',
  'values',
  'set',
  'release',
  'enableHelm',
]);
const targetName = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Read a config file's targets, refusing anything it doesn't understand with the file and line: a typo in a
 * field name must not silently plan the wrong thing.
 *
 * ```yaml
 * targets:
 *   - name: production
 *     manifests: deploy/overlays/production
 *     namespace: shop
 *     context: prod-eu
 * ```
 */
export function parseTargetsConfig(text: string, file: string): TargetsConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  const lineOf = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? counter.linePos(range[0]).line : 1;
  };
  const fail = (node: unknown, message: string): never => {
    throw new InputError(`${file}:${lineOf(node)}: ${message}`);
  };
  const [syntax] = doc.errors;
  if (syntax) {
    const line = syntax.linePos?.[0].line ?? 1;
    throw new InputError(`${file}:${line}: not valid YAML: ${syntax.message.split('\n')[0]}`);
  }
  if (!isMap(doc.contents)) fail(doc.contents, 'expected a mapping with a `targets:` list.');
  const root = doc.contents as YAMLMap;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'targets') fail(pair.key, `unknown field '${key}': the file holds \`targets:\` only.`);
  }
  const list = root.get('targets', true);
  if (!isSeq(list) || list.items.length === 0)
    fail(list ?? root, '`targets:` must be a list of at least one target.');
  const targets: Target[] = [];
  const seen = new Map<string, number>();
  for (const [index, item] of (list as unknown as { items: unknown[] }).items.entries()) {
    const at = `targets[${index}]`;
    if (!isMap(item)) fail(item, `${at}: expected a mapping (name, manifests, …).`);
    const map = item as YAMLMap;
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!targetFields.has(key)) {
        fail(pair.key, `${at}: unknown field '${key}' (known: ${[...targetFields].join(', ')}).`);
      }
    }
    const string = (field: string, required: boolean): string | undefined => {
      const node = map.get(field, true) as YamlNode | undefined;
      if (node === undefined || node === null) {
        if (required) fail(map, `${at}: '${field}' is required.`);
        return undefined;
      }
      if (!isScalar(node) || typeof node.value !== 'string' || node.value === '')
        fail(node, `${at}.${field}: expected a non-empty string.`);
      return (node as { value: string }).value;
    };
    const strings = (field: string): string[] => {
      const node = map.get(field, true) as YamlNode | undefined;
      if (node === undefined || node === null) return [];
      if (isScalar(node)) return [string(field, true)!];
      if (!isSeq(node)) fail(node, `${at}.${field}: expected a string or a list of strings.`);
      return (node as { items: unknown[] }).items.map((entry) => {
        if (!isScalar(entry) || typeof entry.value !== 'string' || entry.value === '')
          fail(entry, `${at}.${field}: expected a list of non-empty strings.`);
        return (entry as { value: string }).value;
      });
    };
    const name = string('name', true)!;
    if (!targetName.test(name))
      fail(map.get('name', true), `${at}.name: '${name}' — use letters, digits, '-', '_' and '.'.`);
    const earlier = seen.get(name);
    if (earlier !== undefined)
      fail(
        map.get('name', true),
        `${at}.name: '${name}' is already the name of the target at line ${earlier}.`,
      );
    seen.set(name, lineOf(map));
    const manifests = strings('manifests');
    if (manifests.length === 0) fail(map, `${at}: 'manifests' is required (a folder, files or globs).`);
    const enableHelm = map.get('enableHelm', true) as YamlNode | undefined;
    if (enableHelm !== undefined && (!isScalar(enableHelm) || typeof enableHelm.value !== 'boolean'))
      fail(enableHelm, `${at}.enableHelm: expected true or false.`);
    const context = string('context', false);
    const release = string('release', false);
    targets.push({
      name,
      manifests,
      namespace: string('namespace', false) ?? 'default',
      ...(context !== undefined ? { context } : {}),
      values: strings('values'),
      set: strings('set'),
      ...(release !== undefined ? { release } : {}),
      enableHelm: (enableHelm as { value?: unknown } | undefined)?.value === true,
      line: lineOf(map),
    });
  }
  return { file, targets };
}
