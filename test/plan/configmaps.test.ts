import { describe, expect, it } from 'vitest';
import {
  collectConfigMaps,
  collectSecrets,
  configMapRef,
  isValidConfigMapKey,
  keyRecord,
  sameContent,
  secretRef,
  sourceLabel,
} from '../../src/plan/configmaps.js';
import { expectTestdata, testdataObjects, testdataSnapshot } from '../testdata.js';

const findingsOf = (file: string) =>
  collectConfigMaps(testdataObjects(file)).findings.map((f) => [f.code, f.line, f.message]);
const quoteIt = (key: string, what: string, as: string) =>
  `ConfigMap shop/broken: \`${key}\` is ${what}, not a string; the API server rejects it. Quote it: \`${key}: "${as}"\`.`;
const notBase64 = (key: string) =>
  `ConfigMap shop/broken: \`binaryData.${key}\` is not valid base64 (padded, no spaces); the API server rejects it. Put text under \`data\`.`;

describe('collectConfigMaps', () => {
  it('accepts padded base64 and immutable: null; a binaryData value that is not a string is one finding', () => {
    expect(findingsOf('configmap-edges.yaml')).toEqual([
      [
        'non-string-value',
        10,
        'ConfigMap shop/edges: `num` is the number 1, not a string; the API server rejects it. Quote it: `num: "1"`.',
      ],
    ]);
  });

  it('reads data and binaryData as the API server stores them', () => {
    const snapshot = testdataSnapshot('configmap-base.yaml');
    expect(snapshot).toEqual({
      kind: 'ConfigMap',
      ref: 'shop/app-config',
      namespace: 'shop',
      name: 'app-config',
      data: { level: 'info', timeout: '30s', mode: 'fast' },
      binaryData: { logo: 'AAAA' },
      immutable: false,
      source: { file: 'configmap-base.yaml', line: 2 },
    });
    expect(testdataSnapshot('configmap-head-immutable.yaml').immutable).toBe(true);
  });

  it('flags what the API server refuses, each at its line, and keeps the values as written', () => {
    expectTestdata('configmap-invalid.yaml', findingsOf, [
      [
        'invalid-key',
        9,
        'ConfigMap shop/broken: key `bad key` is not a valid ConfigMap key (at most 253 of letters, digits, `-`, `_`, `.`; not `.` or `..`); the API server rejects it.',
      ],
      ['non-string-value', 10, quoteIt('port', 'the number 8080', '8080')],
      [
        'non-string-value',
        11,
        quoteIt('debug', 'the boolean true (YAML reads unquoted true/false/yes/no/on/off so)', 'true'),
      ],
      ['non-string-value', 12, quoteIt('empty', 'null (an empty value in YAML)', '...')],
      ['non-string-value', 13, quoteIt('list', 'a list', '...')],
      ['non-string-value', 14, quoteIt('map', 'a mapping', '...')],
      [
        'invalid-key',
        15,
        'ConfigMap shop/broken: key `both` is in both `data` and `binaryData`; the API server rejects a key in both.',
      ],
      ['non-string-value', 18, notBase64('bin')],
      ['non-string-value', 19, notBase64('short')],
      [
        'non-string-value',
        2,
        'ConfigMap shop/broken: `immutable` is a string, not a boolean; the API server rejects it. Write `immutable: true` or `false`, unquoted.',
      ],
    ]);
    const [snapshot] = collectConfigMaps(testdataObjects('configmap-invalid.yaml')).byRef.values();
    expect([snapshot!.data, snapshot!.binaryData, snapshot!.immutable]).toEqual([
      {
        'bad key': 'x',
        port: '8080',
        debug: 'true',
        empty: '',
        list: '[1,2]',
        map: '{"a":1}',
        both: 'text',
      },
      { both: 'AAAA', bin: 'not base64!', short: 'AAA', lines: 'AAAA\nAAAA' },
      false,
    ]);
  });

  it('flags data that is not a mapping, and reads nothing from it', () => {
    expectTestdata('configmap-data-list.yaml', findingsOf, [
      ['non-string-value', 1, 'ConfigMap shop/listed: `data` must be a mapping of keys to strings.'],
      ['non-string-value', 1, 'ConfigMap shop/listed: `binaryData` must be a mapping of keys to strings.'],
    ]);
  });

  it('flags a ConfigMap over 1 MiB, counting keys and values in bytes', () => {
    const [object] = testdataObjects('configmap-base.yaml');
    const sized = (bytes: number) => ({
      ...object!,
      body: { ...object!.body, data: { k: 'é'.repeat(bytes / 2) }, binaryData: {} },
    });
    expect(collectConfigMaps([sized(1024 * 1024 - 2)]).findings).toEqual([]);
    expect(collectConfigMaps([sized(1024 * 1024)]).findings).toEqual([
      {
        severity: 'blocker',
        code: 'configmap-too-large',
        message:
          'ConfigMap shop/app-config holds 1048577 bytes; the API server rejects more than 1048576 (1 MiB). Split it or mount the data another way.',
        file: 'configmap-base.yaml',
        line: 2,
      },
    ]);
  });

  it('takes exactly 1 MiB, keys and values counted together', () => {
    const [object] = testdataObjects('configmap-base.yaml');
    const exact = {
      ...object!,
      body: { ...object!.body, data: { kk: 'x'.repeat(1024 * 1024 - 2) }, binaryData: {} },
    };
    expect(collectConfigMaps([exact]).findings).toEqual([]);
  });

  it('reads data: and binaryData: left empty (null) as no keys, not as a field that is not a mapping', () => {
    const [object] = testdataObjects('configmap-base.yaml');
    const empty = { ...object!, body: { ...object!.body, data: null, binaryData: null } };
    const { byRef, findings } = collectConfigMaps([empty]);
    expect([byRef.get('shop/app-config')!.data, byRef.get('shop/app-config')!.binaryData, findings]).toEqual([
      {},
      {},
      [],
    ]);
  });

  it('takes the last definition, warning when two differ', () => {
    const twice = [...testdataObjects('configmap-base.yaml'), ...testdataObjects('configmap-head.yaml')];
    const collected = collectConfigMaps(twice);
    expect(collected.byRef.get('shop/app-config')!.source).toEqual({ file: 'configmap-head.yaml', line: 2 });
    expect(collected.findings).toEqual([
      {
        severity: 'warning',
        code: 'duplicate-configmap',
        message:
          'ConfigMap shop/app-config is defined twice with different data (also at configmap-base.yaml:2); the last one applied wins, so this one is planned.',
        file: 'configmap-head.yaml',
        line: 2,
      },
    ]);
    const same = [...testdataObjects('configmap-base.yaml'), ...testdataObjects('configmap-head-same.yaml')];
    expect(collectConfigMaps(same).findings).toEqual([]);
  });

  it('skips other kinds and Secrets', () => {
    expect(collectConfigMaps(testdataObjects('secret-base.yaml')).byRef.size).toBe(0);
    expect(collectConfigMaps(testdataObjects('deployment-rolling.yaml')).byRef.size).toBe(0);
  });
});

describe('collectSecrets', () => {
  it('accepts padded base64, reads an empty value as empty, and keeps immutable', () => {
    const { byRef, findings } = collectSecrets(testdataObjects('secret-edges.yaml'));
    const edges = byRef.get('Secret/shop/edges')!;
    expect([edges.data, edges.immutable, findings.map((f) => f.message)]).toEqual([
      { two: 'YQ==', empty: '' },
      true,
      ['Secret shop/edges: the value of `empty` is not a string (quote it); the API server rejects it.'],
    ]);
  });

  it('keeps values as base64 of their bytes, stringData laid over data', () => {
    const snapshot = testdataSnapshot('secret-base.yaml');
    expect(snapshot).toEqual({
      kind: 'Secret',
      ref: 'Secret/shop/app-creds',
      namespace: 'shop',
      name: 'app-creds',
      data: { password: 'b2xk', user: 'YWRtaW4=' },
      binaryData: {},
      immutable: false,
      source: { file: 'secret-base.yaml', line: 1 },
    });
  });

  it('flags what the API server refuses without quoting a value', () => {
    const collected = collectSecrets(testdataObjects('secret-invalid.yaml'));
    expect(collected.findings.map((f) => [f.code, f.line, f.message])).toEqual([
      ['non-string-value', 9, 'Secret shop/broken: `data.token` is not valid base64.'],
      [
        'non-string-value',
        12,
        'Secret shop/broken: the value of `port` is not a string (quote it); the API server rejects it.',
      ],
      ['invalid-key', 13, 'Secret shop/broken: key `bad key` is not a valid key; the API server rejects it.'],
      [
        'non-string-value',
        2,
        'Secret shop/broken: `immutable` is the number 1, not a boolean; the API server rejects it. Write `immutable: true` or `false`, unquoted.',
      ],
    ]);
    expect(collected.byRef.get('Secret/shop/broken')!.data).toEqual({
      token: '',
      ok: Buffer.from('override').toString('base64'),
      port: Buffer.from('5432').toString('base64'),
      'bad key': Buffer.from('x').toString('base64'),
    });
    expect(collectSecrets(testdataObjects('configmap-base.yaml')).byRef.size).toBe(0);
  });

  it('reads stringData as plain text: not checked as base64, and encoded', () => {
    const { byRef, findings } = collectSecrets(testdataObjects('secret-string-data.yaml'));
    const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    expect([byRef.get('Secret/shop/text')!.data, findings]).toEqual([
      { password: base64('p@ss word! é'), url: base64('https://db.shop:5432/app?ssl=true') },
      [],
    ]);
  });

  it('flags data or stringData that is not a mapping, naming the Secret', () => {
    const { byRef, findings } = collectSecrets(testdataObjects('secret-data-list.yaml'));
    expect([byRef.get('Secret/shop/listed')!.data, findings.map((f) => [f.code, f.line, f.message])]).toEqual(
      [
        {},
        [
          ['non-string-value', 2, 'Secret shop/listed: `data` must be a mapping of keys to strings.'],
          ['non-string-value', 2, 'Secret shop/listed: `stringData` must be a mapping of keys to strings.'],
        ],
      ],
    );
  });

  it('flags a Secret over 1 MiB of decoded bytes', () => {
    const [object] = testdataObjects('secret-base.yaml');
    const sized = (bytes: number) => ({
      ...object!,
      body: { ...object!.body, stringData: { k: 'x'.repeat(bytes) } },
    });
    expect(collectSecrets([sized(1024 * 1024 - 1)]).findings).toEqual([]);
    expect(collectSecrets([sized(1024 * 1024)]).findings.map((f) => f.message)).toEqual([
      'Secret shop/app-creds holds 1048577 bytes; the API server rejects more than 1 MiB.',
    ]);
  });
});

describe('names and keys', () => {
  it.each([
    ['a', true],
    ['a.b-c_D9', true],
    ['.', false],
    ['..', false],
    ['...', true],
    ['', false],
    ['a b', false],
    ['a/b', false],
    ['x'.repeat(253), true],
    ['x'.repeat(254), false],
  ])('isValidConfigMapKey(%j) is %s', (key, valid) => {
    expect(isValidConfigMapKey(key)).toBe(valid);
  });

  it('names sources: refs for maps, labels for people', () => {
    expect(configMapRef('ns', 'a')).toBe('ns/a');
    expect(secretRef('ns', 'a')).toBe('Secret/ns/a');
    expect(sourceLabel({ kind: 'ConfigMap', name: 'a' })).toBe('a');
    expect(sourceLabel({ kind: 'Secret', name: 'a' })).toBe('Secret a');
  });

  it('keeps __proto__ as a key in a key record', () => {
    const record = keyRecord<string>(JSON.parse('{"__proto__": "x"}') as Record<string, string>);
    expect(Object.keys(record)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(record)).toBeNull();
  });

  it('compares content key by key, data and binaryData apart', () => {
    const a = testdataSnapshot('configmap-base.yaml');
    expect(sameContent(a, testdataSnapshot('configmap-head-same.yaml'))).toBe(true);
    expect(sameContent(a, { ...a, data: { ...a.data, extra: '' } })).toBe(false);
    expect(sameContent(a, { ...a, binaryData: {}, data: { ...a.data, logo: 'AAAA' } })).toBe(false);
    expect(sameContent(a, { ...a, data: { level: 'info', timeout: '30s', other: 'fast' } })).toBe(false);
  });
});
