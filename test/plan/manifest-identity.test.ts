// What parseManifests refuses (an error naming file and line) and what it skips (a note), on both YAML paths:
// identities the API server rejects, documents that are no object, and where each object starts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/plan/manifests.js';

const nameRule =
  'is not a valid Kubernetes name (at most 253 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit); the API server rejects it.';
const namespaceRule =
  'is not a valid namespace name (at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit); the API server rejects it.';
const notObject = 'Skipped a document without apiVersion and kind, so not a Kubernetes object.';
const long = (n: number) => 'a'.repeat(n);
const corpus = (file: string) =>
  readFileSync(new URL(`../bad-inputs/corpus/${file}`, import.meta.url), 'utf8');

/** [name, YAML, objects as `Kind namespace/name@line`, notes as `line: message`, errors as `line: message`] */
const cases: [string, string, string[], string[], string[]][] = [
  [
    'a ConfigMap outside v1',
    corpus('wrong-apiversion.yaml'),
    [],
    [],
    ['1: a ConfigMap has apiVersion v1, not `v2`; the API server serves no ConfigMap in v2.'],
  ],
  [
    'a Secret outside v1',
    'apiVersion: apps/v1\nkind: Secret\nmetadata: {name: s}\n',
    [],
    [],
    ['1: a Secret has apiVersion v1, not `apps/v1`; the API server serves no Secret in apps/v1.'],
  ],
  ['an invalid name', corpus('invalid-name.yaml'), [], [], [`1: ConfigMap name \`App_Config!\` ${nameRule}`]],
  [
    'a name of 254 characters',
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${long(254)}}\n`,
    [],
    [],
    [`1: ConfigMap name \`${long(254)}\` ${nameRule}`],
  ],
  [
    'a name of 253 characters',
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${long(253)}}\n`,
    [`ConfigMap default/${long(253)}@1`],
    [],
    [],
  ],
  [
    'a name that is a number',
    corpus('name-not-string.yaml'),
    [],
    [],
    ['1: ConfigMap metadata.name must be a string, not the number 12345; quote it.'],
  ],
  [
    'a name that is a boolean',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: true}\n',
    [],
    [],
    ['1: Deployment metadata.name must be a string, not the boolean true; quote it.'],
  ],
  [
    'a namespace that is a list',
    corpus('namespace-not-string.yaml'),
    [],
    [],
    ['1: ConfigMap metadata.namespace must be a string, not a list.'],
  ],
  [
    'a namespace that is a mapping',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: {a: 1}}\n',
    [],
    [],
    ['1: Pod metadata.namespace must be a string, not a mapping.'],
  ],
  [
    'an invalid namespace',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: Team_A}\n',
    [],
    [],
    [`1: ConfigMap namespace \`Team_A\` ${namespaceRule}`],
  ],
  [
    'a namespace of 64 characters',
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ${long(64)}}\n`,
    [],
    [],
    [`1: ConfigMap namespace \`${long(64)}\` ${namespaceRule}`],
  ],
  [
    'a namespace of 63 characters',
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ${long(63)}}\n`,
    [`ConfigMap ${long(63)}/c@1`],
    [],
    [],
  ],
  [
    'an empty namespace: the default one',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ""}\n',
    ['ConfigMap default/c@1'],
    [],
    [],
  ],
  [
    "a name this tool doesn't check (a Service)",
    'apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\n',
    ['Service default/Bad_Name@1'],
    [],
    [],
  ],
  [
    'a namespace on a cluster-scoped object',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: x, namespace: Bad_NS}\n',
    ['Namespace /x@1'],
    [],
    [],
  ],
  [
    'generateName',
    corpus('generate-name.yaml'),
    [],
    ['1: Skipped a ConfigMap without metadata.name (generateName is not planned).'],
    [],
  ],
  ['no metadata', corpus('missing-metadata.yaml'), [], ['1: Skipped a ConfigMap without metadata.name.'], []],
  [
    'an empty name',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ""}\n',
    [],
    ['1: Skipped a ConfigMap without metadata.name.'],
    [],
  ],
  ['a kind that is no string', corpus('kind-not-string.yaml'), [], [`1: ${notObject}`], []],
  ['an empty kind', 'apiVersion: v1\nkind: ""\nmetadata: {name: c}\n', [], [`1: ${notObject}`], []],
  [
    'an empty apiVersion',
    'apiVersion: ""\nkind: ConfigMap\nmetadata: {name: c}\n',
    [],
    [`1: ${notObject}`],
    [],
  ],
  [
    'a kustomization',
    corpus('kustomization.yaml'),
    [],
    ['1: Skipped a kustomize Kustomization: it configures a build and is no cluster object.'],
    [],
  ],
  ['a List without items', corpus('list-items-not-array.yaml'), [], ['1: Skipped a List without items.'], []],
  [
    'a typed list',
    'apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n',
    ['ConfigMap default/a@4'],
    [],
    [],
  ],
  [
    'a kind ending in List without items: an object',
    'apiVersion: v1\nkind: PodList\nmetadata: {name: x}\n',
    ['PodList default/x@1'],
    [],
    [],
  ],
  [
    'a scalar document',
    corpus('scalar-document.yaml'),
    [],
    ['1: Skipped a document that is not a mapping.'],
    [],
  ],
  [
    'a list document',
    corpus('sequence-document.yaml'),
    [],
    ['1: Skipped a document that is not a mapping.'],
    [],
  ],
  [
    'a Helm template',
    corpus('helm-template.yaml'),
    [],
    [
      '4: Skipped a template (`{{ }}` is Helm/Go template syntax, not YAML): render it first, e.g. `helm template`, and plan the output.',
    ],
    [],
  ],
  [
    'a document end marker, and what follows it',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n... # end\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    ['ConfigMap default/a@1', 'ConfigMap default/b@5'],
    [],
    [],
  ],
  [
    'document start markers with comments and blank lines',
    '--- # first\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n# c\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
    ['ConfigMap default/a@2', 'ConfigMap default/b@8'],
    [],
    [],
  ],
];

describe('what parseManifests refuses, skips and reads', () => {
  describe.each([false, true])('exact: %s', (exact) => {
    it.each(cases)('%s', (_name, text, objects, notes, errors) => {
      const parsed = parseManifests([{ path: 'x.yaml', text }], { defaultNamespace: 'default', exact });
      expect({
        objects: parsed.objects.map((o) => `${o.kind} ${o.namespace ?? ''}/${o.name}@${o.source.line}`),
        notes: parsed.notes.map((n) => `${n.line}: ${n.message}`),
        errors: parsed.errors.map((e) => `${e.line}: ${e.message}`),
      }).toEqual({ objects, notes, errors });
      expect(
        parsed.notes.every(
          (n) => n.severity === 'info' && n.code === 'skipped-document' && n.file === 'x.yaml',
        ),
      ).toBe(true);
      expect(parsed.errors.every((e) => e.file === 'x.yaml' && e.column === 1)).toBe(true);
    });
  });
});
