import type { FileTree } from './file-tree.js';
import { kustomizationInputs } from './kustomization-inputs.js';
import { normalisePath, selectPaths } from './manifest-paths.js';
import { kustomizationFileNames, type Source } from './source.js';

/**
 * The files whose change can change what a source renders, read from the files themselves (nothing is
 * rendered), so that only the targets a change reaches are rendered. Paths are relative to the repository
 * root, with `/`.
 */
export interface SourceInputs {
  /**
   * Folders whose kustomization is read: a change to a file there with any of kustomize's three names counts
   * (a second one beside the first makes kustomize refuse the folder).
   */
  kustomizations: readonly string[];
  files: readonly string[];
  /**
   * A change to anything at or under one of these can change the render: a chart, a kustomize chart home, a
   * generator's folder of files, or a path a kustomization names that does not exist (yet).
   */
  folders: readonly string[];
  /** A plain source's file, folder or glob, matched as its manifests are selected. */
  patterns: readonly string[];
  /** Read by the render, but out of a change's reach: a remote base or chart, a path outside the repository. */
  untracked: readonly UntrackedInput[];
  /**
   * What could not be read (a kustomization that is missing, not YAML, or not the expected shape): the graph
   * behind it is unknown, so the target counts as touched and its render says what is wrong.
   */
  unreadable: readonly UnreadableInput[];
}

export interface UntrackedInput {
  /** As written in the file that names it. */
  reference: string;
  /** The kustomization (or plugin config) naming it. */
  namedIn: string;
  why: 'remote' | 'outside the repository';
}

export interface UnreadableInput {
  path: string;
  reason: string;
}

/** What a source reads, as `tree` holds it (the working tree, or the base revision's files). */
export function sourceInputs(source: Source, tree: FileTree): SourceInputs {
  switch (source.kind) {
    case 'plain':
      return { ...noInputs, patterns: [normalisePath(source.path)] };
    case 'kustomize':
      return kustomizationInputs(normalisePath(source.path), tree);
    case 'helm': {
      // The chart folder holds its templates, values.yaml and vendored dependencies (charts/).
      const values = source.valuesFiles.map(normalisePath);
      return {
        ...noInputs,
        files: [...new Set(values)].sort(),
        folders: [normalisePath(source.path)],
      };
    }
  }
}

const noInputs: SourceInputs = {
  kustomizations: [],
  files: [],
  folders: [],
  patterns: [],
  untracked: [],
  unreadable: [],
};

/**
 * The changed paths (repository-relative files, as `changedPaths` lists them) that are inputs of a source:
 * one of its files, at or under one of its folders, or selected by one of its patterns.
 */
export function changesReaching(inputs: SourceInputs, changed: readonly string[]): string[] {
  const files = new Set(inputs.files);
  const folders = new Set(inputs.folders);
  const kustomizations = new Set(inputs.kustomizations);
  const reached = new Set(inputs.patterns.length > 0 ? selectPaths(inputs.patterns, changed) : []);
  for (const path of changed) {
    const slash = path.lastIndexOf('/');
    const [dir, name] = slash === -1 ? ['.', path] : [path.slice(0, slash), path.slice(slash + 1)];
    if (
      files.has(path) ||
      (kustomizations.has(dir) && isKustomizationFileName(name)) ||
      folders.has('.') ||
      ancestors(path).some((p) => folders.has(p))
    )
      reached.add(path);
  }
  return [...reached].sort();
}

/**
 * Whether a change can change what a source renders: a changed path is one of its inputs, or part of its
 * graph could not be read (rendering is the safe answer: the renderer then says what is wrong).
 */
export function isTouched(inputs: SourceInputs, changed: readonly string[]): boolean {
  return inputs.unreadable.length > 0 || changesReaching(inputs, changed).length > 0;
}

/** `a/b/c` → `a/b/c`, `a/b`, `a`. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== ''; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') out.push(p);
  return out;
}

function isKustomizationFileName(name: string): boolean {
  return (kustomizationFileNames as readonly string[]).includes(name);
}
