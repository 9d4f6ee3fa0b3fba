/**
 * kustomize targets rendered with the real kustomize (test/renderers/build.sh): what they render, where each
 * object is edited, and what a render may not do.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RenderError } from '../../src/sources/input-error.js';
import { renderSource } from '../../src/sources/render-source.js';
import type { RenderedFile, RenderOptions } from '../../src/sources/source.js';
import { repoRoot } from '../cli/run-cli.js';
import { rendererBins, type RendererBins } from '../renderers/renderer-bins.js';

const fixtures = 'test/testdata/kustomize';
let bins: RendererBins;
let options: RenderOptions;

beforeAll(() => {
  bins = rendererBins();
  options = { cwd: repoRoot, searchPath: '/usr/bin:/bin', binaries: { kustomize: bins.kustomize } };
});

function render(path: string, more: Partial<RenderOptions> = {}) {
  return renderSource({ kind: 'kustomize', path: `${fixtures}/${path}` }, { ...options, ...more });
}

/** `kustomize build DIR` as a person would run it, for comparison. */
function buildDirectly(dir: string, cwd = repoRoot): string {
  const r = spawnSync(bins.kustomize, ['build', dir], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

function summary(files: RenderedFile[]) {
  return files.map((f) => ({ object: firstName(f.text), origin: f.origin, path: f.path }));
}

function firstName(text: string): string {
  const kind = /^kind: (.+)$/m.exec(text)?.[1];
  const name = /^ {2}name: (.+)$/m.exec(text)?.[1];
  return `${kind}/${name}`;
}

async function renderError(promise: Promise<unknown>): Promise<RenderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RenderError);
  return error as RenderError;
}

describe('renderKustomize', () => {
  it('renders an overlay with generators, a component and a shared base, each object with its origin', async () => {
    const rendered = await render('overlays/prod');
    const prod = `${fixtures}/overlays/prod`;
    expect(summary(rendered.files)).toEqual([
      {
        object: 'ConfigMap/prod-api-config-k79t99bf6b',
        path: `${prod}/kustomization.yaml`,
        origin: {
          path: `${prod}/kustomization.yaml`,
          line: 14,
          inputs: [`${prod}/api.env`, `${prod}/config/settings.json`],
          via: 'generator',
        },
      },
      {
        object: 'ConfigMap/prod-notes',
        path: `${fixtures}/base/notes.yaml`,
        // A resource's document in its file, and a ConfigMap's keys in it.
        origin: {
          path: `${fixtures}/base/notes.yaml`,
          line: 2,
          keyLines: { 'example.yaml': 7 },
          via: 'resource',
        },
      },
      {
        object: 'ConfigMap/prod-shared-config-dmht42tct7',
        path: `${fixtures}/base/kustomization.yaml`,
        origin: { path: `${fixtures}/base/kustomization.yaml`, line: 10, via: 'generator' },
      },
      {
        object: 'ConfigMap/prod-tracing-config-t9g55gc65d',
        path: `${fixtures}/components/tracing/kustomization.yaml`,
        origin: { path: `${fixtures}/components/tracing/kustomization.yaml`, line: 5, via: 'generator' },
      },
      {
        object: 'Deployment/prod-api',
        path: `${fixtures}/base/deployment.yaml`,
        origin: { path: `${fixtures}/base/deployment.yaml`, line: 1, via: 'resource' },
      },
      {
        object: 'Deployment/prod-worker',
        path: `${fixtures}/base/worker.yaml`,
        origin: { path: `${fixtures}/base/worker.yaml`, line: 1, via: 'resource' },
      },
    ]);
  });

  it('returns exactly what `kustomize build` writes: the origin annotations it asked for are taken off', async () => {
    for (const overlay of ['overlays/prod', 'overlays/staging', 'overlays/plain-hash', 'base']) {
      const rendered = await render(overlay);
      expect(rendered.files.map((f) => f.text).join('---\n'), overlay).toBe(
        buildDirectly(`${fixtures}/${overlay}`),
      );
    }
  });

  it('keeps what only looks like an origin annotation: an annotation’s value, a data value', async () => {
    const rendered = await render('overlays/prod');
    const notes = rendered.files.find((f) => f.text.includes('name: prod-notes'))!;
    expect(notes.text).toContain('    config.kubernetes.io/origin: |\n      path: somewhere-else.yaml\n');
    const worker = rendered.files.find((f) => f.text.includes('name: prod-worker'))!;
    expect(worker.text).toContain(
      `annotations:\n    note: 'config.kubernetes.io/origin: |'\n  name: prod-worker`,
    );
  });

  it('renders the hash-suffixed name the consumers read', async () => {
    const rendered = await render('overlays/prod');
    const api = rendered.files.find((f) => f.text.includes('name: prod-api\n'))!;
    expect(api.text).toContain('name: prod-api-config-k79t99bf6b');
    expect(api.text).toContain('name: prod-tracing-config-t9g55gc65d');
  });

  it('renders a base shared by two overlays with each overlay’s own names, its origin in the base', async () => {
    const staging = await render('overlays/staging');
    expect(summary(staging.files).map((s) => [s.object, s.path])).toEqual([
      ['ConfigMap/api-config-47668c6k28', `${fixtures}/overlays/staging/kustomization.yaml`],
      ['ConfigMap/notes', `${fixtures}/base/notes.yaml`],
      ['ConfigMap/shared-config-dmht42tct7', `${fixtures}/base/kustomization.yaml`],
      ['Deployment/api', `${fixtures}/base/deployment.yaml`],
      ['Deployment/worker', `${fixtures}/base/worker.yaml`],
    ]);
    expect(staging.files[0]!.text).toContain('namespace: staging');
  });

  it('keeps the generator’s name as written with disableNameSuffixHash (the base’s generator keeps its hash)', async () => {
    const rendered = await render('overlays/plain-hash');
    expect(
      summary(rendered.files)
        .slice(0, 2)
        .map((s) => s.object),
    ).toEqual(['ConfigMap/api-config', 'ConfigMap/notes']);
    expect(rendered.files[0]!.origin).toEqual({
      path: `${fixtures}/overlays/plain-hash/kustomization.yaml`,
      line: 11,
      via: 'generator',
    });
  });

  it('keeps the origin annotations a kustomization asks for itself, as its own build writes them', async () => {
    const rendered = await render('overlays/own-origins');
    expect(rendered.files.map((f) => f.text).join('---\n')).toBe(
      buildDirectly(`${fixtures}/overlays/own-origins`),
    );
    const api = rendered.files.find((f) => f.text.includes('name: api\n'))!;
    expect(api.text).toContain('path: ../../base/deployment.yaml');
    expect(api.origin).toEqual({ path: `${fixtures}/base/deployment.yaml`, line: 1, via: 'resource' });
  });

  it('inflates helmCharts with helm when the target asks for it (--enable-helm), offline, from the vendored chart', async () => {
    const rendered = await renderSource(
      { kind: 'kustomize', path: `${fixtures}/with-helm`, enableHelm: true },
      { ...options, binaries: { kustomize: bins.kustomize, helm: bins.helm } },
    );
    const origin = {
      path: `${fixtures}/with-helm/kustomization.yaml`,
      line: 8,
      inputs: [`${fixtures}/with-helm/web-values.yaml`],
      via: 'generator',
    };
    expect(summary(rendered.files)).toEqual([
      { object: 'ConfigMap/web-config', path: origin.path, origin },
      { object: 'Deployment/web', path: origin.path, origin },
    ]);
    expect(rendered.files[0]!.text).toContain('LOG_LEVEL: warn');
  });

  it('does not inflate helmCharts unless the target asks for it', async () => {
    const error = await renderError(render('with-helm'));
    expect(error.message).toContain(`Rendering ${fixtures}/with-helm with kustomize failed:`);
    expect(error.message).toContain('must specify --enable-helm');
  });

  it('renders the descheduler kustomize bases of the shared corpus', async () => {
    const cwd = join(repoRoot, '..', 'shared', 'corpus', 'descheduler');
    const base = await renderSource({ kind: 'kustomize', path: 'kubernetes/base' }, { ...options, cwd });
    expect(summary(base.files).map((s) => [s.object, s.path])).toEqual([
      ['ServiceAccount/descheduler-sa', 'kubernetes/base/rbac.yaml'],
      ['Role/descheduler-role', 'kubernetes/base/rbac.yaml'],
      ['ClusterRole/descheduler-cluster-role', 'kubernetes/base/rbac.yaml'],
      ['RoleBinding/descheduler-role-binding', 'kubernetes/base/rbac.yaml'],
      ['ClusterRoleBinding/descheduler-cluster-role-binding', 'kubernetes/base/rbac.yaml'],
      ['ConfigMap/descheduler-policy-configmap', 'kubernetes/base/configmap.yaml'],
    ]);
    expect(base.files.map((f) => f.text).join('---\n')).toBe(buildDirectly('kubernetes/base', cwd));
    const deployment = await renderSource(
      { kind: 'kustomize', path: 'kubernetes/deployment' },
      { ...options, cwd },
    );
    expect(summary(deployment.files).map((s) => [s.object, s.path])).toContainEqual([
      'Deployment/descheduler',
      'kubernetes/deployment/deployment.yaml',
    ]);
  });
});

describe('a kustomize render that fails', () => {
  it('names the target and kustomize’s message: a missing resource', async () => {
    const error = await renderError(render('overlays/broken'));
    expect(error.target).toBe(`${fixtures}/overlays/broken`);
    // kustomize's own words, as `kustomize build` of the target prints them, paths relative to the repository.
    expect(error.message).toBe(
      `Rendering ${fixtures}/overlays/broken with kustomize failed: accumulating resources: accumulation err='accumulating resources from 'missing.yaml': evalsymlink failure on '${fixtures}/overlays/broken/missing.yaml' : lstat ${fixtures}/overlays/broken/missing.yaml: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '${fixtures}/overlays/broken/missing.yaml' : lstat ${fixtures}/overlays/broken/missing.yaml: no such file or directory`,
    );
    expect(error.message).not.toContain('config-rollout-render-');
  });

  it('keeps the load restrictor on: a file outside the kustomization’s folder is refused', async () => {
    const error = await renderError(render('overlays/escape'));
    expect(error.message).toBe(
      `Rendering ${fixtures}/overlays/escape with kustomize failed: accumulating resources: accumulation err='accumulating resources from '../../base/deployment.yaml': security; file '${fixtures}/base/deployment.yaml' is not in or below '${fixtures}/overlays/escape'': must build at directory: '${fixtures}/base/deployment.yaml': file is not directory`,
    );
  });

  it('is offline: a remote resource goes to a closed local port, not the network', async () => {
    const error = await renderError(render('overlays/remote'));
    expect(error.message).toContain(`Rendering ${fixtures}/overlays/remote with kustomize failed:`);
    expect(error.message).toContain('127.0.0.1:9');
  });

  it('refuses a target outside the repository', async () => {
    const error = await renderError(
      renderSource({ kind: 'kustomize', path: '../shared/corpus/descheduler/kubernetes/base' }, options),
    );
    expect(error.message).toBe(
      `Rendering ../shared/corpus/descheduler/kubernetes/base with kustomize: the kustomization folder '../shared/corpus/descheduler/kubernetes/base' is outside the repository; renderers read only the repository's files.`,
    );
  });

  it('refuses a folder without a kustomization', async () => {
    const error = await renderError(renderSource({ kind: 'kustomize', path: 'test/testdata' }, options));
    expect(error.message).toBe(
      'Rendering test/testdata with kustomize: the folder holds no kustomization.yaml, kustomization.yml, Kustomization.',
    );
  });

  it('refuses a generator reading the repository’s .git folder (a checkout may keep a token in its config)', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'config-rollout-kustomize-test-'));
    try {
      mkdirSync(join(repo, '.git'));
      writeFileSync(join(repo, '.git', 'config'), '[http]\n\textraheader = AUTHORIZATION: basic dG9rZW4=\n');
      writeFileSync(
        join(repo, 'kustomization.yaml'),
        'configMapGenerator:\n  - name: leak\n    files:\n      - .git/config\n',
      );
      const error = await renderError(
        renderSource({ kind: 'kustomize', path: '.' }, { ...options, cwd: repo }),
      );
      expect(error.message).toBe(
        "Rendering . with kustomize: a generator in kustomization.yaml reads .git/config, in the repository's .git folder, which renderers may not read.",
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('stops at the time limit', async () => {
    const error = await renderError(render('overlays/prod', { limits: { timeoutMs: 5 } }));
    expect(error.message).toBe(
      `Rendering ${fixtures}/overlays/prod with kustomize failed: stopped after 5ms, the time limit for one render`,
    );
  });

  it('stops at the output limit', async () => {
    const error = await renderError(render('overlays/prod', { limits: { maxOutputBytes: 100 } }));
    expect(error.message).toBe(
      `Rendering ${fixtures}/overlays/prod with kustomize failed: stopped after writing more than 100 bytes, the output limit for one render`,
    );
  });

  it('says what to install when neither kustomize nor kubectl is on PATH', async () => {
    const error = await renderError(render('overlays/prod', { binaries: {}, searchPath: '/nonexistent' }));
    expect(error.message).toBe(
      `rendering ${fixtures}/overlays/prod needs kustomize (or kubectl) on PATH — add a step that installs it (GitHub's hosted Ubuntu runners have both; elsewhere e.g. azure/setup-kubectl).`,
    );
  });

  it('says helm is needed when the target inflates helmCharts and helm is not on PATH', async () => {
    const error = await renderError(
      renderSource(
        { kind: 'kustomize', path: `${fixtures}/overlays/prod`, enableHelm: true },
        { ...options, searchPath: '/nonexistent' },
      ),
    );
    expect(error.message).toBe(
      `rendering ${fixtures}/overlays/prod needs helm on PATH (its kustomization inflates helmCharts) — add azure/setup-helm.`,
    );
  });
});
