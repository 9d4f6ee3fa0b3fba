import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * A renderer (kustomize, helm) runs templates and kustomizations from the pull request: untrusted work. It gets
 * a bounded time, a bounded output, and an environment that holds nothing worth stealing.
 */
export interface RendererLimits {
  /** A render that takes longer is stopped (its whole process group) and fails. */
  timeoutMs: number;
  /** A render that writes more to stdout is stopped and fails. */
  maxOutputBytes: number;
}

export const defaultRendererLimits: RendererLimits = {
  timeoutMs: 60_000,
  // Four times the size limit of one manifest file: a rendered target is many files' worth.
  maxOutputBytes: 64 * 1024 * 1024,
};

/** The last part of stderr kept for an error message. */
const maxStderrBytes = 64 * 1024;

export interface RendererCommand {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  limits: RendererLimits;
}

/** Why a renderer gave no output, in words for the error message that names the target. */
export class RendererFailure extends Error {
  constructor(
    message: string,
    readonly reason: 'exit' | 'timeout' | 'output-cap' | 'spawn',
  ) {
    super(message);
    this.name = 'RendererFailure';
  }
}

/**
 * The environment a renderer sees, and nothing else from ours: no tokens (GITHUB_TOKEN, cloud credentials), no
 * KUBECONFIG, a HOME of its own (so no ~/.kube/config, ~/.gitconfig, ~/.docker or Helm repositories and
 * plugins of the user), and every network call sent to a closed local port: rendering is offline, also for
 * kustomize's remote bases and URLs (Go's HTTP client and git both honour these proxy variables).
 */
export function rendererEnvironment(searchPath: string, home: string): Record<string, string> {
  const offline = 'http://127.0.0.1:9';
  return {
    PATH: searchPath,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    HELM_CONFIG_HOME: join(home, 'helm', 'config'),
    HELM_CACHE_HOME: join(home, 'helm', 'cache'),
    HELM_DATA_HOME: join(home, 'helm', 'data'),
    HELM_PLUGINS: join(home, 'helm', 'plugins'),
    HELM_REGISTRY_CONFIG: join(home, 'helm', 'registry.json'),
    HELM_REPOSITORY_CONFIG: join(home, 'helm', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(home, 'helm', 'repository'),
    HTTP_PROXY: offline,
    HTTPS_PROXY: offline,
    http_proxy: offline,
    https_proxy: offline,
    ALL_PROXY: offline,
    all_proxy: offline,
    NO_PROXY: '',
    no_proxy: '',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
  };
}

/** The first executable `name` in a PATH-like list of folders, if any. */
export function findExecutable(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Run a renderer and return its stdout. It runs in a process group of its own, so a timeout or an output over
 * the cap stops what it started too (kustomize's helm, for one). Fails with the renderer's stderr otherwise.
 */
export function runRenderer(run: RendererCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], {
      cwd: run.cwd,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let stopped: RendererFailure | undefined;

    const stop = (failure: RendererFailure) => {
      if (stopped) return;
      stopped = failure;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () =>
        stop(
          new RendererFailure(
            `stopped after ${formatSeconds(run.limits.timeoutMs)}, the time limit for one render`,
            'timeout',
          ),
        ),
      run.limits.timeoutMs,
    );

    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      outBytes += chunk.length;
      if (outBytes > run.limits.maxOutputBytes) {
        stop(
          new RendererFailure(
            `stopped after writing more than ${run.limits.maxOutputBytes} bytes, the output limit for one render`,
            'output-cap',
          ),
        );
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > maxStderrBytes) err = err.subarray(err.length - maxStderrBytes);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new RendererFailure(`cannot run ${run.command} (${error.code ?? error.message})`, 'spawn'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stopped) return reject(stopped);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const message = rendererMessage(err.toString('utf8'));
      const status = code === null ? `was killed (${signal})` : `exited with code ${code}`;
      reject(new RendererFailure(message || `${status} and printed no error`, 'exit'));
    });
  });
}

/** The renderer's own words: its stderr without the `Error: ` both kustomize and helm start with. */
function rendererMessage(stderr: string): string {
  return stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(/^Error: /, ''))
    .join('\n');
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
