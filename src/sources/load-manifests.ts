import {
  parseManifests,
  type ManifestFile,
  type ManifestObject,
  type ManifestParseCache,
  type ParsedManifests,
} from '../plan/manifests.js';
import { readManifestFilesAtRef } from './git-files.js';
import { InputError } from './input-error.js';
import { readManifestFiles } from './manifest-files.js';
import { isGlob, normalisePath } from './manifest-paths.js';
import { renderSource } from './render-source.js';
import { sharedRevisionTree } from './revision-tree.js';
import {
  detectSourceKind,
  sourceAt,
  type ObjectOrigin,
  type RenderedFile,
  type RenderOptions,
  type SourceDefaults,
} from './source.js';

export interface ManifestSource {
  /** Files, folders or globs; a folder holding a kustomization or a chart is rendered (see `render`). */
  patterns: readonly string[];
  /** A git revision to read them at; undefined reads the working tree. */
  gitRef?: string;
  cwd: string;
  defaultNamespace: string;
  /** How kustomizations and charts among `patterns` are rendered; without it every path is read as plain YAML. */
  render?: RenderSettings;
}

/** What rendering a kustomization or chart needs beyond its path. */
export interface RenderSettings extends Pick<RenderOptions, 'searchPath' | 'binaries' | 'limits'> {
  /** Helm's release, values files and --set, kustomize's helmCharts switch (the namespace is the side's). */
  helm?: Omit<SourceDefaults, 'namespace'>;
}

/** Read and parse one side of a change; YAML that can't be read fails here, naming file, line and column. */
export async function loadManifests(source: ManifestSource): Promise<ParsedManifests> {
  return parseManifestFiles(await readManifestSource(source), source);
}

/**
 * The files of one side of a change, unparsed: rendered objects (each with its origin) for kustomizations and
 * charts, files as read for the rest. A side read from git takes the text of `known` files (the other side,
 * read from the working tree) where git says the bytes are the same; a rendered source is rendered from the
 * revision's own files, written to a temporary folder.
 */
export async function readManifestSource(
  source: ManifestSource,
  known?: readonly ManifestFile[],
): Promise<ManifestFile[]> {
  const rendered = source.render ? renderedPatterns(source.patterns, source.cwd) : [];
  const plain = source.patterns.filter((p) => !rendered.includes(p));
  const files: ManifestFile[] = [];
  if (plain.length > 0) {
    files.push(
      ...(source.gitRef
        ? await readManifestFilesAtRef(source.gitRef, plain, source.cwd, known)
        : await readManifestFiles(plain, source.cwd)),
    );
  }
  if (rendered.length === 0) return files;
  // The base revision's files, written once per run (every target of a config file renders from them).
  const tree = source.gitRef ? await sharedRevisionTree(source.gitRef, source.cwd) : undefined;
  const cwd = tree?.cwd ?? source.cwd;
  for (const path of rendered) {
    // A target the base does not have yet renders nothing there: the change adds all of it.
    if (tree && detectSourceKind(path, cwd) === 'plain') continue;
    const target = sourceAt(path, cwd, { ...source.render!.helm, namespace: source.defaultNamespace });
    const out = await renderSource(target, { ...source.render!, cwd });
    files.push(...out.files);
  }
  return files;
}

/** The patterns that name a kustomization or chart folder in the working tree (the head). */
function renderedPatterns(patterns: readonly string[], cwd: string): string[] {
  return patterns.filter(
    (p) => !isGlob(normalisePath(p)) && detectSourceKind(normalisePath(p), cwd) !== 'plain',
  );
}

/**
 * Parse files read from `source`, failing on YAML that can't be read. Both sides of a change share a `cache`,
 * so a file they both hold is parsed once. A rendered object is placed where its origin says a person edits it.
 */
export function parseManifestFiles(
  files: readonly ManifestFile[],
  source: ManifestSource,
  cache?: ManifestParseCache,
): ParsedManifests {
  const parsed: ParsedManifests = { objects: [], notes: [], errors: [] };
  let run: ManifestFile[] = [];
  const flush = () => {
    if (run.length === 0) return;
    append(parsed, parseManifests(run, { defaultNamespace: source.defaultNamespace }, cache));
    run = [];
  };
  for (const file of files) {
    if (!isRendered(file)) {
      run.push(file);
      continue;
    }
    flush();
    const one = parseManifests([file], { defaultNamespace: source.defaultNamespace }, cache);
    append(parsed, { ...one, objects: one.objects.map((o) => placed(o, file.origin)) });
  }
  flush();
  if (parsed.errors.length > 0) {
    const shown = parsed.errors.slice(0, 20).map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.message}`);
    const more = parsed.errors.length > 20 ? [`  …and ${parsed.errors.length - 20} more`] : [];
    const at = source.gitRef ? ` at ${source.gitRef}` : '';
    throw new InputError([`Cannot read the manifests${at}:`, ...shown, ...more].join('\n'));
  }
  return parsed;
}

function isRendered(file: ManifestFile): file is RenderedFile {
  return 'origin' in file;
}

function append(to: ParsedManifests, from: ParsedManifests): void {
  to.objects.push(...from.objects);
  to.notes.push(...from.notes);
  to.errors.push(...from.errors);
}

/** A rendered object at the line of the file its origin names (line 1 when unknown), its keys at theirs. */
function placed(object: ManifestObject, origin: ObjectOrigin): ManifestObject {
  const line = origin.line ?? 1;
  const keyLines = origin.keyLines ?? {};
  return {
    ...object,
    source: { file: origin.path, line },
    lineOfKey: (key) => keyLines[key] ?? line,
  };
}
