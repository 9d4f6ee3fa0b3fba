/**
 * The CLI on kustomize overlays, Helm charts and a config file of targets, with the real kustomize and helm on
 * PATH: what a PR that touches some targets plans, and a render that fails.
 */
import { dirname } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rendererBins } from '../renderers/renderer-bins.js';
import { gitRepo, lines, type FileTree, type RepoFixture } from '../sources/repo-fixture.js';
import { runCli } from './run-cli.js';

let path: string;
let repo: RepoFixture | undefined;

beforeAll(() => {
  path = `${dirname(rendererBins().kustomize)}:/usr/bin:/bin`;
});

afterEach(() => {
  repo?.dispose();
  repo = undefined;
});

function cli(args: string[], base: FileTree, head: FileTree) {
  repo = gitRepo(base, head);
  return runCli([...args, '--base-ref', repo.base, '--offline'], repo.dir, {
    PATH: path,
    KUBECONFIG: undefined,
  });
}

const deployment = (name: string, configMap: string) =>
  lines(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    '    spec:',
    '      containers:',
    `        - name: ${name}`,
    `          image: ${name}:1`,
    '          envFrom:',
    `            - configMapRef: {name: ${configMap}}`,
  );

const overlay = (namespace: string, resources: string) =>
  lines(
    `namespace: ${namespace}`,
    `resources: [${resources}]`,
    'configMapGenerator:',
    '  - name: api-config',
    '    envs: [api.env]',
    '    options: {disableNameSuffixHash: true}',
  );

/** Three kustomize targets: staging and prod share deploy/base, edge has its own. And a chart. */
const repository: FileTree = {
  'deploy/base/kustomization.yaml': lines('resources: [api.yaml]'),
  'deploy/base/api.yaml': deployment('api', 'api-config'),
  'deploy/edge/kustomization.yaml': lines('resources: [edge.yaml]'),
  'deploy/edge/edge.yaml': deployment('edge', 'api-config'),
  'deploy/overlays/staging/kustomization.yaml': overlay('staging', '../../base'),
  'deploy/overlays/staging/api.env': lines('LOG_LEVEL=debug'),
  'deploy/overlays/prod/kustomization.yaml': overlay('prod', '../../base'),
  'deploy/overlays/prod/api.env': lines('LOG_LEVEL=info'),
  'deploy/overlays/edge/kustomization.yaml': overlay('edge', '../../edge'),
  'deploy/overlays/edge/api.env': lines('LOG_LEVEL=info'),
  'charts/api/Chart.yaml': lines('apiVersion: v2', 'name: api', 'version: 1.0.0'),
  'charts/api/values.yaml': lines('logLevel: info'),
  'charts/api/templates/configmap.yaml': lines(
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: chart-config}',
    'data:',
    '  LOG_LEVEL: {{ .Values.logLevel | quote }}',
  ),
  'config-rollout.yaml': lines(
    'targets:',
    '  - name: staging',
    '    manifests: deploy/overlays/staging',
    '    namespace: staging',
    '  - name: prod',
    '    manifests: deploy/overlays/prod',
    '    namespace: prod',
    '  - name: edge',
    '    manifests: deploy/overlays/edge',
    '    namespace: edge',
    '  - name: chart',
    '    manifests: charts/api',
    '    namespace: tools',
  ),
};

describe('config-rollout plan on rendered sources', () => {
  it('plans a kustomize overlay given as --manifests, pointing at the env file’s generator', () => {
    const r = cli(['plan', '--manifests', 'deploy/overlays/prod', '--format', 'json'], repository, {
      'deploy/overlays/prod/api.env': lines('LOG_LEVEL=warn'),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      configMaps: { ref: string; change: string; file: string; line: number }[];
      consumers: { workload: string; action: string; file: string; line: number }[];
    };
    expect(plan.configMaps.filter((c) => c.change !== 'unchanged')).toEqual([
      {
        ref: 'prod/api-config',
        change: 'modified',
        keys: { added: [], removed: [], changed: ['LOG_LEVEL'] },
        immutable: false,
        file: 'deploy/overlays/prod/kustomization.yaml',
        line: 4,
      },
    ]);
    expect(plan.consumers.map((c) => [c.workload, c.action, c.file, c.line])).toEqual([
      ['Deployment/prod/api', 'restart', 'deploy/base/api.yaml', 1],
    ]);
  });

  it('reports only the target of a config file that the change touches, each entry naming it', () => {
    const r = cli(['plan', '--format', 'json'], repository, {
      'deploy/overlays/prod/api.env': lines('LOG_LEVEL=warn'),
    });
    // Read from the kustomization graphs, before anything is rendered.
    expect(r.stderr).toBe('config-rollout: the change reaches 1 of 4 targets: prod\n');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      targets: string[];
      configMaps: { target: string; ref: string; change: string }[];
      consumers: { target: string; workload: string; action: string }[];
    };
    expect(plan.targets).toEqual(['prod']);
    expect(plan.configMaps.map((c) => [c.target, c.ref, c.change])).toEqual([
      ['prod', 'prod/api-config', 'modified'],
    ]);
    expect(plan.consumers.map((c) => [c.target, c.workload, c.action])).toEqual([
      ['prod', 'Deployment/prod/api', 'restart'],
    ]);
  });

  it('groups the comment by target: a shared base reaches the two overlays that include it, not the third', () => {
    const r = cli(['plan'], repository, {
      'deploy/base/api.yaml': deployment('api', 'api-config').replace('image: api:1', 'image: api:2'),
    });
    expect(r.stderr).toBe('config-rollout: the change reaches 2 of 4 targets: staging, prod\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('2 targets changed: ✅ `staging`, ✅ `prod` · 2 other targets untouched');
    expect(r.stdout).toContain('#### Target `staging`');
    expect(r.stdout).toContain('#### Target `prod`');
    expect(r.stdout).not.toContain('`edge`');
    expect(r.stdout).not.toContain('`chart`');
    // One marker for the sticky comment, however many targets.
    expect(r.stdout.match(/<!-- config-rollout:plan -->/g)).toHaveLength(1);
  });

  it('plans one target of the config file with --target', () => {
    const r = cli(['plan', '--target', 'chart', '--format', 'json'], repository, {
      'charts/api/values.yaml': lines('logLevel: debug'),
      'deploy/overlays/prod/api.env': lines('LOG_LEVEL=warn'),
    });
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as { targets: string[]; configMaps: { target: string; ref: string }[] };
    expect(plan.targets).toEqual(['chart']);
    expect(plan.configMaps.map((c) => [c.target, c.ref])).toEqual([['chart', 'tools/chart-config']]);
  });

  it('says nothing changed when the change touches no target', () => {
    const r = cli(['plan'], repository, { 'README.md': 'docs\n' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('config-rollout: the change reaches 0 of 4 targets\n');
    expect(r.stdout).toContain('**✅ Nothing to roll out** · the change touches none of the 4 targets');
  });

  it('plans every target when the config file changes, the base with the settings it had then', () => {
    const r = cli(['plan', '--format', 'json'], repository, {
      'config-rollout.yaml': repository['config-rollout.yaml']!.replace(
        'namespace: tools',
        'namespace: tools\n    set: [logLevel=debug]',
      ),
    });
    expect(r.stderr).toBe('config-rollout: the change reaches 4 of 4 targets: staging, prod, edge, chart\n');
    const plan = JSON.parse(r.stdout) as {
      targets: string[];
      configMaps: { target: string; ref: string; keys: { changed: string[] } }[];
    };
    expect(plan.targets).toEqual(['chart']);
    expect(plan.configMaps.map((c) => [c.target, c.ref, c.keys.changed])).toEqual([
      ['chart', 'tools/chart-config', ['LOG_LEVEL']],
    ]);
  });

  it('exits 2 naming the target and helm’s message when a template fails', () => {
    const r = cli(['plan', '--manifests', 'charts/api'], repository, {
      'charts/api/templates/configmap.yaml': lines(
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: chart-config}',
        'data:',
        '  LOG_LEVEL: {{ required "logLevel is required" .Values.missing }}',
      ),
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^config-rollout: Rendering charts\/api with helm failed: .*logLevel is required/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a config file with an unknown field, with its line, exit 2', () => {
    const r = cli(['plan'], repository, {
      'config-rollout.yaml': lines('targets:', '  - name: prod', '    manifest: deploy/overlays/prod'),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("config-rollout.yaml:3: targets[0]: unknown field 'manifest'");
  });

  it('asks for --manifests or a config file when there is neither', () => {
    const r = cli(['plan'], { 'README.md': 'docs\n' }, {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Give --manifests PATH...');
  });
});
