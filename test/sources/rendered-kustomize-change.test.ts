/**
 * Changes to kustomize targets, planned end to end with the real kustomize: the head rendered from the working
 * tree, the base from the base commit's own files, both the same way.
 */
import { describe, expect, it } from 'vitest';
import type { PlanChangeSettings } from '../../src/plan-change.js';
import { reportedConfigMaps } from '../../src/plan/generated-names.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderedChanges } from './rendered-changes.js';
import { lines, type FileTree } from './repo-fixture.js';

const changes = renderedChanges();

function planOf(
  base: FileTree,
  head: FileTree,
  manifests = ['deploy/overlays/prod'],
  more: Partial<PlanChangeSettings> = {},
): Promise<Plan> {
  return changes.plan(changes.repo(base, head), { manifests, ...more });
}

function deployment(name: string, container: string): string {
  return lines(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  selector: {matchLabels: {app: ' + name + '}}',
    '  template:',
    '    metadata: {labels: {app: ' + name + '}}',
    '    spec:',
    '      containers:',
    container,
  );
}

const apiEnvFrom = deployment(
  'api',
  lines(
    '        - name: api',
    '          image: api:1',
    '          envFrom:',
    '            - configMapRef: {name: api-config}',
  ),
);

const cronJob = lines(
  'apiVersion: batch/v1',
  'kind: CronJob',
  'metadata:',
  '  name: report',
  'spec:',
  '  schedule: "0 * * * *"',
  '  jobTemplate:',
  '    spec:',
  '      template:',
  '        spec:',
  '          restartPolicy: Never',
  '          containers:',
  '            - name: report',
  '              image: report:1',
  '              envFrom:',
  '                - configMapRef: {name: api-config}',
);

function overlay(...generator: string[]): string {
  return lines(
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namespace: shop',
    'resources:',
    '  - ../../base',
    'configMapGenerator:',
    '  - name: api-config',
    ...generator,
  );
}

const base: FileTree = {
  'deploy/base/kustomization.yaml': lines('resources:', '  - api.yaml', '  - report.yaml'),
  'deploy/base/api.yaml': apiEnvFrom,
  'deploy/base/report.yaml': cronJob,
  'deploy/overlays/prod/kustomization.yaml': overlay('    envs: [api.env]'),
  'deploy/overlays/prod/api.env': lines('LOG_LEVEL=info', 'DB_POOL=10'),
};

describe('a kustomize overlay planned from its rendered objects', () => {
  it('pairs a hash-suffixed generator across the change: one ConfigMap, its key diffed, its readers roll by themselves', async () => {
    const plan = await planOf(base, {
      'deploy/overlays/prod/api.env': lines('LOG_LEVEL=debug', 'DB_POOL=10'),
    });
    // Reported as one ConfigMap (JSON and comment); the plan keeps the two objects and their pairing.
    const changed = reportedConfigMaps(plan.configMaps, plan.replacements).filter(
      (c) => c.change !== 'unchanged',
    );
    expect(changed).toHaveLength(1);
    expect(plan.replacements).toHaveLength(1);
    const [config] = changed;
    expect(config!.name).toMatch(/^api-config-[a-z0-9]{10}$/);
    expect(config!.replaces).toMatch(/^shop\/api-config-[a-z0-9]{10}$/);
    expect(config!.replaces).not.toBe(config!.ref);
    expect(config!.change).toBe('modified');
    expect(config!.keys).toEqual({ added: [], removed: [], changed: ['LOG_LEVEL'] });
    // Where a person edits it: the generator's entry in the overlay.
    expect(config!.head!.source).toEqual({ file: 'deploy/overlays/prod/kustomization.yaml', line: 7 });
    const decisions = plan.consumers.map((c) => [c.workload, c.action, c.note]);
    expect(decisions).toEqual([
      // A CronJob's next Job is made from the new template, which names the new ConfigMap.
      ['CronJob/shop/report', 'next-run', undefined],
      ['Deployment/shop/api', 'none', expect.stringContaining('rolls by itself')],
    ]);
    const [oldName, newName] = [config!.replaces!.split('/')[1]!, config!.name];
    expect(plan.consumers[1]!.note).toBe(`rolls by itself: ${oldName} → ${newName}`);
    expect(plan.consumers[1]!.reasons.join(' ')).toContain(`reads ${newName} in place of ${oldName}`);
    expect(plan.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  });

  it('with disableNameSuffixHash changes the ConfigMap in place: its Deployment restarts, its CronJob picks it up next run', async () => {
    const fixed = overlay('    envs: [api.env]', '    options: {disableNameSuffixHash: true}');
    const plan = await planOf(
      { ...base, 'deploy/overlays/prod/kustomization.yaml': fixed },
      { 'deploy/overlays/prod/api.env': lines('LOG_LEVEL=debug', 'DB_POOL=10') },
    );
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config).toMatchObject({ ref: 'shop/api-config', change: 'modified' });
    expect(config!.replaces).toBeUndefined();
    expect(config!.keys.changed).toEqual(['LOG_LEVEL']);
    expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['CronJob/shop/report', 'next-run'],
      ['Deployment/shop/api', 'restart'],
    ]);
    expect(plan.consumers[1]!.source).toEqual({ file: 'deploy/base/api.yaml', line: 1 });
  });

  it('restarts only the workload that reads the changed literal', async () => {
    const readsKey = (name: string, key: string) =>
      deployment(
        name,
        lines(
          `        - name: ${name}`,
          `          image: ${name}:1`,
          '          env:',
          `            - name: ${key}`,
          `              valueFrom: {configMapKeyRef: {name: api-config, key: ${key}}}`,
        ),
      );
    const literals = (level: string) =>
      overlay(
        '    literals:',
        `      - LOG_LEVEL=${level}`,
        '      - REGION=eu',
        '    options: {disableNameSuffixHash: true}',
      );
    const plan = await planOf(
      {
        'deploy/base/kustomization.yaml': lines('resources: [api.yaml, web.yaml]'),
        'deploy/base/api.yaml': readsKey('api', 'LOG_LEVEL'),
        'deploy/base/web.yaml': readsKey('web', 'REGION'),
        'deploy/overlays/prod/kustomization.yaml': literals('info'),
      },
      { 'deploy/overlays/prod/kustomization.yaml': literals('warn') },
    );
    expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['Deployment/shop/api', 'restart'],
      ['Deployment/shop/web', 'none'],
    ]);
  });

  it('blocks a generator change that removes a key a workload requires', async () => {
    const requires = deployment(
      'api',
      lines(
        '        - name: api',
        '          image: api:1',
        '          env:',
        '            - name: DB_POOL',
        '              valueFrom: {configMapKeyRef: {name: api-config, key: DB_POOL}}',
      ),
    );
    const plan = await planOf(
      {
        ...base,
        'deploy/base/api.yaml': requires,
        'deploy/base/kustomization.yaml': lines('resources: [api.yaml]'),
      },
      { 'deploy/overlays/prod/api.env': lines('LOG_LEVEL=info') },
    );
    const blockers = plan.findings.filter((f) => f.severity === 'blocker');
    expect(blockers.map((f) => [f.code, f.file, f.line])).toEqual([
      ['missing-key', 'deploy/overlays/prod/kustomization.yaml', 7],
    ]);
    expect(blockers[0]!.message).toContain('DB_POOL');
  });

  it('follows a component that merges a literal into the generator', async () => {
    const component = (value: string) =>
      lines(
        'apiVersion: kustomize.config.k8s.io/v1alpha1',
        'kind: Component',
        'configMapGenerator:',
        '  - name: api-config',
        '    behavior: merge',
        '    literals:',
        `      - TRACING=${value}`,
      );
    const withComponent = lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: shop',
      'resources: [../../base]',
      'components: [../../components/tracing]',
      'configMapGenerator:',
      '  - name: api-config',
      '    envs: [api.env]',
      '    options: {disableNameSuffixHash: true}',
    );
    const plan = await planOf(
      {
        ...base,
        'deploy/overlays/prod/kustomization.yaml': withComponent,
        'deploy/components/tracing/kustomization.yaml': component('off'),
      },
      { 'deploy/components/tracing/kustomization.yaml': component('on') },
    );
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config).toMatchObject({
      ref: 'shop/api-config',
      keys: { added: [], removed: [], changed: ['TRACING'] },
    });
    expect(plan.consumers.find((c) => c.workload === 'Deployment/shop/api')?.action).toBe('restart');
  });

  it('plans a change that adds an overlay (the base does not have it) as all new', async () => {
    const plan = await planOf({ 'README.md': 'shop\n' }, base);
    expect(plan.configMaps.map((c) => [c.name.replace(/-[a-z0-9]{10}$/, '-HASH'), c.change])).toEqual([
      ['api-config-HASH', 'added'],
    ]);
  });

  it('points a resource ConfigMap key at its line in the resource file', async () => {
    const configMap = (level: string) =>
      lines(
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: api-config',
        'data:',
        '  DB_POOL: "10"',
        `  LOG_LEVEL: ${level}`,
      );
    const files: FileTree = {
      'deploy/base/kustomization.yaml': lines('resources: [api.yaml, config.yaml]'),
      'deploy/base/api.yaml': apiEnvFrom,
      'deploy/base/config.yaml': lines('# the app', '---', ...configMap('info').trimEnd().split('\n')),
      'deploy/overlays/prod/kustomization.yaml': lines('namespace: shop', 'resources: [../../base]'),
    };
    const plan = await planOf(files, {
      'deploy/base/config.yaml': lines('# the app', '---', ...configMap('warn').trimEnd().split('\n')),
    });
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config!.head!.source).toEqual({ file: 'deploy/base/config.yaml', line: 3 });
    expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([['Deployment/shop/api', 'restart']]);
  });
});
