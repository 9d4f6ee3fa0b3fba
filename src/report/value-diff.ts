import { structuredPatch } from 'diff';
import type { ConfigMapChange } from '../plan/configmap-diff.js';
import { truncate } from './markdown-text.js';

export interface ValueDiffLimits {
  /** Characters shown of a one-line value. */
  valueChars: number;
  /** Lines of unified diff shown per key. */
  diffLines: number;
}

/** Values larger than this are compared by size only: diffing them costs more than a reviewer gains. */
const maxDiffedChars = 64 * 1024;

/** The key-level diff of one ConfigMap as `diff` lines: one-line values as -/+, multi-line as a unified diff. */
export function renderValueDiff(change: ConfigMapChange, limits: ValueDiffLimits): string {
  const out: string[] = [];
  const before = (key: string) => valueOf(change.base, key);
  const after = (key: string) => valueOf(change.head, key);
  const keys = [
    ...change.keys.changed.map((k) => ['changed', k] as const),
    ...change.keys.added.map((k) => ['added', k] as const),
    ...change.keys.removed.map((k) => ['removed', k] as const),
  ].sort(([, a], [, b]) => a.localeCompare(b));
  for (const [kind, key] of keys) {
    out.push(`@@ ${key} (${kind}) @@`);
    if (change.fingerprints) {
      // A Secret's values are never shown: a keyed fingerprint per side says that, and only that, it changed.
      const before = change.fingerprints.base[key];
      const after = change.fingerprints.head[key];
      out.push(`  fingerprint ${before ?? 'none'} → ${after ?? 'none'}`);
      continue;
    }
    const old = before(key);
    const now = after(key);
    if (old?.binary || now?.binary) {
      out.push(
        `  binary: ${old ? `${old.text.length} base64 chars` : 'none'} → ${now ? `${now.text.length} base64 chars` : 'none'}`,
      );
      continue;
    }
    out.push(...linesFor(old?.text, now?.text, limits));
  }
  return out.join('\n');
}

function valueOf(
  snapshot: ConfigMapChange['base'],
  key: string,
): { text: string; binary: boolean } | undefined {
  if (!snapshot) return undefined;
  if (Object.hasOwn(snapshot.data, key)) return { text: snapshot.data[key]!, binary: false };
  if (Object.hasOwn(snapshot.binaryData, key)) return { text: snapshot.binaryData[key]!, binary: true };
  return undefined;
}

function linesFor(old: string | undefined, now: string | undefined, limits: ValueDiffLimits): string[] {
  const multiLine = (old ?? '').includes('\n') || (now ?? '').includes('\n');
  if (!multiLine) {
    const lines: string[] = [];
    if (old !== undefined) lines.push(`- ${truncate(old, limits.valueChars)}`);
    if (now !== undefined) lines.push(`+ ${truncate(now, limits.valueChars)}`);
    return lines;
  }
  if ((old?.length ?? 0) > maxDiffedChars || (now?.length ?? 0) > maxDiffedChars) {
    return [`  ${old?.length ?? 0} → ${now?.length ?? 0} characters (too large to diff here)`];
  }
  const patch = structuredPatch('', '', withNewline(old), withNewline(now), '', '', { context: 2 });
  const lines = patch.hunks.flatMap((h) => [
    `  ~ lines ${h.oldStart}-${h.oldStart + h.oldLines - 1} → ${h.newStart}-${h.newStart + h.newLines - 1}`,
    ...h.lines
      .filter((l) => !l.startsWith('\\'))
      .map((l) => `${l[0]} ${truncate(l.slice(1), limits.valueChars)}`),
  ]);
  if (lines.length <= limits.diffLines) return lines;
  return [...lines.slice(0, limits.diffLines), `  … ${lines.length - limits.diffLines} more diff lines`];
}

function withNewline(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  return text.endsWith('\n') ? text : `${text}\n`;
}
