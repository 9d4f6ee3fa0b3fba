import type { KeyRead, ReadWay, RestartAction, RestartDecision } from '../plan/decide.js';
import { workloadParts } from './comment-headline.js';
import { linked, type RepositoryLinks } from './comment-links.js';
import { codeSpan, escapeName, plural } from './markdown-text.js';

export const actionLabels: Record<RestartAction, string> = {
  blocked: '⛔ blocked',
  restart: '🔄 restart',
  'delete-pods': '🗑️ delete pods',
  recreate: '♻️ recreate',
  'wait-for-sync': '⏳ wait for sync',
  'next-run': '⏭️ next run',
  none: '✅ none',
};

const actionOrder: RestartAction[] = [
  'blocked',
  'restart',
  'delete-pods',
  'recreate',
  'wait-for-sync',
  'next-run',
  'none',
];

/** What a row's action means, said once under the table. */
const actionLegend: Partial<Record<RestartAction, string>> = {
  restart:
    '**restart**: a rolling restart (`kubectl rollout restart`), paced by the workload\u2019s own strategy',
  'delete-pods':
    '**delete pods**: its controller replaces a pod only when it is deleted (OnDelete, ReplicaSet)',
  recreate: '**recreate**: a Job or bare Pod is deleted and created again',
  'wait-for-sync':
    '**wait for sync**: mounted files refresh in place within about a minute; nothing restarts',
  'next-run': '**next run**: a CronJob\u2019s next Job reads the new values',
};

const wayLabels: Record<ReadWay, string> = {
  env: 'env',
  envFrom: 'envFrom',
  volume: 'volume',
  subPath: 'subPath',
  init: 'init',
  'hot-reload': 'hot-reload',
  reloader: 'sidecar reload',
};

/** How a way of reading delivers new values, said once under the table. */
const wayLegend: Record<ReadWay, string> = {
  env: '**env**, **envFrom**: read once, when a container starts',
  envFrom: '**env**, **envFrom**: read once, when a container starts',
  subPath: '**subPath**: a file mounted this way is never updated',
  volume:
    '**volume**: the kubelet refreshes the files in place, but a process reads them again only if it hot-reloads (`config-rollout.io/hot-reload: "true"`)',
  init: '**init**: an init container runs only when a pod starts',
  'hot-reload':
    '**hot-reload**: the workload says it reloads mounted files itself, so the kubelet\u2019s refresh is enough',
  reloader:
    '**sidecar reload**: a container in the pod (configmap-reload, Grafana\u2019s sidecar…) reloads the files',
};

/** A workload that reads none of the changed keys: folded into one line. */
export function readsOnlyUnchanged(c: RestartDecision): boolean {
  return c.action === 'none' && c.reads.length === 0;
}

/** How much of the table one rendering keeps. */
export type TableDetail = 'full' | 'compact-others' | 'compact' | 'names' | 'counts';

export const tableDetails: readonly TableDetail[] = ['full', 'compact-others', 'compact', 'names', 'counts'];

const restartLike = new Set<RestartAction>(['blocked', 'restart', 'delete-pods', 'recreate']);

/**
 * The workloads a reviewer scans: one row each with its action, the changed keys it reads and how. Less detail
 * means: other actions without keys, then rows without keys or links, then names only, then counts.
 */
export function renderWorkloads(
  consumers: readonly RestartDecision[],
  options: { links: RepositoryLinks | undefined; maxParallel: number | undefined; detail: TableDetail },
): string | undefined {
  const rows = sorted(consumers.filter((c) => !readsOnlyUnchanged(c)));
  if (rows.length === 0) return undefined;
  const { detail } = options;
  const namespaces = new Set(rows.map((c) => workloadParts(c.workload).namespace));
  const title = '#### What merging does to each workload';
  if (detail === 'counts') return [title, countsLine(rows)].join('\n\n');
  if (detail === 'names') {
    const lines = actionOrder
      .map((action) => rows.filter((c) => c.action === action))
      .filter((group) => group.length > 0)
      .map(
        (group) => `- ${actionLabels[group[0]!.action]} (${group.length}): ${namesByKindAndNamespace(group)}`,
      );
    return [title, lines.join('\n'), pacing(rows, options.maxParallel)].filter(Boolean).join('\n\n');
  }
  const withKeys = (c: RestartDecision) =>
    detail === 'full' || (detail === 'compact-others' && restartLike.has(c.action));
  const table = [
    '| Workload | Action | Changed keys it reads | How |',
    '|---|---|---|---|',
    ...rows.map((c) => {
      const name = codeSpan(shortName(c.workload, namespaces.size > 1, false));
      const { kind } = workloadParts(c.workload);
      const workload =
        detail === 'compact' ? `${kind} ${name}` : linked(`${kind} ${name}`, c.source, options.links);
      const keys = withKeys(c) ? c.reads.map(keysCell).join('<br>') : readsCount(c.reads);
      const how = withKeys(c)
        ? c.reads.map((r) => r.ways.map((w) => wayLabels[w]).join(', ')).join('<br>')
        : [...new Set(c.reads.flatMap((r) => r.ways))].map((w) => wayLabels[w]).join(', ');
      return `| ${workload} | ${actionCell(c)} | ${keys} | ${how} |`;
    }),
  ].join('\n');
  return [title, table, legend(rows), pacing(rows, options.maxParallel)].filter(Boolean).join('\n\n');
}

/** The workloads that read only keys that did not change, folded: every name while it fits, else a count. */
export function renderUnchangedReaders(
  consumers: readonly RestartDecision[],
  named: boolean,
): string | undefined {
  const list = consumers.filter(readsOnlyUnchanged);
  if (list.length === 0) return undefined;
  const summary = `${plural(list.length, 'workload')} read${list.length === 1 ? 's' : ''} only unchanged keys of the changed ConfigMaps: nothing to do.`;
  if (!named) return summary;
  const namespaces = new Set(list.map((c) => workloadParts(c.workload).namespace));
  const names = list.map((c) => codeSpan(shortName(c.workload, namespaces.size > 1))).join(', ');
  return `<details><summary>${summary}</summary>\n\n${names}\n\n</details>`;
}

/** `Deployment in shop: api, web; StatefulSet in shop: worker`: each kind and namespace said once. */
function namesByKindAndNamespace(list: readonly RestartDecision[]): string {
  const groups = new Map<string, string[]>();
  for (const c of list) {
    const { kind, namespace, name } = workloadParts(c.workload);
    const key = `${kind} in ${namespace}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  return [...groups]
    .map(([key, names]) => `${escapeName(key)}: ${names.map(escapeName).join(', ')}`)
    .join('; ');
}

function sorted(consumers: readonly RestartDecision[]): RestartDecision[] {
  return [...consumers].sort(
    (a, b) =>
      actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action) || a.workload.localeCompare(b.workload),
  );
}

/** `Deployment api` (or `Deployment shop/api` when the list spans namespaces); the name alone for a cell. */
function shortName(id: string, withNamespace: boolean, withKind = true): string {
  const { kind, namespace, name } = workloadParts(id);
  const shown = withNamespace ? `${namespace}/${name}` : name;
  return withKind ? `${kind} ${shown}` : shown;
}

function actionCell(c: RestartDecision): string {
  const label = actionLabels[c.action];
  if (c.action === 'none') return c.note ? `${label}: ${escapeName(c.note)}` : label;
  const size: string[] = [];
  if (c.pods !== null && (c.action === 'restart' || c.action === 'delete-pods' || c.action === 'blocked'))
    size.push(plural(c.pods, 'pod'));
  if (c.strategy && (c.action === 'restart' || c.action === 'blocked')) size.push(escapeName(c.strategy));
  return size.length > 0 ? `${label}<br><sub>${size.join(' · ')}</sub>` : label;
}

/** Keys named per cell before "+N more". */
const keysPerCell = 6;

/** `shop-config: DB_POOL_SIZE, LOG_LEVEL` for one ConfigMap the workload reads. */
function keysCell(read: KeyRead): string {
  const named = read.keys.slice(0, keysPerCell).join(', ');
  const more = read.keys.length > keysPerCell ? ` +${read.keys.length - keysPerCell} more` : '';
  const text = `${sourceName(read.configMap)}: ${named || '(whole ConfigMap)'}${more}`;
  return codeSpan(text);
}

function readsCount(reads: readonly KeyRead[]): string {
  const keys = reads.reduce((n, r) => n + r.keys.length, 0);
  return keys > 0 ? `${plural(keys, 'key')} of ${plural(reads.length, 'ConfigMap')}` : '';
}

/** `shop-config`, or `Secret creds`: the namespace is the workload's own. */
function sourceName(ref: string): string {
  const parts = ref.split('/');
  return parts[0] === 'Secret' ? `Secret ${parts.slice(2).join('/')}` : parts.slice(1).join('/');
}

function countsLine(rows: readonly RestartDecision[]): string {
  return actionOrder
    .map((a) => [a, rows.filter((c) => c.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${actionLabels[a]}: ${n}`)
    .join(' · ');
}

function legend(rows: readonly RestartDecision[]): string {
  const ways = new Set(rows.flatMap((c) => c.reads.flatMap((r) => r.ways)));
  const actions = new Set(rows.map((c) => c.action));
  const parts = [
    ...new Set([
      ...actionOrder.filter((a) => actions.has(a) && actionLegend[a]).map((a) => actionLegend[a]!),
      ...(['env', 'envFrom', 'volume', 'subPath', 'init', 'hot-reload', 'reloader'] as const)
        .filter((w) => ways.has(w))
        .map((w) => wayLegend[w]),
    ]),
  ];
  return parts.length > 0 ? `<sub>${parts.join('. ')}.</sub>` : '';
}

/** How the merge paces the restarts: `max-parallel` at a time, each watched to health. */
function pacing(rows: readonly RestartDecision[], maxParallel: number | undefined): string {
  const rolling = rows.filter(
    (c) =>
      c.action === 'restart' ||
      c.action === 'delete-pods' ||
      (c.action === 'none' && c.note?.startsWith('rolls')),
  ).length;
  if (rolling === 0 || maxParallel === undefined) return '';
  const waves = Math.ceil(rolling / maxParallel);
  return `The merge rolls ${plural(rolling, 'workload')}, ${maxParallel} at a time (\`max-parallel\`${waves > 1 ? `: ${waves} waves` : ''}), and watches each until it is healthy; one that fails rolls the whole change back.`;
}
