import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** What a path names in a tree of files. */
export type PathKind = 'file' | 'folder';

/**
 * A tree of files read by relative, `/`-separated paths: the working tree, a revision checked out to a folder,
 * or a revision read from git. What reads a kustomization graph needs no more, so it never cares which.
 */
export interface FileTree {
  /** The text of a file, or undefined when there is none (or it can't be read). */
  readFile(path: string): string | undefined;
  /** What is at a path, or undefined when nothing is. */
  kindOf(path: string): PathKind | undefined;
}

/** The files under a folder on disk (the working tree, or a revision written out by checkOutRevision). */
export function folderTree(root: string): FileTree {
  return {
    readFile(path) {
      try {
        return readFileSync(resolve(root, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    kindOf(path) {
      try {
        const info = statSync(resolve(root, path));
        return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
