import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRollout } from '../../src/plan/plan.js';
import { commentMarker, renderPlanComment } from '../../src/report/comment.js';
import { codeSpan, escapeText, escapeWithCode, fencedBlock } from '../../src/report/markdown-text.js';
import { repoRoot } from '../cli/run-cli.js';
import { configMap, deployment, objects, plan } from '../plan/helpers.js';

const envFrom = '        envFrom: [{configMapRef: {name: app-config}}]';

/** The demo's change (examples/shop: base → head), planned offline as `npm run demo` and README show it. */
function demoPlan() {
  const side = (folder: string) =>
    ['config.yaml', 'workloads.yaml'].flatMap((file) =>
      objects(
        readFileSync(join(repoRoot, 'examples/shop', folder, file), 'utf8'),
        `examples/shop/${folder}/${file}`,
        'shop',
      ),
    );
  return planRollout({ base: side('base'), head: side('head'), options: { volumeMounts: 'restart' } });
}

describe('renderPlanComment', () => {
  it('renders the demo: what merging does, the table, the legend, each ConfigMap', () => {
    const text = renderPlanComment(demoPlan(), {
      links: { repositoryUrl: 'https://github.com/acme/shop', sha: '4f1c2a9e0b7d' },
      maxParallel: 5,
    });
    expect(text).toMatchSnapshot();
    expect(text.startsWith(commentMarker)).toBe(true);
    expect(text).toContain(
      '### config-rollout plan · `4f1c2a9`\n**✅ No blockers** · merging restarts DaemonSet web, Deployment api (3 pods), StatefulSet worker (2) · CronJob nightly-report picks it up on the next run · planned offline: drift and live health not checked',
    );
    expect(text).toContain(
      '| [Deployment `api`](https://github.com/acme/shop/blob/4f1c2a9e0b7d/examples/shop/head/workloads.yaml#L',
    );
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
