import {
  parseManifests,
  type ManifestFile,
  type ManifestParseCache,
  type ParsedManifests,
} from '../plan/manifests.js';
import { readManifestFilesAtRef } from './git-files.js';
import { InputError } from './input-error.js';
import { readManifestFiles } from './manifest-files.js';

export interface ManifestSource {
  /** Files, folders or globs. */
  patterns: readonly string[];
  /** A git revision to read them at; undefined reads the working tree. */
  gitRef?: string;
  cwd: string;
  defaultNamespace: string;
}

/** Read and parse one side of a change; YAML that can't be read fails here, naming file, line and column. */
export async function loadManifests(source: ManifestSource): Promise<ParsedManifests> {
  return parseManifestFiles(await readManifestSource(source), source);
}

/**
 * The files of one side of a change, unparsed. A side read from git takes the text of `known` files (the
 * other side, read from the working tree) where git says the bytes are the same.
 */
export function readManifestSource(
  source: ManifestSource,
  known?: readonly ManifestFile[],
): Promise<ManifestFile[]> {
  return source.gitRef
    ? readManifestFilesAtRef(source.gitRef, source.patterns, source.cwd, known)
    : readManifestFiles(source.patterns, source.cwd);
}

/**
 * Parse files read from `source`, failing on YAML that can't be read. Both sides of a change share a `cache`,
 * so a file they both hold is parsed once.
 */
export function parseManifestFiles(
  files: readonly ManifestFile[],
  source: ManifestSource,
  cache?: ManifestParseCache,
): ParsedManifests {
  const parsed = parseManifests(files, { defaultNamespace: source.defaultNamespace }, cache);
  if (parsed.errors.length > 0) {
    const shown = parsed.errors.slice(0, 20).map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.message}`);
    const more = parsed.errors.length > 20 ? [`  …and ${parsed.errors.length - 20} more`] : [];
    const at = source.gitRef ? ` at ${source.gitRef}` : '';
    throw new InputError([`Cannot read the manifests${at}:`, ...shown, ...more].join('\n'));
  }
  return parsed;
}
