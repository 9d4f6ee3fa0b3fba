/**
 * Helm charts rendered with the real helm (test/renderers/build.sh): values in order, vendored dependencies,
 * where each object is edited, and what a render may not do or see.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderError } from '../../src/sources/input-error.js';
import { renderSource } from '../../src/sources/render-source.js';
import { rendererEnvironment, runRenderer, defaultRendererLimits } from '../../src/sources/run-renderer.js';
import { sourceAt, type HelmSource, type RenderOptions } from '../../src/sources/source.js';
import { repoRoot } from '../cli/run-cli.js';
import { rendererBins } from '../renderers/renderer-bins.js';

const charts = 'test/testdata/helm';
let options: RenderOptions;
const temporary: string[] = [];

beforeAll(() => {
  options = { cwd: repoRoot, searchPath: '/usr/bin:/bin', binaries: { helm: rendererBins().helm } };
});

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function chart(path: string, more: Partial<HelmSource> = {}): HelmSource {
  return {
    kind: 'helm',
    path: `${charts}/${path}`,
    release: 'api',
    namespace: 'shop',
    valuesFiles: [],
    set: [],
    ...more,
  };
}

async function renderError(promise: Promise<unknown>): Promise<RenderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RenderError);
  return error as RenderError;
}

/** A copy of a fixture chart as a repository of its own, to add what can't be committed (links out of it). */
function chartRepository(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-rollout-helm-test-'));
  temporary.push(dir);
  cpSync(join(repoRoot, charts, path), join(dir, 'chart'), { recursive: true });
  return dir;
}

describe('renderHelm', () => {
  it('renders values.yaml, then each values file in order, then --set; each object from its template', async () => {
    const rendered = await renderSource(
      chart('api', {
        valuesFiles: [`${charts}/api/values/staging.yaml`, `${charts}/api/values/staging-eu.yaml`],
        set: ['replicas=3'],
      }),
      options,
    );
    expect(rendered.files.map((f) => [f.path, f.origin])).toEqual([
      [
        `${charts}/api/templates/configmap.yaml`,
        // The template's object at its `kind:` line, each key where the template writes it.
        {
          path: `${charts}/api/templates/configmap.yaml`,
          line: 2,
          keyLines: { LOG_LEVEL: 6, TIMEOUT: 7, NAMESPACE: 8, LOOKUP: 9 },
          via: 'template',
        },
      ],
      [
        `${charts}/api/templates/deployment.yaml`,
        { path: `${charts}/api/templates/deployment.yaml`, line: 2, via: 'template' },
      ],
    ]);
    const [configMap, deployment] = rendered.files.map((f) => f.text);
    expect(configMap).toBe(
      [
        '# Source: api-chart/templates/configmap.yaml',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: api-config',
        'data:',
        // values.yaml said info and 30s; staging.yaml debug and 10s; staging-eu.yaml, applied last, 20s.
        '  LOG_LEVEL: "debug"',
        '  TIMEOUT: "20s"',
        '  NAMESPACE: "shop"',
        // `lookup` never reaches a cluster under `helm template`: an empty map.
        '  LOOKUP: "{}"',
        '',
        '',
      ].join('\n'),
    );
    expect(deployment).toContain('replicas: 3\n');
    expect(deployment).toMatch(/checksum\/config: [0-9a-f]{64}\n/);
  });

  it('leaves out test hooks: `helm test` runs them, an install does not', async () => {
    const rendered = await renderSource(chart('api'), options);
    expect(rendered.files.some((f) => f.text.includes('helm.sh/hook: test'))).toBe(false);
    expect(rendered.files[0]!.text).toContain('LOG_LEVEL: "info"');
  });

  it('the release name defaults to the chart’s name', () => {
    expect(sourceAt(`${charts}/api`, repoRoot, { namespace: 'shop' })).toEqual({
      kind: 'helm',
      path: `${charts}/api`,
      release: 'api-chart',
      namespace: 'shop',
      valuesFiles: [],
      set: [],
    });
  });

  it('renders a vendored dependency, each of its objects from the subchart’s template', async () => {
    const rendered = await renderSource(chart('umbrella', { release: 'shop' }), options);
    const sub = `${charts}/umbrella/charts/cache/templates/configmap.yaml`;
    expect(rendered.files.map((f) => [f.path, /name: (.+)/.exec(f.text)?.[1]])).toEqual([
      [sub, 'shop-cache'],
      [sub, 'shop-cache-extra'],
      [`${charts}/umbrella/templates/configmap.yaml`, 'shop-settings'],
    ]);
    // The parent's values override the subchart's.
    expect(rendered.files[0]!.text).toContain('SIZE: "64Mi"');
  });

  it.each([
    ['descheduler', 'kube-system', 'CronJob', 'cronjob.yaml'],
    ['fluent-bit', 'logging', 'DaemonSet', 'daemonset.yaml'],
  ])(
    'renders the %s chart of the shared corpus, its %s with a checksum/config annotation',
    async (name, namespace, kind, template) => {
      const cwd = join(repoRoot, '..', 'shared', 'corpus', 'helm-charts');
      const rendered = await renderSource(
        { kind: 'helm', path: `charts/${name}`, release: name, namespace, valuesFiles: [], set: [] },
        { ...options, cwd },
      );
      expect(rendered.files.map((f) => f.path)).toContain(`charts/${name}/templates/configmap.yaml`);
      const workload = rendered.files.find((f) => new RegExp(`^kind: ${kind}$`, 'm').test(f.text));
      expect(workload?.path).toBe(`charts/${name}/templates/${template}`);
      expect(workload?.text).toMatch(/checksum\/config: [0-9a-f]{64}/);
    },
  );
});

describe('a helm render that fails', () => {
  it('names every dependency that is not vendored, and how to vendor it', async () => {
    const error = await renderError(renderSource(chart('needs-deps'), options));
    expect(error.message).toBe(
      `Rendering ${charts}/needs-deps with helm: the chart's dependencies 'redis' (from oci://registry.example.invalid/charts), 'common' (from https://charts.example.invalid) are not vendored under ${charts}/needs-deps/charts/. Rendering is offline: run \`helm dependency build ${charts}/needs-deps\` and commit ${charts}/needs-deps/charts/.`,
    );
  });

  it('names the target and helm’s message: a template that fails', async () => {
    const error = await renderError(renderSource(chart('broken'), options));
    expect(error.target).toBe(`${charts}/broken`);
    expect(error.renderer).toBe('helm');
    expect(error.message).toBe(
      `Rendering ${charts}/broken with helm failed: execution error at (broken/templates/configmap.yaml:6:11): values.port is required\n\nUse --debug flag to render out invalid YAML`,
    );
  });

  it('names a values file helm cannot read by its path in the repository', async () => {
    const repo = chartRepository('api');
    writeFileSync(join(repo, 'chart', 'values', 'broken.yaml'), 'logLevel: [unclosed\n');
    const error = await renderError(
      renderSource(
        { ...chart('api'), path: 'chart', valuesFiles: ['chart/values/broken.yaml'] },
        { ...options, cwd: repo },
      ),
    );
    expect(error.message).toMatch(/^Rendering chart with helm failed: .*chart\/values\/broken\.yaml/);
    expect(error.message).not.toContain(repo);
  });

  it('gives templates no way to read the environment: helm has no `env` function', async () => {
    process.env.GITHUB_TOKEN = 'ghs_not-a-real-token';
    try {
      const error = await renderError(renderSource(chart('reads-env'), options));
      expect(error.message).toContain('function "env" not defined');
      expect(error.message).not.toContain('ghs_');
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
  });

  it('refuses a symbolic link out of the repository (helm would load the file it points at)', async () => {
    const repo = chartRepository('api');
    symlinkSync('/etc/hostname', join(repo, 'chart', 'hostname'));
    const error = await renderError(
      renderSource({ ...chart('api'), path: 'chart' }, { ...options, cwd: repo }),
    );
    expect(error.message).toBe(
      `Rendering chart with helm: chart/hostname is a symbolic link to a file outside the repository; renderers read only the repository's files.`,
    );
  });

  it('refuses a symbolic link into the repository’s .git folder (a checkout may keep a token in its config)', async () => {
    const repo = chartRepository('api');
    mkdirSync(join(repo, '.git'));
    writeFileSync(join(repo, '.git', 'config'), '[http]\n');
    symlinkSync('../.git/config', join(repo, 'chart', 'git-config'));
    const error = await renderError(
      renderSource({ ...chart('api'), path: 'chart' }, { ...options, cwd: repo }),
    );
    expect(error.message).toBe(
      "Rendering chart with helm: chart/git-config is a symbolic link into the repository's .git folder, which renderers may not read.",
    );
  });

  it('refuses a values file outside the repository, or one that is not a file in it (a URL)', async () => {
    const outside = await renderError(
      renderSource(chart('api', { valuesFiles: ['/etc/hostname'] }), options),
    );
    expect(outside.message).toBe(
      `Rendering ${charts}/api with helm: the values file '/etc/hostname' is outside the repository; renderers read only the repository's files.`,
    );
    const url = await renderError(
      renderSource(chart('api', { valuesFiles: ['https://example.invalid/values.yaml'] }), options),
    );
    expect(url.message).toBe(
      `Rendering ${charts}/api with helm: the values file 'https://example.invalid/values.yaml' does not exist.`,
    );
  });

  it('refuses a release name helm would read as a flag', async () => {
    const error = await renderError(renderSource(chart('api', { release: '--kubeconfig=/x' }), options));
    expect(error.message).toBe(
      `Rendering ${charts}/api with helm: invalid release name '--kubeconfig=/x': expected lower-case letters, digits and '-', at most 53 characters.`,
    );
  });

  it('stops at the output limit', async () => {
    const error = await renderError(
      renderSource(chart('big', { set: ['keys=100000'] }), {
        ...options,
        limits: { maxOutputBytes: 1_000_000 },
      }),
    );
    expect(error.message).toBe(
      `Rendering ${charts}/big with helm failed: stopped after writing more than 1000000 bytes, the output limit for one render`,
    );
  });

  it('stops at the time limit', async () => {
    const error = await renderError(renderSource(chart('api'), { ...options, limits: { timeoutMs: 5 } }));
    expect(error.message).toBe(
      `Rendering ${charts}/api with helm failed: stopped after 5ms, the time limit for one render`,
    );
  });

  it('says what to add when helm is not on PATH', async () => {
    const error = await renderError(
      renderSource(chart('api'), { ...options, binaries: {}, searchPath: '/nonexistent' }),
    );
    expect(error.message).toBe(`rendering ${charts}/api needs helm on PATH — add azure/setup-helm.`);
  });
});

describe('the environment a renderer runs in', () => {
  it('holds no token, kubeconfig or cloud credential of ours: only what is set here', async () => {
    process.env.GITHUB_TOKEN = 'ghs_not-a-real-token';
    process.env.KUBECONFIG = '/home/runner/.kube/config';
    try {
      const home = mkdtempSync(join(tmpdir(), 'config-rollout-env-test-'));
      temporary.push(home);
      const env = rendererEnvironment('/usr/bin:/bin', home);
      const printed = await runRenderer({
        command: '/usr/bin/env',
        args: [],
        cwd: home,
        env,
        limits: defaultRendererLimits,
      });
      const seen = Object.fromEntries(
        printed
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      expect(seen).toEqual(env);
      expect(Object.keys(seen).sort()).toEqual(
        [
          'ALL_PROXY',
          'GIT_CONFIG_NOSYSTEM',
          'GIT_TERMINAL_PROMPT',
          'HELM_CACHE_HOME',
          'HELM_CONFIG_HOME',
          'HELM_DATA_HOME',
          'HELM_PLUGINS',
          'HELM_REGISTRY_CONFIG',
          'HELM_REPOSITORY_CACHE',
          'HELM_REPOSITORY_CONFIG',
          'HOME',
          'HTTPS_PROXY',
          'HTTP_PROXY',
          'LANG',
          'NO_PROXY',
          'PATH',
          'TZ',
          'XDG_CACHE_HOME',
          'XDG_CONFIG_HOME',
          'XDG_DATA_HOME',
          'all_proxy',
          'http_proxy',
          'https_proxy',
          'no_proxy',
        ].sort(),
      );
      for (const value of Object.values(seen))
        expect(value.startsWith(home) || !value.includes('/home')).toBe(true);
    } finally {
      delete process.env.GITHUB_TOKEN;
      delete process.env.KUBECONFIG;
    }
  });
});
