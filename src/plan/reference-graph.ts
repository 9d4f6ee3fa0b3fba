import { configMapRef } from './configmaps.js';
import { findReferences, workloadsOf, type ConfigMapReference } from './consumers.js';
import type { ManifestObject } from './manifests.js';

export interface DefinedConfigMap {
  namespace: string;
  name: string;
  immutable: boolean;
  file: string;
  line: number;
}

/** Who reads which ConfigMap: the `refs` command's output. */
export interface ReferenceGraph {
  configMaps: DefinedConfigMap[];
  references: ConfigMapReference[];
  /** Referenced but defined in none of the manifests (made by hand, by an operator, or missing). */
  undefinedReferenced: string[];
  /** Defined but read by no workload in the manifests. */
  unconsumed: string[];
}

export function buildReferenceGraph(objects: readonly ManifestObject[]): ReferenceGraph {
  const configMaps = new Map<string, DefinedConfigMap>();
  for (const o of objects) {
    if (o.kind !== 'ConfigMap' || o.namespace === null) continue;
    configMaps.set(configMapRef(o.namespace, o.name), {
      namespace: o.namespace,
      name: o.name,
      immutable: o.body['immutable'] === true,
      file: o.source.file,
      line: o.source.line,
    });
  }
  // Every definition of a workload counts (examples often reuse one name); identical ones only once.
  const unique = new Map<string, ConfigMapReference>();
  for (const r of workloadsOf(objects).flatMap((w) => findReferences(w))) unique.set(JSON.stringify(r), r);
  const references = [...unique.values()];
  const referenced = new Set(references.map((r) => r.configMap));
  return {
    configMaps: [...configMaps.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, c]) => c),
    references,
    undefinedReferenced: [...referenced].filter((r) => !configMaps.has(r)).sort(),
    unconsumed: [...configMaps.keys()].filter((r) => !referenced.has(r)).sort(),
  };
}
