#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { hasBlockers } from './plan/plan.js';
import { buildReferenceGraph } from './plan/reference-graph.js';
import { planChange } from './plan-change.js';
import { renderPlanComment } from './report/comment.js';
import { planToJson, refsToJson } from './report/plan-json.js';
import { renderRefsTable } from './report/refs-table.js';
import { getErrorMessage, InputError } from './sources/input-error.js';
import { loadManifests } from './sources/load-manifests.js';

/** Exit codes: 0 no blockers, 1 blockers, 2 bad usage or unreadable input. */
const exitBlockers = 1;
const exitUsage = 2;

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
      });
      const graph = buildReferenceGraph(parsed.objects);
      write(opts.format === 'json' ? json(refsToJson(graph)) : renderRefsTable(graph));
    });

  program
    .command('plan')
    .description(
      'Plan a change: diff ConfigMaps key by key between base and head and decide what each consumer needs.',
    )
    .requiredOption('--manifests <paths...>', 'manifest files, folders or globs after the change')
    .option('--base <paths...>', 'manifests before the change')
    .option('--base-ref <gitref>', 'read the same --manifests paths at this git revision as the base')
    .option('--namespace <ns>', 'namespace for objects that set none', 'default')
    .addOption(
      new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'),
    )
    .addOption(
      new Option('--volume-mounts <policy>', 'plain volume mounts: restart, or trust apps to hot-reload')
        .choices(['restart', 'hot-reload'])
        .default('restart'),
    )
    .action(
      async (opts: {
        manifests: string[];
        base?: string[];
        baseRef?: string;
        namespace: string;
        format: 'markdown' | 'json';
        volumeMounts: 'restart' | 'hot-reload';
      }) => {
        if ((opts.base === undefined) === (opts.baseRef === undefined)) {
          throw new InputError('plan needs exactly one of --base PATH... or --base-ref GITREF.');
        }
        const plan = await planChange({
          manifests: opts.manifests,
          base: opts.baseRef !== undefined ? { gitRef: opts.baseRef } : { paths: opts.base! },
          namespace: opts.namespace,
          volumeMounts: opts.volumeMounts,
          cwd: process.cwd(),
        });
        write(opts.format === 'json' ? json(planToJson(plan)) : renderPlanComment(plan));
        if (hasBlockers(plan)) process.exitCode = exitBlockers;
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
