import picomatch from 'picomatch';

/** Files a manifest folder contributes. */
export const manifestExtensions = ['.yaml', '.yml', '.json'];

export function isManifestName(path: string): boolean {
  return manifestExtensions.some((ext) => path.toLowerCase().endsWith(ext));
}

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** Normalise a user-given path: no `./`, no trailing `/`, forward slashes. */
export function normalisePath(path: string): string {
  const p = path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  return p === '' ? '.' : p;
}

/**
 * Which of `candidates` (repository-relative paths) a list of user patterns selects: a file by its path, a
 * folder by everything with a manifest extension below it, a glob by matching.
 */
export function selectPaths(patterns: readonly string[], candidates: readonly string[]): string[] {
  const selected = new Set<string>();
  for (const raw of patterns) {
    const pattern = normalisePath(raw);
    if (isGlob(pattern)) {
      const match = picomatch(pattern, { dot: false });
      for (const c of candidates) if (match(c)) selected.add(c);
      continue;
    }
    for (const c of candidates) {
      if (c === pattern) selected.add(c);
      else if ((pattern === '.' || c.startsWith(`${pattern}/`)) && isManifestName(c)) selected.add(c);
    }
  }
  return [...selected].sort();
}
