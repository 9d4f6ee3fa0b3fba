import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { ObjectOrigin, RenderedFile } from './source.js';

/** ConfigMaps and Secrets: their keys get lines of their own, for findings on one key. */
const dataFields = ['data', 'binaryData', 'stringData'];

/**
 * The lines a person edits, for rendered objects whose origin names only a file: a resource file's document
 * (kustomize reformats what it reads, so the rendered text's lines are not the file's) and a Helm template's
 * object. A generator's origin already has its line (the generator's entry in its kustomization).
 *
 * Best effort, never an error: an object that can't be found in its file keeps line 1 of it.
 */
export function locateOrigins(files: readonly RenderedFile[], root: string): RenderedFile[] {
  const texts = new Map<string, string | undefined>();
  const read = (path: string) => {
    if (!texts.has(path)) {
      try {
        texts.set(path, readFileSync(resolve(root, path), 'utf8'));
      } catch {
        texts.set(path, undefined);
      }
    }
    return texts.get(path);
  };
  return files.map((file) => {
    if (file.origin.line !== undefined) return file;
    if (file.origin.via !== 'resource' && file.origin.via !== 'template') return file;
    const text = read(file.origin.path);
    const object = objectHeader(file.text);
    if (text === undefined || !object) return file;
    const found =
      file.origin.via === 'resource'
        ? inResourceFile(text, object.kind, object.name)
        : inTemplate(text, object.kind, object.keys);
    if (!found) return file;
    const origin: ObjectOrigin = { ...file.origin, line: found.line };
    if (found.keyLines.size > 0) origin.keyLines = Object.fromEntries(found.keyLines);
    return { ...file, origin };
  });
}

interface Header {
  kind: string;
  name: string;
  keys: string[];
}

interface Found {
  line: number;
  keyLines: Map<string, number>;
}

/** Kind, name and data keys of one rendered object (renderers write plain YAML, one object per text). */
function objectHeader(text: string): Header | undefined {
  const [doc] = parseAllDocuments(text);
  if (!doc || !isMap(doc.contents)) return undefined;
  const kind = doc.get('kind');
  const name = doc.getIn(['metadata', 'name']);
  if (typeof kind !== 'string' || typeof name !== 'string') return undefined;
  const keys: string[] = [];
  for (const field of dataFields) {
    const data = doc.get(field, true);
    if (isMap(data)) for (const pair of data.items) if (isScalar(pair.key)) keys.push(String(pair.key.value));
  }
  return { kind, name, keys };
}

/**
 * The document of a resource file that became this object: same kind, and the name kustomize started from —
 * the whole name, or the longest one the rendered name contains (overlays add prefixes and suffixes).
 */
function inResourceFile(text: string, kind: string, renderedName: string): Found | undefined {
  const counter = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: counter }) as Document.Parsed[];
  } catch {
    return undefined;
  }
  let best: { doc: Document.Parsed; length: number } | undefined;
  for (const doc of docs) {
    if (!isMap(doc.contents) || doc.get('kind') !== kind) continue;
    const name = doc.getIn(['metadata', 'name']);
    if (typeof name !== 'string' || name === '' || !renderedName.includes(name)) continue;
    if (!best || name.length > best.length) best = { doc, length: name.length };
  }
  if (!best) return undefined;
  const contents = best.doc.contents as { range?: [number, number, number] } | null;
  const line = counter.linePos(contents?.range?.[0] ?? 0).line;
  const keyLines = new Map<string, number>();
  for (const field of dataFields) {
    const data = best.doc.get(field, true);
    if (!isMap(data)) continue;
    for (const pair of data.items) {
      const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
      if (key?.range && key.value !== undefined)
        keyLines.set(String(key.value), counter.linePos(key.range[0]).line);
    }
  }
  return { line, keyLines };
}

/**
 * A Helm template's object: the first `kind:` line naming its kind, and below it the first line that writes
 * each of its keys literally. Templates are not YAML until rendered, so this reads lines, not a document.
 */
function inTemplate(text: string, kind: string, keys: readonly string[]): Found | undefined {
  const lines = text.split('\n');
  const kindLine = new RegExp(`^kind:\\s*["']?${escape(kind)}["']?\\s*(#.*)?$`);
  const start = lines.findIndex((l) => kindLine.test(l.trimEnd()));
  if (start === -1) return undefined;
  const keyLines = new Map<string, number>();
  for (const key of keys) {
    const keyLine = new RegExp(`^\\s+["']?${escape(key)}["']?\\s*:`);
    const at = lines.findIndex((l, i) => i > start && keyLine.test(l));
    if (at !== -1) keyLines.set(key, at + 1);
  }
  return { line: start + 1, keyLines };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
