import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isAbsolute, relative } from 'node:path';
import { promisify } from 'node:util';
import type { ManifestFile } from '../plan/manifests.js';
import { InputError } from './input-error.js';
import { decodeManifest } from './manifest-files.js';
import { selectPaths } from './manifest-paths.js';

const run = promisify(execFile);

/**
 * Read the manifests the patterns select as they were at a git revision (the PR's base), paths relative to
 * `cwd` as for the working tree. A path missing at that revision is simply absent: the change adds it.
 * `known` holds files already read (the working tree): where one has the same bytes as the revision's blob
 * (git's object id says so), its text is taken and the blob isn't read; a change touches a few files of many.
 */
export async function readManifestFilesAtRef(
  ref: string,
  patterns: readonly string[],
  cwd: string,
  known: readonly ManifestFile[] = [],
): Promise<ManifestFile[]> {
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd).catch(() => {
    throw new InputError(
      `Git revision '${ref}' is not in this checkout. Fetch it (e.g. actions/checkout with fetch-depth: 0, or git fetch origin ${ref}).`,
    );
  });
  // `<mode> <type> <object id>\t<path>` per entry.
  const listing = await git(['ls-tree', '-r', '-z', ref, '--', '.'], cwd);
  const blobIds = new Map<string, string>();
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t');
    const [, type, id] = entry.slice(0, tab).split(' ');
    if (tab !== -1 && type === 'blob' && id) blobIds.set(entry.slice(tab + 1), id);
  }
  const candidates = [...blobIds.keys()];
  // git lists paths relative to `cwd`; an absolute pattern must be too, or it would match nothing and the
  // whole base would silently count as absent.
  const relativePatterns = patterns.map((p) => (isAbsolute(p) ? relative(cwd, p) || '.' : p));
  const paths = selectPaths(relativePatterns, candidates);
  if (paths.length === 0) return [];
  const texts = new Map<string, string>();
  const sameAs = new Map(known.map((f) => [f.path, f.text]));
  for (const path of paths) {
    const text = sameAs.get(path);
    const id = blobIds.get(path)!;
    if (text !== undefined && gitBlobId(text, id.length) === id) texts.set(path, text);
  }
  const unread = paths.filter((p) => !texts.has(p));
  const blobs = unread.length > 0 ? await catFiles(ref, unread, cwd) : [];
  unread.forEach((path, i) => texts.set(path, decodeManifest(`${path} (at ${ref})`, blobs[i]!)));
  return paths.map((path) => ({ path, text: texts.get(path)! }));
}

/**
 * Git's object id of a file with this text (UTF-8, as manifests are read): the hash of `blob <size>\0` and
 * the bytes, SHA-1 or, in a SHA-256 repository (64-digit ids), SHA-256.
 */
export function gitBlobId(text: string, idLength: number): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash(idLength === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** All blobs in one `git cat-file --batch`, not one process per file. */
export function catFiles(ref: string, paths: readonly string[], cwd: string): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new InputError(`git cat-file failed (exit ${code}).`));
      const out = Buffer.concat(chunks);
      const blobs: Buffer[] = [];
      let at = 0;
      for (const path of paths) {
        const eol = out.indexOf(0x0a, at);
        const header = out.subarray(at, eol).toString('utf8');
        const size = Number(header.split(' ')[2]);
        if (header.endsWith(' missing') || !Number.isFinite(size)) {
          return reject(new InputError(`${path}: not readable at ${ref} (${header}).`));
        }
        blobs.push(out.subarray(eol + 1, eol + 1 + size));
        at = eol + 1 + size + 1;
      }
      resolve(blobs);
    });
    child.stdin.end(paths.map((p) => `${ref}:./${p}`).join('\n') + '\n');
  });
}

/**
 * Make sure a commit is in the checkout (actions/checkout fetches one commit by default): fetch it from
 * `origin` when missing, with a clear error when that fails.
 */
export async function ensureCommit(sha: string, cwd: string): Promise<void> {
  const present = () =>
    git(['cat-file', '-e', `${sha}^{commit}`], cwd).then(
      () => true,
      () => false,
    );
  if (await present()) return;
  await git(['fetch', '--no-tags', '--depth=1', 'origin', sha], cwd).catch((error: unknown) => {
    const detail =
      error instanceof Error ? error.message.split('\n').slice(-2).join(' ').trim() : String(error);
    throw new InputError(
      `The base commit ${sha} is not in the checkout and could not be fetched (${detail}). Use actions/checkout with fetch-depth: 0.`,
    );
  });
  if (!(await present())) throw new InputError(`The base commit ${sha} is still missing after fetching it.`);
}
