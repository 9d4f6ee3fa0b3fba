import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RenderError } from './input-error.js';
import {
  isInGitFolder,
  isInside,
  openRenderWorkspace,
  repoRelative,
  resolveInRepo,
  type SettledRenderOptions,
} from './render-workspace.js';
import { findExecutable, RendererFailure, runRenderer } from './run-renderer.js';
import type { HelmSource, RenderedFile } from './source.js';

/**
 * Render a chart with `helm template`, each object keeping the template it came from (helm writes a
 * `# Source: CHART/templates/FILE` line before each document), as a path in the repository.
 *
 * `helm template` never contacts a cluster (no `--validate`: `lookup` returns an empty map, `.Capabilities` are
 * helm's defaults), and templates cannot read the environment (helm removes sprig's `env` and `expandenv`).
 * Dependencies must be vendored under the chart's charts/: nothing is downloaded.
 */
export async function renderHelm(source: HelmSource, options: SettledRenderOptions): Promise<RenderedFile[]> {
  const target = source.path;
  const helm = options.binaries?.helm ?? findExecutable('helm', options.searchPath);
  if (!helm) {
    throw new RenderError(`rendering ${target} needs helm on PATH — add azure/setup-helm.`, target, 'helm');
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(source.release) || source.release.length > 53) {
    throw new RenderError(
      `Rendering ${target} with helm: invalid release name '${source.release}': expected lower-case letters, digits and '-', at most 53 characters.`,
      target,
      'helm',
    );
  }
  const workspace = openRenderWorkspace(options);
  try {
    const chartDir = resolveInRepo(workspace.root, target, 'the chart folder', target, 'helm');
    if (!existsSync(join(chartDir, 'Chart.yaml'))) {
      throw new RenderError(`Rendering ${target} with helm: the folder holds no Chart.yaml.`, target, 'helm');
    }
    refuseMissingDependencies(chartDir, target);
    refuseLinksOutside(chartDir, workspace.root, target);
    const valuesFiles = source.valuesFiles.map((file) =>
      resolveInRepo(workspace.root, file, 'the values file', target, 'helm'),
    );
    const args = [
      'template',
      source.release,
      chartDir,
      `--namespace=${source.namespace}`,
      // Test hooks run only under `helm test`: they are not what an install or upgrade deploys.
      '--skip-tests',
      ...valuesFiles.map((file) => `--values=${file}`),
      ...source.set.map((value) => `--set=${value}`),
    ];
    let output: string;
    try {
      output = await runRenderer({
        command: helm,
        args,
        cwd: workspace.dir,
        env: workspace.env,
        limits: options.limits,
      });
    } catch (error) {
      if (error instanceof RendererFailure) {
        // Paths as the repository names them, not as this machine does.
        const message = error.message
          .split(`${chartDir}/`)
          .join(`${target}/`)
          .split(chartDir)
          .join(target)
          .split(`${workspace.root}/`)
          .join('');
        throw new RenderError(`Rendering ${target} with helm failed: ${message}`, target, 'helm');
      }
      throw error;
    }
    const chartPath = repoRelative(workspace.root, chartDir);
    return splitHelmOutput(output).map(({ source: template, text }) => {
      const path = template ? templatePath(chartPath, template) : chartPath;
      return { path, text, origin: { path, via: 'template' } };
    });
  } finally {
    workspace.dispose();
  }
}

/** Documents of `helm template` output, each with the template its `# Source:` line names. */
export function splitHelmOutput(output: string): { source?: string; text: string }[] {
  const docs: { source?: string; text: string }[] = [];
  for (const raw of output.split(/^---[ \t]*$/m)) {
    const match = /^# Source: (.+)$/m.exec(raw);
    const text = raw.replace(/^\n/, '');
    if (text.replace(/^#.*$/gm, '').trim() === '') continue;
    docs.push(match ? { source: match[1]!.trim(), text } : { text });
  }
  return docs;
}

/**
 * `CHARTNAME/templates/x.yaml` → the file in the repository: the chart's name (which may differ from its
 * folder's) is replaced by the chart's path; a subchart's `CHARTNAME/charts/SUB/templates/x.yaml` lies under the
 * chart's charts/ folder (inside its archive when it is vendored as a .tgz).
 */
function templatePath(chartPath: string, source: string): string {
  const slash = source.indexOf('/');
  const rest = slash === -1 ? source : source.slice(slash + 1);
  return chartPath === '.' ? rest : `${chartPath}/${rest}`;
}

interface ChartDependency {
  name?: unknown;
  repository?: unknown;
}

/**
 * Every dependency the chart declares must be vendored under its charts/ folder (as a folder or a .tgz): helm
 * would otherwise have to download it, and rendering is offline. One error names them all.
 */
function refuseMissingDependencies(chartDir: string, target: string): void {
  const declared = [
    ...dependenciesIn(join(chartDir, 'Chart.yaml')),
    // apiVersion: v1 charts declare them in requirements.yaml.
    ...dependenciesIn(join(chartDir, 'requirements.yaml')),
  ];
  if (declared.length === 0) return;
  const vendored = vendoredCharts(join(chartDir, 'charts'));
  const missing = declared.filter((d) => typeof d.name === 'string' && !vendored.has(d.name));
  if (missing.length === 0) return;
  const names = missing.map((d) =>
    typeof d.repository === 'string' && d.repository !== ''
      ? `'${String(d.name)}' (from ${d.repository})`
      : `'${String(d.name)}'`,
  );
  throw new RenderError(
    `Rendering ${target} with helm: the chart's ${missing.length === 1 ? 'dependency' : 'dependencies'} ${names.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not vendored under ${target}/charts/. Rendering is offline: run \`helm dependency build ${target}\` and commit ${target}/charts/.`,
    target,
    'helm',
  );
}

function dependenciesIn(file: string): ChartDependency[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = parseYaml(readFileSync(file, 'utf8')) as { dependencies?: unknown } | null;
    return Array.isArray(parsed?.dependencies)
      ? parsed.dependencies.filter((d): d is ChartDependency => typeof d === 'object' && d !== null)
      : [];
  } catch {
    // helm reports an unreadable Chart.yaml itself, in its own words
    return [];
  }
}

/** Names of the charts under charts/: a folder's Chart.yaml name, or an archive's `NAME-VERSION.tgz`. */
function vendoredCharts(chartsDir: string): Set<string> {
  const names = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync(chartsDir);
  } catch {
    return names;
  }
  for (const entry of entries) {
    const path = join(chartsDir, entry);
    if (entry.endsWith('.tgz')) {
      // NAME-VERSION.tgz, where VERSION is semver (its first part digits): NAME may hold dashes itself.
      const match = /^(.+?)-v?\d+\.\d+\.\d+.*\.tgz$/.exec(entry);
      names.add(match ? match[1]! : entry.slice(0, -4));
    } else if (existsSync(join(path, 'Chart.yaml'))) {
      try {
        const chart = parseYaml(readFileSync(join(path, 'Chart.yaml'), 'utf8')) as { name?: unknown } | null;
        names.add(typeof chart?.name === 'string' ? chart.name : entry);
      } catch {
        names.add(entry);
      }
    }
  }
  return names;
}

/**
 * helm follows symbolic links when it loads a chart: a link to a file outside the repository would put that
 * file's content (a runner's credentials, say) within reach of `.Files.Get` and into the rendered output.
 */
function refuseLinksOutside(chartDir: string, root: string, target: string): void {
  const pending = [chartDir];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const dir = pending.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const info = lstatSync(path);
      if (info.isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = realpathSync(path);
        } catch {
          real = undefined;
        }
        if (real === undefined || !isInside(root, real)) {
          throw new RenderError(
            `Rendering ${target} with helm: ${repoRelative(root, path)} is a symbolic link to a file outside the repository; renderers read only the repository's files.`,
            target,
            'helm',
          );
        }
        if (isInGitFolder(root, real)) {
          throw new RenderError(
            `Rendering ${target} with helm: ${repoRelative(root, path)} is a symbolic link into the repository's .git folder, which renderers may not read.`,
            target,
            'helm',
          );
        }
        if (lstatSync(real).isDirectory() && !isInside(chartDir, real)) pending.push(real);
      } else if (info.isDirectory()) pending.push(path);
    }
  }
}
