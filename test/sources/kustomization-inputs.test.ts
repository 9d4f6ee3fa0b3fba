// What a kustomization can read, found in its files without rendering it (fixtures: test/testdata/reach/).
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderTree } from '../../src/sources/file-tree.js';
import { kustomizationFileNames } from '../../src/sources/source.js';
import {
  changesReaching,
  isTouched,
  sourceInputs,
  type SourceInputs,
} from '../../src/sources/source-inputs.js';
import { rendererBins, type RendererBins } from '../renderers/renderer-bins.js';
import { memoryTree } from './memory-tree.js';

const reach = folderTree('test/testdata/reach');

function inputsOf(path: string, tree = reach): SourceInputs {
  return sourceInputs({ kind: 'kustomize', path }, tree);
}

const none = { kustomizations: [], files: [], folders: [], patterns: [], untracked: [], unreadable: [] };

describe('the kustomization graph of the reach fixtures', () => {
  it('follows an overlay to its base and component, with their patches and generator files', () => {
    expect(inputsOf('overlays/prod')).toEqual({
      ...none,
      kustomizations: ['base', 'components/tracing', 'overlays/prod'],
      files: [
        'base/config.env',
        'base/deployment.yaml',
        'components/tracing/otel-collector.yaml',
        'components/tracing/sidecar.yaml',
        'overlays/prod/prod.env',
        'overlays/prod/replicas.yaml',
      ],
    });
  });

  it.each([
    ['base/config.env', ['overlays/prod', 'overlays/staging']],
    ['base/kustomization.yaml', ['overlays/prod', 'overlays/staging']],
    ['components/tracing/otel-collector.yaml', ['overlays/prod']],
    ['overlays/prod/prod.env', ['overlays/prod']],
    ['overlays/dev/deployment.yaml', ['overlays/dev']],
    // A second kustomization beside the first: kustomize refuses the folder.
    ['overlays/staging/Kustomization', ['overlays/staging']],
    ['README.md', []],
    ['overlays/prod/notes.txt', []],
  ])('a change to %s reaches %j', (changed, targets) => {
    const overlays = ['overlays/dev', 'overlays/prod', 'overlays/staging'];
    expect(overlays.filter((overlay) => isTouched(inputsOf(overlay), [changed]))).toEqual(targets);
  });

  it('reads every field that names a file, plugin configs and the files they name', () => {
    const e = (paths: string[]) => paths.map((p) => `everything/${p}`);
    expect(inputsOf('everything')).toEqual({
      ...none,
      kustomizations: ['everything', 'everything/transformers/bundle'],
      files: e([
        'crds/widget.json',
        'generators/extra-config.yaml',
        'generators/extra.env',
        'name-reference.yaml',
        'objects.yaml',
        'patches/labels.yaml',
        'patches/settings.json',
        'replacements/host.yaml',
        'schema.json',
        'scripts/start.sh',
        'scripts/stop.sh',
        'secrets/legacy.env',
        'secrets/token.txt',
        'transformers/annotate-patch.yaml',
        'transformers/annotate.yaml',
        // Named by a config the bundle kustomization outputs, relative to the kustomization listing the bundle.
        'transformers/bundle-patch.yaml',
        'transformers/bundle/config.yaml',
        // Named by a transformer config written inline.
        'transformers/inline-patch.yaml',
      ]),
    });
  });

  it('takes the whole chart home of helmCharts, and their values files', () => {
    expect(inputsOf('with-chart')).toEqual({
      ...none,
      kustomizations: ['with-chart'],
      files: ['with-chart/values/base.yaml', 'with-chart/values/prod.yaml'],
      folders: ['with-chart/vendor'],
    });
    expect(
      changesReaching(inputsOf('with-chart'), ['with-chart/vendor/api/templates/configmap.yaml']),
    ).toEqual(['with-chart/vendor/api/templates/configmap.yaml']);
    expect(isTouched(inputsOf('with-chart'), ['with-chart/values/staging.yaml'])).toBe(false);
  });
});

describe('a graph that cannot be read counts as touched', () => {
  it.each([
    ['invalid YAML', { 'app/kustomization.yaml': 'resources: [a.yaml\n' }, 'app/kustomization.yaml'],
    ['empty', { 'app/kustomization.yaml': '' }, 'app/kustomization.yaml'],
    ['a list', { 'app/kustomization.yaml': '- a.yaml\n' }, 'app/kustomization.yaml'],
    ['resources not a list', { 'app/kustomization.yaml': 'resources: a.yaml\n' }, 'app/kustomization.yaml'],
    ['patches not mappings', { 'app/kustomization.yaml': 'patches: [p.yaml]\n' }, 'app/kustomization.yaml'],
    [
      'a patch path not a string',
      { 'app/kustomization.yaml': 'patches: [{path: 3}]\n' },
      'app/kustomization.yaml',
    ],
    ['no kustomization', { 'app/a.yaml': 'kind: A\n' }, 'app'],
    ['no folder', { 'other/a.yaml': 'kind: A\n' }, 'app'],
    [
      'an invalid base',
      { 'app/kustomization.yaml': 'resources: [../base]\n', 'base/kustomization.yaml': 'resources: {\n' },
      'base/kustomization.yaml',
    ],
    [
      'an invalid plugin config',
      { 'app/kustomization.yaml': 'transformers: [t.yaml]\n', 'app/t.yaml': 'kind: [\n' },
      'app/t.yaml',
    ],
  ])('%s', (_, files, unreadable) => {
    const inputs = inputsOf('app', memoryTree(files));
    expect(inputs.unreadable.map((u) => u.path)).toEqual([unreadable]);
    expect(isTouched(inputs, [])).toBe(true);
  });

  it('says why', () => {
    const inputs = inputsOf('app', memoryTree({ 'app/kustomization.yaml': 'resources: a.yaml\n' }));
    expect(inputs.unreadable).toEqual([
      { path: 'app/kustomization.yaml', reason: "'resources' is not a list of paths" },
    ]);
  });
});

describe('references out of a change’s reach', () => {
  it('notes remote bases and charts, and paths outside the repository, without tracking them', () => {
    const tree = memoryTree({
      'app/kustomization.yaml': [
        'resources:',
        '  - local.yaml',
        '  - https://raw.githubusercontent.com/example/app/v1/deploy.yaml',
        '  - github.com/example/app//deploy?ref=v1',
        '  - git@github.com:example/app.git//deploy',
        '  - git::https://example.com/app.git',
        '  - ../../outside',
        '  - /etc/absolute',
        'helmCharts:',
        '  - name: redis',
        '    repo: https://charts.example.com',
        '  - name: vendored',
        '    repo: https://charts.example.com',
        // Neither there nor pullable: its build fails, and the chart home is tracked.
        '  - name: nowhere',
        '',
      ].join('\n'),
      'app/local.yaml': 'kind: A\n',
      'app/charts/vendored/Chart.yaml': 'name: vendored\n',
    });
    const inputs = inputsOf('app', tree);
    const namedIn = 'app/kustomization.yaml';
    const remote = (reference: string) => ({ reference, namedIn, why: 'remote' });
    const outside = (reference: string) => ({ reference, namedIn, why: 'outside the repository' });
    expect(inputs).toEqual({
      ...none,
      kustomizations: ['app'],
      files: ['app/local.yaml'],
      folders: ['app/charts'],
      untracked: [
        remote('https://raw.githubusercontent.com/example/app/v1/deploy.yaml'),
        remote('github.com/example/app//deploy?ref=v1'),
        remote('git@github.com:example/app.git//deploy'),
        remote('git::https://example.com/app.git'),
        outside('../../outside'),
        outside('/etc/absolute'),
        // The vendored chart is used as found, so only the missing one would be pulled.
        remote('https://charts.example.com (chart redis)'),
      ],
    });
    expect(isTouched(inputs, ['other/file.yaml'])).toBe(false);
    expect(isTouched(inputs, ['app/local.yaml'])).toBe(true);
  });
});

describe('paths as kustomize reads them', () => {
  it('counts a missing path as anything created at or under it', () => {
    const inputs = inputsOf(
      'app',
      memoryTree({
        'app/kustomization.yaml': 'resources: [./new/]\nconfigMapGenerator: [{name: c, envs: [c.env]}]\n',
      }),
    );
    expect(inputs.folders).toEqual(['app/c.env', 'app/new']);
    expect(changesReaching(inputs, ['app/new/kustomization.yaml', 'app/c.env', 'app/c.env.bak'])).toEqual([
      'app/c.env',
      'app/new/kustomization.yaml',
    ]);
  });

  it('reads each kustomization once, even in a cycle', () => {
    const tree = memoryTree({
      'a/kustomization.yaml': 'resources: [../b, x.yaml]\n',
      'a/x.yaml': 'kind: X\n',
      // bases: the deprecated name of resources.
      'b/kustomization.yml': 'bases: [../a, ../c]\n',
      'c/Kustomization': 'resources: [c.yaml]\n',
      'c/c.yaml': 'kind: C\n',
    });
    expect(inputsOf('a', tree)).toEqual({
      ...none,
      kustomizations: ['a', 'b', 'c'],
      files: ['a/x.yaml', 'c/c.yaml'],
    });
  });

  it('reads a folder listed both as a resource and as a transformer both ways', () => {
    const tree = memoryTree({
      'app/kustomization.yaml': 'resources: [shared]\ntransformers: [shared]\n',
      'app/shared/kustomization.yaml': 'resources: [config.yaml]\n',
      'app/shared/config.yaml': 'kind: PatchTransformer\npath: patch.yaml\n',
      'app/patch.yaml': 'kind: Deployment\n',
    });
    expect(inputsOf('app', tree).files).toEqual(['app/patch.yaml', 'app/shared/config.yaml']);
  });

  it('tells a strategic merge patch file from one written inline, and takes inline plugin configs', () => {
    const tree = memoryTree({
      'app/kustomization.yaml': [
        'patchesStrategicMerge:',
        '  - patch.yaml',
        '  - "kind: Deployment\\nmetadata: {name: api}"',
        'generators:',
        '  - "kind: ConfigMapGenerator\\nmetadata: {name: g}\\nfiles: [k=data/g.txt]"',
        'validators:',
        '  - checks',
        'openapi:',
        '  version: v1.21.2',
        '',
      ].join('\n'),
      'app/patch.yaml': 'kind: Deployment\n',
      'app/checks/kustomization.yaml': 'resources: [check.yaml]\n',
      'app/checks/check.yaml': 'kind: PatchTransformer\npath: data/check-patch.yaml\n',
    });
    expect(inputsOf('app', tree)).toEqual({
      ...none,
      kustomizations: ['app', 'app/checks'],
      files: ['app/checks/check.yaml', 'app/patch.yaml'],
      // Neither exists: named relative to app/, the kustomization listing them.
      folders: ['app/data/check-patch.yaml', 'app/data/g.txt'],
    });
  });

  it('reads the deprecated Helm generator and secret env, and a folder of generator files', () => {
    const tree = memoryTree({
      'app/kustomization.yaml': [
        'helmChartInflationGenerator:',
        '  - chartName: api',
        '    chartHome: third_party',
        '    values: api-values.yaml',
        'secretGenerator:',
        '  - name: s',
        '    env: s.env',
        '    files: [certs]',
        '',
      ].join('\n'),
      'app/third_party/api/Chart.yaml': 'name: api\n',
      'app/api-values.yaml': 'a: 1\n',
      'app/s.env': 'A=1\n',
      'app/certs/ca.pem': '...',
    });
    expect(inputsOf('app', tree)).toEqual({
      ...none,
      kustomizations: ['app'],
      files: ['app/api-values.yaml', 'app/s.env'],
      folders: ['app/certs', 'app/third_party'],
    });
  });

  it('takes the last chart home of the deprecated generator only without helmGlobals', () => {
    const charts =
      'helmChartInflationGenerator: [{chartName: a, chartHome: old}, {chartName: b, chartHome: older}]\n';
    expect(inputsOf('app', memoryTree({ 'app/kustomization.yaml': charts })).folders).toEqual(['app/older']);
    const withGlobals = memoryTree({
      'app/kustomization.yaml': `${charts}helmGlobals: {configHome: helm-config}\n`,
    });
    expect(inputsOf('app', withGlobals).folders).toEqual(['app/charts']);
  });

  it('takes helmGlobals.chartHome over the default, and a chart home above the kustomization', () => {
    const tree = memoryTree({
      'apps/web/kustomization.yaml':
        'helmGlobals: {chartHome: ../../charts}\nhelmCharts: [{name: web, additionalValuesFiles: [web.yaml]}]\n',
      'apps/web/web.yaml': 'a: 1\n',
      'charts/web/Chart.yaml': 'name: web\n',
    });
    expect(inputsOf('apps/web', tree)).toEqual({
      ...none,
      kustomizations: ['apps/web'],
      files: ['apps/web/web.yaml'],
      folders: ['charts'],
    });
  });
});

describe('symbolic links', () => {
  let dir: string;

  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-links-')));
    const files: Record<string, string> = {
      'shared/base/kustomization.yaml':
        'resources: [cm.yaml]\nconfigMapGenerator: [{name: c, envs: [config.env]}]\n',
      'shared/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      'shared/config.env': 'A=1\n',
      'overlays/prod/kustomization.yaml': 'resources: [base, escape]\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, posix.dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    symlinkSync('../config.env', join(dir, 'shared/base/config.env'));
    symlinkSync('../../shared/base', join(dir, 'overlays/prod/base'));
    symlinkSync(tmpdir(), join(dir, 'overlays/prod/escape'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are followed to the files behind them, and kept as inputs themselves', () => {
    const inputs = inputsOf('overlays/prod', folderTree(dir));
    expect(inputs).toEqual({
      ...none,
      kustomizations: ['overlays/prod', 'shared/base'],
      files: ['overlays/prod/base', 'shared/base/cm.yaml', 'shared/base/config.env', 'shared/config.env'],
      untracked: [
        { reference: 'escape', namedIn: 'overlays/prod/kustomization.yaml', why: 'outside the repository' },
      ],
    });
    expect(isTouched(inputs, ['shared/config.env'])).toBe(true);
    expect(isTouched(inputs, ['shared/base/kustomization.yaml'])).toBe(true);
    expect(isTouched(inputs, ['shared/other.yaml'])).toBe(false);
  });

  it('lead a target outside the tree nowhere', () => {
    const inputs = inputsOf('overlays/prod/escape', folderTree(dir));
    expect(inputs.unreadable).toEqual([{ path: 'overlays/prod/escape', reason: 'outside the repository' }]);
  });
});

describe('checked against kustomize itself', () => {
  let bins: RendererBins;
  let work: string;
  let home: string;

  beforeAll(() => {
    bins = rendererBins();
    work = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-reach-')));
    home = realpathSync(mkdtempSync(join(tmpdir(), 'config-rollout-home-')));
    cpSync('test/testdata/reach', work, { recursive: true });
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  /** Every file of the tree, relative to it. */
  function allFiles(dir = '.'): string[] {
    return readdirSync(join(work, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = posix.join(dir, entry.name);
      return entry.isDirectory() ? allFiles(path) : [path];
    });
  }

  /**
   * The build stays the same with every file that is not an input deleted, and changes (or fails) with any
   * file the graph names deleted: the graph misses nothing kustomize reads, and every file it names is read.
   * (A file inside an input folder, as a chart's, need not change the build.)
   */
  it.each(['overlays/prod', 'overlays/staging', 'overlays/dev', 'everything', 'with-chart'])(
    '%s',
    (target) => {
      const inputs = inputsOf(target, folderTree(work));
      const helm = target === 'with-chart' ? ['--enable-helm', `--helm-command=${bins.helm}`] : [];
      const build = () => {
        const r = spawnSync(bins.kustomize, ['build', target, ...helm], {
          cwd: work,
          env: { PATH: '/usr/bin:/bin', HOME: home },
          encoding: 'utf8',
        });
        return `${r.status}\n${r.stdout}`;
      };
      const before = build();
      expect(before).toMatch(/^0\n./);
      /** Whether the build changes with these files deleted. */
      const changesWithout = (files: string[]) => {
        const texts = files.map((file) => readFileSync(join(work, file)));
        for (const file of files) rmSync(join(work, file));
        const changed = build() !== before;
        files.forEach((file, i) => writeFileSync(join(work, file), texts[i]!));
        return changed;
      };
      const named = (file: string) =>
        inputs.files.includes(file) ||
        (inputs.kustomizations.includes(posix.dirname(file)) &&
          (kustomizationFileNames as readonly string[]).includes(posix.basename(file)));
      const files = allFiles();
      const others = files.filter((file) => !named(file) && changesReaching(inputs, [file]).length === 0);
      const wrong = changesWithout(others)
        ? others.filter((file) => changesWithout([file])).map((file) => `${file} is read, but not an input`)
        : [];
      for (const file of files.filter(named)) {
        if (!changesWithout([file])) wrong.push(`${file} is an input, but not read`);
      }
      expect(wrong).toEqual([]);
      expect(others.length).toBeGreaterThan(10);
    },
  );
});
