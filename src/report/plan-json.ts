import type { Plan } from '../plan/plan.js';
import type { ReferenceGraph } from '../plan/reference-graph.js';

/** The plan as the JSON contract names it (`plan --format json`, the action's `plan` output). */
export function planToJson(plan: Plan) {
  const secrets = plan.configMaps.filter((c) => c.kind === 'Secret');
  return {
    configMaps: plan.configMaps
      .filter((c) => c.kind === 'ConfigMap')
      .map((c) => ({
        ref: c.ref,
        change: c.change,
        keys: { added: c.keys.added, removed: c.keys.removed, changed: c.keys.changed },
        immutable: c.immutable,
      })),
    // Secrets appear only when they are config sources, and then only with key names and fingerprints.
    ...(secrets.length > 0
      ? {
          secrets: secrets.map((c) => ({
            ref: `${c.namespace}/${c.name}`,
            change: c.change,
            keys: { added: c.keys.added, removed: c.keys.removed, changed: c.keys.changed },
            immutable: c.immutable,
            fingerprints: c.fingerprints,
          })),
        }
      : {}),
    consumers: plan.consumers.map((c) => ({
      workload: c.workload,
      action: c.action,
      reasons: c.reasons,
      configMaps: c.configMaps,
      // The changed keys it reads, per ConfigMap, and how; what a restart replaces; where it is defined.
      reads: c.reads,
      pods: c.pods,
      strategy: c.strategy,
      file: c.source?.file ?? null,
      line: c.source?.line ?? null,
    })),
    // Everything else the merge writes (Secrets never: they are config sources or not written).
    objects: plan.objects.map((o) => ({
      object: o.id,
      apiVersion: o.apiVersion,
      change: o.change,
      fields: o.fields,
      file: o.source?.file ?? null,
      line: o.source?.line ?? null,
    })),
    findings: plan.findings.map((f) => ({
      severity: f.severity,
      code: f.code,
      message: f.message,
      file: f.file,
      line: f.line,
      ...(f.also ? { also: f.also } : {}),
    })),
  };
}

/** The reference graph as the JSON contract names it (`refs --format json`). */
export function refsToJson(graph: ReferenceGraph) {
  return {
    configMaps: graph.configMaps.map((c) => ({
      namespace: c.namespace,
      name: c.name,
      immutable: c.immutable,
      file: c.file,
      line: c.line,
    })),
    references: graph.references.map((r) => ({
      configMap: r.configMap,
      workload: r.workload,
      container: r.container,
      containerType: r.containerType,
      via: r.via,
      key: r.key,
      subPath: r.subPath,
      optional: r.optional,
    })),
    undefinedReferenced: graph.undefinedReferenced,
    unconsumed: graph.unconsumed,
  };
}
