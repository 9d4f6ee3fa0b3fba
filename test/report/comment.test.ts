import { describe, expect, it } from 'vitest';
import { commentMarker, githubCommentLimit, renderPlanComment } from '../../src/report/comment.js';
import { codeSpan, escapeText, escapeWithCode, fencedBlock } from '../../src/report/markdown-text.js';
import { configMap, deployment, plan } from '../plan/helpers.js';

const envFrom = '        envFrom: [{configMapRef: {name: app-config}}]';

describe('renderPlanComment', () => {
  it('renders headline, workloads, findings and the key diff', () => {
    const base = configMap('app-config', { level: 'info', gone: 'x' }) + deployment('api', envFrom);
    const head = configMap('app-config', { level: 'debug', fresh: 'y' }) + deployment('api', envFrom);
    const text = renderPlanComment(plan(base, head));
    expect(text).toMatchSnapshot();
    expect(text.startsWith(commentMarker)).toBe(true);
    expect(text).toContain('1 ConfigMap changed · 1 workload needs a restart');
    expect(text).toContain('| `Deployment/default/api` | 🔄 restart |');
    expect(text).toContain('- info\n+ debug');
  });

  it('says so when nothing changed', () => {
    const same = configMap('app-config', { a: '1' });
    expect(renderPlanComment(plan(same, same))).toContain('No ConfigMap changes in this change');
  });

  it('renders multi-line values as a unified diff', () => {
    const text = renderPlanComment(
      plan(
        configMap('c', { conf: 'a = 1\nb = 2\nc = 3\n' }),
        configMap('c', { conf: 'a = 1\nb = 20\nc = 3\n' }),
      ),
    );
    expect(text).toContain('  a = 1\n- b = 2\n+ b = 20\n  c = 3');
  });

  it('keeps hostile values inside their code block and inert', () => {
    const evil = '```\n</details><img src=x onerror=alert(1)> @org/team #123';
    const text = renderPlanComment(plan(configMap('c', { k: 'a' }), configMap('c', { k: evil })));
    // The fence is longer than any backtick run in the value, so the value can't close it.
    expect(text).toContain('````diff');
    const block = text.slice(text.indexOf('````diff'), text.lastIndexOf('````') + 4);
    expect(block).toContain(evil.split('\n')[1]);
    expect(text.replace(block, '')).not.toMatch(/<img|@org|#123/);
  });

  it('stays under the GitHub comment limit on a huge change, summarising instead of cutting a table', () => {
    let base = '';
    let head = '';
    for (let i = 0; i < 400; i++) {
      const name = `cfg-${i}`;
      const ref = `        envFrom: [{configMapRef: {name: ${name}}}]`;
      base += configMap(name, { value: 'a'.repeat(400), other: `${i}` }) + deployment(`app-${i}`, ref);
      head += configMap(name, { value: 'b'.repeat(400), other: `${i + 1}` }) + deployment(`app-${i}`, ref);
    }
    const text = renderPlanComment(plan(base, head));
    expect(text.length).toBeLessThanOrEqual(githubCommentLimit);
    expect(text).toContain('400 ConfigMaps changed · 400 workloads need a restart');
    expect(text).toContain('summarised to fit');
    const tableRows = text.split('\n').filter((l) => l.startsWith('| `Deployment'));
    expect(tableRows.length).toBeGreaterThan(0);
    // Every table row is complete: it ends with the cell separator.
    expect(tableRows.every((r) => r.endsWith(' |'))).toBe(true);
    expect(text).toMatch(/…and \d+ more workloads/);
  });

  it('honours a smaller limit too', () => {
    const p = plan(
      configMap('c', { k: 'a' }) + deployment('api', envFrom.replace('app-config', 'c')),
      configMap('c', { k: 'b' }) + deployment('api', envFrom.replace('app-config', 'c')),
    );
    expect(renderPlanComment(p, {}, 300).length).toBeLessThanOrEqual(300);
  });
});

describe('markdown escaping', () => {
  it.each([
    ['<b>x</b>', '&lt;b&gt;x&lt;/b&gt;'],
    ['a | b', 'a \\| b'],
    ['ping @team', 'ping @\u200bteam'],
    ['see #12', 'see #\u200b12'],
    ['line\nbreak', 'line break'],
  ])('escapeText(%j)', (input, output) => {
    expect(escapeText(input)).toBe(output);
  });

  it('keeps code spans literal but escapes around them', () => {
    expect(escapeWithCode('key `a|b` for @x')).toBe('key <code>a\\|b</code> for @\u200bx');
  });

  it('builds code spans and fences no content can close', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(fencedBlock('x\n````\ny')).toBe('`````\nx\n````\ny\n`````');
  });
});
