import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import fg from 'fast-glob';
import type { ManifestFile } from '../plan/manifests.js';
import { InputError } from './input-error.js';
import { isGlob, normalisePath } from './manifest-paths.js';

/** A manifest larger than this is refused: real ones are far smaller, and parsing must stay bounded. */
export const maxManifestBytes = 16 * 1024 * 1024;

/**
 * Read the manifests that files, folders (recursively: .yaml, .yml, .json) and globs name, relative to `cwd`.
 * A pattern that matches nothing is an error: a typo must not plan an empty change.
 */
export async function readManifestFiles(patterns: readonly string[], cwd: string): Promise<ManifestFile[]> {
  const paths = new Set<string>();
  for (const raw of patterns) {
    const pattern = normalisePath(raw);
    const found = await expand(pattern, cwd);
    if (found.length === 0)
      throw new InputError(`No manifests found at '${raw}' (expected a file, a folder or a glob).`);
    for (const p of found) paths.add(p);
  }
  return [...paths].sort().map((path) => ({ path, text: readManifest(path, cwd) }));
}

async function expand(pattern: string, cwd: string): Promise<string[]> {
  if (isGlob(pattern)) return fg(pattern, { cwd, onlyFiles: true, dot: false });
  const info = await stat(resolve(cwd, pattern)).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [pattern];
  if (!info.isDirectory()) return [];
  const prefix = pattern === '.' ? '' : `${pattern}/`;
  const found = await fg(`**/*.{yaml,yml,json,YAML,YML,JSON}`, {
    cwd: resolve(cwd, pattern),
    onlyFiles: true,
    ignore: ['**/node_modules/**'],
  });
  return found.map((p) => `${prefix}${p}`);
}

/**
 * Synchronous on purpose: thousands of small files read one `await readFile` at a time cost several thread-pool
 * round trips each (open, stat, read, close) and leave the process idle between them; a plan reads them all
 * before it can do anything else, so nothing is kept waiting.
 */
function readManifest(path: string, cwd: string): string {
  let buffer: Buffer;
  try {
    // resolve(), not a join: an absolute path given on the command line must stay absolute.
    buffer = readFileSync(resolve(cwd, path));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new InputError(`${path}: cannot read (${e.code ?? e.message}).`);
  }
  return decodeManifest(path, buffer);
}

/** Text of a manifest, refusing what is not one: oversize files and binary data. */
export function decodeManifest(path: string, buffer: Buffer): string {
  if (buffer.length > maxManifestBytes) {
    throw new InputError(
      `${path}:1: ${buffer.length} bytes is larger than the ${maxManifestBytes}-byte limit for a manifest.`,
    );
  }
  if (buffer.includes(0))
    throw new InputError(`${path}:1: binary data (a NUL byte), not a YAML or JSON manifest.`);
  const text = buffer.toString('utf8');
  if (!isUtf8(buffer)) {
    // Kubernetes reads manifests as UTF-8 and refuses other bytes; decoding them leniently would plan values
    // with U+FFFD in place of what the file holds.
    const { line, column } = firstInvalidUtf8(buffer, text);
    throw new InputError(
      `${path}:${line}:${column}: not UTF-8 (an invalid byte sequence); save the file as UTF-8.`,
    );
  }
  return text;
}

/** Line and column of the first byte sequence that is not UTF-8 (decoded as U+FFFD in `text`). */
function firstInvalidUtf8(buffer: Buffer, text: string): { line: number; column: number } {
  let offset = 0;
  let line = 1;
  let column = 1;
  for (const char of text) {
    const bytes = Buffer.byteLength(char);
    if (char === '\ufffd' && !buffer.subarray(offset, offset + 3).equals(Buffer.from([0xef, 0xbf, 0xbd])))
      break;
    offset += bytes;
    if (char === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}
