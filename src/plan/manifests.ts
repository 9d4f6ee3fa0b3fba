import jsYaml from 'js-yaml';
import { isMap, isSeq, Lexer, LineCounter, parseAllDocuments, type Node as YamlNode, type Tags } from 'yaml';
import { finding, type Finding, type SourceLocation } from './findings.js';

/** A manifest file as read by an adapter: the path is kept as given so reports point at it. */
export interface ManifestFile {
  path: string;
  text: string;
}

/** Plain JSON-like value of a parsed Kubernetes object. */
export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

/** One Kubernetes object found in the manifests, with where it was written. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** null for cluster-scoped kinds. */
  namespace: string | null;
  body: KubeObject;
  source: SourceLocation;
  /** Line of a key under `data` / `binaryData` / `stringData` (ConfigMaps, Secrets), for findings on one key. */
  lineOfKey(key: string): number;
}

/** A file that can't be read as YAML: the CLI exits 2 on these, naming file, line and column. */
export interface ManifestError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedManifests {
  objects: ManifestObject[];
  /** Documents skipped on purpose (kustomization.yaml, templates, non-objects), as info findings. */
  notes: Finding[];
  errors: ManifestError[];
}

export interface ParseOptions {
  /** Namespace for namespaced objects that set none (kubectl's `-n`). */
  defaultNamespace: string;
  /** Read every document with the exact (slower) parser; tests compare both paths with it. */
  exact?: boolean;
}

/** Kinds that have no namespace. Unknown kinds (custom resources) are taken as namespaced, as most are. */
const clusterScopedKinds = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  // Common cluster-scoped custom resources (Calico, cert-manager).
  'ClusterIssuer',
  'FelixConfiguration',
  'GlobalNetworkPolicy',
  'GlobalNetworkSet',
  'IPPool',
  'BGPConfiguration',
  'ClusterInformation',
  'KubeControllersConfiguration',
]);

export function isClusterScoped(kind: string): boolean {
  return clusterScopedKinds.has(kind);
}

/**
 * Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml), where `yes`/`on` are booleans: parse the same
 * way so a value we call a string is one the API server takes as a string. Timestamps stay strings, as
 * they do when Go decodes into a string field.
 */
const withoutTimestamps = (tags: Tags): Tags =>
  tags.filter((t) => typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:timestamp');

/** Alias expansion beyond this is a resource-exhaustion attack (billion laughs), not a manifest. */
const maxAliasCount = 100;

/**
 * Anchors per document beyond this are refused before parsing: the YAML library's cost grows with the square
 * of the anchor count (20,000 anchors take seconds), and real manifests use a handful.
 */
const maxAnchorCount = 1000;

/**
 * Flow collections (`[`, `{`) nested deeper than this are refused before parsing: the parser builds every
 * level before it runs out of stack, hundreds of MB for a 200 KB file of brackets.
 */
const maxFlowDepth = 256;

/**
 * What each distinct file text parsed to, shared by the two sides of a change: they hold the same text in all
 * but a few files, and each text is parsed once. Use one cache with one set of options.
 */
export class ManifestParseCache {
  private readonly byText = new Map<string, { path: string; parsed: ParsedManifests }>();

  parse(file: ManifestFile, options: ParseOptions): ParsedManifests {
    const hit = this.byText.get(file.text);
    if (hit) return hit.path === file.path ? hit.parsed : atPath(hit.parsed, file.path);
    const parsed: ParsedManifests = { objects: [], notes: [], errors: [] };
    parseFile(file, options, parsed);
    this.byText.set(file.text, { path: file.path, parsed });
    return parsed;
  }
}

/** The same objects and findings as read from another file with the same text. */
function atPath(parsed: ParsedManifests, file: string): ParsedManifests {
  return {
    objects: parsed.objects.map((o) => ({ ...o, source: { ...o.source, file } })),
    notes: parsed.notes.map((n) => ({ ...n, file })),
    errors: parsed.errors.map((e) => ({ ...e, file })),
  };
}

export function parseManifests(
  files: readonly ManifestFile[],
  options: ParseOptions,
  cache?: ManifestParseCache,
): ParsedManifests {
  const result: ParsedManifests = { objects: [], notes: [], errors: [] };
  for (const file of files) {
    if (!cache) {
      parseFile(file, options, result);
      continue;
    }
    const parsed = cache.parse(file, options);
    result.objects.push(...parsed.objects);
    result.notes.push(...parsed.notes);
    result.errors.push(...parsed.errors);
  }
  return result;
}

/**
 * Kubernetes' YAML 1.1 booleans (go-yaml v2): true/y/yes/on and false/n/no/off, in their common cases.
 * js-yaml's core schema reads y/yes/on as strings; this type replaces its bool type (same tag) so the fast
 * path agrees with the exact one.
 */
const yaml11True = /^(?:true|True|TRUE|y|Y|yes|Yes|YES|on|On|ON)$/;
const yaml11False = /^(?:false|False|FALSE|n|N|no|No|NO|off|Off|OFF)$/;
const yaml11Bool = new jsYaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (yaml11True.test(data) || yaml11False.test(data)),
  construct: (data: string) => yaml11True.test(data),
});
// Merge keys (`<<: *base`) need an anchor, and documents with anchors take the exact path.
const fastSchema = jsYaml.CORE_SCHEMA.extend({ implicit: [yaml11Bool] });

/** One `---`-separated document of a file: its text and the 1-based line where it starts. */
interface Chunk {
  text: string;
  firstLine: number;
}

/**
 * Split a YAML stream at document markers. A line starting with `---` or `...` followed by a space or the
 * line end is a marker wherever it stands (YAML forbids such lines inside content), so this is exact.
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r]|$)/gm;
  let start = 0;
  let startLine = 1;
  let line = 1;
  let lastIndex = 0;
  for (const m of text.matchAll(marker)) {
    line += countLines(text, lastIndex, m.index);
    lastIndex = m.index;
    if (m.index > start) chunks.push({ text: text.slice(start, m.index), firstLine: startLine });
    if (m[0] === '...') {
      // A document end: what follows the marker on its line is not content.
      const eol = text.indexOf('\n', m.index);
      start = eol === -1 ? text.length : eol + 1;
      startLine = line + 1;
    } else {
      start = m.index;
      startLine = line;
    }
  }
  if (start < text.length) chunks.push({ text: text.slice(start), firstLine: startLine });
  return chunks;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function parseFile(file: ManifestFile, options: ParseOptions, out: ParsedManifests): void {
  const text = file.text.charCodeAt(0) === 0xfeff ? file.text.slice(1) : file.text;
  const looksTemplated = text.includes('{{');
  for (const chunk of splitDocuments(text)) {
    if (!options.exact && parseChunkFast(file.path, chunk, looksTemplated, options, out)) continue;
    if (!parseChunkExact(file.path, chunk, looksTemplated, options, out)) return;
  }
}

/**
 * js-yaml's loader state as its `listener` option hands it over, with the anchors it has read (not in its
 * types). js-yaml links an alias to its anchor's value rather than copying it, so reading first and asking
 * afterwards costs nothing even on an alias bomb.
 */
type LoaderState = jsYaml.State & { anchorMap?: Record<string, unknown> };

/**
 * Read a document with js-yaml; undefined when it holds an anchor (aliases and merge keys need one), which the
 * exact parser reads with bounded alias expansion. A `&` in the text is mostly `&&` in a script or a CEL rule,
 * so the loader, not a pattern, says whether there is an anchor.
 */
function loadFast(text: string): { value: unknown } | undefined {
  if (!text.includes('&')) return { value: jsYaml.load(text, { schema: fastSchema, json: false }) };
  let state: LoaderState | undefined;
  const value = jsYaml.load(text, {
    schema: fastSchema,
    json: false,
    listener: (_event, s) => {
      state ??= s;
    },
  });
  const anchors = state?.anchorMap;
  return anchors && Object.keys(anchors).length > 0 ? undefined : { value };
}

/**
 * The fast path: js-yaml reads the document, and lines are found by scanning its text only when a list
 * item or a key needs one. Anything unusual (an error, a flow-style list) returns false for the exact path.
 */
function parseChunkFast(
  path: string,
  chunk: Chunk,
  templated: boolean,
  options: ParseOptions,
  out: ParsedManifests,
): boolean {
  let value: unknown;
  try {
    const loaded = loadFast(chunk.text);
    if (!loaded) return false;
    value = loaded.value;
  } catch {
    return false;
  }
  if (value === null || value === undefined) return true;
  const lines = chunk.text.split('\n');
  const first = lines.findIndex(
    (l) => !/^\s*(?:#.*)?$/.test(l) && !/^---\s*(?:#.*)?$/.test(l) && !l.startsWith('%'),
  );
  const at = { file: path, line: chunk.firstLine + Math.max(0, first) };
  const items = isPlainObject(value) && Array.isArray(value['items']) ? value['items'] : undefined;
  let itemStarts: number[] | undefined;
  if (items && isPlainObject(value) && isListKind(value)) {
    // The lines of a List's items are found at the top level only: a List inside a List takes the exact path.
    if (items.some((item) => isPlainObject(item) && isListKind(item))) return false;
    itemStarts = listItemLines(lines);
    if (itemStarts.length !== items.length) return false;
  }
  // A data key is looked up within its own object (lines `from` to `to`): the document, or one List item.
  const within = (from: number, to: number): Locator => ({
    itemAt: (i) => (itemStarts ? { file: path, line: chunk.firstLine + itemStarts[i]! } : at),
    item: (i) => (itemStarts ? within(itemStarts[i]!, itemStarts[i + 1] ?? to) : within(from, to)),
    lineOfKey: () => {
      const fields = dataFieldsLine(lines, from, to);
      return (key) => chunk.firstLine + keyLineIn(lines, key, fields, from, to);
    },
  });
  collect(value, within(at.line - chunk.firstLine, lines.length), at, templated, options, out);
  return true;
}

/** Lines (0-based within the chunk) where the items of a top-level block-style `items:` list start. */
function listItemLines(lines: readonly string[]): number[] {
  const start = lines.findIndex((l) => /^items:\s*(?:#.*)?$/.test(l));
  if (start === -1) return [];
  const found: number[] = [];
  let indent: number | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S/.test(line) && !line.startsWith('-')) break;
    const m = /^(\s*)- /.exec(line) ?? /^(\s*)-$/.exec(line);
    if (!m) continue;
    indent ??= m[1]!.length;
    if (m[1]!.length === indent) found.push(i);
  }
  return found;
}

/**
 * The line (0-based within the chunk) where the object on lines `objectLine` to `end` starts its data fields, or
 * `objectLine` when it has none: a key is searched from there, so a label of the same name is not taken.
 */
function dataFieldsLine(lines: readonly string[], objectLine: number, end: number): number {
  // The object's own fields stand at the indentation of its first line's content (past a List item's `- `).
  const indent = /^\s*(?:-\s+)?/.exec(lines[objectLine] ?? '')![0].length;
  for (let i = objectLine; i < end; i++) {
    const line = lines[i]!;
    const own = i === objectLine || line.slice(0, indent).trim() === '';
    if (own && /^(?:data|binaryData|stringData)\s*:/.test(line.slice(indent))) return i;
  }
  return objectLine;
}

/**
 * The line (0-based within the chunk) of a data key `key:`, searched from `from` (its object's data fields) to
 * `end`, or `objectLine` when it can't be told.
 */
function keyLineIn(
  lines: readonly string[],
  key: string,
  from: number,
  objectLine: number,
  end: number,
): number {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\s*(?:-\\s+)?(?:"${escaped}"|'${escaped}'|${escaped})\\s*:`);
  for (let i = from; i < end; i++) if (pattern.test(lines[i]!)) return i;
  const inline = new RegExp(`[{,\\s](?:"${escaped}"|'${escaped}'|${escaped})\\s*:`);
  for (let i = from; i < end; i++) if (inline.test(lines[i]!)) return i;
  return objectLine;
}

/** The exact path: the `yaml` library's AST, with precise errors and bounded alias expansion. */
function parseChunkExact(
  path: string,
  chunk: Chunk,
  templated: boolean,
  options: ParseOptions,
  out: ParsedManifests,
): boolean {
  const lineCounter = new LineCounter();
  const offsetLine = chunk.firstLine - 1;
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line + offsetLine;
  const { anchors, flowDepth } = scanTokens(chunk.text);
  const refused =
    anchors > maxAnchorCount
      ? `${anchors} YAML anchors (&name) in one document; at most ${maxAnchorCount} are read (anchor-heavy YAML is a resource-exhaustion risk, not a manifest)`
      : flowDepth > maxFlowDepth
        ? `lists or mappings nested ${flowDepth} levels deep; at most ${maxFlowDepth} are read`
        : undefined;
  if (refused) {
    out.errors.push({ file: path, line: chunk.firstLine, column: 1, message: refused });
    return true;
  }
  let docs;
  try {
    docs = parseAllDocuments(chunk.text, { lineCounter, version: '1.1', customTags: withoutTimestamps });
  } catch (error) {
    out.errors.push({ file: path, line: chunk.firstLine, column: 1, message: errorText(error) });
    return true;
  }
  if (!Array.isArray(docs)) return true;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const [line, column] = first.linePos?.[0]
        ? [first.linePos[0].line + offsetLine, first.linePos[0].col]
        : [chunk.firstLine, 1];
      if (templated) {
        out.notes.push(templateNote(path, line));
        return false;
      }
      out.errors.push({ file: path, line, column, message: errorText(new Error(first.message)) });
      continue;
    }
    const root = doc.contents as YamlNode | null;
    if (root === null) continue;
    const at = { file: path, line: root.range ? lineOf(root.range[0]) : chunk.firstLine };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (error) {
      const where = aliasPosition(chunk.text, errorText(error));
      const line = where === undefined ? at.line : lineOf(where);
      const column = where === undefined ? 1 : lineCounter.linePos(where).col;
      out.errors.push({ file: path, line, column, message: errorText(error) });
      continue;
    }
    if (value === null || value === undefined) continue;
    collect(value, nodeLocator(path, root, lineOf), at, templated, options, out);
  }
  return true;
}

/** Where the parts of one parsed value were written. */
interface Locator {
  itemAt(index: number): SourceLocation;
  item(index: number): Locator;
  lineOfKey(): (key: string) => number;
}

function nodeLocator(path: string, node: YamlNode, lineOf: (offset: number) => number): Locator {
  const items = isMap(node) ? node.get('items', true) : undefined;
  const itemNode = (i: number) => (isSeq(items) ? (items.items[i] as YamlNode | undefined) : undefined);
  return {
    itemAt: (i) => {
      const n = itemNode(i);
      return { file: path, line: n?.range ? lineOf(n.range[0]) : node.range ? lineOf(node.range[0]) : 1 };
    },
    item: (i) => nodeLocator(path, itemNode(i) ?? node, lineOf),
    lineOfKey: () => {
      const lines = dataKeyLines(node, lineOf);
      const fallback = node.range ? lineOf(node.range[0]) : 1;
      return (key) => lines[key] ?? fallback;
    },
  };
}

function isListKind(value: Record<string, unknown>): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && (kind === 'List' || kind.endsWith('List'));
}

function collect(
  value: unknown,
  locate: Locator,
  at: SourceLocation,
  templated: boolean,
  options: ParseOptions,
  out: ParsedManifests,
): void {
  const before = out.notes.length;
  const errorsBefore = out.errors.length;
  collectObject(value, locate, at, options, out);
  // In a file with `{{ }}`, an object that doesn't hold together (a templated name) is a template, not an error.
  if (templated && (out.notes.length > before || out.errors.length > errorsBefore)) {
    out.errors.splice(errorsBefore);
    out.notes.splice(before, out.notes.length - before, templateNote(at.file, at.line));
  }
}

function collectObject(
  value: unknown,
  locate: Locator,
  at: SourceLocation,
  options: ParseOptions,
  out: ParsedManifests,
): void {
  if (!isPlainObject(value)) {
    out.notes.push(skipped(at, 'a document that is not a mapping'));
    return;
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
    out.notes.push(skipped(at, 'a document without apiVersion and kind, so not a Kubernetes object'));
    return;
  }
  if (apiVersion.startsWith('kustomize.config.k8s.io/')) {
    out.notes.push(skipped(at, `a kustomize ${kind}: it configures a build and is no cluster object`));
    return;
  }
  // `kind: List` and typed lists such as ConfigMapList carry their objects in `items`.
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(value['items']))) {
    const items = value['items'];
    if (!Array.isArray(items)) {
      out.notes.push(skipped(at, `a ${kind} without items`));
      return;
    }
    items.forEach((item, i) => collectObject(item, locate.item(i), locate.itemAt(i), options, out));
    return;
  }
  const metadata = value['metadata'];
  const name = isPlainObject(metadata) ? metadata['name'] : undefined;
  const invalid = invalidIdentity(kind, apiVersion, metadata);
  if (invalid) {
    out.errors.push({ file: at.file, line: at.line, column: 1, message: invalid });
    return;
  }
  if (!isPlainObject(metadata) || typeof name !== 'string' || name === '') {
    const why = isPlainObject(metadata) && 'generateName' in metadata ? ' (generateName is not planned)' : '';
    out.notes.push(skipped(at, `a ${kind} without metadata.name${why}`));
    return;
  }
  const declared = metadata['namespace'];
  const namespace = isClusterScoped(kind)
    ? null
    : typeof declared === 'string' && declared !== ''
      ? declared
      : options.defaultNamespace;
  const carriesData = kind === 'ConfigMap' || kind === 'Secret';
  out.objects.push({
    apiVersion,
    kind,
    name,
    namespace,
    body: value as KubeObject,
    source: at,
    lineOfKey: carriesData ? lazy(locate.lineOfKey) : () => at.line,
  });
}

/** Kinds whose names this tool writes or reads (ConfigMaps, Secrets, workloads): names must be DNS subdomains. */
const checkedNameKinds = new Set([
  'ConfigMap',
  'Secret',
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * What makes the API server refuse an object outright that this tool would otherwise plan as if it were
 * fine: a ConfigMap or Secret not in `v1`, a name or namespace Kubernetes doesn't accept
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). Undefined when it's fine.
 */
function invalidIdentity(kind: string, apiVersion: string, metadata: unknown): string | undefined {
  if ((kind === 'ConfigMap' || kind === 'Secret') && apiVersion !== 'v1')
    return `a ${kind} has apiVersion v1, not \`${apiVersion}\`; the API server serves no ${kind} in ${apiVersion}.`;
  if (!isPlainObject(metadata)) return undefined;
  const name = metadata['name'];
  if (checkedNameKinds.has(kind) && name !== undefined && name !== null && name !== '') {
    if (typeof name !== 'string')
      return `${kind} metadata.name must be a string, not ${describeType(name)}; quote it.`;
    if (name.length > 253 || !dnsSubdomain.test(name))
      return `${kind} name \`${name}\` is not a valid Kubernetes name (at most 253 lowercase letters, digits, \`-\` and \`.\`, starting and ending with a letter or digit); the API server rejects it.`;
  }
  const namespace = metadata['namespace'];
  if (!isClusterScoped(kind) && namespace !== undefined && namespace !== null && namespace !== '') {
    if (typeof namespace !== 'string')
      return `${kind} metadata.namespace must be a string, not ${describeType(namespace)}.`;
    if (namespace.length > 63 || !dnsLabel.test(namespace))
      return `${kind} namespace \`${namespace}\` is not a valid namespace name (at most 63 lowercase letters, digits and \`-\`, starting and ending with a letter or digit); the API server rejects it.`;
  }
  return undefined;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${String(value).slice(0, 40)}`;
}

/** Compute a line lookup on first use: most objects never need one. */
function lazy(make: () => (key: string) => number): (key: string) => number {
  let lookup: ((key: string) => number) | undefined;
  return (key) => (lookup ??= make())(key);
}

function dataKeyLines(node: YamlNode, lineOf: (offset: number) => number): Record<string, number> {
  // No prototype: a key named `__proto__` is a key. A key in two fields is where it is first written, as the
  // fast path finds it.
  const lines: Record<string, number> = Object.create(null) as Record<string, number>;
  if (!isMap(node)) return lines;
  for (const field of ['data', 'binaryData', 'stringData']) {
    const map = node.get(field, true);
    if (!isMap(map)) continue;
    for (const pair of map.items) {
      const key = pair.key as YamlNode & { value?: unknown };
      if (key?.range && key.value !== undefined) lines[String(key.value)] ??= lineOf(key.range[0]);
    }
  }
  return lines;
}

function skipped(at: SourceLocation, what: string): Finding {
  return finding('info', 'skipped-document', `Skipped ${what}.`, at);
}

function templateNote(file: string, line: number): Finding {
  return finding(
    'info',
    'skipped-document',
    'Skipped a template (`{{ }}` is Helm/Go template syntax, not YAML): render it first, e.g. `helm template`, and plan the output.',
    { file, line },
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first line of a parser message, without the position it repeats (we give file:line:column). */
function firstLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

function errorText(error: unknown): string {
  // The parser recurses per nesting level: a hostile file nested thousands deep exhausts the stack.
  if (error instanceof Error && /maximum call stack/i.test(error.message))
    return 'nested too deeply to read (thousands of levels of lists or mappings)';
  return firstLine(error instanceof Error ? error.message : String(error));
}

/** Where the alias an "Unresolved alias …: name" error is about stands in the text (the parser doesn't say). */
function aliasPosition(text: string, message: string): number | undefined {
  const name = /^Unresolved alias.*: (\S+)$/.exec(message)?.[1];
  if (!name) return undefined;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\*${escaped}(?![^\\s,\\]}])`).exec(text)?.index;
}

/**
 * Anchors (`&name`) and the deepest nesting of flow collections in a YAML text, by its tokens (`&&` or `[` in
 * a string is text, not YAML). The lexer is linear and keeps no tree, so this is safe on hostile input.
 */
function scanTokens(text: string): { anchors: number; flowDepth: number } {
  let anchors = 0;
  let depth = 0;
  let flowDepth = 0;
  if (!/[&[{]/.test(text)) return { anchors, flowDepth };
  for (const token of new Lexer().lex(text)) {
    if (token.startsWith('&')) anchors++;
    else if (token === '[' || token === '{') flowDepth = Math.max(flowDepth, ++depth);
    else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
  }
  return { anchors, flowDepth };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how workloads are named everywhere. */
export function objectId(kind: string, namespace: string | null, name: string): string {
  return namespace === null ? `${kind}/${name}` : `${kind}/${namespace}/${name}`;
}
