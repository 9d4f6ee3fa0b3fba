import { touchedKeys, type ConfigMapChange } from './configmap-diff.js';
import { sourceLabel } from './configmaps.js';
import type { ConfigMapReference, Workload } from './consumers.js';
import { finding, type Finding, type SourceLocation } from './findings.js';
import { isPlainObject } from './manifests.js';
import { reloadedVolumes } from './reloader-sidecars.js';
import { read } from './workload-kinds.js';

/** Action names are part of the JSON contract. */
export type RestartAction =
  'restart' | 'wait-for-sync' | 'next-run' | 'recreate' | 'delete-pods' | 'none' | 'blocked';

/** How a container reads config, as the comment's table and legend name it. */
export type ReadWay = 'env' | 'envFrom' | 'volume' | 'subPath' | 'init' | 'hot-reload' | 'reloader';

/** The changed keys a workload reads from one ConfigMap (or Secret), and the ways it reads them. */
export interface KeyRead {
  /** `namespace/name` (a Secret's ref for Secrets). */
  configMap: string;
  /** Changed, added or removed keys that reach the workload, sorted. */
  keys: string[];
  ways: ReadWay[];
}

/** What one workload needs so its pods see the change, and why, in words a reviewer reads. */
export interface RestartDecision {
  workload: string;
  action: RestartAction;
  reasons: string[];
  /** The changed ConfigMaps (`namespace/name`) this workload reads. */
  configMaps: string[];
  /** The changed keys it reads, per ConfigMap; empty when it reads only unchanged keys. */
  reads: KeyRead[];
  /** Why a workload with action `none` needs nothing, in a few words (`rolls by itself: its template changes`). */
  note?: string;
  /** Pods a restart replaces (null: not known from the manifests) and how they are replaced. */
  pods: number | null;
  strategy: string | null;
  /** Where the manifests define it; null for a workload only the cluster has. */
  source: SourceLocation | null;
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
  /** A sidecar in the pod reloads this mount for the process that reads it. */
  reloader?: string;
  /** The workload declares it reloads mounted files itself. */
  hotReload?: boolean;
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
  let reads: KeyRead[] = [];
  const decision = (action: RestartAction, reasons: string[], note?: string) => ({
    decision: {
      workload: workload.id,
      action,
      reasons: dedupe(reasons),
      configMaps,
      reads,
      ...(note ? { note } : {}),
      pods: workload.kind.expectedPods(workload.body),
      strategy: workload.kind.strategy(workload.body),
      source: workload.source,
    },
    findings,
  });

  const broken = relevant.map((r) => ({ reference: r, ...brokenBy(r, changes.get(r.configMap)!) }));
  findings.push(...invalidEnvNames(workload, relevant, changes));
  if (broken.some((b) => b.reasons.length > 0)) {
    findings.push(...blockerFindings(workload, broken, changes));
    reads = readsOf(broken.filter((b) => b.reasons.length > 0));
    return decision(
      'blocked',
      broken.flatMap((b) => b.reasons),
    );
  }

  const hotReload = declaresHotReload(workload, input.options.volumeMounts);
  const reloaded = reloadedVolumes(workload.template.spec);
  const affected = relevant
    .map((r) => affectedBy(r, changes.get(r.configMap)!, hotReload, reloaded))
    .filter((a): a is Affected => a !== undefined);
  reads = readsOf(affected);
  if (affected.length === 0) {
    return decision(
      'none',
      [`Reads only keys that did not change (${readKeysSummary(relevant)}).`],
      'reads only unchanged keys',
    );
  }
  const reasons = affected.map((a) => a.reason);
  const needsNewPod = affected.some((a) => a.delivery === 'new-pod');
  const needsSync = affected.some((a) => a.delivery === 'sync');
  if (!needsNewPod && !needsSync) return decision('none', reasons, 'no container mounts it');

  const method = workload.kind.restartMethod(workload.body);
  if (!input.base) {
    return decision(
      'none',
      [`New in this change: its pods start with the new config.`, ...reasons],
      'new: starts with the new config',
    );
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
  if (reloader) return decision('none', [...reasons, reloader.reason], reloader.note);
  const renamed = relevant.map((r) => changes.get(r.configMap)!).find((c) => c.replaces !== undefined);
  if (renamed) {
    const old = renamed.replaces!.split('/').at(-1)!;
    return decision(
      'none',
      [
        ...reasons,
        `It now reads ${renamed.name} in place of ${old} (a hash-suffixed name, made anew with the content): its pod template changes, so applying it rolls new pods.`,
      ],
      `rolls by itself: ${old} → ${renamed.name}`,
    );
  }
  const templateChange = describeTemplateChange(input.base, workload);
  if (templateChange) {
    return decision(
      'none',
      [
        ...reasons,
        `Its pod template changes in this change (${templateChange}), so applying it rolls new pods.`,
      ],
      'rolls by itself: its pod template changes',
    );
  }
  const restartReasons = [...reasons];
  const checksums = checksumAnnotations(
    workload,
    [...changes.values()].filter((c) => configMaps.includes(c.ref)),
  );
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

/** What the change removes that one reference requires: the reasons, and the removed keys it names. */
function brokenBy(
  reference: ConfigMapReference,
  change: ConfigMapChange,
): { reasons: string[]; keys: string[]; removedSource: boolean } {
  if (reference.optional) return { reasons: [], keys: [], removedSource: false };
  const who = holder(reference);
  if (change.change === 'removed') {
    const error =
      reference.via === 'env' || reference.via === 'envFrom'
        ? 'CreateContainerConfigError'
        : 'stuck in ContainerCreating';
    return {
      reasons: [
        `${who} requires ${change.kind} ${change.name}, which this change removes: new pods would not start (${error}).`,
      ],
      keys: [],
      removedSource: true,
    };
  }
  const removed = reference.requiredKeys.filter((k) => change.keys.removed.includes(k));
  const reasons = removed.map((key) => {
    const how =
      reference.via === 'env'
        ? change.kind === 'Secret'
          ? 'secretKeyRef'
          : 'configMapKeyRef'
        : 'volume `items`';
    return `${who} requires key \`${key}\` of ${sourceLabel(change)} (${how}, not optional), which this change removes: new pods would not start.`;
  });
  return { reasons, keys: removed, removedSource: false };
}

/**
 * One blocker per problem: a workload that needs a key (or a whole ConfigMap) this change removes, naming every
 * env var and mount that needs it. It points at the ConfigMap in the head, where the author removed the key, and
 * also at the workload; for a removed ConfigMap, at the workload.
 */
function blockerFindings(
  workload: Workload,
  broken: readonly { reference: ConfigMapReference; keys: string[]; removedSource: boolean }[],
  changes: ReadonlyMap<string, ConfigMapChange>,
): Finding[] {
  const findings: Finding[] = [];
  const bySource = new Map<string, typeof broken>();
  for (const b of broken) {
    if (b.keys.length === 0 && !b.removedSource) continue;
    bySource.set(b.reference.configMap, [...(bySource.get(b.reference.configMap) ?? []), b]);
  }
  for (const [ref, list] of bySource) {
    const change = changes.get(ref)!;
    const users = [...new Set(list.map((b) => usage(b.reference, b.keys)))].join('; ');
    const optional = list.some((b) => b.reference.via === 'env')
      ? 'mark the references `optional: true`'
      : 'mark the source `optional: true`';
    if (change.change === 'removed') {
      const code = change.kind === 'Secret' ? 'missing-secret' : 'missing-configmap';
      findings.push({
        ...finding(
          'blocker',
          code,
          `${workload.id} requires ${change.kind} ${change.name}, which this change removes: new pods would not start. Needed by ${users}. Keep it, or ${optional}.`,
          workload.source,
        ),
      });
      continue;
    }
    const keys = [...new Set(list.flatMap((b) => b.keys))].sort();
    const named = keys.map((k) => `\`${k}\``).join(', ');
    const at = change.head?.source ?? workload.source;
    findings.push({
      ...finding(
        'blocker',
        'missing-key',
        `${sourceLabel(change)} no longer has ${keys.length === 1 ? 'key' : 'keys'} ${named}, which ${workload.id} requires: new pods would not start. Needed by ${users}. Keep the ${keys.length === 1 ? 'key' : 'keys'}, or ${optional}.`,
        at,
      ),
      ...(workload.source && at !== workload.source ? { also: [workload.source] } : {}),
    });
  }
  return findings;
}

/** `init container \`install-cni\` env \`CNI_MTU\``, `container \`app\` volume \`config\` at \`/etc/app\``. */
function usage(reference: ConfigMapReference, keys: readonly string[]): string {
  const who = holder(reference).replace(/^\w/, (c) => c.toLowerCase());
  if (reference.via === 'env') {
    return `${who} env \`${reference.envVar ?? '?'}\`${keys.length > 0 && reference.key ? ` (key \`${reference.key}\`)` : ''}`;
  }
  if (reference.via === 'envFrom') return `${who} envFrom`;
  const at = reference.mountPath ? ` at \`${reference.mountPath}\`` : '';
  return `${who} volume \`${reference.volume ?? '?'}\`${at}`;
}

/** The reads a table row shows: keys per ConfigMap, and the ways they are read. */
function readsOf(
  items: readonly {
    reference: ConfigMapReference;
    keys: readonly string[];
    reloader?: string;
    hotReload?: boolean;
  }[],
): KeyRead[] {
  const byRef = new Map<string, { keys: Set<string>; ways: Set<ReadWay> }>();
  for (const item of items) {
    const entry = byRef.get(item.reference.configMap) ?? { keys: new Set(), ways: new Set() };
    for (const key of item.keys) entry.keys.add(key);
    for (const way of waysOf(item.reference)) entry.ways.add(way);
    if (item.hotReload) entry.ways.add('hot-reload');
    if (item.reloader) entry.ways.add('reloader');
    byRef.set(item.reference.configMap, entry);
  }
  return [...byRef]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([configMap, { keys, ways }]) => ({
      configMap,
      keys: [...keys].sort(),
      ways: wayOrder.filter((w) => ways.has(w)),
    }));
}

const wayOrder: ReadWay[] = ['env', 'envFrom', 'volume', 'subPath', 'init', 'hot-reload', 'reloader'];

function waysOf(reference: ConfigMapReference): ReadWay[] {
  const ways: ReadWay[] = [];
  if (reference.runsOnce) ways.push('init');
  if (reference.via === 'env' || reference.via === 'envFrom') ways.push(reference.via);
  else if (reference.subPath) ways.push('subPath');
  else ways.push('volume');
  return ways;
}

function affectedBy(
  reference: ConfigMapReference,
  change: ConfigMapChange,
  hotReload: boolean,
  reloaded: ReadonlyMap<string, string>,
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
  const sidecar = reference.volume === undefined ? undefined : reloaded.get(reference.volume);
  if (sidecar) {
    return {
      ...at('sync', `${who} mounts ${what} as ${kind}, and the ${sidecar} in the same pod reloads it.`),
      reloader: sidecar,
    };
  }
  if (hotReload) {
    return { ...at('sync', `${who} mounts ${what} as ${kind} and hot-reloads it.`), hotReload: true };
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
function reloadedBy(
  workload: Workload,
  affected: readonly Affected[],
): { reason: string; note: string } | undefined {
  const annotations = annotationsOf(workload.body);
  const on = (name: string) => String(annotations[name] ?? '') === 'true';
  const auto = ['reloader.stakater.com/auto', 'configmap.reloader.stakater.com/auto'].find(on);
  if (auto)
    return {
      reason: `Reloader restarts it (\`${auto}\`): config-rollout leaves it to Reloader.`,
      note: 'Reloader restarts it',
    };
  if (on('wave.pusher.com/update-on-config-change')) {
    return {
      reason:
        'Wave restarts it (`wave.pusher.com/update-on-config-change`): config-rollout leaves it to Wave.',
      note: 'Wave restarts it',
    };
  }
  const listed = String(annotations['configmap.reloader.stakater.com/reload'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const needing = affected.filter((a) => a.delivery === 'new-pod').map((a) => a.change.name);
  if (listed.length > 0 && needing.every((name) => listed.includes(name))) {
    return {
      reason: 'Reloader restarts it (`configmap.reloader.stakater.com/reload` names these ConfigMaps).',
      note: 'Reloader restarts it',
    };
  }
  return undefined;
}

/**
 * Helm's convention: a `checksum/<name>` pod-template annotation that changes with the config. One that did not
 * change is stale only if it plausibly covers a changed ConfigMap: it is the workload's only one, or its name
 * mentions the ConfigMap, or it names nothing more specific than the kind (`checksum/config`,
 * `checksum/configmap.yaml`). `checksum/dashboards` beside a changed `grafana` belongs to another ConfigMap.
 */
function checksumAnnotations(workload: Workload, changes: readonly ConfigMapChange[]): string[] {
  const all = Object.keys(annotationsOf(workload.template))
    .filter((name) => name.startsWith('checksum/'))
    .sort();
  if (all.length <= 1) return all;
  return all.filter((annotation) => changes.some((change) => checksumCovers(annotation, change)));
}

const genericWords = new Set(['checksum', 'yaml', 'yml', 'json', 'tpl', 'templates', 'template']);
const kindWords: Record<ConfigMapChange['kind'], readonly string[]> = {
  ConfigMap: ['config', 'configmap', 'configmaps', 'configs', 'cm'],
  Secret: ['secret', 'secrets'],
};

function checksumCovers(annotation: string, change: ConfigMapChange): boolean {
  const words = (text: string) =>
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
  const own = words(annotation).filter((w) => !genericWords.has(w));
  const kinds = new Set(Object.values(kindWords).flat());
  const specific = own.filter((w) => !kinds.has(w));
  if (specific.length === 0) return own.some((w) => kindWords[change.kind].includes(w));
  const name = new Set(words(change.name));
  return specific.every((w) => name.has(w));
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
