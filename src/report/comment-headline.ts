import type { RestartAction, RestartDecision } from '../plan/decide.js';
import { reportedConfigMaps } from '../plan/generated-names.js';
import type { Plan } from '../plan/plan.js';
import { codeSpan, escapeName, plural } from './markdown-text.js';

/** `Kind/namespace/name` → its parts. */
export function workloadParts(id: string): { kind: string; namespace: string; name: string } {
  const [kind = '', namespace = '', ...rest] = id.split('/');
  return { kind, namespace, name: rest.join('/') };
}

/** What each action does, as the headline says it of a list of workloads. */
const phrases: { action: RestartAction; note?: string; verb: string; pods: boolean }[] = [
  { action: 'restart', verb: 'restarts', pods: true },
  { action: 'delete-pods', verb: 'deletes the pods of', pods: true },
  { action: 'recreate', verb: 're-creates', pods: false },
  { action: 'none', note: 'rolls by itself', verb: 'rolls out the new template of', pods: true },
  { action: 'none', note: 'your pipeline rolls', verb: 'waits for your pipeline to roll out', pods: true },
  { action: 'wait-for-sync', verb: 'lets the kubelet refresh the files of', pods: false },
  { action: 'next-run', verb: 'leaves to the next run', pods: false },
];

/** Past this many names a phrase counts by kind instead. */
const namedPerPhrase = 4;

/**
 * One line that says what merging does and what it costs:
 * "✅ No blockers · merging restarts DaemonSet web (3 pods), Deployment api (2) · CronJob nightly picks it up…".
 */
export function renderHeadline(plan: Plan, commit: string | undefined, target?: string): string {
  const changedSources = reportedConfigMaps(plan.configMaps, plan.replacements).filter(
    (c) => c.change !== 'unchanged',
  );
  const blockers = plan.findings.filter((f) => f.severity === 'blocker').length;
  const warnings = plan.findings.filter((f) => f.severity === 'warning').length;
  const title = target
    ? `#### Target ${codeSpan(target)}`
    : `### config-rollout plan${commit ? ` · ${codeSpan(commit.slice(0, 7))}` : ''}`;
  const facts: string[] = [];
  const doing = whatMergingDoes(plan.consumers);
  const configs = configCount(changedSources);
  const objects = plan.objects.filter((o) => o.change !== 'removed').length;
  const would = blockers > 0 ? 'would ' : '';
  const others = objects > 0 && plan.applyScope !== 'config' ? plural(objects, 'other object') : undefined;
  const write = blockers > 0 ? 'write' : 'writes';
  if (doing.length > 0) {
    const [first, ...rest] = doing.map((phrase) => verbFor(phrase, blockers > 0));
    facts.push(`merging ${would}${first!}`, ...rest);
    if (others) facts.push(`${write} ${others}`);
  } else if (configs || others) {
    const written = [configs, others].filter(Boolean).join(' and ');
    facts.push(`merging ${would}${write} ${written}${configs ? '; no workload needs a restart' : ''}`);
  }
  if (objects > 0 && plan.applyScope === 'config')
    facts.push(`${plural(objects, 'other object')} left to your pipeline`);
  if (warnings > 0) facts.push(plural(warnings, 'warning'));
  if (!plan.live) facts.push('planned offline: drift and live health not checked');
  const verdict =
    blockers > 0
      ? `❌ ${plural(blockers, 'blocker')}: merging stops before writing anything`
      : changedSources.length === 0 && plan.objects.length === 0
        ? '✅ Nothing to roll out'
        : '✅ No blockers';
  return `${title}\n**${verdict}**${facts.length > 0 ? ` · ${facts.join(' · ')}` : ''}`;
}

/** `merging restarts …` reads as `merging would restart …` when blockers stop it. */
function verbFor(phrase: string, conditional: boolean): string {
  if (!conditional) return phrase;
  return phrase
    .replace(/^restarts /, 'restart ')
    .replace(/^deletes /, 'delete ')
    .replace(/^re-creates /, 're-create ')
    .replace(/^rolls /, 'roll ')
    .replace(/^lets /, 'let ')
    .replace(/^waits /, 'wait ')
    .replace(/^leaves /, 'leave ');
}

function configCount(changed: Plan['configMaps']): string | undefined {
  if (changed.length === 0) return undefined;
  const secrets = changed.filter((c) => c.kind === 'Secret').length;
  const configMaps = changed.length - secrets;
  return [configMaps ? plural(configMaps, 'ConfigMap') : '', secrets ? plural(secrets, 'Secret') : '']
    .filter(Boolean)
    .join(' and ');
}

/** One phrase per action that does something, in the order a merge does them; CronJobs read as a sentence. */
function whatMergingDoes(consumers: readonly RestartDecision[]): string[] {
  const out: string[] = [];
  for (const phrase of phrases) {
    const list = consumers.filter(
      (c) => c.action === phrase.action && (phrase.note === undefined || c.note?.startsWith(phrase.note)),
    );
    if (list.length === 0) continue;
    if (phrase.action === 'next-run') {
      const names = nameList(list, false);
      out.push(`${names} ${list.length === 1 ? 'picks' : 'pick'} it up on the next run`);
      continue;
    }
    out.push(`${phrase.verb} ${nameList(list, phrase.pods)}`);
  }
  return out;
}

/** `DaemonSet web (3 pods), Deployment api (2)`, or by kind when long: `300 Deployments (900 pods)`. */
function nameList(list: readonly RestartDecision[], withPods: boolean): string {
  const namespaces = new Set(list.map((c) => workloadParts(c.workload).namespace));
  if (list.length <= namedPerPhrase) {
    let podsSaid = false;
    return list
      .map((c) => {
        const { kind, namespace, name } = workloadParts(c.workload);
        const shown = namespaces.size > 1 ? `${namespace}/${name}` : name;
        let pods = '';
        if (withPods && c.pods !== null) {
          pods = podsSaid ? ` (${c.pods})` : ` (${plural(c.pods, 'pod')})`;
          podsSaid = true;
        }
        return `${kind} ${escapeName(shown)}${pods}`;
      })
      .join(', ');
  }
  const byKind = new Map<string, RestartDecision[]>();
  for (const c of list) {
    const { kind } = workloadParts(c.workload);
    byKind.set(kind, [...(byKind.get(kind) ?? []), c]);
  }
  return [...byKind]
    .map(([kind, group]) => {
      const known = group.filter((c) => c.pods !== null);
      const pods = known.reduce((sum, c) => sum + c.pods!, 0);
      const count =
        withPods && known.length > 0
          ? ` (${known.length < group.length ? 'at least ' : ''}${plural(pods, 'pod')})`
          : '';
      return `${plural(group.length, kind)}${count}`;
    })
    .join(', ');
}
