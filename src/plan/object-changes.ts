import { deepEqual } from './decide.js';
import { finding, type Finding, type SourceLocation } from './findings.js';
import { isPlainObject, objectId, type KubeObject, type ManifestObject } from './manifests.js';
import { workloadKindOf } from './workload-kinds.js';

/**
 * When an object is written in a whole-change deploy. Namespaces and CRDs first (everything else may live in
 * them or be one of them), then ConfigMaps and Secrets (the config phase, key by key, not here), then every
 * other object, then workloads (their new pods must find all of the above).
 */
export type WritePhase = 'foundations' | 'objects' | 'workloads';

export type ObjectChangeKind = 'added' | 'modified' | 'removed';

/** One object other than a ConfigMap or Secret that differs between the two sides. */
export interface ObjectChange {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  id: string;
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  change: ObjectChangeKind;
  phase: WritePhase;
  /** Paths of the fields that differ, shortest first (`spec.template.spec.containers[api].image`). */
  fields: string[];
  base: KubeObject | null;
  head: KubeObject | null;
  /** Where the head defines it (the base, for a removed object). */
  source: SourceLocation | null;
}

/** Kinds handled by the config phase, key by key, and never as whole objects. */
const configKinds = new Set(['ConfigMap', 'Secret']);

/** Kinds that must exist before anything that lives in them or is made of them. */
const foundationKinds = new Set(['Namespace', 'CustomResourceDefinition']);

export function writePhaseOf(kind: string): WritePhase {
  if (foundationKinds.has(kind)) return 'foundations';
  return workloadKindOf(kind) ? 'workloads' : 'objects';
}

const phaseOrder: Record<WritePhase, number> = { foundations: 0, objects: 1, workloads: 2 };

/**
 * The body written for a manifest object: what the manifest says, with the namespace it lands in made explicit
 * (a manifest may leave it to `-n`), and nothing the API server owns.
 */
export function desiredBody(object: Pick<ManifestObject, 'body' | 'namespace'>): KubeObject {
  const rest: Record<string, unknown> = { ...object.body };
  delete rest['status'];
  const metadata = { ...object.body.metadata };
  if (object.namespace !== null) metadata.namespace = object.namespace;
  else delete metadata.namespace;
  return { ...rest, apiVersion: object.body.apiVersion, kind: object.body.kind, metadata };
}

/** Identity across API versions: `apps/v1` and `apps/v1beta2` Deployments are the same object. */
function identityOf(o: ManifestObject): string {
  const slash = o.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
  return `${group}|${objectId(o.kind, o.namespace, o.name)}`;
}

/** The last definition of each object wins, as `kubectl apply` of the files in order would leave it. */
function byIdentity(objects: readonly ManifestObject[]): Map<string, ManifestObject> {
  const map = new Map<string, ManifestObject>();
  for (const o of objects) if (!configKinds.has(o.kind)) map.set(identityOf(o), o);
  return map;
}

/**
 * Every object other than ConfigMaps and Secrets that the change adds, modifies or removes, in write order
 * (foundations, objects, workloads; then by id).
 */
export function diffObjects(
  base: readonly ManifestObject[],
  head: readonly ManifestObject[],
): ObjectChange[] {
  const before = byIdentity(base);
  const after = byIdentity(head);
  const changes: ObjectChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const h = after.get(key);
    const either = (h ?? b)!;
    const baseBody = b ? desiredBody(b) : null;
    const headBody = h ? desiredBody(h) : null;
    if (baseBody && headBody && deepEqual(baseBody, headBody)) continue;
    changes.push({
      id: objectId(either.kind, either.namespace, either.name),
      apiVersion: either.apiVersion,
      kind: either.kind,
      namespace: either.namespace,
      name: either.name,
      change: !b ? 'added' : !h ? 'removed' : 'modified',
      phase: writePhaseOf(either.kind),
      fields: baseBody && headBody ? changedFields(baseBody, headBody) : [],
      base: baseBody,
      head: headBody,
      source: either.source,
    });
  }
  return changes.sort((a, b) => phaseOrder[a.phase] - phaseOrder[b.phase] || a.id.localeCompare(b.id));
}

/** Secrets are written only as config sources: without `secrets`, a changed Secret is said, not applied. */
export function unwrittenSecretFindings(
  base: readonly ManifestObject[],
  head: readonly ManifestObject[],
): Finding[] {
  const secrets = (objects: readonly ManifestObject[]) =>
    new Map(
      objects.filter((o) => o.kind === 'Secret').map((o) => [objectId(o.kind, o.namespace, o.name), o]),
    );
  const before = secrets(base);
  const after = secrets(head);
  const findings: Finding[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(id);
    const h = after.get(id);
    if (b && h && deepEqual(desiredBody(b), desiredBody(h))) continue;
    const what = !b ? 'is new' : !h ? 'is removed' : 'changes';
    findings.push(
      finding(
        'warning',
        'secret-not-applied',
        `${id.replace(/^Secret\//, 'Secret ')} ${what} in this change, but config-rollout writes Secrets only when they are config sources (\`secrets: true\`, CLI \`--secrets\`): turn that on, or apply it another way.`,
        (h ?? b)!.source,
      ),
    );
  }
  return findings;
}

/** How deep a changed-field path goes before it stops and names the whole subtree. */
const maxFieldDepth = 7;

/** Fields shown per object; the rest are counted. */
const maxFieldsListed = 12;

/**
 * Paths of the fields that differ, for a reviewer: lists of named items (containers, ports, env) are matched
 * by name, other lists compared whole. `metadata.resourceVersion` and the like never appear: manifests have none.
 */
export function changedFields(base: unknown, head: unknown): string[] {
  const paths: string[] = [];
  walk(base, head, '', 0, paths);
  if (paths.length <= maxFieldsListed) return paths;
  return [...paths.slice(0, maxFieldsListed), `… ${paths.length - maxFieldsListed} more`];
}

function walk(a: unknown, b: unknown, path: string, depth: number, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (depth >= maxFieldDepth) {
    out.push(path);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      walk(a[key], b[key], path ? `${path}.${key}` : key, depth + 1, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && namedItems(a) && namedItems(b)) {
    const named = (list: unknown[]) =>
      new Map(list.map((item) => [String((item as Record<string, unknown>)['name']), item]));
    const before = named(a);
    const after = named(b);
    for (const name of new Set([...before.keys(), ...after.keys()]))
      walk(before.get(name), after.get(name), `${path}[${name}]`, depth + 1, out);
    return;
  }
  out.push(path);
}

function namedItems(list: unknown[]): boolean {
  const names = list.map((item) => (isPlainObject(item) ? item['name'] : undefined));
  return names.every((n) => typeof n === 'string') && new Set(names).size === names.length;
}
