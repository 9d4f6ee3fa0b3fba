import { describe, expect, it } from 'vitest';
import { isClusterScoped, ManifestParseCache, parseManifests } from '../../src/plan/manifests.js';

const parse = (text: string, path = 'a.yaml') =>
  parseManifests([{ path, text }], { defaultNamespace: 'team' });

describe('parseManifests', () => {
  it('reads multi-document YAML, keeping file and line of every object', () => {
    const r = parse(
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\n# c\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  namespace: other\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => [o.kind, o.namespace, o.name, o.source])).toEqual([
      ['ConfigMap', 'team', 'one', { file: 'a.yaml', line: 2 }],
      ['ConfigMap', 'other', 'two', { file: 'a.yaml', line: 7 }],
    ]);
  });

  it('expands List and typed *List kinds, each item with its own line', () => {
    const r = parse(
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n',
    );
    expect(r.objects.map((o) => [o.name, o.source.line])).toEqual([
      ['a', 4],
      ['b', 7],
    ]);
  });

  it('reads flow-style (KYAML) and JSON manifests', () => {
    const kyaml = parse(
      '{\n  apiVersion: "v1",\n  kind: "ConfigMap",\n  metadata: {name: "k"},\n  data: {a: "1"},\n}\n',
    );
    expect(kyaml.objects[0]!.body['data']).toEqual({ a: '1' });
    const json = parse(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"},"data":{"x":"y"}}',
      'a.json',
    );
    expect(json.objects.map((o) => o.name)).toEqual(['j']);
  });

  it('gives cluster-scoped kinds no namespace and namespaced ones the default', () => {
    const r = parse(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n',
    );
    expect(r.objects.map((o) => o.namespace)).toEqual([null, null, 'team']);
  });

  it('skips kustomization files and non-objects with a note, not an error', () => {
    const r = parse(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\n- just\n- a list\n---\nfoo: bar\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.objects).toEqual([]);
    expect(r.notes.map((n) => [n.code, n.severity, n.line])).toEqual([
      ['skipped-document', 'info', 1],
      ['skipped-document', 'info', 5],
      ['skipped-document', 'info', 8],
    ]);
  });

  it('skips Helm templates with a note instead of failing', () => {
    const r = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\n{{- if .Values.x }}\ndata: {}\n{{- end }}\n',
      'templates/cm.yaml',
    );
    expect(r.errors).toEqual([]);
    expect(r.objects).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]!.message).toContain('template');
  });

  it('keeps `{{ }}` inside quoted values (alert templates are not Helm)', () => {
    const r = parse(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules}\ndata:\n  msg: '{{ $labels.instance }} down'\n",
    );
    expect(r.objects[0]!.body['data']).toEqual({ msg: '{{ $labels.instance }} down' });
  });

  it('reports YAML errors with file, line and column', () => {
    const r = parse('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'a.yaml', line: 4, column: 9 });
  });

  it('reports duplicate keys as errors', () => {
    const r = parse('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: "1"\n  a: "2"\n');
    expect(r.errors.map((e) => e.line)).toEqual([6]);
  });

  it('refuses alias bombs (billion laughs) with an error instead of expanding them', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      bomb.push(
        `${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`,
      );
    }
    const r = parse(bomb.join('\n') + '\n');
    expect(r.objects).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/alias/i);
  });

  it('strips a UTF-8 BOM and reads CRLF line endings', () => {
    const r = parse(
      '\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: crlf}\r\ndata:\r\n  k: v\r\n',
    );
    expect(r.objects.map((o) => [o.name, o.body['data']])).toEqual([['crlf', { k: 'v' }]]);
  });

  it('records the line of each data key', () => {
    const r = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: "1"\n  b: |\n    text\nbinaryData:\n  c: AAA=\n',
    );
    expect(['a', 'b', 'c'].map((k) => r.objects[0]!.lineOfKey(k))).toEqual([5, 6, 9]);
  });

  it.each([false, true])(
    'finds a data key at its line, not at a label of the same name (exact: %s)',
    (exact) => {
      const text =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    app: web\n    __proto__: x\ndata:\n  app: "1"\n  __proto__: "2"\nbinaryData:\n  app: AAAA\n';
      const [object] = parseManifests([{ path: 'c.yaml', text }], {
        defaultNamespace: 'default',
        exact,
      }).objects;
      expect([object!.lineOfKey('app'), object!.lineOfKey('__proto__'), object!.lineOfKey('none')]).toEqual([
        9, 10, 1,
      ]);
    },
  );

  it.each([false, true])('gives an object in a List inside a List its own line (exact: %s)', (exact) => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n';
    const parsed = parseManifests([{ path: 'l.yaml', text }], { defaultNamespace: 'default', exact });
    expect(parsed.objects.map((o) => [o.name, o.source.line])).toEqual([['c', 7]]);
  });

  it('reads YAML 1.1 booleans as Kubernetes does', () => {
    const r = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: yes\n  b: 2024-01-01\n',
    );
    expect(r.objects[0]!.body['data']).toEqual({ a: true, b: '2024-01-01' });
  });

  it('reads `&&` and `*` in values as text, and real anchors and merge keys as YAML', () => {
    const shell = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata:\n  run.sh: make && make install\n  glob: "*.yaml"\n  rule: a && *b\n',
    );
    expect(shell.errors).toEqual([]);
    expect(shell.objects[0]!.body['data']).toEqual({
      'run.sh': 'make && make install',
      glob: '*.yaml',
      rule: 'a && *b',
    });
    const merged = parse(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\nx: &base {a: "1"}\ndata:\n  <<: *base\n  b: "2"\n',
    );
    expect(merged.errors).toEqual([]);
    expect(merged.objects[0]!.body['data']).toEqual({ a: '1', b: '2' });
    expect(merged.objects[0]!.lineOfKey('b')).toBe(7);
  });

  it('still bounds alias expansion when the anchors are only found by reading', () => {
    const bomb = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: b}',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
    ];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      bomb.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const r = parse(bomb.join('\n') + '\n');
    expect(r.objects).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/alias/i);
  });
});

describe('cluster-scoped kinds', () => {
  const clusterScoped = [
    'APIService',
    'CertificateSigningRequest',
    'ClusterRole',
    'ClusterRoleBinding',
    'ComponentStatus',
    'CSIDriver',
    'CSINode',
    'CustomResourceDefinition',
    'FlowSchema',
    'IngressClass',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'MutatingWebhookConfiguration',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PodSecurityPolicy',
    'PriorityClass',
    'PriorityLevelConfiguration',
    'RuntimeClass',
    'StorageClass',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
    'VolumeAttachment',
    'ClusterIssuer',
    'FelixConfiguration',
    'GlobalNetworkPolicy',
    'GlobalNetworkSet',
    'IPPool',
    'BGPConfiguration',
    'ClusterInformation',
    'KubeControllersConfiguration',
  ];
  // A namespace written on a cluster-scoped object is ignored by the API server: the object has none.
  it.each(clusterScoped)('%s has no namespace', (kind) => {
    const text = `apiVersion: example/v1\nkind: ${kind}\nmetadata: {name: x, namespace: ns}\n`;
    const parsed = parseManifests([{ path: 'x.yaml', text }], { defaultNamespace: 'default' });
    expect(parsed.objects.map((o) => [o.kind, o.namespace])).toEqual([[kind, null]]);
    expect(isClusterScoped(kind)).toBe(true);
  });

  it.each(['Role', 'Ingress', 'PersistentVolumeClaim', 'Certificate', 'NetworkPolicy'])(
    '%s is namespaced',
    (kind) => {
      expect(isClusterScoped(kind)).toBe(false);
    },
  );
});

describe('ManifestParseCache', () => {
  const options = { defaultNamespace: 'team' };
  const text =
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "1"\n  b: "2"\n---\nkind: nothing\n';

  it('gives a text read at another path the same objects, re-pointed at that path', () => {
    const cache = new ManifestParseCache();
    const base = parseManifests([{ path: 'base/c.yaml', text }], options, cache);
    const head = parseManifests([{ path: 'head/c.yaml', text }], options, cache);
    const uncached = parseManifests([{ path: 'head/c.yaml', text }], options);
    expect(base.objects[0]!.source).toEqual({ file: 'base/c.yaml', line: 1 });
    expect(head.objects.map((o) => [o.name, o.source, o.body, o.lineOfKey('b')])).toEqual(
      uncached.objects.map((o) => [o.name, o.source, o.body, o.lineOfKey('b')]),
    );
    expect(head.notes).toEqual(uncached.notes);
    expect(head.notes[0]!.file).toBe('head/c.yaml');
  });

  it('re-points errors too, and parses a changed text anew', () => {
    const cache = new ManifestParseCache();
    const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\n';
    parseManifests([{ path: 'base/c.yaml', text: broken }], options, cache);
    const again = parseManifests([{ path: 'head/c.yaml', text: broken }], options, cache);
    expect(again.errors.map((e) => [e.file, e.line])).toEqual(
      parseManifests([{ path: 'head/c.yaml', text: broken }], options).errors.map((e) => [e.file, e.line]),
    );
    const changed = parseManifests(
      [{ path: 'head/c.yaml', text: text.replace('"2"', '"3"') }],
      options,
      cache,
    );
    expect(changed.objects[0]!.body['data']).toEqual({ a: '1', b: '3' });
  });
});
