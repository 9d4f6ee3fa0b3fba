import { isMap, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode, type Tags } from 'yaml';
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
  /** Line of each key under `data` / `binaryData` (ConfigMaps and Secrets), for findings on one key. */
  keyLines: Record<string, number>;
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

export function parseManifests(files: readonly ManifestFile[], options: ParseOptions): ParsedManifests {
  const result: ParsedManifests = { objects: [], notes: [], errors: [] };
  for (const file of files) parseFile(file, options, result);
  return result;
}

function parseFile(file: ManifestFile, options: ParseOptions, out: ParsedManifests): void {
  const text = file.text.charCodeAt(0) === 0xfeff ? file.text.slice(1) : file.text;
  const lineCounter = new LineCounter();
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const looksTemplated = text.includes('{{');
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter, version: '1.1', customTags: withoutTimestamps });
  } catch (error) {
    out.errors.push({ file: file.path, line: 1, column: 1, message: errorText(error) });
    return;
  }
  // parseAllDocuments returns an EmptyStream (not an array) for a file without documents.
  if (!Array.isArray(docs)) return;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const [line, column] = first.linePos?.[0] ? [first.linePos[0].line, first.linePos[0].col] : [1, 1];
      if (looksTemplated) {
        out.notes.push(templateNote(file.path, line));
        return;
      }
      out.errors.push({ file: file.path, line, column, message: firstLine(first.message) });
      continue;
    }
    const root = doc.contents as YamlNode | null;
    if (root === null) continue;
    const docLine = root.range ? lineOf(root.range[0]) : 1;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (error) {
      out.errors.push({ file: file.path, line: docLine, column: 1, message: errorText(error) });
      continue;
    }
    if (value === null || value === undefined) continue;
    const before = out.notes.length;
    collectObject(value, root, { file: file.path, line: docLine }, lineOf, options, out);
    if (looksTemplated && out.notes.length > before) {
      out.notes.splice(before, out.notes.length - before, templateNote(file.path, docLine));
    }
  }
}

function collectObject(
  value: unknown,
  node: YamlNode,
  at: SourceLocation,
  lineOf: (offset: number) => number,
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
    const itemNodes = isMap(node) ? node.get('items', true) : undefined;
    items.forEach((item, i) => {
      const itemNode = isSeq(itemNodes) ? (itemNodes.items[i] as YamlNode | undefined) : undefined;
      const itemAt = itemNode?.range ? { file: at.file, line: lineOf(itemNode.range[0]) } : at;
      collectObject(item, itemNode ?? node, itemAt, lineOf, options, out);
    });
    return;
  }
  const metadata = value['metadata'];
  const name = isPlainObject(metadata) ? metadata['name'] : undefined;
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
  out.objects.push({
    apiVersion,
    kind,
    name,
    namespace,
    body: value as KubeObject,
    source: at,
    keyLines: dataKeyLines(kind, node, lineOf),
  });
}

function dataKeyLines(
  kind: string,
  node: YamlNode,
  lineOf: (offset: number) => number,
): Record<string, number> {
  const lines: Record<string, number> = {};
  if ((kind !== 'ConfigMap' && kind !== 'Secret') || !isMap(node)) return lines;
  for (const field of ['data', 'binaryData', 'stringData']) {
    const map = node.get(field, true);
    if (!isMap(map)) continue;
    for (const pair of map.items) {
      const key = pair.key as YamlNode & { value?: unknown };
      if (key?.range && key.value !== undefined) lines[String(key.value)] = lineOf(key.range[0]);
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
  return firstLine(error instanceof Error ? error.message : String(error));
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how workloads are named everywhere. */
export function objectId(kind: string, namespace: string | null, name: string): string {
  return namespace === null ? `${kind}/${name}` : `${kind}/${namespace}/${name}`;
}
