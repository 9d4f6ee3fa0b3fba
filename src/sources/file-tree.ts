import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

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
  /**
   * The path of something that is there with its symbolic links resolved, or undefined when they lead outside
   * the tree. Absent where links are not followed (a revision read from git, where a link is a file).
   */
  realPath?(path: string): string | undefined;
}

/** The files under a folder on disk (the working tree, or a revision written out by checkOutRevision). */
export function folderTree(root: string): FileTree {
  let realRoot: string | undefined;
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
    realPath(path) {
      try {
        realRoot ??= realpathSync(root);
        const rel = relative(realRoot, realpathSync(resolve(root, path)));
        if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
        return rel === '' ? '.' : rel.split(sep).join('/');
      } catch {
        return undefined;
      }
    },
  };
}
