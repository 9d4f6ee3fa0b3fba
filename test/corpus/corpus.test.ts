/**
 * config-rollout on real-world manifests nobody on this team wrote (../shared/corpus): every folder is read
 * without a crash, and planned changes give the consumers and decisions that reading the files shows.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VolumeMountPolicy } from '../../src/plan/decide.js';
import { buildReferenceGraph } from '../../src/plan/reference-graph.js';
import { planChange } from '../../src/plan-change.js';
import { parseManifests } from '../../src/plan/manifests.js';
import { planRollout, type Plan } from '../../src/plan/plan.js';
import { renderPlanComment } from '../../src/report/comment.js';
import { loadManifests } from '../../src/sources/load-manifests.js';
import { readManifestFiles } from '../../src/sources/manifest-files.js';
import { repoRoot } from '../cli/run-cli.js';

const corpus = join(repoRoot, '..', 'shared', 'corpus');

/** Folder → the namespace its README says it is installed into. */
const folders: Record<string, string> = {
  'argo-cd': 'argocd',
  calico: 'default',
  descheduler: 'default',
  'kube-prometheus': 'default',
  'kubernetes-website': 'default',
  'opentelemetry-demo': 'otel-demo',
};

interface Edit {
  file: string;
  from: string;
  to: string;
}

/** Plan the change `edits` make to a copy of a corpus folder. */
async function planEdit(folder: string, edits: Edit[], volumeMounts: VolumeMountPolicy = 'restart') {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-corpus-'));
  cpSync(join(corpus, folder), join(dir, 'base'), { recursive: true });
  cpSync(join(corpus, folder), join(dir, 'head'), { recursive: true });
  for (const edit of edits) {
    const path = join(dir, 'head', edit.file);
    const text = readFileSync(path, 'utf8');
    expect(text, `${edit.file} holds the text to edit`).toContain(edit.from);
    writeFileSync(path, text.replace(edit.from, edit.to));
  }
  const plan = await planChange({
    manifests: ['head'],
    base: { paths: ['base'] },
    namespace: folders[folder]!,
    volumeMounts,
    cwd: dir,
  });
  // The plan reads only the files that can matter to the change: it must equal the plan from every file.
  const parse = async (side: string) =>
    parseManifests(await readManifestFiles([side], dir), { defaultNamespace: folders[folder]! });
  const [base, head] = [await parse('base'), await parse('head')];
  const full = planRollout({
    base: base.objects,
    head: head.objects,
    notes: head.notes,
    options: { volumeMounts, secrets: false },
  });
  const view = (p: Plan) => ({
    configMaps: p.configMaps.map((c) => [c.ref, c.change, c.keys]),
    consumers: p.consumers,
    findings: p.findings.filter((f) => f.code !== 'skipped-document'),
  });
  expect(view(plan)).toEqual(view(full));
  return plan;
}

/** The line (1-based) of `kind: <kind>` for the object named `name` in a corpus file: where it is defined. */
function lineOf(file: string, kind: string, name: string): number {
  const lines = readFileSync(join(corpus, file), 'utf8').split('\n');
  const at = lines.findIndex(
    (l, i) => l === `kind: ${kind}` && lines.slice(i + 1, i + 4).some((n) => n === `  name: ${name}`),
  );
  return at + 1;
}

const actions = (plan: Awaited<ReturnType<typeof planEdit>>) =>
  Object.fromEntries(plan.consumers.map((c) => [c.workload, c.action]));

describe.runIf(existsSync(corpus))('the shared corpus', () => {
  it.each(Object.entries(folders))(
    'reads %s and plans no change against itself',
    async (folder, namespace) => {
      const parsed = await loadManifests({ patterns: [folder], cwd: corpus, defaultNamespace: namespace });
      expect(parsed.objects.length).toBeGreaterThan(0);
      const graph = buildReferenceGraph(parsed.objects);
      expect(graph.references.length).toBeGreaterThan(0);
      const plan = await planEdit(folder, []);
      expect(plan.consumers).toEqual([]);
      expect(plan.configMaps.every((c) => c.change === 'unchanged')).toBe(true);
      // The docs' examples define special-config twice (two alternative examples): a true warning.
      const expected = folder === 'kubernetes-website' ? ['warning:duplicate-configmap'] : [];
      expect(
        plan.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}:${f.code}`),
      ).toEqual(expected);
    },
  );

  it('argo-cd: a key added to argocd-cmd-params-cm restarts only the server, which reads it', async () => {
    const plan = await planEdit('argo-cd', [
      {
        file: 'manifests/install.yaml',
        from: '  name: argocd-cmd-params-cm\n---',
        to: '  name: argocd-cmd-params-cm\ndata:\n  server.insecure: "true"\n---',
      },
    ]);
    expect(plan.configMaps.filter((c) => c.change !== 'unchanged')).toMatchObject([
      {
        ref: 'argocd/argocd-cmd-params-cm',
        change: 'modified',
        keys: { added: ['server.insecure'], removed: [], changed: [] },
      },
    ]);
    const decided = actions(plan);
    expect(decided['Deployment/argocd/argocd-server']).toBe('restart');
    // Every other reader takes other keys (all optional env refs): nothing to do for them.
    const others = Object.entries(decided).filter(([id]) => id !== 'Deployment/argocd/argocd-server');
    expect(others.length).toBeGreaterThanOrEqual(5);
    expect(others.every(([, action]) => action === 'none')).toBe(true);
    expect(decided['StatefulSet/argocd/argocd-application-controller']).toBe('none');
  });

  it('calico: an MTU change restarts the canal DaemonSet (init container env, flannel volume)', async () => {
    const plan = await planEdit('calico', [
      { file: 'manifests/canal.yaml', from: 'veth_mtu: "0"', to: 'veth_mtu: "1440"' },
    ]);
    expect(actions(plan)).toEqual({ 'DaemonSet/kube-system/canal': 'restart' });
    const reasons = plan.consumers[0]!.reasons.join(' ');
    expect(reasons).toContain(
      'Init container `install-cni` reads canal-config (changed `veth_mtu`) as an env var',
    );
    expect(reasons).toContain(
      'Container `kube-flannel` mounts canal-config (changed `veth_mtu`) as a volume',
    );
  });

  it('calico: removing veth_mtu is ONE blocker, at the ConfigMap, naming every env var that needs it', async () => {
    const plan = await planEdit('calico', [
      { file: 'manifests/calico-typha.yaml', from: '  veth_mtu: "0"\n', to: '' },
    ]);
    const blockers = plan.findings.filter((f) => f.severity === 'blocker');
    expect(blockers).toEqual([
      {
        severity: 'blocker',
        code: 'missing-key',
        message:
          'calico-config no longer has key `veth_mtu`, which DaemonSet/kube-system/calico-node requires: new pods would not start. Needed by init container `install-cni` env `CNI_MTU` (key `veth_mtu`); container `calico-node` env `FELIX_IPINIPMTU` (key `veth_mtu`); container `calico-node` env `FELIX_VXLANMTU` (key `veth_mtu`); container `calico-node` env `FELIX_WIREGUARDMTU` (key `veth_mtu`). Keep the key, or mark the references `optional: true`.',
        // The ConfigMap the author edited (its document in the head), and the DaemonSet that needs the key.
        file: 'head/manifests/calico-typha.yaml',
        line: lineOf('calico/manifests/calico-typha.yaml', 'ConfigMap', 'calico-config'),
        also: [
          {
            file: 'head/manifests/calico-typha.yaml',
            // One line up from the corpus file: the edit removed a line above it.
            line: lineOf('calico/manifests/calico-typha.yaml', 'DaemonSet', 'calico-node') - 1,
          },
        ],
      },
    ]);
    const comment = renderPlanComment(plan, {
      links: { repositoryUrl: 'https://github.com/acme/net', sha: 'abc1234def' },
    });
    expect(comment.match(/❌ \*\*missing-key\*\*/g)).toHaveLength(1);
    expect(comment).toContain('env <code>FELIX_VXLANMTU</code>');
  });

  it('descheduler: a policy change restarts the Deployment, waits for the CronJob, recreates the Job', async () => {
    const plan = await planEdit('descheduler', [
      { file: 'kubernetes/base/configmap.yaml', from: '"cpu" : 20', to: '"cpu" : 30' },
    ]);
    expect(actions(plan)).toEqual({
      'CronJob/kube-system/descheduler-cronjob': 'next-run',
      'Deployment/kube-system/descheduler': 'restart',
      'Job/kube-system/descheduler-job': 'recreate',
    });
  });

  // blackbox-exporter's pod has a configmap-reload sidecar (--volume-dir on the same volume, --webhook-url to the
  // exporter's /-/reload): the mounted module config reaches it without a restart, under either setting.
  it('kube-prometheus: a blackbox module change waits for sync: its configmap-reload sidecar reloads it', async () => {
    const edit = [
      {
        file: 'manifests/blackboxExporter-configuration.yaml',
        from: '"preferred_ip_protocol": "ip4"',
        to: '"preferred_ip_protocol": "ip6"',
      },
    ];
    const plan = await planEdit('kube-prometheus', edit);
    expect(actions(plan)).toEqual({
      'Deployment/monitoring/blackbox-exporter': 'wait-for-sync',
    });
    expect(plan.consumers[0]!.reasons[0]).toBe(
      'Container `blackbox-exporter` mounts blackbox-exporter-configuration (changed `config.yml`) as a volume, and the configmap-reload sidecar `module-configmap-reloader` in the same pod reloads it.',
    );
    expect(actions(await planEdit('kube-prometheus', edit, 'hot-reload'))).toEqual({
      'Deployment/monitoring/blackbox-exporter': 'wait-for-sync',
    });
  });

  it('opentelemetry-demo: flagd copies its flags in an init container, so a flag change needs a restart', async () => {
    const plan = await planEdit(
      'opentelemetry-demo',
      [
        {
          file: 'kubernetes/opentelemetry-demo.yaml',
          from: '"defaultVariant": "off"',
          to: '"defaultVariant": "on"',
        },
      ],
      'hot-reload',
    );
    expect(actions(plan)).toEqual({ 'Deployment/otel-demo/flagd': 'restart' });
    expect(plan.consumers[0]!.reasons[0]).toContain('Init container `init-config` mounts flagd-config');
  });

  it('kubernetes-website: removing a key that pods require blocks the change, naming each', async () => {
    const plan = await planEdit('kubernetes-website', [
      { file: 'content/en/examples/configmap/configmaps.yaml', from: '    special.how: "very",\n', to: '' },
    ]);
    expect(plan.configMaps.filter((c) => c.change !== 'unchanged')).toMatchObject([
      { ref: 'default/special-config', keys: { removed: ['special.how'] } },
    ]);
    expect(actions(plan)['Pod/default/dapi-test-pod']).toBe('blocked');
    expect(plan.findings.some((f) => f.code === 'missing-key' && f.message.includes('`special.how`'))).toBe(
      true,
    );
  });

  it('kubernetes-website: changing an immutable ConfigMap is a blocker', async () => {
    const plan = await planEdit('kubernetes-website', [
      {
        file: 'content/en/examples/configmap/immutable-configmap.yaml',
        from: '"ACME, Inc."',
        to: '"ACME Corp."',
      },
    ]);
    expect(
      plan.findings.filter((f) => f.severity === 'blocker').map((f) => [f.code, f.file, f.line]),
    ).toEqual([['immutable-changed', 'head/content/en/examples/configmap/immutable-configmap.yaml', 1]]);
  });
});

describe.runIf(existsSync(corpus))('the fast YAML path', () => {
  it.each(Object.keys(folders))(
    'reads %s exactly as the exact parser does, lines included',
    async (folder) => {
      const files = await readManifestFiles([folder], corpus);
      const fast = parseManifests(files, { defaultNamespace: 'default' });
      const exact = parseManifests(files, { defaultNamespace: 'default', exact: true });
      const view = (r: typeof fast) => ({
        objects: r.objects.map((o) => ({
          id: `${o.kind}/${o.namespace}/${o.name}`,
          source: o.source,
          body: o.body,
        })),
        notes: r.notes,
        errors: r.errors,
      });
      expect(view(fast)).toEqual(view(exact));
      for (const [f, e] of fast.objects.map((o, i) => [o, exact.objects[i]!] as const)) {
        const keys = Object.keys({ ...(f.body['data'] as object), ...(f.body['binaryData'] as object) });
        expect(
          keys.map((k) => f.lineOfKey(k)),
          `${f.kind}/${f.name} key lines`,
        ).toEqual(keys.map((k) => e.lineOfKey(k)));
      }
    },
  );
});
