import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RenderError } from './input-error.js';
import { rendererEnvironment, type RendererLimits } from './run-renderer.js';
import type { RenderOptions } from './source.js';

/** RenderOptions with every limit settled. */
export type SettledRenderOptions = RenderOptions & { limits: RendererLimits };

/**
 * A temporary folder for one render, outside the repository: the renderer's HOME (and Helm's config, cache and
 * plugin folders under it) and anything config-rollout writes for the build. Nothing is written into the
 * repository. `dispose()` removes it all.
 */
export interface RenderWorkspace {
  /** The repository root, symlinks resolved. */
  root: string;
  dir: string;
  env: Record<string, string>;
  dispose(): void;
}

export function openRenderWorkspace(options: SettledRenderOptions): RenderWorkspace {
  const root = realpathSync(options.cwd);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-render-')));
  const home = join(dir, 'home');
  mkdirSync(home);
  return {
    root,
    dir,
    env: rendererEnvironment(options.searchPath, home),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether `path` (absolute) is the repository root or inside it. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Whether `path` (absolute, symlinks resolved) is in the repository's .git folder: its config may hold a token
 * (actions/checkout keeps one there unless `persist-credentials: false`), and a rendered ConfigMap's values are
 * shown in the PR comment.
 */
export function isInGitFolder(root: string, path: string): boolean {
  return isInside(join(root, '.git'), path);
}

/** A repository-relative path, with `/` separators, for an absolute path inside the repository. */
export function repoRelative(root: string, path: string): string {
  return relative(root, path).split(sep).join('/') || '.';
}

/**
 * The absolute, symlink-resolved path of a file or folder a target names, refused when it is outside the
 * repository (renderers read only the repository) or missing.
 */
export function resolveInRepo(
  root: string,
  path: string,
  what: string,
  target: string,
  renderer: 'kustomize' | 'helm',
): string {
  let real: string;
  try {
    real = realpathSync(resolve(root, path));
  } catch {
    throw new RenderError(
      `Rendering ${target} with ${renderer}: ${what} '${path}' does not exist.`,
      target,
      renderer,
    );
  }
  if (!isInside(root, real)) {
    throw new RenderError(
      `Rendering ${target} with ${renderer}: ${what} '${path}' is outside the repository; renderers read only the repository's files.`,
      target,
      renderer,
    );
  }
  return real;
}
