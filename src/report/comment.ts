import type { ConfigMapChange } from '../plan/configmap-diff.js';
import type { RestartAction, RestartDecision } from '../plan/decide.js';
import type { Finding } from '../plan/findings.js';
import type { ObjectChange } from '../plan/object-changes.js';
import type { Plan } from '../plan/plan.js';
import { codeSpan, escapeText, escapeWithCode, fencedBlock, plural, truncate } from './markdown-text.js';
import { renderValueDiff, type ValueDiffLimits } from './value-diff.js';

/** Hidden marker that finds our sticky comment again on the next push. */
export const commentMarker = '<!-- config-rollout:plan -->';

/** GitHub refuses comments longer than this (characters). */
export const githubCommentLimit = 65_536;

export interface CommentContext {
  /** Shown under the headline, e.g. "Planned offline: no cluster credentials". */
  notices?: readonly string[];
  /** Where the full plan can be read when the comment had to summarise (job summary, artifact). */
  fullPlanHint?: string;
}

const actionLabels: Record<RestartAction, string> = {
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

const severityIcons: Record<Finding['severity'], string> = { blocker: '❌', warning: '⚠️', info: 'ℹ️' };

/** How much detail one rendering keeps; the renderer steps down until the comment fits. */
interface Detail {
  values: ValueDiffLimits | null;
  rows: number;
  findings: number;
  cellChars: number;
}

const detailLevels: Detail[] = [
  { values: { valueChars: 300, diffLines: 60 }, rows: 500, findings: 300, cellChars: 2000 },
  { values: { valueChars: 120, diffLines: 12 }, rows: 300, findings: 200, cellChars: 800 },
  { values: null, rows: 200, findings: 100, cellChars: 400 },
  { values: null, rows: 40, findings: 30, cellChars: 300 },
];

/** The PR comment (and job summary): a headline, the workloads, the findings, then each ConfigMap's diff. */
export function renderPlanComment(
  plan: Plan,
  context: CommentContext = {},
  limit = githubCommentLimit,
): string {
  for (const detail of detailLevels) {
    const text = render(plan, context, detail);
    if (text.length <= limit) return text;
  }
  // Nothing else fits: the headline and counts still tell the reviewer what to look at.
  return truncate([commentMarker, headline(plan), summarisedNote(context)].join('\n\n'), limit - 40);
}

function render(plan: Plan, context: CommentContext, detail: Detail): string {
  const changed = plan.configMaps.filter((c) => c.change !== 'unchanged');
  const parts = [commentMarker, headline(plan)];
  for (const notice of context.notices ?? []) parts.push(`> ${escapeText(notice)}`);
  if (changed.length === 0) {
    parts.push('No ConfigMap changes in this change: nothing to restart.');
    parts.push(...objectsSection(plan, detail));
    parts.push(...findingsSection(plan.findings, detail));
    return parts.join('\n\n') + '\n';
  }
  parts.push(...workloadsSection(plan.consumers, detail));
  parts.push(...objectsSection(plan, detail));
  parts.push(...findingsSection(plan.findings, detail));
  parts.push(...configMapsSection(changed, detail));
  if (detail !== detailLevels[0]) parts.push(summarisedNote(context));
  return parts.join('\n\n') + '\n';
}

/** `ns/name` for a ConfigMap, `Secret ns/name` for a Secret. */
export function displayRef(change: Pick<ConfigMapChange, 'kind' | 'namespace' | 'name'>): string {
  return change.kind === 'Secret'
    ? `Secret ${change.namespace}/${change.name}`
    : `${change.namespace}/${change.name}`;
}

function headline(plan: Plan): string {
  const changedSources = plan.configMaps.filter((c) => c.change !== 'unchanged');
  const changed = changedSources.filter((c) => c.kind === 'ConfigMap').length;
  const changedSecrets = changedSources.length - changed;
  const restarts = plan.consumers.filter((c) => c.action === 'restart').length;
  const other = plan.consumers.filter((c) => !['restart', 'none', 'blocked'].includes(c.action)).length;
  const blockers = plan.findings.filter((f) => f.severity === 'blocker').length;
  const warnings = plan.findings.filter((f) => f.severity === 'warning').length;
  const facts = [
    (changedSecrets > 0
      ? `${plural(changed, 'ConfigMap')} and ${plural(changedSecrets, 'Secret')}`
      : plural(changed, 'ConfigMap')) + ' changed',
    `${plural(restarts, 'workload')} need${restarts === 1 ? 's' : ''} a restart`,
  ];
  if (other > 0) facts.push(`${plural(other, 'workload')} need${other === 1 ? 's' : ''} other action`);
  const objects = plan.objects.filter((o) => o.change !== 'removed').length;
  if (objects > 0)
    facts.push(
      `${plural(objects, 'other object')} ${plan.applyScope === 'config' ? 'left to your pipeline' : 'written'}`,
    );
  if (blockers > 0) facts.push(`**${plural(blockers, 'blocker')}**`);
  if (warnings > 0) facts.push(plural(warnings, 'warning'));
  const verdict =
    blockers > 0
      ? '❌ Not safe to merge'
      : changedSources.length === 0 && plan.objects.length === 0
        ? '✅ Nothing to roll out'
        : '✅ Safe to merge';
  return `### config-rollout plan\n**${verdict}** · ${facts.join(' · ')}`;
}

function workloadsSection(consumers: readonly RestartDecision[], detail: Detail): string[] {
  if (consumers.length === 0) return ['No workload in the manifests reads the changed ConfigMaps.'];
  const sorted = [...consumers].sort(
    (a, b) =>
      actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action) || a.workload.localeCompare(b.workload),
  );
  const shown = sorted.slice(0, detail.rows);
  const rows = shown.map(
    (c) =>
      `| ${codeSpan(c.workload)} | ${actionLabels[c.action]} | ${escapeWithCode(truncate(c.reasons.join(' '), detail.cellChars))} |`,
  );
  const table = ['| Workload | Action | Why |', '|---|---|---|', ...rows].join('\n');
  const more = sorted.length - shown.length;
  const counts = actionOrder
    .map((a) => [a, sorted.filter((c) => c.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} ${actionLabels[a]}`)
    .join(', ');
  const rest = more > 0 ? [`…and ${plural(more, 'more workload')} (${counts} in all).`] : [];
  return ['#### Workloads', table, ...rest];
}

const objectVerbs: Record<ObjectChange['change'], string> = {
  added: 'creates',
  modified: 'changes',
  removed: 'removes (deleted with `prune`, else kept)',
};

/**
 * What the merge writes besides config, one line per object with the fields that change; with apply-scope config
 * the same list is what the pipeline's own step must apply (config-rollout writes none of it).
 */
function objectsSection(plan: Pick<Plan, 'objects' | 'applyScope'>, detail: Detail): string[] {
  const { objects } = plan;
  if (objects.length === 0) return [];
  const shown = objects.slice(0, detail.rows);
  const lines = shown.map((o) => {
    const fields = o.fields.length > 0 ? `: ${o.fields.map((f) => codeSpan(f)).join(', ')}` : '';
    return `- ${objectVerbs[o.change]} ${codeSpan(o.id)}${truncate(fields, detail.cellChars)}`;
  });
  if (objects.length > shown.length)
    lines.push(`- …and ${plural(objects.length - shown.length, 'more object')}.`);
  const title =
    plan.applyScope === 'config'
      ? '#### Other objects in this change (apply-scope is config: your pipeline applies them, config-rollout does not)'
      : '#### Other objects the merge writes';
  return [title, lines.join('\n')];
}

function findingsSection(findings: readonly Finding[], detail: Detail): string[] {
  const important = findings.filter((f) => f.severity !== 'info');
  const notes = findings.filter((f) => f.severity === 'info');
  const parts: string[] = [];
  if (important.length > 0) {
    const shown = important.slice(0, detail.findings);
    const lines = shown.map(findingLine(detail));
    if (important.length > shown.length)
      lines.push(`- …and ${plural(important.length - shown.length, 'more finding')}.`);
    parts.push('#### Findings', lines.join('\n'));
  }
  if (notes.length > 0) {
    const shown = notes.slice(0, Math.max(5, Math.floor(detail.findings / 4)));
    const lines = shown.map(findingLine(detail));
    if (notes.length > shown.length)
      lines.push(`- …and ${plural(notes.length - shown.length, 'more note')}.`);
    parts.push(
      `<details><summary>${plural(notes.length, 'note')}</summary>\n\n${lines.join('\n')}\n\n</details>`,
    );
  }
  return parts;
}

function findingLine(detail: Detail): (f: Finding) => string {
  return (f) => {
    const where = f.file ? ` ${codeSpan(f.line ? `${f.file}:${f.line}` : f.file)}` : '';
    return `- ${severityIcons[f.severity]} **${f.code}**${where} — ${escapeWithCode(truncate(f.message, detail.cellChars))}`;
  };
}

function configMapsSection(changed: readonly ConfigMapChange[], detail: Detail): string[] {
  const blocks = changed.map((c) => {
    const summary = `<code>${escapeText(displayRef(c))}</code> — ${escapeText(describeChange(c))}`;
    if (!detail.values) return `- ${summary.replace(/<\/?code>/g, '`')}`;
    const body = fencedBlock(renderValueDiff(c, detail.values), 'diff');
    return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
  });
  const title = changed.some((c) => c.kind === 'Secret')
    ? '#### ConfigMaps and Secrets (Secret values are never shown)'
    : '#### ConfigMaps';
  return [title, blocks.join('\n')];
}

function describeChange(change: ConfigMapChange): string {
  const k = change.keys;
  const counts = [
    k.changed.length ? `${k.changed.length} changed` : '',
    k.added.length ? `${k.added.length} added` : '',
    k.removed.length ? `${k.removed.length} removed` : '',
  ].filter(Boolean);
  const label = change.change === 'modified' ? 'modified' : change.change === 'added' ? 'new' : 'removed';
  return `${label}${counts.length ? `: ${counts.join(', ')} ${counts.length === 1 && k.changed.length + k.added.length + k.removed.length === 1 ? 'key' : 'keys'}` : ''}${change.immutable ? ' (immutable)' : ''}`;
}

function summarisedNote(context: CommentContext): string {
  const where = context.fullPlanHint ? ` ${escapeText(context.fullPlanHint)}` : '';
  return `_This plan is summarised to fit a GitHub comment.${where}_`;
}
