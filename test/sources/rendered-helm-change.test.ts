/**
 * Changes to a Helm chart and its values files, planned end to end with the real helm: the head rendered from
 * the working tree, the base from the base commit's own chart and values files, with the same flags.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/plan.js';
import type { SourceDefaults } from '../../src/sources/source.js';
import { renderedChanges } from './rendered-changes.js';
import { lines, type FileTree } from './repo-fixture.js';

const changes = renderedChanges();

function planOf(base: FileTree, head: FileTree, helm: Omit<SourceDefaults, 'namespace'> = {}): Promise<Plan> {
  return changes.plan(changes.repo(base, head), { manifests: ['charts/api'], namespace: 'shop', helm });
}

const configMapTemplate = lines(
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: {{ .Release.Name }}-config',
  'data:',
  '  LOG_LEVEL: {{ .Values.logLevel | quote }}',
  '  REGION: {{ .Values.region | quote }}',
);

function deploymentTemplate(podAnnotations: string[] = []): string {
  return lines(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}',
    'spec:',
    '  replicas: {{ .Values.replicas }}',
    '  selector: {matchLabels: {app: api}}',
    '  template:',
    '    metadata:',
    '      labels: {app: api}',
    ...(podAnnotations.length > 0 ? ['      annotations:', ...podAnnotations] : []),
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: "api:{{ .Values.tag }}"',
    '          envFrom:',
    '            - configMapRef: {name: {{ .Release.Name }}-config}',
  );
}

const chart: FileTree = {
  'charts/api/Chart.yaml': lines('apiVersion: v2', 'name: api', 'version: 1.0.0'),
  'charts/api/values.yaml': lines('logLevel: info', 'region: eu', 'replicas: 2', 'tag: "1"'),
  'charts/api/templates/configmap.yaml': configMapTemplate,
  'charts/api/templates/deployment.yaml': deploymentTemplate(),
};

describe('a Helm chart planned from its rendered objects', () => {
  it('restarts the envFrom reader of a ConfigMap whose value the values file changes', async () => {
    const plan = await planOf(chart, {
      'charts/api/values.yaml': lines('logLevel: debug', 'region: eu', 'replicas: 2', 'tag: "1"'),
    });
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config).toMatchObject({ ref: 'shop/api-config', change: 'modified' });
    expect(config!.keys.changed).toEqual(['LOG_LEVEL']);
    // The template a person edits, at its object's line and its key's.
    expect(config!.head!.source).toEqual({ file: 'charts/api/templates/configmap.yaml', line: 2 });
    expect(plan.consumers.map((c) => [c.workload, c.action, c.pods])).toEqual([
      ['Deployment/shop/api', 'restart', 2],
    ]);
    expect(plan.consumers[0]!.source).toEqual({ file: 'charts/api/templates/deployment.yaml', line: 2 });
  });

  it('lets a checksum/config annotation roll the Deployment by itself', async () => {
    const withChecksum = deploymentTemplate([
      '        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}',
    ]);
    const plan = await planOf(
      { ...chart, 'charts/api/templates/deployment.yaml': withChecksum },
      { 'charts/api/values.yaml': lines('logLevel: debug', 'region: eu', 'replicas: 2', 'tag: "1"') },
    );
    expect(plan.consumers.map((c) => [c.workload, c.action])).toEqual([['Deployment/shop/api', 'none']]);
    expect(plan.consumers[0]!.note).toContain('rolls by itself');
  });

  it('renders both sides with the values files in order, the later one winning', async () => {
    const files: FileTree = {
      ...chart,
      'deploy/prod.yaml': lines('logLevel: warn', 'region: us'),
      'deploy/prod-eu.yaml': lines('region: eu-west'),
    };
    const plan = await planOf(
      files,
      { 'deploy/prod.yaml': lines('logLevel: error', 'region: us') },
      { valuesFiles: ['deploy/prod.yaml', 'deploy/prod-eu.yaml'] },
    );
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config!.keys.changed).toEqual(['LOG_LEVEL']);
    expect(config!.base!.data).toMatchObject({ LOG_LEVEL: 'warn', REGION: 'eu-west' });
    expect(config!.head!.data).toMatchObject({ LOG_LEVEL: 'error', REGION: 'eu-west' });
  });

  it('has nothing to restart when the values change touches no config', async () => {
    const plan = await planOf(chart, {
      'charts/api/values.yaml': lines('logLevel: info', 'region: eu', 'replicas: 3', 'tag: "1"'),
    });
    expect(plan.configMaps.filter((c) => c.change !== 'unchanged')).toEqual([]);
    expect(plan.consumers).toEqual([]);
    expect(plan.objects.map((o) => [o.id, o.change])).toEqual([['Deployment/shop/api', 'modified']]);
  });

  it('applies --set after the values files on both sides', async () => {
    const plan = await planOf(
      chart,
      { 'charts/api/values.yaml': lines('logLevel: debug', 'region: eu', 'replicas: 2', 'tag: "1"') },
      { set: ['region=ap'], release: 'payments' },
    );
    const [config] = plan.configMaps.filter((c) => c.change !== 'unchanged');
    expect(config!.ref).toBe('shop/payments-config');
    expect(config!.base!.data['REGION']).toBe('ap');
  });
});
