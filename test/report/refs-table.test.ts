import { describe, expect, it } from 'vitest';
import { buildReferenceGraph } from '../../src/plan/reference-graph.js';
import { refsToJson } from '../../src/report/plan-json.js';
import { renderRefsTable } from '../../src/report/refs-table.js';
import { expectTestdata, testdataObjects } from '../testdata.js';

const graphOf = (file: string) => buildReferenceGraph(testdataObjects(file));

describe('the refs command', () => {
  it('renders the reference graph as aligned columns, then what is undefined or unread', () => {
    expectTestdata(
      'pod-reads-every-way.yaml',
      (f) => renderRefsTable(graphOf(f)),
      [
        'CONFIGMAP        WORKLOAD      CONTAINER             VIA      KEY    FLAGS',
        'shop/app-config  Pod/shop/web  init (initContainer)  envFrom  *      -',
        'shop/app-config  Pod/shop/web  app                   env      level  -',
        'shop/app-config  Pod/shop/web  app                   volume   level  subPath',
        'shop/app-config  Pod/shop/web  app                   volume   -      subPath',
        'shop/spare       Pod/shop/web  (not mounted)         volume   *      optional',
        '',
        '2 ConfigMaps defined, 5 references.',
        'Referenced but not defined in the manifests: shop/spare',
        'Defined but read by no workload: shop/idle',
        '',
      ].join('\n'),
    );
  });

  it('shows several keys and flags joined, and leaves out empty lists', () => {
    const graph = graphOf('pod-reads-every-way.yaml');
    const reference = { ...graph.references[2]!, key: null, keys: ['a', 'b'], optional: true };
    const text = renderRefsTable({
      ...graph,
      references: [reference],
      undefinedReferenced: [],
      unconsumed: [],
    });
    expect(text.split('\n')).toEqual([
      'CONFIGMAP        WORKLOAD      CONTAINER  VIA     KEY  FLAGS',
      'shop/app-config  Pod/shop/web  app        volume  a,b  subPath,optional',
      '',
      '2 ConfigMaps defined, 1 references.',
      '',
    ]);
  });

  it('gives the graph as the JSON contract names it', () => {
    type JsonReference = ReturnType<typeof refsToJson>['references'][number];
    const reference = (
      container: string | null,
      via: JsonReference['via'],
      extra: Partial<JsonReference> = {},
    ): JsonReference => ({
      configMap: 'shop/app-config',
      workload: 'Pod/shop/web',
      container,
      containerType: container === 'init' ? 'initContainer' : 'container',
      via,
      key: null,
      subPath: false,
      optional: false,
      ...extra,
    });
    expectTestdata('pod-reads-every-way.yaml', (f) => refsToJson(graphOf(f)), {
      configMaps: [
        {
          namespace: 'shop',
          name: 'app-config',
          immutable: false,
          file: 'pod-reads-every-way.yaml',
          line: 2,
        },
        { namespace: 'shop', name: 'idle', immutable: true, file: 'pod-reads-every-way.yaml', line: 10 },
      ],
      references: [
        reference('init', 'envFrom'),
        reference('app', 'env', { key: 'level' }),
        reference('app', 'volume', { subPath: true }),
        reference('app', 'volume', { subPath: true }),
        reference(null, 'volume', { configMap: 'shop/spare', containerType: null, optional: true }),
      ],
      undefinedReferenced: ['shop/spare'],
      unconsumed: ['shop/idle'],
    });
  });
});
