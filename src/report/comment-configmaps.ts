import type { ConfigMapChange } from '../plan/configmap-diff.js';
import type { RestartDecision } from '../plan/decide.js';
import { workloadParts } from './comment-headline.js';
import { escapeName, fencedBlock, plural } from './markdown-text.js';
import { renderValueDiff, type ValueDiffLimits } from './value-diff.js';

/** How much of the ConfigMaps section one rendering keeps. */
export type ConfigMapDetail = 'diffs' | 'short-diffs' | 'summaries' | 'by-keys' | 'counts';

export const configMapDetails: readonly ConfigMapDetail[] = [
  'diffs',
  'short-diffs',
  'summaries',
  'by-keys',
  'counts',
];

const diffLimits: Record<'diffs' | 'short-diffs', ValueDiffLimits> = {
  diffs: { valueChars: 300, diffLines: 60 },
  'short-diffs': { valueChars: 120, diffLines: 12 },
};

/** Names listed in a group's summary, and readers named per ConfigMap, before "and N more". */
const namesShown = 12;
const readersShown = 5;

/** `ns/name` for a ConfigMap, `Secret ns/name` for a Secret. */
export function displayRef(change: Pick<ConfigMapChange, 'kind' | 'namespace' | 'name'>): string {
  return change.kind === 'Secret'
    ? `Secret ${change.namespace}/${change.name}`
    : `${change.namespace}/${change.name}`;
}

/**
 * Each changed ConfigMap (or Secret): its changed keys, who reads it, its key diff. The same edit made to many
 * ConfigMaps (`LOG_LEVEL` info → warn in 300) is one entry that lists them.
 */
export function renderConfigMaps(
  changed: readonly ConfigMapChange[],
  consumers: readonly RestartDecision[],
  detail: ConfigMapDetail,
): string | undefined {
  if (changed.length === 0) return undefined;
  const title = changed.some((c) => c.kind === 'Secret')
    ? '#### ConfigMaps and Secrets (Secret values are never shown)'
    : '#### ConfigMaps';
  const groups = groupIdentical(changed);
  if (detail === 'counts') {
    const grouped = groups.filter((g) => g.length > 1).length;
    return [
      title,
      `${plural(changed.length, changed.length === 1 ? changed[0]!.kind : 'changed source')}${grouped > 0 ? ` (${plural(groups.length, 'distinct edit')})` : ''}: names and diffs left out here.`,
    ].join('\n\n');
  }
  if (detail === 'by-keys') {
    const lines = groupByKeys(changed).map(
      (group) =>
        `- ${describeKeys(group[0]!)} in ${plural(group.length, group[0]!.kind)}: ${group.map((c) => escapeName(displayRef(c))).join(', ')}`,
    );
    return [title, lines.join('\n')].join('\n\n');
  }
  const readers = readersByRef(consumers);
  const blocks = groups.map((group) => {
    const first = group[0]!;
    const summary =
      group.length === 1
        ? `<code>${escapeName(displayRef(first))}</code> — ${describeEdit(first)} · ${readersText(readers.get(first.ref) ?? [])}`
        : `${describeEdit(first)} in ${plural(group.length, first.kind)} · ${groupReaders(group, readers)}`;
    const names =
      group.length > 1
        ? `${group
            .slice(0, detail === 'summaries' ? namesShown : group.length)
            .map((c) => `<code>${escapeName(displayRef(c))}</code>`)
            .join(
              ', ',
            )}${detail === 'summaries' && group.length > namesShown ? `, and ${group.length - namesShown} more` : ''}`
        : '';
    if (detail === 'summaries') return `- ${summary}${names ? `: ${names}` : ''}`;
    const body = [names, fencedBlock(renderValueDiff(first, diffLimits[detail]), 'diff')]
      .filter(Boolean)
      .join('\n\n');
    return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
  });
  return [title, blocks.join('\n')].join('\n\n');
}

/** ConfigMaps whose edits are the same, key for key and value for value, in the order first seen. */
function groupIdentical(changed: readonly ConfigMapChange[]): ConfigMapChange[][] {
  const groups = new Map<string, ConfigMapChange[]>();
  for (const change of changed) {
    const signature = [
      change.kind,
      change.change,
      change.immutable ? 'immutable' : '',
      renderValueDiff(change, { valueChars: Number.MAX_SAFE_INTEGER, diffLines: Number.MAX_SAFE_INTEGER }),
    ].join('\0');
    groups.set(signature, [...(groups.get(signature) ?? []), change]);
  }
  return [...groups.values()];
}

/** ConfigMaps whose edits touch the same keys the same way (values may differ), in the order first seen. */
function groupByKeys(changed: readonly ConfigMapChange[]): ConfigMapChange[][] {
  const groups = new Map<string, ConfigMapChange[]>();
  for (const change of changed) {
    const signature = JSON.stringify([change.kind, change.change, change.keys]);
    groups.set(signature, [...(groups.get(signature) ?? []), change]);
  }
  return [...groups.values()];
}

/** The keys an edit touches, without values: `changed POOL; added X`, or `new` / `removed`. */
function describeKeys(change: ConfigMapChange): string {
  if (change.change === 'added') return `new ${change.kind}`;
  if (change.change === 'removed') return `${change.kind} removed`;
  const { changed, added, removed } = change.keys;
  const keys = [keyList('changed', changed), keyList('added', added), keyList('removed', removed)]
    .filter(Boolean)
    .join('; ');
  return keys || 'modified';
}

/** A few words for what the edit does: `` `LOG_LEVEL` `info` → `warn` `` or `changed A, B; added C`. */
function describeEdit(change: ConfigMapChange): string {
  if (change.change === 'added') return `new ${change.kind}${keyList(' with', change.keys.added)}`;
  if (change.change === 'removed') return `${change.kind} removed`;
  const { changed, added, removed } = change.keys;
  const one = changed.length === 1 && added.length === 0 && removed.length === 0 ? changed[0]! : undefined;
  const before = one === undefined ? undefined : change.base?.data[one];
  const after = one === undefined ? undefined : change.head?.data[one];
  const immutable = change.immutable ? ' (immutable)' : '';
  if (
    one !== undefined &&
    !change.fingerprints &&
    typeof before === 'string' &&
    typeof after === 'string' &&
    !/[\r\n]/.test(before + after) &&
    before.length + after.length <= 60
  ) {
    return `<code>${escapeName(one)}</code> <code>${escapeName(before) || '""'}</code> → <code>${escapeName(after) || '""'}</code>${immutable}`;
  }
  return describeKeys(change) + immutable;
}

function keyList(label: string, keys: readonly string[]): string {
  if (keys.length === 0) return '';
  const named = keys.slice(0, 8).map((k) => `<code>${escapeName(k)}</code>`);
  return `${label} ${named.join(', ')}${keys.length > 8 ? ` and ${keys.length - 8} more` : ''}`;
}

function readersByRef(consumers: readonly RestartDecision[]): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  for (const c of consumers) {
    for (const ref of c.configMaps) readers.set(ref, [...(readers.get(ref) ?? []), c.workload]);
  }
  return readers;
}

/** Who reads it, or that nothing in the manifests does (a controller may still watch it through the API). */
function readersText(workloads: readonly string[]): string {
  if (workloads.length === 0)
    return 'read by no workload in these manifests — a controller may watch it through the API';
  const names = workloads.slice(0, readersShown).map((id) => {
    const { kind, name } = workloadParts(id);
    return `${kind} ${escapeName(name)}`;
  });
  const more = workloads.length > readersShown ? ` and ${workloads.length - readersShown} more` : '';
  return `read by ${names.join(', ')}${more}`;
}

function groupReaders(group: readonly ConfigMapChange[], readers: ReadonlyMap<string, string[]>): string {
  const all = new Set(group.flatMap((c) => readers.get(c.ref) ?? []));
  const unread = group.filter((c) => (readers.get(c.ref) ?? []).length === 0).length;
  const parts = [all.size > 0 ? `read by ${plural(all.size, 'workload')}` : ''];
  if (unread > 0) parts.push(`${unread} read by no workload in these manifests`);
  return parts.filter(Boolean).join('; ');
}
