import type { SourceLocation } from './findings.js';
import { configMapRef, secretRef } from './configmaps.js';
import { isPlainObject, objectId, type KubeObject, type ManifestObject } from './manifests.js';
import { podTemplateOf, workloadKindOf, type PodTemplate, type WorkloadKind } from './workload-kinds.js';

/** A workload (any kind in the workload table) with its pod template found. */
export interface Workload {
  /** `Kind/namespace/name` */
  id: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  body: KubeObject;
  template: PodTemplate;
  /** Where the manifests define it; null when it exists only in the cluster. */
  source: SourceLocation | null;
}

export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';
export type ReferenceVia = 'env' | 'envFrom' | 'volume' | 'projected';

/** One way one container (or a pod volume) reads one ConfigMap. */
export interface ConfigMapReference {
  /** `namespace/name` of the ConfigMap. */
  configMap: string;
  /** `Kind/namespace/name` of the workload. */
  workload: string;
  /** null for a volume that no container mounts. */
  container: string | null;
  containerType: ContainerType | null;
  via: ReferenceVia;
  /** The key of an `env[].valueFrom.configMapKeyRef`; null for the ways that read several keys. */
  key: string | null;
  subPath: boolean;
  optional: boolean;
  /** The keys this reference reads; null means every key the ConfigMap has. */
  keys: string[] | null;
  /** Keys a volume's `items` list: each must exist unless the source is optional. */
  requiredKeys: string[];
  /** An init container that runs to completion reads config only when a pod starts. */
  runsOnce: boolean;
  /** envFrom prefix, for the env-var-name check. */
  envPrefix: string | null;
  /** The env var an `env[].valueFrom` reference sets. */
  envVar?: string;
  /** The pod volume a mount reference reads through, and where the container mounts it. */
  volume?: string;
  mountPath?: string;
}

export function workloadsOf(objects: readonly ManifestObject[]): Workload[] {
  const workloads: Workload[] = [];
  for (const object of objects) {
    const workload = toWorkload(object.body, object.namespace, object.source);
    if (workload) workloads.push(workload);
  }
  return workloads;
}

export function toWorkload(
  body: KubeObject,
  namespace: string | null,
  source: SourceLocation | null,
): Workload | undefined {
  const kind = workloadKindOf(body.kind);
  if (!kind || namespace === null) return undefined;
  const template = podTemplateOf(kind, body);
  if (!template) return undefined;
  const name = body.metadata.name;
  return { id: objectId(kind.kind, namespace, name), kind, namespace, name, body, template, source };
}

interface Container {
  name: string;
  type: ContainerType;
  runsOnce: boolean;
  spec: Record<string, unknown>;
}

function containersOf(podSpec: Record<string, unknown>): Container[] {
  const containers: Container[] = [];
  const add = (field: string, type: ContainerType) => {
    const list = podSpec[field];
    if (!Array.isArray(list)) return;
    for (const spec of list) {
      if (!isPlainObject(spec)) continue;
      // An init container with restartPolicy Always is a sidecar: it keeps running like a regular container.
      const runsOnce = type === 'initContainer' && spec['restartPolicy'] !== 'Always';
      containers.push({ name: String(spec['name'] ?? ''), type, runsOnce, spec });
    }
  };
  add('initContainers', 'initContainer');
  add('containers', 'container');
  add('ephemeralContainers', 'ephemeralContainer');
  return containers;
}

/** One ConfigMap (or Secret) that a pod volume projects, with the files it makes. */
interface VolumeSource {
  /** The source's ref: `namespace/name`, or `Secret/namespace/name`. */
  configMap: string;
  via: 'volume' | 'projected';
  optional: boolean;
  /** key -> file path inside the volume; null when every key becomes a file named after it. */
  items: Map<string, string> | null;
}

function volumeSourcesOf(
  podSpec: Record<string, unknown>,
  namespace: string,
  secrets: boolean,
): Map<string, VolumeSource[]> {
  const volumes = new Map<string, VolumeSource[]>();
  const list = podSpec['volumes'];
  if (!Array.isArray(list)) return volumes;
  for (const volume of list) {
    if (!isPlainObject(volume) || typeof volume['name'] !== 'string') continue;
    const sources: VolumeSource[] = [];
    if (isPlainObject(volume['configMap'])) {
      const source = toVolumeSource(volume['configMap'], 'name', configMapRef, namespace, 'volume');
      if (source) sources.push(source);
    }
    if (secrets && isPlainObject(volume['secret'])) {
      const source = toVolumeSource(volume['secret'], 'secretName', secretRef, namespace, 'volume');
      if (source) sources.push(source);
    }
    const projected = volume['projected'];
    if (isPlainObject(projected) && Array.isArray(projected['sources'])) {
      for (const entry of projected['sources']) {
        if (!isPlainObject(entry)) continue;
        const source = isPlainObject(entry['configMap'])
          ? toVolumeSource(entry['configMap'], 'name', configMapRef, namespace, 'projected')
          : secrets && isPlainObject(entry['secret'])
            ? toVolumeSource(entry['secret'], 'name', secretRef, namespace, 'projected')
            : undefined;
        if (source) sources.push(source);
      }
    }
    if (sources.length > 0) volumes.set(volume['name'], sources);
  }
  return volumes;
}

function toVolumeSource(
  spec: Record<string, unknown>,
  nameField: 'name' | 'secretName',
  refOf: (namespace: string, name: string) => string,
  namespace: string,
  via: 'volume' | 'projected',
): VolumeSource | undefined {
  const name = spec[nameField];
  if (typeof name !== 'string' || name === '') return undefined;
  let items: Map<string, string> | null = null;
  if (Array.isArray(spec['items'])) {
    items = new Map();
    for (const item of spec['items']) {
      if (isPlainObject(item) && typeof item['key'] === 'string') {
        items.set(item['key'], typeof item['path'] === 'string' ? item['path'] : item['key']);
      }
    }
  }
  return { configMap: refOf(namespace, name), via, optional: spec['optional'] === true, items };
}

/**
 * Keys of a volume source that reach a mount: all of them (or the listed items) for a whole-volume mount;
 * for a subPath mount, the key whose file is that path or lies under it (a subPathExpr is resolved per pod,
 * so it may be any of them).
 */
function keysReaching(source: VolumeSource, subPath: string | null, subPathExpr: boolean): string[] | null {
  if (subPath === null || subPathExpr) return source.items ? [...source.items.keys()] : null;
  const path = subPath.replace(/^\.\/|\/+$/g, '');
  const under = (file: string) => file === path || file.startsWith(`${path}/`) || path === '';
  if (source.items) return [...source.items].filter(([, file]) => under(file)).map(([key]) => key);
  // Without items every key is a file named after it, in the volume's root.
  return path.includes('/') ? [] : [path];
}

export interface ReferenceOptions {
  /** Count Secrets as config sources too (secretRef, secretKeyRef, secret and projected secret volumes). */
  secrets?: boolean;
}

/** Every ConfigMap reference a workload makes: per env var, per envFrom entry, per (container, mount). */
export function findReferences(workload: Workload, options: ReferenceOptions = {}): ConfigMapReference[] {
  const references: ConfigMapReference[] = [];
  const spec = workload.template.spec;
  const secrets = options.secrets === true;
  const volumes = volumeSourcesOf(spec, workload.namespace, secrets);
  const mounted = new Set<string>();
  for (const container of containersOf(spec)) {
    const base = {
      workload: workload.id,
      container: container.name,
      containerType: container.type,
      runsOnce: container.runsOnce,
    };
    const envFrom = container.spec['envFrom'];
    if (Array.isArray(envFrom)) {
      for (const entry of envFrom) {
        if (!isPlainObject(entry)) continue;
        const isSecret = secrets && isPlainObject(entry['secretRef']);
        const source = isSecret ? entry['secretRef'] : entry['configMapRef'];
        if (!isPlainObject(source) || typeof source['name'] !== 'string' || source['name'] === '') continue;
        references.push({
          ...base,
          configMap: (isSecret ? secretRef : configMapRef)(workload.namespace, source['name']),
          via: 'envFrom',
          key: null,
          subPath: false,
          optional: source['optional'] === true,
          keys: null,
          requiredKeys: [],
          envPrefix: typeof entry['prefix'] === 'string' ? entry['prefix'] : null,
        });
      }
    }
    const env = container.spec['env'];
    if (Array.isArray(env)) {
      for (const variable of env) {
        const valueFrom =
          isPlainObject(variable) && isPlainObject(variable['valueFrom']) ? variable['valueFrom'] : {};
        const isSecret = secrets && isPlainObject(valueFrom['secretKeyRef']);
        const keyRef = isSecret ? valueFrom['secretKeyRef'] : valueFrom['configMapKeyRef'];
        if (!isPlainObject(keyRef) || typeof keyRef['name'] !== 'string' || typeof keyRef['key'] !== 'string')
          continue;
        references.push({
          ...base,
          configMap: (isSecret ? secretRef : configMapRef)(workload.namespace, keyRef['name']),
          via: 'env',
          key: keyRef['key'],
          subPath: false,
          optional: keyRef['optional'] === true,
          keys: [keyRef['key']],
          requiredKeys: [keyRef['key']],
          envPrefix: null,
          ...(isPlainObject(variable) && typeof variable['name'] === 'string'
            ? { envVar: variable['name'] }
            : {}),
        });
      }
    }
    const mounts = container.spec['volumeMounts'];
    if (Array.isArray(mounts)) {
      for (const mount of mounts) {
        if (!isPlainObject(mount) || typeof mount['name'] !== 'string') continue;
        const sources = volumes.get(mount['name']);
        if (!sources) continue;
        mounted.add(mount['name']);
        const subPathExpr = typeof mount['subPathExpr'] === 'string' && mount['subPathExpr'] !== '';
        const subPath =
          typeof mount['subPath'] === 'string' && mount['subPath'] !== '' ? mount['subPath'] : null;
        for (const source of sources) {
          references.push({
            ...base,
            configMap: source.configMap,
            via: source.via,
            key: null,
            subPath: subPath !== null || subPathExpr,
            optional: source.optional,
            keys: keysReaching(source, subPath, subPathExpr),
            requiredKeys: source.items ? [...source.items.keys()] : [],
            envPrefix: null,
            volume: mount['name'],
            ...(typeof mount['mountPath'] === 'string' ? { mountPath: mount['mountPath'] } : {}),
          });
        }
      }
    }
  }
  // A volume no container mounts is still set up by the kubelet: a missing non-optional source blocks the pod.
  for (const [name, sources] of volumes) {
    if (mounted.has(name)) continue;
    for (const source of sources) {
      references.push({
        workload: workload.id,
        container: null,
        containerType: null,
        runsOnce: false,
        configMap: source.configMap,
        via: source.via,
        key: null,
        subPath: false,
        optional: source.optional,
        keys: source.items ? [...source.items.keys()] : null,
        requiredKeys: source.items ? [...source.items.keys()] : [],
        envPrefix: null,
        volume: name,
      });
    }
  }
  return references;
}
