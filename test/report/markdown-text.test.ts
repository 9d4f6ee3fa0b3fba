import { describe, expect, it } from 'vitest';
import {
  codeSpan,
  escapeText,
  escapeWithCode,
  fencedBlock,
  plural,
  truncate,
} from '../../src/report/markdown-text.js';

const zwsp = '\u200b';

describe('markdown text helpers', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['x > y < z', 'x &gt; y &lt; z'],
    ['a|b|c', 'a\\|b\\|c'],
    ['@a @-b #1 #x-y', `@${zwsp}a @${zwsp}-b #${zwsp}1 #${zwsp}x-y`],
    ['mail me@ here # 1', 'mail me@ here # 1'],
    ['one\r\ntwo\n\nthree', 'one two three'],
  ])('escapeText(%j)', (input, output) => {
    expect(escapeText(input)).toBe(output);
  });

  it.each([
    ['no code', 'no code'],
    ['`a` and `b`', '<code>a</code> and <code>b</code>'],
    ['`<b>` @x', `<code>&lt;b&gt;</code> @${zwsp}x`],
    ['one ` stray', 'one &#96; stray'],
    ['``', '<code></code>'],
    ['`a\nb`', '&#96;a b&#96;'],
  ])('escapeWithCode(%j)', (input, output) => {
    expect(escapeWithCode(input)).toBe(output);
  });

  it.each([
    ['plain', '`plain`'],
    ['a`b', '``a`b``'],
    ['a``b`', '``` a``b` ```'],
    ['`start', '`` `start ``'],
    ['two\nlines|cell', '`two lines\\|cell`'],
    ['', '``'],
  ])('codeSpan(%j)', (input, output) => {
    expect(codeSpan(input)).toBe(output);
  });

  it('fences a block longer than any backtick run inside, at least three', () => {
    expect(fencedBlock('x\n')).toBe('```\nx\n```');
    expect(fencedBlock('a `` b', 'diff')).toBe('```diff\na `` b\n```');
    expect(fencedBlock('```\n`````')).toBe('``````\n```\n`````\n``````');
    expect(fencedBlock('x\n\n')).toBe('```\nx\n\n```');
  });

  it('counts in words', () => {
    expect(plural(0, 'key')).toBe('0 keys');
    expect(plural(1, 'key')).toBe('1 key');
    expect(plural(2, 'key')).toBe('2 keys');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('cuts text only past its limit', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('abc… (1 more characters)');
    expect(truncate('', 0)).toBe('');
  });
});
