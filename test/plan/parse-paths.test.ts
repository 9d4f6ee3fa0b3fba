// parseManifests reads most documents with a fast parser and falls back to the exact one (the `yaml` library's
// AST) for anchors, errors and anything unusual. Both must read every file the same way: objects, where they
// were written (down to each data key's line), notes and errors. The hostile corpus and the fixtures are the input.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/plan/manifests.js';

const folders = ['test/bad-inputs/corpus', 'test/bad-inputs/good', 'test/testdata'];
/**
 * Known to differ: line breaks that are a lone CR (old Mac files) are line breaks to js-yaml, as the YAML spec
 * says, and a syntax error to the `yaml` library.
 */
const differ = new Set(['test/bad-inputs/corpus/cr-only.yaml']);
const files = folders
  .flatMap((folder) =>
    readdirSync(new URL(`../../${folder}/`, import.meta.url))
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => `${folder}/${f}`),
  )
  .filter((f) => !differ.has(f));

function read(path: string, exact: boolean) {
  const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
  const parsed = parseManifests([{ path, text }], { defaultNamespace: 'default', exact });
  return {
    objects: parsed.objects.map((o) => {
      const body = o.body as Record<string, unknown>;
      const keys = ['data', 'binaryData', 'stringData'].flatMap((field) =>
        typeof body[field] === 'object' && body[field] !== null ? Object.keys(body[field]) : [],
      );
      return {
        id: [o.apiVersion, o.kind, o.namespace, o.name],
        source: o.source,
        body: o.body,
        keyLines: keys.map((k) => [k, o.lineOfKey(k)]),
      };
    }),
    notes: parsed.notes,
    errors: parsed.errors,
  };
}

describe('the fast and the exact YAML path', () => {
  it('read the corpus: there is one', () => {
    expect(files.length).toBeGreaterThan(60);
  });

  it.each(files)('agree on %s', (path) => {
    expect(read(path, false)).toEqual(read(path, true));
  });
});

describe('data key lines in a List', () => {
  const list = [
    'apiVersion: v1', // 1
    'kind: List',
    'items:',
    '- apiVersion: v1', // 4
    '  kind: ConfigMap',
    '  metadata: {name: a}',
    '  data:',
    '    k: "1"', // 8
    '- apiVersion: v1', // 9
    '  kind: ConfigMap',
    '  metadata:',
    '    name: b',
    '    labels:',
    '      k: label', // 14: a label named like the key, before the data field
    '  data:',
    '    j: "3"',
    '    k: "2"', // 17
    '',
  ].join('\n');

  it.each([false, true])(
    'are those of each item, not of the first item with the key (exact: %s)',
    (exact) => {
      const parsed = parseManifests([{ path: 'list.yaml', text: list }], {
        defaultNamespace: 'default',
        exact,
      });
      const lines = parsed.objects.map((o) => [o.name, o.source.line, o.lineOfKey('k'), o.lineOfKey('j')]);
      // A key an item does not have is placed at the item.
      expect(lines).toEqual([
        ['a', 4, 8, 4],
        ['b', 9, 17, 16],
      ]);
    },
  );
});

describe('documents the two paths must read alike', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: "1"}\n';
  const readText = (text: string, exact: boolean) => {
    const p = parseManifests([{ path: 'f.yaml', text }], { defaultNamespace: 'default', exact });
    return { objects: p.objects.map((o) => [o.name, o.source.line]), notes: p.notes, errors: p.errors };
  };

  it.each([
    ['a blank line before the first marker', `\n---\n${cm}`, 3],
    ['a comment before the first marker', `# generated\n---\n${cm}`, 3],
    [
      "helm template's empty template: a marker and a comment",
      `---\n# Source: chart/templates/empty.yaml\n---\n${cm}`,
      4,
    ],
    ['a blank line after a document end marker', `${cm}...\n\n---\n${cm.replace('name: a', 'name: b')}`, 1],
  ])('%s is no document: no note, the object at its line', (_, text, line) => {
    for (const exact of [false, true]) {
      const parsed = readText(text, exact);
      expect(parsed.notes).toEqual([]);
      expect(parsed.errors).toEqual([]);
      expect(parsed.objects[0]).toEqual(['a', line]);
    }
  });

  it('skips a document whose kind is not a string, items or not', () => {
    for (const exact of [false, true]) {
      const parsed = readText('apiVersion: v1\nkind: 12\nitems: []\n', exact);
      expect(parsed.objects).toEqual([]);
      expect(parsed.notes.map((n) => n.message)).toEqual([
        'Skipped a document without apiVersion and kind, so not a Kubernetes object.',
      ]);
    }
  });
});
