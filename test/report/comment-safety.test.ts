// Text from manifests (and from a cluster) is hostile: values, keys, names, container names, file paths.
// Whatever they hold, the PR comment must render it inert: no HTML, no closed <details>, no escaped code
// fence, no @mention, no #123 link. Checked two ways: the exact escaping of each piece, and a CommonMark
// reading of the whole comment (code spans paired by backtick-run length, fenced blocks) that finds anything
// hostile outside code.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/plan.js';
import { parseManifests } from '../../src/plan/manifests.js';
import { planRollout } from '../../src/plan/plan.js';
import { renderPlanComment } from '../../src/report/comment.js';
import { deployment, plan } from '../plan/helpers.js';

/** A ConfigMap with any keys and values (quoted, so YAML takes them as they are). */
function configMap(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join('\n')}\n`;
}

const zwsp = '\u200b';
const img = '<img src=x onerror=alert(1)>';
const script = '<script>alert(1)</script>';

/** Every trick at once, as one line and as many. */
const hostileLine = `</details>${img}${script} @org/team @user #123 \`\`\` ~~~ [x](javascript:alert(1)) ![t](https://evil.example/t.png)`;
const hostileBlock = `line one\n\`\`\`\n</details>\n${img}\n${script}\n@org/team cc @user, fixes #123\n\`\`\`\`\`\`\`\`\nlast`;

/**
 * The parts of a rendered comment that GitHub reads as markdown or HTML, not as code, with code blanked out.
 * A small CommonMark reading of what our comments contain: fenced blocks; HTML blocks (a line starting with
 * `<details`/`<summary`/`</details`, raw up to the next blank line: no code spans there); table rows, each
 * cell on its own; list items and paragraphs, in which a backtick run opens a code span that only a run of the
 * same length closes.
 */
function outsideCode(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  let html = false;
  let unit: string[] = [];
  const flush = () => {
    if (unit.length > 0) out.push(blankSpans(unit.join('\n')));
    unit = [];
  };
  for (const line of markdown.split('\n')) {
    if (fence !== undefined) {
      const close = /^ {0,3}(`{3,})\s*$/.exec(line);
      if (close && close[1]!.length >= fence.length) fence = undefined;
      continue;
    }
    if (line.trim() === '') {
      flush();
      html = false;
      continue;
    }
    if (html) {
      out.push(line);
      continue;
    }
    const open = /^ {0,3}(`{3,})[^`]*$/.exec(line);
    if (open) {
      flush();
      fence = open[1]!;
      continue;
    }
    if (/^<\/?(details|summary)[\s>]/i.test(line)) {
      flush();
      html = true;
      out.push(line);
      continue;
    }
    if (line.startsWith('|')) {
      flush();
      out.push(
        line
          .split(/(?<!\\)\|/)
          .map(blankSpans)
          .join('|'),
      );
      continue;
    }
    if (/^\s*[-*] /.test(line) || /^#{1,6} /.test(line) || line.startsWith('> ')) flush();
    unit.push(line);
  }
  flush();
  return out.join('\n');
}

/** Blank out the code spans of one paragraph, list item or table cell. */
function blankSpans(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\' && text[i + 1] === '`') {
      out += '\\`';
      i += 2;
      continue;
    }
    if (text[i] !== '`') {
      out += text[i];
      i++;
      continue;
    }
    const run = /^`+/.exec(text.slice(i))![0];
    const closeAt = findRun(text, i + run.length, run.length);
    if (closeAt === -1) {
      out += run;
      i += run.length;
      continue;
    }
    out += ' '.repeat(closeAt + run.length - i);
    i = closeAt + run.length;
  }
  return out;
}

/** Index of the next backtick run of exactly `length` from `from`, or -1. */
function findRun(text: string, from: number, length: number): number {
  const pattern = /`+/g;
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) if (m[0].length === length) return m.index;
  return -1;
}

/** What must never appear outside code in our comment. */
function expectInert(comment: string): void {
  const prose = outsideCode(comment);
  const tags = [...prose.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
  // Only the structure we write ourselves: collapsible sections with a code-styled title, small print, breaks.
  expect(new Set(tags)).toEqual(
    new Set(tags.filter((t) => ['details', 'summary', 'code', 'sub', 'br'].includes(t))),
  );
  const count = (tag: string) => tags.filter((t) => t === tag).length;
  expect(count('details') % 2, 'every <details> we open is closed by us, none by the content').toBe(0);
  expect([...prose.matchAll(/<details>/g)].length).toBe([...prose.matchAll(/<\/details>/g)].length);
  expect(prose).not.toMatch(/<script|<img/i);
  // Mentions and issue links: GitHub links @name and #123 (not after a word character or inside code).
  expect(prose).not.toMatch(/(^|[^\w`])@[A-Za-z0-9]/m);
  expect(prose).not.toMatch(/(^|[^\w&])#\d/m);
  // The only HTML comment is our marker.
  expect([...prose.matchAll(/<!--/g)].length).toBe(1);
}

/** A plan read from YAML with hostile file paths, as parseManifests would see a repository. */
function planFrom(base: string, head: string, headFile: string): Plan {
  const parse = (text: string, path: string) => {
    const parsed = parseManifests([{ path, text }], { defaultNamespace: 'default' });
    expect(parsed.errors).toEqual([]);
    return parsed.objects;
  };
  return planRollout({
    base: parse(base, 'base.yaml'),
    head: parse(head, headFile),
    notes: [],
    options: { volumeMounts: 'restart' },
  });
}

describe('the PR comment renders hostile manifest text inert', () => {
  it('keeps hostile values inside a fence no value can close, byte for byte', () => {
    const text = renderPlanComment(
      plan(
        configMap('app', { one: 'a', many: 'x\ny\n' }),
        configMap('app', { one: hostileLine, many: hostileBlock }),
      ),
    );
    // The longest backtick run in the values is 8: the fence is 9.
    const fence = '`'.repeat(9);
    expect(text).toContain(`${fence}diff\n`);
    const block = text.slice(text.indexOf(`${fence}diff\n`), text.lastIndexOf(fence) + fence.length);
    expect(block).toContain(`+ ${hostileLine}`);
    for (const line of hostileBlock.split('\n').slice(1)) expect(block).toContain(`+ ${line}`);
    expectInert(text);
  });

  it('escapes hostile keys in findings and keeps them literal in the diff', () => {
    const keys = [
      `</details>${img}`,
      `\`${img}\`\``,
      '@org/team',
      '#123',
      'a`b``c```d',
      `x\n</details>${script}`,
    ];
    const data = Object.fromEntries(keys.map((k, i) => [k, `v${i}`]));
    const text = renderPlanComment(
      plan(configMap('app', { ok: '1' }), configMap('app', { ok: '1', ...data })),
    );
    expect(text).toContain('**invalid-key**');
    expectInert(text);
  });

  it('escapes hostile names of ConfigMaps, namespaces and workloads (as a cluster may report them)', () => {
    const p = plan(
      configMap('app', { a: '1' }) + deployment('api', '        envFrom: [{configMapRef: {name: app}}]'),
      configMap('app', { a: '2' }) + deployment('api', '        envFrom: [{configMapRef: {name: app}}]'),
    );
    const name = `cfg</details>${img}@team#12\`x\`\``;
    const hostile: Plan = {
      ...p,
      configMaps: p.configMaps.map((c) => ({ ...c, name, namespace: `ns\`${script}\`` })),
      consumers: p.consumers.map((c) => ({
        ...c,
        workload: `Deployment/ns/\`api\`|${img}@team`,
        reasons: [...c.reasons, `Reason with ${img} @team #7 and \`code ${script}\` and \`\`${img}\``],
      })),
    };
    const text = renderPlanComment(hostile, { notices: [`Notice ${img} @org/team #9`] });
    expect(text).toContain(
      `<code>ns&#96;&lt;script&gt;alert(1)&lt;/script&gt;&#96;/cfg&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;@\u200bteam#\u200b12&#96;x&#96;&#96;</code>`,
    );
    // The workload: in the headline as inert text, in the table as a code span longer than any backtick run.
    expect(text).toContain(
      'merging restarts Deployment &#96;api&#96;\\|&lt;img src=x onerror=alert(1)&gt;@\u200bteam',
    );
    expect(text).toContain('| Deployment `` `api`\\|<img src=x onerror=alert(1)>@team `` |');
    expect(text).toContain(`@${zwsp}team#${zwsp}12`);
    expect(text).toContain(`> Notice &lt;img src=x onerror=alert(1)&gt; @${zwsp}org/team #${zwsp}9`);
    expectInert(text);
  });

  it('escapes hostile container names and checksum annotations in the reasons', () => {
    const container = `app</details>${img}@team`;
    const reads = `        envFrom: [{configMapRef: {name: app}}]`;
    const workload = deployment('api', reads).replace('- name: app', `- name: ${JSON.stringify(container)}`);
    const annotation = `checksum/\`${img}\`\``;
    const withChecksum = workload.replace(
      'labels: {app: api}',
      `labels: {app: api}\n      annotations: {${JSON.stringify(annotation)}: "1"}`,
    );
    const text = renderPlanComment(
      plan(configMap('app', { a: '1' }) + withChecksum, configMap('app', { a: '2' }) + withChecksum),
    );
    expect(text).toContain('🔄 restart');
    expectInert(text);
  });

  it('escapes hostile file paths in findings', () => {
    const path = `k8s/\`${img}\`\`@team#1.yaml`;
    const text = renderPlanComment(
      planFrom(configMap('app', { a: '1' }), configMap('app', { a: '1', 'bad key': 'x' }), path),
    );
    expect(text).toContain('**invalid-key**');
    expectInert(text);
  });

  // CommonMark pairs backtick runs of equal length, so a name with a backtick next to ours could re-pair our
  // code spans and let HTML and @mentions out: our spans are rendered as escaped <code> instead.
  it('keeps a container name with a backtick inert in a blocker', () => {
    const reads = `        env: [{name: V, valueFrom: {configMapKeyRef: {name: app, key: b}}}]`;
    const workload = deployment('api', reads).replace(
      '- name: app',
      `- name: ${JSON.stringify(`a ${img} @org/team\``)}`,
    );
    const text = renderPlanComment(
      plan(configMap('app', { b: '1' }) + workload, configMap('app', { '`': '2' }) + workload),
    );
    expect(text).toContain(
      'Needed by container <code>a &lt;img src=x onerror=alert(1)&gt; @\u200borg/team</code>',
    );
    // The key added beside it is a lone backtick: an entity in the summary, never a span opener.
    expect(text).toContain('— added <code>&#96;</code>; removed <code>b</code> ·');
    expectInert(text);
  });

  // One backtick in a name has no partner: left as it is, it would pair with the next backtick we write and
  // turn the rest of the line into code, or leave a span open. It is written as an entity instead. (The parser
  // refuses such a ConfigMap name; a name can still come from elsewhere, as a cluster may report it.)
  it('writes a stray backtick in a name as `&#96;`', () => {
    const reads = '        envFrom: [{configMapRef: {name: app}}]';
    const p = plan(
      configMap('app', { a: '1' }) + deployment('api', reads),
      configMap('app', { a: '2' }) + deployment('api', reads),
    );
    const name = 'default/app`cfg';
    const hostile: Plan = {
      ...p,
      consumers: p.consumers.map((c) => ({ ...c, workload: 'Deployment/default/app`cfg' })),
      findings: [
        {
          severity: 'warning',
          code: 'drift',
          message: `ConfigMap ${name} is in the base manifests but not in the cluster; applying creates it.`,
          file: 'head.yaml',
          line: 2,
        },
      ],
    };
    const text = renderPlanComment(hostile);
    expect(text).toContain('merging restarts Deployment app&#96;cfg (2 pods)');
    expect(text).toContain('| Deployment ``app`cfg`` |');
    expect(text).toContain(
      '- ⚠️ **drift** — ConfigMap default/app&#96;cfg is in the base manifests but not in the cluster; applying creates it. (`head.yaml:2`)',
    );
    expectInert(text);
  });

  it('escapes text exactly', () => {
    const text = renderPlanComment(
      plan(configMap('app', { a: '1' }), configMap('app', { a: '1', '@org/team<b>#5': 'x' })),
    );
    expect(text).toContain(
      '> - ❌ **invalid-key** — ConfigMap default/app: key <code>@\u200borg/team&lt;b&gt;#\u200b5</code> is not a valid ConfigMap key',
    );
  });
});
