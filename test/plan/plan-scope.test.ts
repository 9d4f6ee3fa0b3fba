// A plan parses only the files that can matter to the change (plan-scope.ts). These tests hold it to the plan
// made from every file: the same ConfigMaps, consumers, decisions and findings; only the notes on documents
// skipped in files it did not need to read go.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The benchmarks' estate generator: every way a pod reads a ConfigMap, 20 changed ConfigMaps.
import { generateEstate, writeEstate } from '../../bench/generate-estate.mjs';
import { parseManifests, type ManifestFile } from '../../src/plan/manifests.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { PlanScope } from '../../src/plan/plan-scope.js';
import { planChange } from '../../src/plan-change.js';
import { readManifestFiles } from '../../src/sources/manifest-files.js';

const options = { volumeMounts: 'restart' as const, secrets: false, fingerprintKey: 'k' };

/** The plan from every file of both sides, as it was made before plans were scoped. */
async function fullPlan(dir: string, namespace = 'default'): Promise<Plan> {
  const parse = async (side: string) =>
    parseManifests(await readManifestFiles([side], dir), { defaultNamespace: namespace });
  const [base, head] = [await parse('base'), await parse('head')];
  return planRollout({ base: base.objects, head: head.objects, notes: head.notes, options });
}

const scopedPlan = (dir: string, namespace = 'default') =>
  planChange({
    manifests: ['head'],
    base: { paths: ['base'] },
    namespace,
    volumeMounts: 'restart',
    cwd: dir,
  });

/** What a plan says, but the notes on skipped documents. */
const view = (plan: Plan) => ({
  configMaps: plan.configMaps.map((c) => [c.ref, c.change, c.keys]),
  consumers: plan.consumers,
  findings: plan.findings.filter((f) => f.code !== 'skipped-document'),
});

function writeSides(files: Record<string, { base?: string; head?: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-scope-'));
  for (const [path, sides] of Object.entries(files)) {
    for (const side of ['base', 'head'] as const) {
      const text = sides[side];
      if (text === undefined) continue;
      mkdirSync(dirname(join(dir, side, path)), { recursive: true });
      writeFileSync(join(dir, side, path), text);
    }
  }
  return dir;
}

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  LEVEL: "${value}"\n`;
const deployment = (name: string, reads: string, image = 'app:1') =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  selector: {matchLabels: {app: x}}',
    '  template:',
    '    metadata: {labels: {app: x}}',
    '    spec:',
    '      containers:',
    `        - name: app\n          image: ${image}`,
    ...(reads ? ['          envFrom:', `            - configMapRef: {name: ${reads}}`] : []),
    '',
  ].join('\n');

describe('scoped plans', () => {
  it('equal the plan from every file on a generated estate with 20 changed ConfigMaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-rollout-scope-'));
    writeEstate(dir, generateEstate({ workloads: 200, changed: 20, seed: 7 }));
    const [scoped, full] = [await scopedPlan(dir), await fullPlan(dir)];
    expect(scoped.consumers.length).toBeGreaterThan(20);
    expect(view(scoped)).toEqual(view(full));
  });

  it('still see a second definition of a consumer in a file that names no changed ConfigMap', async () => {
    const dir = writeSides({
      'cm.yaml': { base: configMap('app-config', 'info'), head: configMap('app-config', 'debug') },
      'a/api.yaml': { base: deployment('api', 'app-config'), head: deployment('api', 'app-config') },
      'z/api-again.yaml': { base: deployment('api', '', 'app:2'), head: deployment('api', '', 'app:2') },
      'other.yaml': { base: deployment('other', ''), head: deployment('other', '') },
    });
    const scoped = await scopedPlan(dir);
    expect(scoped.findings.map((f) => f.code)).toContain('duplicate-workload');
    expect(view(scoped)).toEqual(view(await fullPlan(dir)));
  });

  it('read a file whose reference is spelled with escapes', async () => {
    const escaped = deployment('api', '"app\\x2dconfig"');
    const dir = writeSides({
      'cm.yaml': { base: configMap('app-config', 'info'), head: configMap('app-config', 'debug') },
      'api.yaml': { base: escaped, head: escaped },
    });
    const scoped = await scopedPlan(dir);
    expect(scoped.consumers.map((c) => [c.workload, c.action])).toEqual([
      ['Deployment/default/api', 'restart'],
    ]);
    expect(view(scoped)).toEqual(view(await fullPlan(dir)));
  });

  it('list unchanged ConfigMaps and plan removed ones with their readers', async () => {
    const dir = writeSides({
      'keep.yaml': { base: configMap('keep', 'a'), head: configMap('keep', 'a') },
      'gone.yaml': { base: configMap('gone', 'a') },
      'reader.yaml': { base: deployment('reader', 'gone'), head: deployment('reader', 'gone') },
    });
    const scoped = await scopedPlan(dir);
    expect(scoped.configMaps.map((c) => [c.ref, c.change])).toEqual([
      ['default/gone', 'removed'],
      ['default/keep', 'unchanged'],
    ]);
    expect(scoped.consumers.map((c) => c.action)).toEqual(['blocked']);
    expect(view(scoped)).toEqual(view(await fullPlan(dir)));
  });
});

describe('PlanScope', () => {
  const file = (path: string, text: string): ManifestFile => ({ path, text });
  const base = [
    file('b/cm.yaml', configMap('c', '1')),
    file('b/w.yaml', deployment('w', 'c')),
    file('b/x.yaml', 'x: 1\n'),
  ];
  const head = [
    file('h/cm.yaml', configMap('c', '2')),
    file('h/w.yaml', deployment('w', 'c')),
    file('h/x.yaml', 'x: 1\n'),
  ];

  it('starts from changed files and files that define config, in their order, and widens by name', () => {
    const scope = new PlanScope(base, head, { secrets: false, defaultNamespace: 'default' });
    expect(scope.files('head').map((f) => f.path)).toEqual(['h/cm.yaml']);
    expect(scope.files('base').map((f) => f.path)).toEqual(['b/cm.yaml']);
    expect(scope.skipped).toBe(2);
    expect(scope.include([{ namespace: 'default', name: 'nothing-names-this' }])).toBe(false);
    expect(scope.include([{ namespace: 'default', name: 'c' }])).toBe(true);
    expect(scope.files('head').map((f) => f.path)).toEqual(['h/cm.yaml', 'h/w.yaml']);
    expect(scope.include([{ namespace: 'default', name: 'c' }])).toBe(false);
  });

  it('widens only to files that may put objects in the namespace named', () => {
    const w = (ns: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ${ns}}\n# reads app\n`;
    const files = [
      file('a.yaml', w('team-a')),
      file('b.yaml', w('team-b')),
      file('d.yaml', 'kind: Pod # app\n'),
    ];
    const scope = new PlanScope(files, files, { secrets: false, defaultNamespace: 'default' });
    expect(scope.include([{ namespace: 'team-b', name: 'app' }])).toBe(true);
    expect(scope.files('head').map((f) => f.path)).toEqual(['b.yaml']);
    // Objects that set no namespace take the default one: any file naming the object may hold one.
    expect(scope.include([{ namespace: 'default', name: 'app' }])).toBe(true);
    expect(scope.files('head').map((f) => f.path)).toEqual(['a.yaml', 'b.yaml', 'd.yaml']);
  });

  it('reads unchanged files where a backslash ends a line (LF or CRLF): it can join the letters of a name', () => {
    // "app-\<newline>  config" is the double-quoted YAML string "app-config".
    const joined = (eol: string) =>
      `kind: Pod\nenvFrom: [{configMapRef: {name: "app-\\${eol}  config"}}]${eol}`;
    const files = [
      file('lf.yaml', joined('\n')),
      file('crlf.yaml', joined('\r\n')),
      file('x.yaml', 'x: 1\n'),
    ];
    const scope = new PlanScope(files, files, { secrets: false, defaultNamespace: 'default' });
    expect(scope.files('head').map((f) => f.path)).toEqual(['lf.yaml', 'crlf.yaml']);
  });

  it('reads files that define Secrets when Secrets are config sources', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n';
    const scope = new PlanScope([file('b/s.yaml', secret)], [file('h/s.yaml', secret)], {
      secrets: true,
      defaultNamespace: 'default',
    });
    expect(scope.files('head').map((f) => f.path)).toEqual(['h/s.yaml']);
    const without = new PlanScope([file('b/s.yaml', secret)], [file('h/s.yaml', secret)], {
      secrets: false,
      defaultNamespace: 'default',
    });
    expect(without.files('head')).toEqual([]);
  });
});
