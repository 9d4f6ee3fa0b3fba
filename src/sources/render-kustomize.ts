import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parse as parseYaml,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';
import { RenderError } from './input-error.js';
import {
  isInGitFolder,
  isInside,
  openRenderWorkspace,
  repoRelative,
  resolveInRepo,
  type RenderWorkspace,
  type SettledRenderOptions,
} from './render-workspace.js';
import { findExecutable, RendererFailure, runRenderer } from './run-renderer.js';
import {
  kustomizationFileNames,
  type KustomizeSource,
  type ObjectOrigin,
  type RenderedFile,
} from './source.js';

/** kustomize's annotation naming the file each object came from (`buildMetadata: [originAnnotations]`). */
const originAnnotation = 'config.kubernetes.io/origin';
/** Its first line in kustomize's output: always a block scalar (its value ends with a newline). */
const originBlockStart = new RegExp(`^ {4}${originAnnotation.replace(/\./g, '\\.')}: \\|[-+]?$`);

/**
 * Render a kustomization as `kustomize build` does (the standalone `kustomize`, else `kubectl kustomize`), with
 * the origin of every object: the resource file it was read from, or for a generated object the kustomization
 * that configures the generator (with the generator's line and its env and data files).
 *
 * The origins come from kustomize itself, without touching the user's files: the build runs on a kustomization
 * of our own in a temporary folder that lists the target as its one resource and asks for origin annotations.
 * kustomize builds a listed folder exactly as it builds that folder on its own (its load restrictor rooted
 * there), so the output is the same but for those annotations, which are taken off again.
 */
export async function renderKustomize(
  source: KustomizeSource,
  options: SettledRenderOptions,
): Promise<RenderedFile[]> {
  const target = source.path;
  const command = kustomizeCommand(target, options);
  const helm = source.enableHelm ? helmForKustomize(target, options) : undefined;
  const workspace = openRenderWorkspace(options);
  try {
    const targetDir = resolveInRepo(workspace.root, target, 'the kustomization folder', target, 'kustomize');
    const kustomization = kustomizationFileNames.find((name) => existsSync(join(targetDir, name)));
    if (!kustomization) {
      throw new RenderError(
        `Rendering ${target} with kustomize: the folder holds no ${kustomizationFileNames.join(', ')}.`,
        target,
        'kustomize',
      );
    }
    const buildDir = join(workspace.dir, 'build');
    mkdirSync(buildDir);
    writeFileSync(
      join(buildDir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${JSON.stringify(relative(buildDir, targetDir))}`,
        'buildMetadata: [originAnnotations]',
        '',
      ].join('\n'),
    );
    const args = [
      ...command.prefix,
      buildDir,
      // The default, said out loud: a kustomization reads files only from its own folder and below. Plugins
      // and exec functions (--enable-alpha-plugins, --enable-exec) are never turned on.
      '--load-restrictor=LoadRestrictionsRootOnly',
      ...(helm ? ['--enable-helm', `--helm-command=${helm}`] : []),
    ];
    let output: string;
    try {
      output = await runRenderer({
        command: command.binary,
        args,
        cwd: workspace.dir,
        env: workspace.env,
        limits: options.limits,
      });
    } catch (error) {
      if (error instanceof RendererFailure) {
        throw new RenderError(
          `Rendering ${target} with kustomize failed: ${describeFailure(error.message, buildDir, targetDir, workspace)}`,
          target,
          'kustomize',
        );
      }
      throw error;
    }
    // A kustomization that asks for origin annotations itself gets them, as its own build would write them.
    const keepOrigins = asksForOrigins(join(targetDir, kustomization));
    const generators = new GeneratorIndex(workspace.root);
    const targetFile = repoRelative(workspace.root, join(targetDir, kustomization));
    return splitDocuments(output).map((doc) => {
      const { text, origin: raw } = takeOrigin(doc, keepOrigins ? targetDir : undefined, buildDir);
      // A kustomize that wrote no origin annotation (older ones have none): only the target is known.
      const origin: ObjectOrigin = raw
        ? toOrigin(raw, buildDir, workspace, target, generators, text)
        : { path: targetFile, via: 'target' };
      return { path: origin.path, text, origin };
    });
  } finally {
    workspace.dispose();
  }
}

interface KustomizeCommand {
  binary: string;
  /** `build` for kustomize, `kustomize` for kubectl. */
  prefix: string[];
}

function kustomizeCommand(target: string, options: SettledRenderOptions): KustomizeCommand {
  const explicit = options.binaries?.kustomize;
  if (explicit) return { binary: explicit, prefix: ['build'] };
  const standalone = findExecutable('kustomize', options.searchPath);
  if (standalone) return { binary: standalone, prefix: ['build'] };
  const kubectl = options.binaries?.kubectl ?? findExecutable('kubectl', options.searchPath);
  if (kubectl) return { binary: kubectl, prefix: ['kustomize'] };
  throw new RenderError(
    `rendering ${target} needs kustomize (or kubectl) on PATH — add a step that installs it (GitHub's hosted Ubuntu runners have both; elsewhere e.g. azure/setup-kubectl).`,
    target,
    'kustomize',
  );
}

function helmForKustomize(target: string, options: SettledRenderOptions): string {
  const helm = options.binaries?.helm ?? findExecutable('helm', options.searchPath);
  if (helm) return helm;
  throw new RenderError(
    `rendering ${target} needs helm on PATH (its kustomization inflates helmCharts) — add azure/setup-helm.`,
    target,
    'kustomize',
  );
}

/**
 * kustomize's message as a build of the target itself would print it: without the layer our kustomization adds
 * in front (`accumulating resources from '<target>' … recursed accumulation of path '<target>': `), and with
 * paths relative to the repository.
 */
function describeFailure(
  message: string,
  buildDir: string,
  targetDir: string,
  workspace: RenderWorkspace,
): string {
  const layer =
    `accumulating resources: accumulation err='accumulating resources from '${relative(buildDir, targetDir)}': ` +
    `'${targetDir}' must resolve to a file': recursed accumulation of path '${targetDir}': `;
  const own = message.startsWith(layer) ? message.slice(layer.length) : message;
  return own
    .split(`${workspace.root}/`)
    .join('')
    .split(buildDir)
    .join('<target>')
    .split(workspace.dir)
    .join('<temporary folder>');
}

function asksForOrigins(kustomizationFile: string): boolean {
  try {
    const k = parseYaml(readFileSync(kustomizationFile, 'utf8')) as { buildMetadata?: unknown } | null;
    return Array.isArray(k?.buildMetadata) && k.buildMetadata.includes('originAnnotations');
  } catch {
    return false;
  }
}

/** kustomize writes documents separated by `---` lines (the first without one). */
function splitDocuments(output: string): string[] {
  return output
    .split(/^---$/m)
    .map((doc) => doc.replace(/^\n/, ''))
    .filter((doc) => doc.trim() !== '');
}

interface RawOrigin {
  path?: string;
  configuredIn?: string;
  configuredBy?: { kind?: string };
  repo?: string;
}

/**
 * The origin annotation of one document of kustomize's output, and the document without it (or, when
 * `keepRelativeTo` is set, with its paths made relative to that folder, as a build of it would write them).
 *
 * kustomize writes objects in one fixed layout (kyaml): `metadata:` at column 0, `  annotations:` under it, each
 * annotation at 4 spaces and a block value at 6. The annotation is found in that place only, so a data value that
 * merely contains the same text is left alone.
 */
export function takeOrigin(
  doc: string,
  keepRelativeTo: string | undefined,
  buildDir: string,
): { text: string; origin?: RawOrigin } {
  const lines = doc.split('\n');
  const metadata = lines.indexOf('metadata:');
  if (metadata === -1) return { text: doc };
  let annotations = -1;
  for (let i = metadata + 1; i < lines.length && lines[i]!.startsWith(' '); i++) {
    if (lines[i] === '  annotations:') {
      annotations = i;
      break;
    }
  }
  if (annotations === -1) return { text: doc };
  let start = -1;
  let end = -1;
  for (let i = annotations + 1; i < lines.length && lines[i]!.startsWith('    '); i++) {
    if (start === -1 && originBlockStart.test(lines[i]!)) {
      start = i;
      end = i + 1;
      while (end < lines.length && (lines[end]!.startsWith('      ') || lines[end] === '')) end++;
      // A trailing empty line belongs to the document, not the block.
      while (end > start + 1 && lines[end - 1] === '') end--;
      break;
    }
  }
  if (start === -1) return { text: doc };
  const block = lines.slice(start + 1, end).map((line) => line.slice(6));
  const origin = parseYaml(block.join('\n')) as RawOrigin;
  if (keepRelativeTo !== undefined) {
    const rewritten = block.map((line) =>
      line.replace(
        /^(path|configuredIn): (.*)$/,
        (_, key: string, value: string) =>
          `${key}: ${relative(keepRelativeTo, resolve(buildDir, value.replace(/^"|"$/g, '')))}`,
      ),
    );
    lines.splice(start + 1, end - start - 1, ...rewritten.map((line) => `      ${line}`));
    return { text: lines.join('\n'), origin };
  }
  lines.splice(start, end - start);
  // Only our annotation was there: drop the emptied `annotations:` too.
  if (!(lines[annotations + 1] ?? '').startsWith('    ')) lines.splice(annotations, 1);
  return { text: lines.join('\n'), origin };
}

function toOrigin(
  raw: RawOrigin,
  buildDir: string,
  workspace: RenderWorkspace,
  target: string,
  generators: GeneratorIndex,
  text: string,
): ObjectOrigin {
  const outside = (path: string) =>
    new RenderError(
      `Rendering ${target} with kustomize: it reads ${path}, outside the repository; renderers read only the repository's files.`,
      target,
      'kustomize',
    );
  if (raw.repo) throw outside(raw.repo);
  const own = raw.configuredIn ?? raw.path;
  if (!own) {
    throw new RenderError(
      `Rendering ${target} with kustomize: an origin annotation names no file.`,
      target,
      'kustomize',
    );
  }
  const absolute = resolve(buildDir, own);
  // Both the path kustomize names and where its symbolic links lead: a linked base may lie outside.
  if (!isInside(workspace.root, absolute) || !isInside(workspace.root, realPath(absolute)))
    throw outside(absolute);
  const path = repoRelative(workspace.root, absolute);
  if (raw.configuredIn === undefined) return { path, via: 'resource' };
  const generator = generators.find(absolute, raw.configuredBy?.kind, objectName(text));
  const secret = generators
    .of(absolute)
    .flatMap((g) => g.inputs)
    .find((input) => isInGitFolder(workspace.root, realPath(resolve(workspace.root, input))));
  if (secret !== undefined) {
    throw new RenderError(
      `Rendering ${target} with kustomize: a generator in ${path} reads ${secret}, in the repository's .git folder, which renderers may not read.`,
      target,
      'kustomize',
    );
  }
  return {
    path,
    via: 'generator',
    ...(generator?.line !== undefined ? { line: generator.line } : {}),
    ...(generator && generator.inputs.length > 0 ? { inputs: generator.inputs } : {}),
  };
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function objectName(text: string): string {
  const object = parseYaml(text) as { metadata?: { name?: unknown } } | null;
  const name = object?.metadata?.name;
  return typeof name === 'string' ? name : '';
}

/** kustomization field → the builtin generator kind kustomize names in `configuredBy`. */
const generatorFields: Record<string, string> = {
  configMapGenerator: 'ConfigMapGenerator',
  secretGenerator: 'SecretGenerator',
  helmCharts: 'HelmChartInflationGenerator',
};

interface GeneratorEntry {
  kind: string;
  name: string;
  line: number;
  /** The env and data files it reads, repository-relative. */
  inputs: string[];
}

/** The generators of each kustomization file met, read once each. */
class GeneratorIndex {
  private readonly byFile = new Map<string, GeneratorEntry[]>();

  constructor(private readonly root: string) {}

  /**
   * The entry that generated `objectName`: of the generators of that kind, the one whose name is the longest
   * part of the object's name (overlays add prefixes and suffixes, the hash comes last).
   */
  find(kustomizationFile: string, kind: string | undefined, objectName: string): GeneratorEntry | undefined {
    const entries = this.of(kustomizationFile).filter((e) => kind === undefined || e.kind === kind);
    const matches = entries.filter((e) => e.name !== '' && objectName.includes(e.name));
    matches.sort((a, b) => b.name.length - a.name.length);
    return matches[0] ?? (entries.length === 1 ? entries[0] : undefined);
  }

  /** Every generator of a kustomization file. */
  of(file: string): GeneratorEntry[] {
    let entries = this.byFile.get(file);
    if (!entries) {
      entries = readGenerators(file, this.root);
      this.byFile.set(file, entries);
    }
    return entries;
  }
}

function readGenerators(file: string, root: string): GeneratorEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (!isMap(doc.contents)) return [];
  const dir = dirname(file);
  const entries: GeneratorEntry[] = [];
  for (const [field, kind] of Object.entries(generatorFields)) {
    const list = doc.contents.get(field, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      const name = scalarString(item.get('name', true));
      const at = item.range?.[0] ?? 0;
      const inputs = [...stringList(item.get('envs', true)), ...stringList(item.get('env', true))]
        .concat(stringList(item.get('files', true)).map((spec) => spec.slice(spec.indexOf('=') + 1)))
        .concat(kind === 'HelmChartInflationGenerator' ? stringList(item.get('valuesFile', true)) : [])
        .map((p) => resolve(dir, p))
        .filter((p) => isInside(root, p))
        .map((p) => repoRelative(root, p));
      entries.push({ kind, name, line: lineCounter.linePos(at).line, inputs });
    }
  }
  return entries;
}

function scalarString(node: unknown): string {
  return isScalar(node) && typeof node.value === 'string' ? node.value : '';
}

function stringList(node: unknown): string[] {
  if (isScalar(node)) return typeof node.value === 'string' ? [node.value] : [];
  if (!isSeq(node)) return [];
  return (node.items as YamlNode[]).map(scalarString).filter((s) => s !== '');
}
