// Run the built action (dist/index.js) the way the GitHub runner does: INPUT_* variables, an event payload
// file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and a git checkout as the workspace.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cli/run-cli.js';

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** A git repository with one commit per call to `commit`. */
export class Checkout {
  readonly dir = mkdtempSync(join(tmpdir(), 'config-rollout-repo-'));
  constructor() {
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'dev@example.com');
    this.git('config', 'user.name', 'dev');
  }
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8' }).trim();
  }
  /** Write files (relative path → content; null deletes) and commit them; returns the commit sha. */
  commit(files: Record<string, string | null>, message = 'change'): string {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (text === null) rmSync(full, { force: true });
      else {
        mkdirSync(join(full, '..'), { recursive: true });
        writeFileSync(full, text);
      }
    }
    this.git('add', '-A');
    this.git('commit', '-qm', message, '--allow-empty');
    return this.git('rev-parse', 'HEAD');
  }
}

/** Parse GITHUB_OUTPUT: `name<<DELIMITER\nvalue\nDELIMITER` blocks (and plain name=value lines). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const plain = /^([^=]+)=(.*)$/.exec(lines[i]!);
    if (plain) outputs[plain[1]!] = plain[2]!;
  }
  return outputs;
}

export interface RunOptions {
  checkout: Checkout;
  eventName: string;
  payload: object;
  inputs: Record<string, string>;
  apiUrl: string;
  sha: string;
  /** More runner variables, e.g. the artifact service's (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL). */
  env?: Record<string, string>;
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const runner = mkdtempSync(join(tmpdir(), 'config-rollout-runner-'));
  const eventPath = join(runner, 'event.json');
  const outputPath = join(runner, 'output');
  const summaryPath = join(runner, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(options.payload));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: options.checkout.dir,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_API_URL: options.apiUrl,
    // A host the artifact client takes for github.com, not GHES (where it refuses to upload).
    GITHUB_SERVER_URL: 'https://github.localhost',
    GITHUB_RUN_ID: '42',
    GITHUB_SHA: options.sha,
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: runner,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'index.js')], {
    cwd: options.checkout.dir,
    env,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    exitCode,
    stdout,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}
