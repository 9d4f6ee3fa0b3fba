import type { FileTree, PathKind } from '../../src/sources/file-tree.js';

/** A FileTree of a few files written out in a test: their folders are every prefix of their paths. */
export function memoryTree(files: Record<string, string>): FileTree {
  const folders = new Set(['.']);
  for (const path of Object.keys(files)) {
    for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1))
      folders.add(path.slice(0, at));
  }
  return {
    readFile: (path) => files[path],
    kindOf: (path): PathKind | undefined =>
      path in files ? 'file' : folders.has(path) ? 'folder' : undefined,
  };
}
