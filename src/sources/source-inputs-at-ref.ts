import type { FileTree, PathKind } from './file-tree.js';
import { catFiles } from './git-files.js';
import { resolveCommit, runGit } from './git-revision.js';
import type { Source } from './source.js';
import { sourceInputs, type SourceInputs } from './source-inputs.js';

/**
 * What each source read at a git revision (the base of a change), read from git's objects without writing the
 * revision out. Which files a graph reads is known only as it is read, so the graphs are read again after each
 * batch of files asked for is fetched (one `git cat-file --batch`), until none is missing: as many rounds as
 * the deepest graph has levels.
 */
export async function sourceInputsAtRef(
  sources: readonly Source[],
  ref: string,
  cwd: string,
): Promise<SourceInputs[]> {
  const tree = await GitRevisionTree.open(ref, cwd);
  for (;;) {
    const inputs = sources.map((source) => sourceInputs(source, tree));
    const missing = tree.takeMissing();
    if (missing.length === 0) return inputs;
    await tree.fetch(missing);
  }
}

/** A revision's files (those under `cwd`, by paths relative to it), read from git as they are asked for. */
class GitRevisionTree implements FileTree {
  private readonly texts = new Map<string, string>();
  private readonly missing = new Set<string>();

  private constructor(
    private readonly commit: string,
    private readonly cwd: string,
    private readonly files: ReadonlySet<string>,
    private readonly folders: ReadonlySet<string>,
  ) {}

  static async open(ref: string, cwd: string): Promise<GitRevisionTree> {
    const commit = await resolveCommit(ref, cwd);
    const listing = await runGit(['ls-tree', '-r', '-z', '--name-only', commit, '--', '.'], cwd);
    const files = new Set(listing.split('\0').filter((p) => p !== ''));
    const folders = new Set<string>(['.']);
    for (const file of files) {
      for (let at = file.indexOf('/'); at !== -1; at = file.indexOf('/', at + 1))
        folders.add(file.slice(0, at));
    }
    return new GitRevisionTree(commit, cwd, files, folders);
  }

  /** A file not fetched yet reads as absent this round, and is fetched before the next one. */
  readFile(path: string): string | undefined {
    if (!this.files.has(path)) return undefined;
    const text = this.texts.get(path);
    if (text === undefined) this.missing.add(path);
    return text;
  }

  kindOf(path: string): PathKind | undefined {
    return this.files.has(path) ? 'file' : this.folders.has(path) ? 'folder' : undefined;
  }

  takeMissing(): string[] {
    const paths = [...this.missing];
    this.missing.clear();
    return paths;
  }

  async fetch(paths: readonly string[]): Promise<void> {
    const blobs = await catFiles(this.commit, paths, this.cwd);
    paths.forEach((path, i) => this.texts.set(path, blobs[i]!.toString('utf8')));
  }
}
