import { describe, expect, it } from 'vitest';
import { findReferences, workloadsOf } from '../../src/plan/consumers.js';
import { buildReferenceGraph } from '../../src/plan/reference-graph.js';
import { objects } from './helpers.js';

const refsOf = (yaml: string, secrets = false) =>
  workloadsOf(objects(yaml))
    .flatMap((w) => findReferences(w, { secrets }))
    .map((r) => ({
      configMap: r.configMap,
      workload: r.workload,
      container: r.container,
      containerType: r.containerType,
      via: r.via,
      key: r.key,
      subPath: r.subPath,
      optional: r.optional,
      keys: r.keys,
      envPrefix: r.envPrefix,
    }));

const podSpec = (spec: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n${spec}`;

describe('findReferences', () => {
  it('finds env keys, envFrom (with prefix) and their optional flags', () => {
    const refs = refsOf(
      podSpec(`  containers:
  - name: c
    envFrom:
    - configMapRef: {name: all}
      prefix: APP_
    - configMapRef: {name: maybe, optional: true}
    env:
    - name: LEVEL
      valueFrom: {configMapKeyRef: {name: cfg, key: level}}
    - name: PLAIN
      value: x
    - name: S
      valueFrom: {secretKeyRef: {name: s, key: k}}
`),
    );
    expect(refs).toEqual([
      {
        configMap: 'ns/all',
        workload: 'Pod/ns/p',
        container: 'c',
        containerType: 'container',
        via: 'envFrom',
        key: null,
        subPath: false,
        optional: false,
        keys: null,
        envPrefix: 'APP_',
      },
      {
        configMap: 'ns/maybe',
        workload: 'Pod/ns/p',
        container: 'c',
        containerType: 'container',
        via: 'envFrom',
        key: null,
        subPath: false,
        optional: true,
        keys: null,
        envPrefix: null,
      },
      {
        configMap: 'ns/cfg',
        workload: 'Pod/ns/p',
        container: 'c',
        containerType: 'container',
        via: 'env',
        key: 'level',
        subPath: false,
        optional: false,
        keys: ['level'],
        envPrefix: null,
      },
    ]);
  });

  it('gives one reference per container mount of a volume, with items and subPath narrowing the keys', () => {
    const refs = refsOf(
      podSpec(`  volumes:
  - name: whole
    configMap: {name: cfg}
  - name: some
    configMap:
      name: cfg
      items: [{key: a.conf, path: conf/a.conf}, {key: b.conf, path: b.conf}]
  containers:
  - name: c
    volumeMounts:
    - {name: whole, mountPath: /etc/whole}
    - {name: whole, mountPath: /etc/x.conf, subPath: x.conf}
    - {name: some, mountPath: /etc/some}
    - {name: some, mountPath: /etc/conf, subPath: conf}
`),
    );
    expect(refs.map((r) => [r.via, r.subPath, r.keys])).toEqual([
      ['volume', false, null],
      ['volume', true, ['x.conf']],
      ['volume', false, ['a.conf', 'b.conf']],
      ['volume', true, ['a.conf']],
    ]);
  });

  it('reads projected volumes, init containers, restartable sidecars and ephemeral containers', () => {
    const refs = refsOf(
      podSpec(`  volumes:
  - name: proj
    projected:
      sources:
      - configMap: {name: one, optional: true}
      - secret: {name: s}
      - configMap: {name: two, items: [{key: k, path: k}]}
  initContainers:
  - name: init
    volumeMounts: [{name: proj, mountPath: /p}]
  - name: sidecar
    restartPolicy: Always
    envFrom: [{configMapRef: {name: side}}]
  containers:
  - name: main
    image: x
  ephemeralContainers:
  - name: debug
    env: [{name: X, valueFrom: {configMapKeyRef: {name: dbg, key: x}}}]
`),
    );
    expect(refs.map((r) => [r.configMap, r.container, r.containerType, r.via, r.optional, r.keys])).toEqual([
      ['ns/one', 'init', 'initContainer', 'projected', true, null],
      ['ns/two', 'init', 'initContainer', 'projected', false, ['k']],
      ['ns/side', 'sidecar', 'initContainer', 'envFrom', false, null],
      ['ns/dbg', 'debug', 'ephemeralContainer', 'env', false, ['x']],
    ]);
    const workload = workloadsOf(
      objects(
        podSpec(
          `  initContainers:\n  - {name: i, envFrom: [{configMapRef: {name: a}}]}\n  - {name: s, restartPolicy: Always, envFrom: [{configMapRef: {name: a}}]}\n  containers: [{name: c}]\n`,
        ),
      ),
    )[0]!;
    expect(findReferences(workload).map((r) => r.runsOnce)).toEqual([true, false]);
  });

  it('reads Secrets as sources only when asked: secretRef, secretKeyRef, secret and projected volumes', () => {
    const yaml = podSpec(`  volumes:
  - name: creds
    secret: {secretName: db-creds, items: [{key: password, path: pw}]}
  - name: proj
    projected:
      sources:
      - secret: {name: tls, optional: true}
  containers:
  - name: c
    envFrom: [{secretRef: {name: all-secrets}}]
    env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: api, key: token}}}]
    volumeMounts: [{name: creds, mountPath: /creds}, {name: proj, mountPath: /tls}]
`);
    expect(refsOf(yaml)).toEqual([]);
    expect(refsOf(yaml, true).map((r) => [r.configMap, r.via, r.key, r.optional, r.keys])).toEqual([
      ['Secret/ns/all-secrets', 'envFrom', null, false, null],
      ['Secret/ns/api', 'env', 'token', false, ['token']],
      ['Secret/ns/db-creds', 'volume', null, false, ['password']],
      ['Secret/ns/tls', 'projected', null, true, null],
    ]);
  });

  it('narrows the keys of a subPath mount to the files at or under its path, and skips what is malformed', () => {
    const refs = refsOf(
      podSpec(`  volumes:
  - name: items
    configMap:
      name: cfg
      items: [{key: a, path: dir/a.conf}, {key: b, path: dir/sub/b.conf}, {key: c, path: c.conf}, {key: d}]
  - name: whole
    configMap: {name: whole}
  - {name: empty-name, configMap: {name: ""}}
  - {configMap: {name: nameless-volume}}
  - {name: sec, secret: {secretName: s}}
  containers:
  - name: c
    envFrom: [{configMapRef: {name: ""}}, {configMapRef: {}}, "junk", {prefix: X_}]
    env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg}}}, {name: B}, "junk"]
    volumeMounts:
    - {name: items, mountPath: /a, subPath: dir}
    - {name: items, mountPath: /b, subPath: ./dir/}
    - {name: items, mountPath: /c, subPath: dir/sub/b.conf}
    - {name: items, mountPath: /d, subPathExpr: "$(POD)"}
    - {name: items, mountPath: /e, subPath: d}
    - {name: whole, mountPath: /f, subPath: dir/x}
    - {name: whole, mountPath: /g, subPath: x}
    - {name: whole, mountPath: /h, subPath: ""}
    - {name: sec, mountPath: /s}
    - {name: missing, mountPath: /m}
    - "junk"
  - "not a container"
`),
    );
    expect(refs.map((r) => [r.configMap, r.subPath, r.keys])).toEqual([
      ['ns/cfg', true, ['a', 'b']],
      ['ns/cfg', true, ['a', 'b']],
      ['ns/cfg', true, ['b']],
      // A subPathExpr is resolved per pod: any listed key may be the one.
      ['ns/cfg', true, ['a', 'b', 'c', 'd']],
      ['ns/cfg', true, ['d']],
      // Without items every key is a file in the volume's root: a path into a folder reaches none.
      ['ns/whole', true, []],
      ['ns/whole', true, ['x']],
      ['ns/whole', false, null],
    ]);
  });

  it('skips null entries anywhere a list of objects is expected, and a volume item without a key', () => {
    const refs = refsOf(
      podSpec(`  volumes:
  - null
  - name: items
    configMap: {name: cfg, items: [null, {path: no-key}, {key: a}]}
  - name: proj
    projected: {sources: [null, {configMap: {name: p}}]}
  containers:
  - null
  - envFrom: [null, {configMapRef: {name: e}}]
    env: [null]
    volumeMounts: [null, {name: items, mountPath: /i}, {name: proj, mountPath: /p}]
`),
    );
    expect(refs.map((r) => [r.container, r.configMap, r.keys])).toEqual([
      // A container without a name is named by the empty string.
      ['', 'ns/e', null],
      ['', 'ns/cfg', ['a']],
      ['', 'ns/p', null],
    ]);
  });

  it.each([
    // The volume root: every listed key.
    ['./', ['a', 'b', 'c']],
    // Trailing slashes, however many, name the folder.
    ['dir//', ['b']],
    // Only a leading ./ is dropped.
    ['x./c', ['c']],
    // An empty subPathExpr is no expression: the subPath narrows.
    ['dir', ['b'], ''],
  ])('narrows the items of a mount with subPath %j to %j', (subPath, keys, subPathExpr?: string) => {
    const expr = subPathExpr === undefined ? '' : `, subPathExpr: "${subPathExpr}"`;
    const refs = refsOf(
      podSpec(`  volumes:
  - name: v
    configMap: {name: cfg, items: [{key: a, path: a.conf}, {key: b, path: dir/b.conf}, {key: c, path: x./c}]}
  containers:
  - name: c
    volumeMounts: [{name: v, mountPath: /v, subPath: "${subPath}"${expr}}]
`),
    );
    expect(refs.map((r) => r.keys)).toEqual([keys]);
  });

  it('requires the listed keys of a volume, mounted or not, and runs no unmounted volume once', () => {
    const refs = workloadsOf(
      objects(
        podSpec(`  volumes:
  - {name: listed, configMap: {name: a, items: [{key: k, path: k}]}}
  - {name: whole, configMap: {name: b}}
  - {name: unused-listed, configMap: {name: c, items: [{key: k, path: k}]}}
  - {name: unused-whole, configMap: {name: d}}
  initContainers:
  - name: init
    volumeMounts: [{name: listed, mountPath: /l}, {name: whole, mountPath: /w}]
  containers: [{name: c}]
`),
      ),
    ).flatMap((w) => findReferences(w));
    expect(refs.map((r) => [r.configMap, r.container, r.keys, r.requiredKeys, r.runsOnce])).toEqual([
      ['ns/a', 'init', ['k'], ['k'], true],
      ['ns/b', 'init', null, [], true],
      ['ns/c', null, ['k'], ['k'], false],
      ['ns/d', null, null, [], false],
    ]);
  });

  it('reports a volume mounted by no container with a null container', () => {
    const refs = refsOf(
      podSpec(`  volumes:\n  - name: unused\n    configMap: {name: cfg}\n  containers: [{name: c}]\n`),
    );
    expect(refs.map((r) => [r.container, r.containerType, r.via])).toEqual([[null, null, 'volume']]);
  });

  it.each([
    [
      'Deployment',
      'apps/v1',
      'spec:\n  template:\n    spec:\n      containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
    [
      'StatefulSet',
      'apps/v1',
      'spec:\n  template:\n    spec:\n      containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
    [
      'DaemonSet',
      'apps/v1',
      'spec:\n  template:\n    spec:\n      containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
    [
      'ReplicaSet',
      'apps/v1',
      'spec:\n  template:\n    spec:\n      containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
    [
      'Job',
      'batch/v1',
      'spec:\n  template:\n    spec:\n      containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
    [
      'CronJob',
      'batch/v1',
      'spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]\n',
    ],
  ])('finds the pod template of a %s', (kind, apiVersion, spec) => {
    const refs = refsOf(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: w}\n${spec}`);
    expect(refs.map((r) => [r.workload, r.configMap])).toEqual([[`${kind}/default/w`, 'default/cfg']]);
  });

  it('does not take CRD schemas that mention configMapRef for references', () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          envFrom:
            items:
              properties:
                configMapRef: {properties: {name: {type: string}}}
`;
    expect(buildReferenceGraph(objects(crd)).references).toEqual([]);
  });
});

describe('buildReferenceGraph', () => {
  it('lists defined ConfigMaps, references, the undefined referenced and the unconsumed', () => {
    const graph = buildReferenceGraph(
      objects(`apiVersion: v1
kind: ConfigMap
metadata: {name: used}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: idle, namespace: other}
immutable: true
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    envFrom: [{configMapRef: {name: used}}, {configMapRef: {name: elsewhere, optional: true}}]
`),
    );
    expect(graph.configMaps).toEqual([
      { namespace: 'default', name: 'used', immutable: false, file: 'manifests.yaml', line: 1 },
      { namespace: 'other', name: 'idle', immutable: true, file: 'manifests.yaml', line: 5 },
    ]);
    expect(graph.undefinedReferenced).toEqual(['default/elsewhere']);
    expect(graph.unconsumed).toEqual(['other/idle']);
  });
});
