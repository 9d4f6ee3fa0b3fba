import { touchedKeys, type ConfigMapChange } from './configmap-diff.js';
import { sourceLabel } from './configmaps.js';
import type { ConfigMapReference, Workload } from './consumers.js';
import { finding, type Finding } from './findings.js';
import { isPlainObject } from './manifests.js';
import { read } from './workload-kinds.js';

/** Action names are part of the JSON contract. */
export type RestartAction =
  'restart' | 'wait-for-sync' | 'next-run' | 'recreate' | 'delete-pods' | 'none' | 'blocked';

/** What one workload needs so its pods see the change, and why, in words a reviewer reads. */
export interface RestartDecision {
  workload: string;
  action: RestartAction;
  reasons: string[];
  /** The changed ConfigMaps (`namespace/name`) this workload reads. */
  configMaps: string[];
}

export type VolumeMountPolicy = 'restart' | 'hot-reload';

export interface DecisionOptions {
  /** How plain volume mounts are treated when a workload does not say (`config-rollout.io/hot-reload`). */
  volumeMounts: VolumeMountPolicy;
}

export interface DecisionInput {
  workload: Workload;
  /** The same workload at the base; undefined when the change adds it. */
  base: Workload | undefined;
  references: readonly ConfigMapReference[];
  /** Every ConfigMap that changed (not `unchanged`), by `namespace/name`. */
  changes: ReadonlyMap<string, ConfigMapChange>;
  options: DecisionOptions;
}

export const hotReloadAnnotation = 'config-rollout.io/hot-reload';

/** How the pods of a workload come to see an affected reference. */
type Delivery = 'new-pod' | 'sync' | 'nothing';

interface Affected {
  reference: ConfigMapReference;
  change: ConfigMapChange;
  keys: string[];
  delivery: Delivery;
  reason: string;
}

/** Decide the restart one workload needs; undefined when it reads none of the changed ConfigMaps. */
export function decideRestart(
  input: DecisionInput,
): { decision: RestartDecision; findings: Finding[] } | undefined {
  const { workload, references, changes } = input;
  const relevant = references.filter((r) => changes.has(r.configMap));
  if (relevant.length === 0) return undefined;
  const findings: Finding[] = [];
  const configMaps = [...new Set(relevant.map((r) => r.configMap))].sort();
  const decision = (action: RestartAction, reasons: string[]) => ({
    decision: { workload: workload.id, action, reasons: dedupe(reasons), configMaps },
    findings,
  });

  const broken = relevant.flatMap((r) => brokenBy(r, changes.get(r.configMap)!, workload, findings));
  findings.push(...invalidEnvNames(workload, relevant, changes));
  if (broken.length > 0) return decision('blocked', broken);

  const hotReload = declaresHotReload(workload, input.options.volumeMounts);
  const affected = relevant
    .map((r) => affectedBy(r, changes.get(r.configMap)!, hotReload))
    .filter((a): a is Affected => a !== undefined);
  if (affected.length === 0) {
    return decision('none', [`Reads only keys that did not change (${readKeysSummary(relevant)}).`]);
  }
  const reasons = affected.map((a) => a.reason);
  const needsNewPod = affected.some((a) => a.delivery === 'new-pod');
  const needsSync = affected.some((a) => a.delivery === 'sync');
  if (!needsNewPod && !needsSync) return decision('none', reasons);

  const method = workload.kind.restartMethod(workload.body);
  if (!input.base) {
    return decision('none', [`New in this change: its pods start with the new config.`, ...reasons]);
  }
  if (method === 'next-run') {
    const suspended = read(workload.body, ['spec', 'suspend']) === true;
    return decision('next-run', [
      ...reasons,
      suspended
        ? 'CronJob is suspended: its next run, once resumed, reads the new values; nothing is started now.'
        : 'CronJob: the next scheduled Job reads the new values; Jobs already running keep the old ones.',
    ]);
  }
  if (!needsNewPod) {
    return decision('wait-for-sync', [
      ...reasons,
      'The kubelet refreshes mounted files in place (about 60–90 s); no restart.',
    ]);
  }
  if (method === 'recreate') {
    return decision('recreate', [
      ...reasons,
      workload.kind.kind === 'Job'
        ? "A Job's pod template is immutable: delete and create it again to run with the new values."
        : 'A bare Pod is never replaced by a controller: delete and create it again.',
    ]);
  }
  if (method === 'delete-pods') {
    return decision('delete-pods', [
      ...reasons,
      workload.kind.kind === 'ReplicaSet'
        ? 'A ReplicaSet replaces a pod only when it is deleted: delete its pods one by one.'
        : `updateStrategy is OnDelete: a template change replaces no pod until it is deleted; delete its pods one by one.`,
    ]);
  }

  const reloader = reloadedBy(workload, affected);
  if (reloader) return decision('none', [...reasons, reloader]);
  const templateChange = describeTemplateChange(input.base, workload);
  if (templateChange) {
    return decision('none', [
      ...reasons,
      `Its pod template changes in this change (${templateChange}), so applying it rolls new pods.`,
    ]);
  }
  const restartReasons = [...reasons];
  const checksums = checksumAnnotations(workload);
  if (checksums.length > 0) {
    const names = checksums.map((a) => `\`${a}\``).join(', ');
    restartReasons.push(
      `${names} did not change with the ConfigMap: the checksum is stale, so it will not roll by itself.`,
    );
    findings.push(
      finding(
        'warning',
        'stale-checksum',
        `${workload.id}: ${names} did not change although ${configMaps.join(', ')} did; update the checksum, or let config-rollout restart it.`,
        workload.source,
      ),
    );
  }
  if (workload.kind.kind === 'Deployment' && read(workload.body, ['spec', 'paused']) === true) {
    restartReasons.push(
      'The Deployment is paused: the new template is recorded but rolls only when it is resumed.',
    );
    findings.push(
      finding(
        'warning',
        'paused-deployment',
        `${workload.id} is paused: it needs a restart for the new config but rolls nothing until resumed (\`kubectl rollout resume\`).`,
        workload.source,
      ),
    );
  }
  return decision('restart', restartReasons);
}

/** Blocker reasons when the change removes something a reference requires; findings are added alongside. */
function brokenBy(
  reference: ConfigMapReference,
  change: ConfigMapChange,
  workload: Workload,
  findings: Finding[],
): string[] {
  if (reference.optional) return [];
  const who = holder(reference);
  if (change.change === 'removed') {
    const reason = `${who} requires ${change.kind} ${change.name}, which this change removes: new pods would not start (${reference.via === 'env' || reference.via === 'envFrom' ? 'CreateContainerConfigError' : 'stuck in ContainerCreating'}).`;
    const code = change.kind === 'Secret' ? 'missing-secret' : 'missing-configmap';
    findings.push(finding('blocker', code, `${workload.id}: ${reason}`, workload.source));
    return [reason];
  }
  const removed = reference.requiredKeys.filter((k) => change.keys.removed.includes(k));
  return removed.map((key) => {
    const how =
      reference.via === 'env'
        ? change.kind === 'Secret'
          ? 'secretKeyRef'
          : 'configMapKeyRef'
        : 'volume `items`';
    const reason = `${who} requires key \`${key}\` of ${sourceLabel(change)} (${how}, not optional), which this change removes: new pods would not start.`;
    findings.push(finding('blocker', 'missing-key', `${workload.id}: ${reason}`, workload.source));
    return reason;
  });
}

function affectedBy(
  reference: ConfigMapReference,
  change: ConfigMapChange,
  hotReload: boolean,
): Affected | undefined {
  const touched = touchedKeys(change);
  const keys = (reference.keys ?? [...touched]).filter((k) => touched.has(k)).sort();
  if (keys.length === 0) return undefined;
  const what = `${sourceLabel(change)} (${describeKeys(change, keys)})`;
  const who = holder(reference);
  const at = (delivery: Delivery, reason: string): Affected => ({
    reference,
    change,
    keys,
    delivery,
    reason,
  });
  if (reference.container === null) {
    return at('nothing', `Volume of ${what} is mounted by no container.`);
  }
  if (reference.via === 'env') {
    return at('new-pod', `${who} reads ${what} as an env var: env vars are fixed when a container starts.`);
  }
  if (reference.via === 'envFrom') {
    return at('new-pod', `${who} loads ${what} through envFrom: env vars are fixed when a container starts.`);
  }
  if (reference.runsOnce) {
    return at('new-pod', `${who} mounts ${what}, but an init container runs only when a pod starts.`);
  }
  if (reference.subPath) {
    return at('new-pod', `${who} mounts ${what} with subPath, which never receives updates.`);
  }
  const kind = reference.via === 'projected' ? 'a projected volume' : 'a volume';
  if (hotReload) {
    return at('sync', `${who} mounts ${what} as ${kind} and hot-reloads it.`);
  }
  return at(
    'new-pod',
    `${who} mounts ${what} as ${kind}: the files refresh in place, but the workload does not declare hot reload (\`${hotReloadAnnotation}: "true"\`), so it needs a restart to read them.`,
  );
}

function holder(reference: ConfigMapReference): string {
  if (reference.container === null) return 'A pod volume';
  const kind =
    reference.containerType === 'initContainer'
      ? reference.runsOnce
        ? 'Init container'
        : 'Sidecar'
      : reference.containerType === 'ephemeralContainer'
        ? 'Ephemeral container'
        : 'Container';
  return `${kind} \`${reference.container}\``;
}

const maxKeysNamed = 5;

function describeKeys(change: ConfigMapChange, keys: string[]): string {
  if (change.change === 'added') return `new ${change.kind}`;
  if (change.change === 'removed') return `${change.kind} removed`;
  const parts: string[] = [];
  for (const [label, list] of [
    ['changed', change.keys.changed],
    ['added', change.keys.added],
    ['removed', change.keys.removed],
  ] as const) {
    const mine = list.filter((k) => keys.includes(k));
    if (mine.length === 0) continue;
    const named = mine.slice(0, maxKeysNamed).map((k) => `\`${k}\``);
    const more = mine.length > maxKeysNamed ? ` and ${mine.length - maxKeysNamed} more` : '';
    parts.push(`${label} ${named.join(', ')}${more}`);
  }
  return parts.join('; ');
}

function readKeysSummary(references: readonly ConfigMapReference[]): string {
  const keys = [...new Set(references.flatMap((r) => r.keys ?? []))].sort();
  return keys.length > 0 ? keys.map((k) => `\`${k}\``).join(', ') : 'none of the changed keys';
}

/** Kubernetes' classic env var name rule; envFrom silently skips keys that break it and records an event. */
const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function invalidEnvNames(
  workload: Workload,
  references: readonly ConfigMapReference[],
  changes: ReadonlyMap<string, ConfigMapChange>,
): Finding[] {
  const findings: Finding[] = [];
  for (const reference of references) {
    const head = changes.get(reference.configMap)?.head;
    if (reference.via !== 'envFrom' || !head) continue;
    const prefix = reference.envPrefix ?? '';
    const invalid = [...Object.keys(head.data), ...Object.keys(head.binaryData)].filter(
      (key) => !envVarName.test(prefix + key),
    );
    if (invalid.length === 0) continue;
    findings.push(
      finding(
        'warning',
        'invalid-env-name',
        `${workload.id}: envFrom ${sourceLabel(head)}${prefix ? ` (prefix \`${prefix}\`)` : ''} skips ${invalid.map((k) => `\`${prefix}${k}\``).join(', ')}: not valid env var names, so Kubernetes leaves them out silently.`,
        workload.source,
      ),
    );
  }
  return findings;
}

function annotationsOf(value: unknown): Record<string, unknown> {
  const annotations = read(value, ['metadata', 'annotations']);
  return isPlainObject(annotations) ? annotations : {};
}

function declaresHotReload(workload: Workload, policy: VolumeMountPolicy): boolean {
  const declared =
    annotationsOf(workload.body)[hotReloadAnnotation] ??
    annotationsOf(workload.template)[hotReloadAnnotation];
  if (declared === 'true' || declared === true) return true;
  if (declared === 'false' || declared === false) return false;
  return policy === 'hot-reload';
}

/** Reloader and Wave restart workloads themselves when the ConfigMaps they name change. */
function reloadedBy(workload: Workload, affected: readonly Affected[]): string | undefined {
  const annotations = annotationsOf(workload.body);
  const on = (name: string) => String(annotations[name] ?? '') === 'true';
  const auto = ['reloader.stakater.com/auto', 'configmap.reloader.stakater.com/auto'].find(on);
  if (auto) return `Reloader restarts it (\`${auto}\`): config-rollout leaves it to Reloader.`;
  if (on('wave.pusher.com/update-on-config-change')) {
    return 'Wave restarts it (`wave.pusher.com/update-on-config-change`): config-rollout leaves it to Wave.';
  }
  const listed = String(annotations['configmap.reloader.stakater.com/reload'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const needing = affected.filter((a) => a.delivery === 'new-pod').map((a) => a.change.name);
  if (listed.length > 0 && needing.every((name) => listed.includes(name))) {
    return 'Reloader restarts it (`configmap.reloader.stakater.com/reload` names these ConfigMaps).';
  }
  return undefined;
}

/** Helm's convention: a `checksum/<name>` pod-template annotation that changes with the config. */
function checksumAnnotations(workload: Workload): string[] {
  return Object.keys(annotationsOf(workload.template))
    .filter((name) => name.startsWith('checksum/'))
    .sort();
}

function describeTemplateChange(base: Workload, head: Workload): string | undefined {
  if (deepEqual(base.template, head.template)) return undefined;
  const before = annotationsOf(base.template);
  const after = annotationsOf(head.template);
  const changedAnnotations = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => !deepEqual(before[k], after[k]))
    .sort();
  const specChanged = !deepEqual(base.template.spec, head.template.spec);
  const parts: string[] = [];
  if (changedAnnotations.length > 0)
    parts.push(`annotation ${changedAnnotations.map((a) => `\`${a}\``).join(', ')}`);
  if (specChanged) parts.push('pod spec');
  if (parts.length === 0) parts.push('labels');
  return parts.join(' and ');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
