import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ManifestFile } from '../plan/manifests.js';
import type { RendererLimits } from './run-renderer.js';

/**
 * Where a target's manifests come from. Paths are relative to the repository root (`RenderOptions.cwd`).
 * plan/ needs only `{path, text}` files: each kind below turns into those, keeping where a person edits them.
 */
export type Source = PlainSource | KustomizeSource | HelmSource;

/** Files, folders or globs of plain YAML/JSON manifests, read as they are. */
export interface PlainSource {
  kind: 'plain';
  path: string;
}

/** A folder holding a kustomization, rendered as `kustomize build` renders it. */
export interface KustomizeSource {
  kind: 'kustomize';
  path: string;
  /** Let the kustomization inflate `helmCharts` (`--enable-helm`); off unless the target asks for it. */
  enableHelm?: boolean;
}

/** A chart folder, rendered with `helm template RELEASE CHART --namespace NS`. */
export interface HelmSource {
  kind: 'helm';
  path: string;
  release: string;
  namespace: string;
  /** `--values FILE`, in order: a later file overrides an earlier one. Repository-relative paths. */
  valuesFiles: readonly string[];
  /** `--set KEY=VALUE`, in order, after the values files (last wins). */
  set: readonly string[];
}

export type SourceKind = Source['kind'];

/** Where a rendered object comes from: the file a person edits to change it. */
export interface ObjectOrigin {
  /** Repository-relative: the resource file, the kustomization configuring a generator, or the Helm template. */
  path: string;
  /** 1-based line in `path` where the object is configured, when known (a generator's entry, a document). */
  line?: number;
  /** Lines in `path` of a ConfigMap's or Secret's keys, where the file writes them out. */
  keyLines?: Readonly<Record<string, number>>;
  /** Other files the object's content is read from (a generator's `envs` and `files`), repository-relative. */
  inputs?: readonly string[];
  /**
   * A resource file as written, an object a kustomize generator made, one a Helm template rendered; or only
   * the target's kustomization is known (a kustomize that does not say where each object came from).
   */
  via: 'resource' | 'generator' | 'template' | 'target';
}

/** One rendered object (or, for a plain source, one file as read): a ManifestFile plan/ can parse. */
export interface RenderedFile extends ManifestFile {
  /** Repository-relative path of the file a person edits: `origin.path`. */
  path: string;
  origin: ObjectOrigin;
}

export interface RenderedSource {
  source: Source;
  /** In the renderer's order. Several objects may share one origin path (a template rendering two objects). */
  files: RenderedFile[];
}

/** The renderer binaries to use instead of looking them up on `searchPath` (the tests' cached builds). */
export interface RendererBinaries {
  kustomize?: string;
  kubectl?: string;
  helm?: string;
}

export interface RenderOptions {
  /** The repository root: source paths are relative to it, and nothing outside it may be read. */
  cwd: string;
  /** The PATH to find renderers on, and the only PATH they get (the caller passes its own). */
  searchPath: string;
  binaries?: RendererBinaries;
  limits?: Partial<RendererLimits>;
}

/** The files that mark a folder as a kustomization (kustomize accepts these three names). */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** What a manifests path is: a kustomization folder, a chart folder, or plain manifests (files, folders, globs). */
export function detectSourceKind(path: string, cwd: string): SourceKind {
  const dir = resolve(cwd, path);
  if (!isDirectory(dir)) return 'plain';
  if (kustomizationFileNames.some((name) => existsSync(join(dir, name)))) return 'kustomize';
  if (existsSync(join(dir, 'Chart.yaml'))) return 'helm';
  return 'plain';
}

export interface SourceDefaults {
  /** The Helm release's namespace (`--namespace`). */
  namespace: string;
  /** The Helm release name; default the chart's name. */
  release?: string;
  valuesFiles?: readonly string[];
  set?: readonly string[];
  enableHelm?: boolean;
}

/** The source a manifests path names, by what its folder holds. */
export function sourceAt(path: string, cwd: string, defaults: SourceDefaults): Source {
  switch (detectSourceKind(path, cwd)) {
    case 'kustomize':
      return { kind: 'kustomize', path, ...(defaults.enableHelm ? { enableHelm: true } : {}) };
    case 'helm':
      return {
        kind: 'helm',
        path,
        release: defaults.release ?? chartName(resolve(cwd, path)),
        namespace: defaults.namespace,
        valuesFiles: defaults.valuesFiles ?? [],
        set: defaults.set ?? [],
      };
    case 'plain':
      return { kind: 'plain', path };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The `name` in a chart's Chart.yaml (the folder's name when it has none). */
export function chartName(chartDir: string): string {
  try {
    const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name?: unknown } | null;
    if (typeof chart?.name === 'string' && chart.name !== '') return chart.name;
  } catch {
    // helm reports an unreadable Chart.yaml itself, with its own words
  }
  return chartDir.split(/[\\/]/).filter(Boolean).pop() ?? 'release';
}
