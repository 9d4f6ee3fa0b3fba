import type { ConfigMapSnapshot } from '../plan/configmaps.js';
import { reportedConfigMaps } from '../plan/generated-names.js';
import type { Plan } from '../plan/plan.js';
import type { ReferenceGraph } from '../plan/reference-graph.js';

/** The plan as the JSON contract names it (`plan --format json`, the action's `plan` output). */
export function planToJson(plan: Plan) {
  // A hash-suffixed ConfigMap that replaces another is one entry: its new ref, `modified`, and what it replaces.
  const reported = reportedConfigMaps(plan.configMaps, plan.replacements);
  const replaces = (c: (typeof reported)[number]) =>
    c.replaces ? { replaces: c.replaces.replace(/^Secret\//, '') } : {};
  const secrets = reported.filter((c) => c.kind === 'Secret');
  return {
    configMaps: reported
      .filter((c) => c.kind === 'ConfigMap')
      .map((c) => ({
        ref: c.ref,
        change: c.change,
        keys: { added: c.keys.added, removed: c.keys.removed, changed: c.keys.changed },
        immutable: c.immutable,
        ...replaces(c),
        ...definedAt(c),
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
            ...replaces(c),
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

/** Where the head defines a ConfigMap (the base, for one the change removes): the file a person edits. */
function definedAt(c: { head: ConfigMapSnapshot | null; base: ConfigMapSnapshot | null }) {
  const source = c.head?.source ?? c.base?.source ?? null;
  return { file: source?.file ?? null, line: source?.line ?? null };
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
