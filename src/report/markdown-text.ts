/**
 * Text from manifests is hostile until escaped: names can carry HTML, `|` that splits a table cell,
 * `@team` that pings people or `#123` that links issues. These helpers make it render as plain text.
 */

const zeroWidthSpace = '\u200b';

/** Plain text for a markdown paragraph or table cell: no HTML, no mentions, no references, no cell breaks. */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([@#])(?=[\w-])/g, `$1${zeroWidthSpace}`)
    .replace(/[\r\n]+/g, ' ');
}

/** Plain text with no code spans at all (a name): any backtick is an entity, so it can't pair with ours. */
export function escapeName(text: string): string {
  return escapeText(text).replace(/`/g, '&#96;');
}

/**
 * Text whose `code spans` were written by us on purpose. Markdown pairs backtick runs of equal length, so a
 * name with a backtick in it could re-pair the spans and let HTML or a mention out: spans become `<code>` with
 * escaped content, and any other backtick is an entity.
 */
export function escapeWithCode(text: string): string {
  const inert = (part: string) => escapeText(part).replace(/`/g, '&#96;');
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? `<code>${inert(part.slice(1, -1))}</code>` : inert(part)))
    .join('');
}

/** A code span that holds any text: a fence longer than any backtick run inside it. */
export function codeSpan(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}

/** A fenced block no content can close early: the fence is longer than any backtick run inside. */
export function fencedBlock(content: string, language = ''): string {
  const longest = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${content.replace(/\n$/, '')}\n${fence}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Cut text to a length, saying how much was left out. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
