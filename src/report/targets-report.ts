import { hasBlockers, type Plan } from '../plan/plan.js';
import { commentMarker, githubCommentLimit, renderPlanComment, type CommentContext } from './comment.js';
import { codeSpan, escapeText, plural } from './markdown-text.js';
import { planToJson } from './plan-json.js';

/** A config file's target and its plan, as the reports show it. */
export interface PlannedTarget {
  name: string;
  plan: Plan;
  /** How its cluster was read (or why not). */
  notices?: readonly string[];
}

/**
 * The comment for a config file's targets: a title that names each target the change touches with its verdict,
 * then one section per target (its own headline, blockers, table…) sharing the space evenly. Targets the change
 * does not touch are left out; `of` says how many the file has.
 */
export function renderTargetsComment(
  planned: readonly PlannedTarget[],
  of: number,
  context: CommentContext = {},
  limit = githubCommentLimit,
): string {
  const commit = context.commit ?? context.links?.sha;
  const title = `### config-rollout plan${commit ? ` · ${codeSpan(commit.slice(0, 7))}` : ''}`;
  const head = [commentMarker, title];
  for (const notice of context.notices ?? []) head.push(`> ${escapeText(notice)}`);
  if (planned.length === 0) {
    head.push(`**✅ Nothing to roll out** · the change touches none of the ${plural(of, 'target')}`);
    return head.join('\n\n') + '\n';
  }
  const verdicts = planned.map((t) => `${hasBlockers(t.plan) ? '❌' : '✅'} ${codeSpan(t.name)}`);
  const untouched = of - planned.length;
  head.push(
    `${plural(planned.length, 'target')} changed: ${verdicts.join(', ')}` +
      (untouched > 0 ? ` · ${plural(untouched, 'other target')} untouched` : ''),
  );
  const used = head.join('\n\n').length + 2;
  const each = Math.floor((limit - used) / planned.length) - 2;
  const sections = planned.map((t) =>
    renderPlanComment(
      t.plan,
      { ...context, notices: t.notices ?? [], target: t.name, commit: undefined },
      each,
    ).trimEnd(),
  );
  return [...head, ...sections].join('\n\n') + '\n';
}

/**
 * The plan JSON for a config file's targets: the same arrays as one plan's, every entry naming its `target`,
 * and `targets` listing those the change touches.
 */
export function targetsToJson(planned: readonly PlannedTarget[]) {
  const out: Record<string, unknown[]> = { targets: planned.map((t) => t.name) };
  for (const t of planned) {
    for (const [field, entries] of Object.entries(planToJson(t.plan))) {
      if (!Array.isArray(entries)) continue;
      (out[field] ??= []).push(...entries.map((e: object) => ({ target: t.name, ...e })));
    }
  }
  for (const field of ['configMaps', 'consumers', 'objects', 'findings']) out[field] ??= [];
  return out;
}
