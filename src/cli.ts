#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { resolveCluster } from './cluster/connection.js';
import { parseDuration } from './duration.js';
import { hasBlockers } from './plan/plan.js';
import { buildReferenceGraph } from './plan/reference-graph.js';
import { planChangeOrOffline } from './plan-change.js';
import { renderApplyReport, renderApplyText } from './report/apply-report.js';
import { renderPlanComment } from './report/comment.js';
import { planToJson, refsToJson } from './report/plan-json.js';
import { renderRefsTable } from './report/refs-table.js';
import { getErrorMessage, InputError } from './sources/input-error.js';
import { loadManifests, type RenderSettings } from './sources/load-manifests.js';
import {
  defaultConfigFile,
  findTargetsConfig,
  readTargetsConfig,
  type Target,
} from './sources/targets-config.js';
import { describeReach, helmSettings, planTargets, reachedTargets, targetSettings } from './plan-targets.js';
import { renderTargetsComment, targetsToJson } from './report/targets-report.js';

/** Exit codes: 0 no blockers, 1 blockers, 2 bad usage, unreadable input, or a cluster that can't be read. */
const exitBlockers = 1;
const exitUsage = 2;

interface ChangeOptions {
  manifests?: string[];
  config?: string;
  target?: string[];
  base?: string[];
  baseRef?: string;
  namespace: string;
  volumeMounts: 'restart' | 'hot-reload';
  kubeconfig?: string;
  context?: string;
  secrets?: boolean;
  applyScope: 'all' | 'config';
  forceConflicts?: boolean;
  values: string[];
  set: string[];
  release?: string;
  enableHelm?: boolean;
}

/** `--values a --values b`: each given file, in order. */
const repeated = (value: string, previous: string[]) => [...previous, value];

/** The options plan and apply share: both sides of the change and the cluster. */
function changeOptions(command: Command): Command {
  return command
    .option(
      '--manifests <paths...>',
      'manifest files, folders or globs after the change; a kustomization or chart folder is rendered',
    )
    .option('--config <file>', `the targets to plan (default: ${defaultConfigFile} when there is one)`)
    .option('--target <names...>', "only these of the config file's targets")
    .option('--base <paths...>', 'manifests before the change')
    .option('--base-ref <gitref>', 'read the same --manifests paths at this git revision as the base')
    .option('--namespace <ns>', "namespace for objects that set none (and a Helm release's)", 'default')
    .option('--values <file>', "a chart's values file, repeatable: later files win", repeated, [])
    .option('--set <key=value>', 'a chart value, repeatable, after the values files', repeated, [])
    .option('--release <name>', "the Helm release name (default: the chart's name)")
    .option('--enable-helm', 'let a kustomization inflate its helmCharts (needs helm on PATH)')
    .addOption(
      new Option('--volume-mounts <policy>', 'plain volume mounts: restart, or trust apps to hot-reload')
        .choices(['restart', 'hot-reload'])
        .default('restart'),
    )
    .option('--secrets', 'treat Secrets as config sources too (values are never shown)')
    .addOption(
      new Option(
        '--apply-scope <scope>',
        'what apply writes: all (every object of the change), or config (ConfigMaps, Secrets and restarts only)',
      )
        .choices(['all', 'config'])
        .default('all'),
    )
    .option('--force-conflicts', 'take over fields other field managers own when the change sets them')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: its current context)');
}

type PlanOptions = ChangeOptions & {
  offline?: boolean;
  onUnreachable: 'fail' | 'offline';
  format: 'markdown' | 'json';
};

/** How kustomization and chart folders among the manifests are rendered: with the renderers on PATH. */
function renderOf(opts: ChangeOptions): RenderSettings {
  return { searchPath: process.env['PATH'] ?? '', helm: helmSettings(opts) };
}

/**
 * What to plan: the `--manifests` given, or the targets of the config file (`--config`, else
 * config-rollout.yaml when there is one), narrowed to `--target`.
 */
function targetsOf(opts: ChangeOptions): { manifests: string[] } | { targets: Target[]; file: string } {
  if (opts.manifests !== undefined) {
    if (opts.config !== undefined || opts.target !== undefined)
      throw new InputError('Give --manifests, or --config/--target, not both.');
    return { manifests: opts.manifests };
  }
  const file = findTargetsConfig(process.cwd(), opts.config);
  if (file === undefined) {
    throw new InputError(
      `Give --manifests PATH... (files, folders, a kustomization or a chart), or list targets in ${defaultConfigFile} (or --config FILE).`,
    );
  }
  if (opts.base !== undefined)
    throw new InputError(`--base reads other paths; with the targets of ${file} use --base-ref.`);
  const config = readTargetsConfig(file, process.cwd());
  const wanted = opts.target;
  const unknown = (wanted ?? []).filter((name) => !config.targets.some((t) => t.name === name));
  if (unknown.length > 0) {
    throw new InputError(
      `No target ${unknown.map((n) => `'${n}'`).join(', ')} in ${file} (it has ${config.targets.map((t) => t.name).join(', ')}).`,
    );
  }
  const targets = wanted ? config.targets.filter((t) => wanted.includes(t.name)) : config.targets;
  return { targets, file };
}

function baseOf(opts: ChangeOptions): { gitRef: string } | { paths: string[] } {
  if ((opts.base === undefined) === (opts.baseRef === undefined)) {
    throw new InputError('Give exactly one of --base PATH... or --base-ref GITREF.');
  }
  return opts.baseRef !== undefined ? { gitRef: opts.baseRef } : { paths: opts.base! };
}

function buildProgram(): Command {
  const program = new Command('config-rollout')
    .description(
      'Plan and apply ConfigMap changes on Kubernetes: which keys changed, who reads them, what each needs.',
    )
    .exitOverride()
    .showHelpAfterError();

  program
    .command('refs')
    .description('Show which workloads read which ConfigMaps, and how.')
    .requiredOption('--manifests <paths...>', 'manifest files, folders or globs')
    .option('--namespace <ns>', 'namespace for objects that set none', 'default')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { manifests: string[]; namespace: string; format: 'table' | 'json' }) => {
      const parsed = await loadManifests({
        patterns: opts.manifests,
        cwd: process.cwd(),
        defaultNamespace: opts.namespace,
        render: { searchPath: process.env['PATH'] ?? '' },
      });
      const graph = buildReferenceGraph(parsed.objects);
      write(opts.format === 'json' ? json(refsToJson(graph)) : renderRefsTable(graph));
    });

  changeOptions(
    program
      .command('plan')
      .description(
        'Plan a change: diff ConfigMaps key by key between base, head and the cluster, and decide what each consumer needs.',
      ),
  )
    .option('--offline', 'plan from the manifests alone, without a cluster')
    .addOption(
      new Option(
        '--on-unreachable <action>',
        'when the cluster cannot be read: fail, or plan offline and say so',
      )
        .choices(['fail', 'offline'])
        .default('fail'),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'),
    )
    .action(async (opts: PlanOptions) => {
      const base = baseOf(opts);
      const what = targetsOf(opts);
      if ('targets' in what) {
        const shared = {
          base,
          volumeMounts: opts.volumeMounts,
          secrets: opts.secrets === true,
          applyScope: opts.applyScope,
          forceConflicts: opts.forceConflicts === true,
          cwd: process.cwd(),
          render: { searchPath: process.env['PATH'] ?? '' },
        };
        const reach = await reachedTargets(what.targets, shared, what.file);
        process.stderr.write(`config-rollout: ${describeReach(reach)}\n`);
        const planned = await planTargets(
          reach,
          shared,
          (target) =>
            resolveCluster(
              {
                kubeconfigPath: opts.kubeconfig,
                context: target.context ?? opts.context,
                offline: opts.offline,
              },
              process.env,
            ),
          opts.onUnreachable,
        );
        const reported = planned.map((p) => ({
          name: p.target.name,
          plan: p.plan,
          notices: p.notice ? [p.notice] : [],
        }));
        write(
          opts.format === 'json' ? json(targetsToJson(reported)) : renderTargetsComment(reported, reach.of),
        );
        if (planned.some((p) => hasBlockers(p.plan))) process.exitCode = exitBlockers;
        return;
      }
      const { cluster, notice } = await resolveCluster(
        { kubeconfigPath: opts.kubeconfig, context: opts.context, offline: opts.offline },
        process.env,
      );
      const { plan, offlineNotice } = await planChangeOrOffline(
        {
          manifests: what.manifests,
          base,
          namespace: opts.namespace,
          volumeMounts: opts.volumeMounts,
          secrets: opts.secrets === true,
          applyScope: opts.applyScope,
          forceConflicts: opts.forceConflicts === true,
          cwd: process.cwd(),
          cluster,
          render: renderOf(opts),
        },
        opts.onUnreachable,
      );
      if (offlineNotice) process.stderr.write(`config-rollout: ${offlineNotice}\n`);
      const notices = [offlineNotice ?? notice];
      write(opts.format === 'json' ? json(planToJson(plan)) : renderPlanComment(plan, { notices }));
      if (hasBlockers(plan)) process.exitCode = exitBlockers;
    });

  changeOptions(
    program
      .command('apply')
      .description(
        'Deploy a change: config key by key, then its other objects and workloads; restart the readers that need it, watch every rollout, roll everything back on failure.',
      ),
  )
    .option('--dry-run', 'send every write as a server-side dry run; change nothing')
    .option('--prune', 'delete what the change removes, once the rollouts are healthy (default: keep it)')
    .option('--max-parallel <n>', 'workloads rolled at once', '5')
    .option('--timeout <duration>', 'per rollout, e.g. 5m', '5m')
    .option('--failure-grace <duration>', 'how long new pods may fail before the rollout is failed', '20s')
    .option('--no-rollback', 'leave a failed rollout as it is')
    .option('--keep-going', 'keep starting restarts after a rollout fails')
    .option(
      '--delete-pods',
      'replace the pods of OnDelete StatefulSets/DaemonSets one by one (default: report them)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'),
    )
    .action(
      async (
        opts: ChangeOptions & {
          dryRun?: boolean;
          prune?: boolean;
          maxParallel: string;
          timeout: string;
          failureGrace: string;
          rollback: boolean;
          keepGoing?: boolean;
          deletePods?: boolean;
          format: 'text' | 'markdown' | 'json';
        },
      ) => {
        const maxParallel = Number(opts.maxParallel);
        if (!Number.isInteger(maxParallel) || maxParallel < 1) {
          throw new InputError(
            `Invalid --max-parallel "${opts.maxParallel}": expected a whole number of at least 1.`,
          );
        }
        // The cluster client and apply load only here: `refs` and offline plans start without them.
        const [{ applyChange }, { loadKubeConfig }] = await Promise.all([
          import(/* webpackMode: "eager" */ './apply/apply-change.js'),
          import(/* webpackMode: "eager" */ './cluster/kube-config.js'),
        ]);
        const base = baseOf(opts);
        const what = targetsOf(opts);
        const shared = {
          base,
          volumeMounts: opts.volumeMounts,
          secrets: opts.secrets === true,
          cwd: process.cwd(),
          render: { searchPath: process.env['PATH'] ?? '' },
        };
        const reach = 'targets' in what ? await reachedTargets(what.targets, shared, what.file) : undefined;
        if (reach) process.stderr.write(`config-rollout: ${describeReach(reach)}\n`);
        // One target after another, each against its own context; a target that fails stops the rest.
        const runs = reach
          ? reach.reached.map((t) => ({
              name: t.name as string | undefined,
              settings: targetSettings(t, shared, reach.before?.get(t.name)),
              context: t.context ?? opts.context,
            }))
          : [
              {
                name: undefined,
                settings: {
                  ...shared,
                  manifests: 'manifests' in what ? what.manifests : [],
                  namespace: opts.namespace,
                  render: renderOf(opts),
                },
                context: opts.context,
              },
            ];
        const results = [];
        for (const run of runs) {
          if (run.name !== undefined) process.stderr.write(`Target ${run.name}:\n`);
          const result = await applyChange({
            ...run.settings,
            cluster: loadKubeConfig({
              kubeconfigPath: opts.kubeconfig,
              context: run.context,
              env: process.env,
            }),
            dryRun: opts.dryRun === true,
            prune: opts.prune === true,
            applyScope: opts.applyScope,
            forceConflicts: opts.forceConflicts === true,
            maxParallel,
            stopOnFirstFailure: opts.keepGoing !== true,
            deletePods: opts.deletePods === true,
            rollback: opts.rollback,
            timeoutMs: parseDuration('--timeout', opts.timeout),
            failureGraceMs: parseDuration('--failure-grace', opts.failureGrace),
            log: (line) => process.stderr.write(`${line}\n`),
          });
          results.push({ name: run.name, result });
          if (result.result === 'failed' || result.result === 'rolled-back') {
            process.exitCode = exitBlockers;
            break;
          }
        }
        if (opts.format === 'json') {
          const [only] = results;
          write(
            json(
              results.length === 1 && only!.name === undefined
                ? only!.result
                : { targets: results.map((r) => ({ target: r.name, ...r.result })) },
            ),
          );
        } else {
          for (const { name, result } of results) {
            const text = opts.format === 'markdown' ? renderApplyReport(result) : renderApplyText(result);
            write(
              name === undefined
                ? text
                : `${opts.format === 'markdown' ? '#### Target' : 'Target'} ${name}\n\n${text}`,
            );
          }
        }
      },
    );
  return program;
}

function write(text: string): void {
  process.stdout.write(text);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has printed what the user needs.
      process.exitCode = error.exitCode === 0 ? 0 : exitUsage;
      return;
    }
    process.stderr.write(`config-rollout: ${getErrorMessage(error)}\n`);
    process.exitCode = exitUsage;
  }
}

await main(process.argv);
