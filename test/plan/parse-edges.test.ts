// parseManifests at its edges, in-process: the limits on hostile YAML and the errors' positions (the bad-input
// tests check the same through the bundled CLI, which the mutation run does not see), document markers, List
// items' lines, templates, and the names Kubernetes refuses. From the mutation run's survivors (test/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/plan/manifests.js';

const parse = (text: string, exact = false) =>
  parseManifests([{ path: 'a.yaml', text }], { defaultNamespace: 'team', exact });
const placed = (r: ReturnType<typeof parse>) => r.objects.map((o) => [o.name, o.source.line]);
const configMap = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n${extra}`;
/** An anchor sends a document to the exact parser. */
const anchored = 'x-anchor: &x 1\n';

describe('limits on hostile YAML', () => {
  const anchors = (n: number) =>
    configMap('a', `data:\n${Array.from({ length: n }, (_, i) => `  k${i}: &a${i} "v"\n`).join('')}`);

  it('reads 1000 anchors in a document and refuses 1001, at the document', () => {
    expect([placed(parse(anchors(1000))), parse(anchors(1000)).errors]).toEqual([[['a', 1]], []]);
    expect(parse(anchors(1001)).errors).toEqual([
      {
        file: 'a.yaml',
        line: 1,
        column: 1,
        message:
          '1001 YAML anchors (&name) in one document; at most 1000 are read (anchor-heavy YAML is a resource-exhaustion risk, not a manifest)',
      },
    ]);
  });

  it('counts anchors only: a long document with one anchor is read', () => {
    const long = configMap(
      'a',
      `${anchored}data:\n${Array.from({ length: 1500 }, (_, i) => `  k${i}: "v ${i}"\n`).join('')}`,
    );
    expect([placed(parse(long)), parse(long).errors]).toEqual([[['a', 1]], []]);
  });

  it.each([
    ['lists', (n: number) => `${'[ '.repeat(n)}${' ]'.repeat(n)}`],
    ['mappings', (n: number) => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`],
  ])('reads %s nested 256 deep in flow style and refuses 257', (_, nest) => {
    const nested = (n: number) => parse(configMap('a', `${anchored}y: ${nest(n)}\n`), true);
    expect([placed(nested(256)), nested(256).errors]).toEqual([[['a', 1]], []]);
    expect(nested(257).errors).toEqual([
      {
        file: 'a.yaml',
        line: 1,
        column: 1,
        message: 'lists or mappings nested 257 levels deep; at most 256 are read',
      },
    ]);
  });

  it('counts depth after nested lists close, and reads the rest of the file after a refused document', () => {
    const closedFirst = parse(
      configMap('a', `${anchored}x: [[1]]\ny: ${'[ '.repeat(257)}${' ]'.repeat(257)}\n`),
      true,
    );
    expect(closedFirst.errors.map((e) => e.message)).toEqual([
      'lists or mappings nested 257 levels deep; at most 256 are read',
    ]);
    const r = parse(`${anchors(1001)}---\n${configMap('b')}`);
    expect([placed(r), r.errors.map((e) => e.line)]).toEqual([[['b', 1007]], [1]]);
  });

  it('counts depth, not flow collections: 300 flow lists side by side are read', () => {
    const siblings = Array.from({ length: 300 }, (_, i) => `y${i}: [a, {b: c}]\n`).join('');
    const r = parse(configMap('a', anchored + siblings), true);
    expect([placed(r), r.errors]).toEqual([[['a', 1]], []]);
  });

  it('says a document nested thousands of levels deep in block style is too deep to read', () => {
    const r = parse(configMap('a', `data:\n  x:\n    ${'- '.repeat(60_000)}a\n`));
    expect([r.objects, r.errors.map((e) => [e.file, e.line, e.message])]).toEqual([
      [],
      [['a.yaml', 6, 'nested too deeply to read (thousands of levels of lists or mappings)']],
    ]);
  });
});

describe('errors and where they are', () => {
  it('gives a syntax error its line and column, not repeated in the message', () => {
    const keys = Array.from({ length: 8 }, (_, i) => `  k${i}: v\n`).join('');
    expect(parse(configMap('a', `data:\n${keys}  longer-key-name: "x" y\n`)).errors).toEqual([
      { file: 'a.yaml', line: 13, column: 24, message: 'Unexpected scalar at node end' },
    ]);
  });

  it('counts lines from the top of the file for an error in a later document', () => {
    expect(parse(`${configMap('a')}---\n${configMap('b', 'data:\n  a: "x" y\n')}`).errors).toEqual([
      { file: 'a.yaml', line: 9, column: 10, message: 'Unexpected scalar at node end' },
    ]);
  });

  it('points an undefined alias at the alias, whatever its name holds', () => {
    expect(parse(configMap('a', 'data:\n  a: "1"\n  bb: *base.v1\n')).errors).toEqual([
      {
        file: 'a.yaml',
        line: 6,
        column: 7,
        message: 'Unresolved alias (the anchor must be set before the alias): base.v1',
      },
    ]);
  });

  it('refuses duplicate keys also in a document with `&&` in a value', () => {
    expect(parse(configMap('a', 'data:\n  run: a && b\n  run: c\n')).errors).toEqual([
      { file: 'a.yaml', line: 6, column: 3, message: 'Map keys must be unique' },
    ]);
  });
});

describe('document markers', () => {
  it.each([
    [
      '--- and ... inside a line',
      configMap('a', 'data:\n  a: see --- below\n  b: and ... too\n'),
      [['a', 1]],
    ],
    [
      'an object on the marker line',
      '--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n--- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n',
      [
        ['a', 1],
        ['b', 2],
      ],
    ],
    [
      'document end markers, the last without a line break',
      `${configMap('a')}...\n# c\n---\n${configMap('b')}...`,
      [
        ['a', 1],
        ['b', 7],
      ],
    ],
    [
      'a document after an end marker, without ---',
      `${configMap('a')}...\n${configMap('b')}`,
      [
        ['a', 1],
        ['b', 5],
      ],
    ],
    ['a one-character first line', `#\n---\n${configMap('a')}`, [['a', 3]]],
    ['blank and indented comment lines first', `   \n  # indented comment\n${configMap('a')}`, [['a', 3]]],
  ])('%s', (_, text, objects) => {
    const r = parse(text);
    expect([placed(r), r.notes, r.errors]).toEqual([objects, [], []]);
  });

  it('skips a document of comments only, and a null document, without a note', () => {
    const comments = parse(`${configMap('a')}---\n# only a comment\n---\n${configMap('b')}`);
    expect([placed(comments), comments.notes]).toEqual([
      [
        ['a', 1],
        ['b', 7],
      ],
      [],
    ]);
    const empty = parse(`${configMap('a')}---\n~\n`, true);
    expect([placed(empty), empty.notes]).toEqual([[['a', 1]], []]);
  });
});

describe('values the exact parser reads', () => {
  it('keeps a timestamp a string, and finds the line of each data key', () => {
    const [object] = parse(configMap('a', `${anchored}data:\n  since: 2024-01-01\n  k: v\n`)).objects;
    expect([object!.body['data'], object!.lineOfKey('k')]).toEqual([{ since: '2024-01-01', k: 'v' }, 7]);
  });
});

describe('List items', () => {
  const item = (name: string, indent = '') =>
    `${indent}- apiVersion: v1\n${indent}  kind: ConfigMap\n${indent}  metadata: {name: ${name}}\n`;

  it.each([
    [
      'a List inside a List',
      `apiVersion: v1\nkind: List\nitems:\n${item('a')}- apiVersion: v1\n  kind: List\n  items:\n${item('b', '  ')}`,
      [
        ['a', 4],
        ['b', 10],
      ],
    ],
    [
      'flow-style items',
      'apiVersion: v1\nkind: List\nitems: [\n  {apiVersion: v1, kind: ConfigMap, metadata: {name: a}},\n  {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}]\n',
      [
        ['a', 4],
        ['b', 5],
      ],
    ],
    [
      'one item holding a list of its own',
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  spec:\n    template:\n      spec:\n        containers:\n        - name: app\n          image: x\n',
      [['d', 4]],
    ],
    [
      'items of a List read by the exact parser',
      `apiVersion: v1\nkind: List\n${anchored}items:\n${item('a')}${item('b')}`,
      [
        ['a', 5],
        ['b', 8],
      ],
    ],
    [
      'a typed List',
      `apiVersion: v1\nkind: ConfigMapList\nitems:\n${item('a')}${item('b')}`,
      [
        ['a', 4],
        ['b', 7],
      ],
    ],
  ])('%s: each item at its line', (_, text, objects) => {
    const r = parse(text);
    expect([placed(r), r.errors]).toEqual([objects, []]);
  });

  it('reads a kind not ending in List as an object, even with items', () => {
    const r = parse(
      `apiVersion: example.com/v1\nkind: Inventory\nmetadata: {name: inv}\nitems:\n${item('a')}`,
    );
    expect(r.objects.map((o) => [o.kind, o.name])).toEqual([['Inventory', 'inv']]);
  });
});

describe('templates', () => {
  const note = (line: number) => [line, 'skipped-document'];
  const notes = (r: ReturnType<typeof parse>) => r.notes.map((n) => [n.line, n.code]);

  it('skips an object with a templated name as a template, not an error', () => {
    const r = parse(
      '# {{ .Values.x }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: "{{ .Release.Name }}-config"}\n',
    );
    expect([r.objects, r.errors, notes(r)]).toEqual([[], [], [note(2)]]);
    expect(r.notes[0]!.message).toContain('Skipped a template');
  });

  it('reads an object of a template file that holds together, with no note', () => {
    const r = parse(`# rendered from {{ .Chart.Name }}\n${configMap('a')}`);
    expect([placed(r), r.notes, r.errors]).toEqual([[['a', 2]], [], []]);
  });

  it('says a document of a template that is no object is a template', () => {
    const r = parse('# {{ x }}\nfoo: bar\n');
    expect([r.errors, notes(r)]).toEqual([[], [note(2)]]);
    expect(r.notes[0]!.message).toContain('Skipped a template');
  });

  it('skips the rest of a template file after a document that is no YAML', () => {
    const r = parse(`${configMap('a', 'data:\n  a: {{ .x }} b\n')}---\n${configMap('b')}`);
    expect([r.objects, r.errors, notes(r)]).toEqual([[], [], [note(5)]]);
  });
});

describe('names Kubernetes refuses', () => {
  const named = (kind: string, name: string, namespace?: string) =>
    parse(
      `apiVersion: ${kind === 'ConfigMap' || kind === 'Secret' || kind === 'Pod' ? 'v1' : 'apps/v1'}\nkind: ${kind}\nmetadata: {name: "${name}"${namespace === undefined ? '' : `, namespace: "${namespace}"`}}\n`,
    ).errors.map((e) => e.message);

  it.each(['Secret', 'Pod', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'])(
    'checks the name of a %s',
    (kind) => {
      expect(named(kind, 'Bad_Name')).toEqual([
        `${kind} name \`Bad_Name\` is not a valid Kubernetes name (at most 253 lowercase letters, digits, \`-\` and \`.\`, starting and ending with a letter or digit); the API server rejects it.`,
      ]);
    },
  );

  it.each([
    ['release.v1.2', true],
    ['app.config', true],
    ['a', true],
    ['-app', false],
    ['app-', false],
    ['a.-b', false],
    ['a.b-', false],
  ])('a ConfigMap named %s is valid: %s', (name, valid) => {
    expect(named('ConfigMap', name)).toHaveLength(valid ? 0 : 1);
  });

  it.each([
    ['a', true],
    ['a1-b2', true],
    ['-ns', false],
    ['ns-', false],
  ])('namespace %s is valid: %s', (namespace, valid) => {
    expect(named('ConfigMap', 'x', namespace)).toHaveLength(valid ? 0 : 1);
  });

  it('reads an empty name as none (a note) and an empty namespace as the default', () => {
    const noName = parse('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name:\n');
    expect([noName.errors, noName.notes.map((n) => n.message)]).toEqual([
      [],
      ['Skipped a ConfigMap without metadata.name.'],
    ]);
    const noNamespace = parse('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace:\n');
    expect([noNamespace.errors, noNamespace.objects.map((o) => o.namespace)]).toEqual([[], ['team']]);
  });

  it('leaves the names of other kinds to the API server (an RBAC name may hold colons)', () => {
    const r = parse(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: "system:controller:x"}\n',
    );
    expect([placed(r), r.errors]).toEqual([[['system:controller:x', 1]], []]);
  });
});
