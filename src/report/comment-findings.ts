import type { Finding } from '../plan/findings.js';
import type { ObjectChange } from '../plan/object-changes.js';
import type { Plan } from '../plan/plan.js';
import { locationLink, type RepositoryLinks } from './comment-links.js';
import { codeSpan, escapeWithCode, plural, truncate } from './markdown-text.js';

const severityIcons: Record<Finding['severity'], string> = { blocker: '❌', warning: '⚠️', info: 'ℹ️' };

/**
 * Every blocker, one per problem, in a GitHub CAUTION alert right under the headline: what breaks, the line the
 * author changed, the consumer's line, the way out. `messageChars` shortens long messages when space is short;
 * blockers themselves are never left out.
 */
export function renderBlockers(
  findings: readonly Finding[],
  links: RepositoryLinks | undefined,
  messageChars = 2_000,
): string | undefined {
  const blockers = findings.filter((f) => f.severity === 'blocker');
  if (blockers.length === 0) return undefined;
  const lines = blockers.map((f) => `> - ${findingText(f, links, messageChars)}`);
  return [
    '> [!CAUTION]',
    `> **${blockers.length === 1 ? 'This blocks the merge' : `${blockers.length} problems block the merge`}** — fix ${blockers.length === 1 ? 'it' : 'them'} first; a merge with a blocker writes nothing.`,
    '>',
    ...lines,
  ].join('\n');
}

interface ListLimit {
  count: number;
  messageChars: number;
}

/** Warnings as a list, each with its line. */
export function renderWarnings(
  findings: readonly Finding[],
  links: RepositoryLinks | undefined,
  limit: ListLimit,
): string | undefined {
  const list = findingList(findings, 'warning', links, limit);
  return list && `#### ${plural(list.count, 'warning')}\n\n${list.lines}`;
}

/** Notes (info findings) folded away. */
export function renderNotes(
  findings: readonly Finding[],
  links: RepositoryLinks | undefined,
  limit: ListLimit,
): string | undefined {
  const list = findingList(findings, 'info', links, limit);
  return list && `<details><summary>${plural(list.count, 'note')}</summary>\n\n${list.lines}\n\n</details>`;
}

/** Blockers are all listed (renderBlockers): only warnings and notes are counted past a limit. */
type CountedSeverity = Exclude<Finding['severity'], 'blocker'>;
const nouns: Record<CountedSeverity, string> = { warning: 'warning', info: 'note' };

/** The findings of one severity as list items, the ones past `count` counted. */
function findingList(
  findings: readonly Finding[],
  severity: CountedSeverity,
  links: RepositoryLinks | undefined,
  limit: ListLimit,
): { count: number; lines: string } | undefined {
  const all = findings.filter((f) => f.severity === severity);
  if (all.length === 0) return undefined;
  const shown = all.slice(0, limit.count);
  const lines = shown.map((f) => `- ${findingText(f, links, limit.messageChars)}`);
  if (all.length > shown.length)
    lines.push(`- …and ${plural(all.length - shown.length, `more ${nouns[severity]}`)}.`);
  return { count: all.length, lines: lines.join('\n') };
}

function findingText(f: Finding, links: RepositoryLinks | undefined, messageChars: number): string {
  const where = [f.file && f.line ? { file: f.file, line: f.line } : null, ...(f.also ?? [])]
    .filter((at) => at !== null)
    .map((at) => locationLink(at, links));
  const place = where.length > 0 ? ` (${where.join(' · ')})` : f.file ? ` (${codeSpan(f.file)})` : '';
  return `${severityIcons[f.severity]} **${f.code}** — ${escapeWithCode(truncate(f.message, messageChars))}${place}`;
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
export function renderObjects(
  plan: Pick<Plan, 'objects' | 'applyScope'>,
  limit: { count: number; cellChars: number },
): string | undefined {
  const { objects } = plan;
  if (objects.length === 0) return undefined;
  const shown = objects.slice(0, limit.count);
  const lines = shown.map((o) => {
    const fields = o.fields.length > 0 ? `: ${o.fields.map((f) => codeSpan(f)).join(', ')}` : '';
    return `- ${objectVerbs[o.change]} ${codeSpan(o.id)}${truncate(fields, limit.cellChars)}`;
  });
  if (objects.length > shown.length)
    lines.push(`- …and ${plural(objects.length - shown.length, 'more object')}.`);
  const title =
    plan.applyScope === 'config'
      ? '#### Other objects in this change (apply-scope is config: your pipeline applies them, config-rollout does not)'
      : '#### Other objects the merge writes';
  return [title, lines.join('\n')].join('\n\n');
}
