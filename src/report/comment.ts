import { reportedConfigMaps } from '../plan/generated-names.js';
import type { Plan } from '../plan/plan.js';
import { renderConfigMaps, configMapDetails } from './comment-configmaps.js';
import { renderBlockers, renderNotes, renderObjects, renderWarnings } from './comment-findings.js';
import { renderHeadline } from './comment-headline.js';
import type { RepositoryLinks } from './comment-links.js';
import { renderUnchangedReaders, renderWorkloads, tableDetails } from './comment-workloads.js';
import { escapeText, truncate } from './markdown-text.js';

export { displayRef } from './comment-configmaps.js';

/** Hidden marker that finds our sticky comment again on the next push. */
export const commentMarker = '<!-- config-rollout:plan -->';

/** GitHub refuses comments longer than this (characters). */
export const githubCommentLimit = 65_536;

/** GitHub's limit for one step's job summary (bytes; the plan is mostly ASCII, so characters come close). */
export const jobSummaryLimit = 1024 * 1024;

export interface CommentContext {
  /** Shown under the headline, e.g. "Planned offline: no cluster credentials". */
  notices?: readonly string[];
  /** Markdown that says where the whole plan is (job summary, artifact), shown when parts were left out. */
  fullPlanHint?: string;
  /** Links files to their lines at the head commit (the action); without it, paths are printed (the CLI). */
  links?: RepositoryLinks;
  /** The head commit the plan was made at; defaults to the links' commit. */
  commit?: string;
  /** The merge's `max-parallel`, to say how restarts are paced. */
  maxParallel?: number;
  /** The config file's target this plan is of: its section in a comment on several targets (no marker). */
  target?: string;
}

/** One part of the comment: its renderings from richest to leanest, and what the leaner ones leave out. */
interface Section {
  name: string;
  variants: readonly (string | undefined)[];
  /** What a reader misses when variant i (i > 0) or none is used. */
  shortened: string;
}

/**
 * The PR comment (and the job summary, with a larger limit): what merging does first, blockers complete, then a
 * table to scan, warnings, other objects, ConfigMap diffs, notes. Space goes in that order: when the whole plan
 * doesn't fit, later parts get leaner renderings (then none), and the comment says what it left out.
 */
export function renderPlanComment(
  plan: Plan,
  context: CommentContext = {},
  limit = githubCommentLimit,
): string {
  const links = context.links;
  const changed = reportedConfigMaps(plan.configMaps, plan.replacements).filter(
    (c) => c.change !== 'unchanged',
  );
  const headline = renderHeadline(plan, context.commit ?? links?.sha, context.target);
  const head = context.target === undefined ? [commentMarker, headline] : [headline];
  for (const notice of context.notices ?? []) head.push(`> ${escapeText(notice)}`);
  const blockers = [2_000, 400, 160]
    .map((chars) => renderBlockers(plan.findings, links, chars))
    .find((text, i, all) => i === all.length - 1 || fits(head, text, limit - 400));
  if (blockers) head.push(blockers);
  if (changed.length === 0) head.push('No ConfigMap changes in this change: nothing to restart.');
  else if (plan.consumers.length === 0)
    head.push('No workload in the manifests reads the changed ConfigMaps.');

  const sections: Section[] = [
    {
      name: 'workloads',
      variants: tableDetails.map((detail) =>
        renderWorkloads(plan.consumers, { links, maxParallel: context.maxParallel, detail }),
      ),
      shortened: 'the workload table (leaner rows)',
    },
    {
      name: 'warnings',
      variants: [
        { count: 300, messageChars: 2_000 },
        { count: 60, messageChars: 300 },
        { count: 10, messageChars: 200 },
      ].map((l) => renderWarnings(plan.findings, links, l)),
      shortened: 'warnings',
    },
    {
      name: 'objects',
      variants: [
        { count: 500, cellChars: 2_000 },
        { count: 100, cellChars: 300 },
        { count: 20, cellChars: 200 },
      ].map((l) => renderObjects(plan, l)),
      shortened: 'the other objects',
    },
    {
      name: 'configmaps',
      variants: configMapDetails.map((detail) => renderConfigMaps(changed, plan.consumers, detail)),
      shortened: 'the ConfigMap diffs',
    },
    {
      name: 'notes',
      variants: [
        { count: 200, messageChars: 1_000 },
        { count: 20, messageChars: 200 },
      ].map((l) => renderNotes(plan.findings, links, l)),
      shortened: 'notes',
    },
    {
      name: 'unchanged',
      variants: [true, false].map((named) => renderUnchangedReaders(plan.consumers, named)),
      shortened: 'the names of workloads that read only unchanged keys',
    },
  ];

  const order = ['workloads', 'unchanged', 'warnings', 'objects', 'configmaps', 'notes'];
  const richest = new Map(sections.flatMap((s) => (s.variants[0] ? [[s.name, s.variants[0]] as const] : [])));
  const whole = [...head, ...order.flatMap((name) => (richest.has(name) ? [richest.get(name)!] : []))];
  // Where the whole plan is (job summary, artifact): a footer when nothing was cut, else in the cut note.
  const footer = context.fullPlanHint ? [`<sub>${context.fullPlanHint}</sub>`] : [];
  if (length([...whole, ...footer]) - 1 <= limit) return [...whole, ...footer].join('\n\n') + '\n';

  // Room for the note that says what was left out, at its longest.
  const reserve =
    cutNote(
      sections.map((s) => s.shortened),
      context,
      limit,
    ).length + 2;
  let used = length(head);
  const chosen = new Map<string, string>();
  const leftOut: string[] = [];
  for (const section of sections) {
    if (section.variants.every((v) => v === undefined)) continue;
    const budget = limit - reserve - used;
    const index = section.variants.findIndex((v) => v !== undefined && v.length + 2 <= budget);
    if (index > 0 || index === -1) leftOut.push(section.shortened);
    if (index === -1) continue;
    chosen.set(section.name, section.variants[index]!);
    used += section.variants[index]!.length + 2;
  }
  const parts = [...head, ...order.flatMap((name) => (chosen.has(name) ? [chosen.get(name)!] : []))];
  if (leftOut.length > 0) parts.push(cutNote(leftOut, context, limit));
  const text = parts.join('\n\n') + '\n';
  // Only blockers too many for any rendering get here: cut them, saying so, rather than fail to comment.
  return text.length <= limit ? text : truncate(text, limit - 60);
}

function fits(head: readonly string[], text: string | undefined, limit: number): boolean {
  return text === undefined || length(head) + text.length + 2 <= limit;
}

function length(parts: readonly string[]): number {
  return parts.reduce((n, p) => n + p.length + 2, 0);
}

function cutNote(leftOut: readonly string[], context: CommentContext, limit: number): string {
  const where = context.fullPlanHint ? ` ${context.fullPlanHint}` : '';
  const size =
    limit === githubCommentLimit ? "GitHub's 65,536-character comment limit" : `${limit} characters`;
  return `_Shortened to fit ${size}: ${leftOut.join(', ')}.${where}_`;
}
