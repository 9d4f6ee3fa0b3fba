import type { SourceLocation } from '../plan/findings.js';
import { codeSpan, escapeName } from './markdown-text.js';

/** Where the manifests can be read on GitHub: files link to the commit the plan was made at. */
export interface RepositoryLinks {
  /** `https://github.com/owner/repo` */
  repositoryUrl: string;
  /** The head commit the plan was made at. */
  sha: string;
  /** The absolute folder file paths are relative to (the workspace), stripped from absolute paths. */
  root?: string;
}

/** A file path as the repository names it (no `./`), or undefined when it lies outside the repository. */
export function repositoryPath(file: string, root: string | undefined): string | undefined {
  let path = file.replace(/\\/g, '/');
  if (path.startsWith('/')) {
    const prefix = root ? `${root.replace(/\\/g, '/').replace(/\/+$/, '')}/` : undefined;
    if (!prefix || !path.startsWith(prefix)) return undefined;
    path = path.slice(prefix.length);
  }
  path = path.replace(/^(\.\/)+/, '');
  return path === '' || path.split('/').includes('..') ? undefined : path;
}

/** The URL of a line at the plan's commit; undefined without repository links or for a path outside it. */
export function lineUrl(at: SourceLocation, links: RepositoryLinks | undefined): string | undefined {
  if (!links) return undefined;
  const path = repositoryPath(at.file, links.root);
  if (path === undefined) return undefined;
  // Parentheses too: a `)` would end the markdown link early.
  const encoded = path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[()'*!]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
  return `${links.repositoryUrl}/blob/${links.sha}/${encoded}#L${at.line}`;
}

/** Plain text for inside `[…]`: inert, and no bracket that closes the link text. */
function linkText(text: string): string {
  return escapeName(text).replace(/[[\]]/g, (c) => `\\${c}`);
}

/** Text (already markdown) linked to a line when links are known; else the text, then the path in code. */
export function linked(text: string, at: SourceLocation | null, links: RepositoryLinks | undefined): string {
  if (!at) return text;
  const url = lineUrl(at, links);
  return url ? `[${text}](${url})` : text;
}

/** `file:line` as a link (GitHub) or a code span (terminal). */
export function locationLink(at: SourceLocation, links: RepositoryLinks | undefined): string {
  const label = `${at.file}:${at.line}`;
  const url = lineUrl(at, links);
  return url ? `[${linkText(label)}](${url})` : codeSpan(label);
}
