import type { ApplyResult, WorkloadResult } from '../apply/apply-result.js';
import { codeSpan, escapeText, escapeWithCode, truncate } from './markdown-text.js';

const headlines: Record<ApplyResult['result'], string> = {
  'no-change': '✅ Nothing to apply',
  applied: '✅ Applied',
  'rolled-back': '↩️ Rolled back',
  failed: '❌ Failed',
};

const outcomeLabels: Record<WorkloadResult['outcome'], string> = {
  healthy: '✅ healthy',
  failed: '❌ failed',
  'rolled-back': '↩️ rolled back',
  skipped: '⏭️ skipped',
  untouched: '— untouched',
};

/** Apply's outcome as markdown, for the job summary and the merged PR's comment. */
export function renderApplyReport(result: ApplyResult): string {
  const parts = [
    `### config-rollout apply${result.dryRun ? ' (dry run)' : ''}`,
    `**${headlines[result.result]}** — ${escapeText(result.message.split('\n')[0]!)}`,
  ];
  const rest = result.message.split('\n').slice(1);
  if (rest.length > 0) parts.push(rest.map((l) => escapeWithCode(l)).join('\n'));
  if (result.configMaps.length > 0) {
    parts.push(
      [
        '| ConfigMap | Outcome | Keys |',
        '|---|---|---|',
        ...result.configMaps.map(
          (c) => `| ${codeSpan(c.ref)} | ${c.outcome} | ${escapeText(c.keys.join(', ') || c.detail || '')} |`,
        ),
      ].join('\n'),
    );
  }
  if ((result.objects ?? []).length > 0) {
    parts.push(
      [
        '| Object | Outcome | Fields |',
        '|---|---|---|',
        ...(result.objects ?? []).map(
          (o) =>
            `| ${codeSpan(o.object)} | ${o.outcome} | ${escapeWithCode(truncate([o.fields.join(', '), o.detail ?? ''].filter(Boolean).join(' — '), 600))} |`,
        ),
      ].join('\n'),
    );
  }
  if (result.workloads.length > 0) {
    const rows = result.workloads.map((w) => {
      const why = [w.reason, ...(w.failures ?? []).map((f) => `• ${f}`)].join(' ');
      return `| ${codeSpan(w.workload)} | ${w.action} | ${outcomeLabels[w.outcome]}${w.restarted ? ' (restarted)' : ''} | ${escapeWithCode(truncate(why, 600))} |`;
    });
    parts.push(['| Workload | Action | Outcome | Details |', '|---|---|---|---|', ...rows].join('\n'));
  }
  return parts.join('\n\n') + '\n';
}

/** Apply's outcome as plain lines for a terminal or the job log. */
export function renderApplyText(result: ApplyResult): string {
  const lines = [`${result.result.toUpperCase()}${result.dryRun ? ' (dry run)' : ''}: ${result.message}`];
  for (const c of result.configMaps)
    lines.push(`  configmap ${c.ref}: ${c.outcome}${c.keys.length ? ` (${c.keys.join(', ')})` : ''}`);
  for (const o of result.objects ?? [])
    lines.push(
      `  ${o.object}: ${o.outcome}${o.detail ? ` — ${o.detail}` : o.fields.length ? ` (${o.fields.join(', ')})` : ''}`,
    );
  for (const w of result.workloads) {
    lines.push(`  ${w.workload}: ${w.outcome}${w.restarted ? ', restarted' : ''} — ${w.reason}`);
    for (const f of w.failures ?? []) lines.push(`      ${f}`);
  }
  return lines.join('\n') + '\n';
}
