import { posix } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { FileTree, PathKind } from './file-tree.js';
import { kustomizationFileNames } from './source.js';
import type { SourceInputs, UnreadableInput, UntrackedInput } from './source-inputs.js';

/**
 * Every file `kustomize build DIR` can read, found in the kustomization files themselves (nothing is rendered):
 * the kustomizations its resources and components lead to, and the files they name — patches, generators'
 * env and data files, replacements, CRDs, OpenAPI schemas, transformer configurations, plugin configs and the
 * files those name, chart homes and values files. Paths are relative to the kustomization naming them, as
 * kustomize reads them (field names: sigs.k8s.io/kustomize/api/types/kustomization.go).
 */
export function kustomizationInputs(dir: string, tree: FileTree): SourceInputs {
  const graph = new KustomizationGraph(tree);
  graph.visitTarget(dir);
  return graph.inputs();
}

/**
 * Where entries are read: the file naming them and the folder their paths are relative to. `configsFor` is set
 * inside a kustomization listed under `transformers:` (or generators, validators): its resources are plugin
 * configs, and kustomize reads the paths in them relative to the kustomization that listed it.
 */
interface Place {
  file: string;
  dir: string;
  configsFor?: string;
}

type Entry = Record<string, unknown>;

/**
 * How a named path is read: a resource is a file of objects or a folder holding a kustomization; a plugin is a
 * file of plugin configs or a folder holding a kustomization that makes them; data is read as it is (a file,
 * or every file in a folder, as a generator's `files` allow).
 */
type Follow = 'resource' | 'plugin' | 'data';

type FieldReader = (graph: KustomizationGraph, value: unknown, at: Place, field: string) => void;

const each =
  (follow: Follow): FieldReader =>
  (graph, value, at, field) => {
    for (const entry of graph.paths(value, at, field)) graph.follow(entry, at, follow);
  };

const plugins: FieldReader = (graph, value, at, field) => {
  for (const entry of graph.paths(value, at, field)) graph.fileOrInline(entry, at, 'plugin');
};

const patches: FieldReader = (graph, value, at, field) => {
  for (const patch of graph.entries(value, at, field)) graph.optionalPath(patch.path, at, `${field}[].path`);
};

const generators: FieldReader = (graph, value, at, field) => {
  for (const generator of graph.entries(value, at, field)) graph.generatorSources(generator, at);
};

const replacements: FieldReader = (graph, value, at, field) => {
  for (const replacement of graph.entries(value, at, field))
    graph.optionalPath(replacement.path, at, `${field}[].path`);
};

/**
 * Kustomization field → what its entries name. Fields left out name no files (images, labels, literals,
 * inline patches, …); the Helm fields are read together, by `helmCharts`.
 */
const kustomizationFields: Record<string, FieldReader> = {
  resources: each('resource'),
  // The deprecated name of resources.
  bases: each('resource'),
  components: each('resource'),
  crds: each('data'),
  configurations: each('data'),
  generators: plugins,
  transformers: plugins,
  validators: plugins,
  patches,
  patchesJson6902: patches,
  patchesStrategicMerge: (graph, value, at, field) => {
    for (const entry of graph.paths(value, at, field)) graph.fileOrInline(entry, at, 'patch');
  },
  configMapGenerator: generators,
  secretGenerator: generators,
  replacements,
  openapi: (graph, value, at, field) => {
    if (isEntry(value)) graph.optionalPath(value.path, at, `${field}.path`);
  },
};

/**
 * Builtin plugin kind → the files its config names (relative to the kustomization listing the config). Other
 * kinds are exec or KRM function plugins, which config-rollout never enables: their build fails and says so.
 */
const builtinPlugins: Record<string, (graph: KustomizationGraph, config: Entry, at: Place) => void> = {
  ConfigMapGenerator: (graph, config, at) => graph.generatorSources(config, at),
  SecretGenerator: (graph, config, at) => graph.generatorSources(config, at),
  PatchTransformer: (graph, config, at) => graph.optionalPath(config.path, at, 'path'),
  PatchJson6902Transformer: (graph, config, at) => graph.optionalPath(config.path, at, 'path'),
  PatchStrategicMergeTransformer: (graph, config, at) =>
    kustomizationFields.patchesStrategicMerge!(graph, config.paths, at, 'paths'),
  ReplacementTransformer: (graph, config, at) => replacements(graph, config.replacements, at, 'replacements'),
  HelmChartInflationGenerator: (graph, config, at) =>
    graph.helmChart(config, nonEmpty(config.chartHome) ?? defaultChartHome, at),
};

/** kustomize's chart home when a kustomization names none. */
const defaultChartHome = 'charts';

class KustomizationGraph {
  private readonly kustomizations = new Set<string>();
  private readonly files = new Set<string>();
  private readonly folders = new Set<string>();
  private readonly untracked = new Map<string, UntrackedInput>();
  private readonly unreadable = new Map<string, UnreadableInput>();
  private readonly visited = new Set<string>();

  constructor(private readonly tree: FileTree) {}

  inputs(): SourceInputs {
    return {
      kustomizations: [...this.kustomizations].sort(),
      files: [...this.files].sort(),
      folders: [...this.folders].sort(),
      patterns: [],
      untracked: [...this.untracked.values()],
      unreadable: [...this.unreadable.values()],
    };
  }

  visitTarget(dir: string): void {
    const target = this.locate('.', dir);
    if (!target) return this.cannotRead(dir, 'outside the repository');
    this.visit(target.path);
  }

  /** A folder holding a kustomization, and everything it reads. */
  private visit(dir: string, configsFor?: string): void {
    const key = `${dir}\0${configsFor ?? ''}`;
    if (this.visited.has(key)) return;
    this.visited.add(key);
    this.kustomizations.add(dir);
    if (this.tree.kindOf(dir) !== 'folder') return this.cannotRead(dir, 'no such folder');
    const found = kustomizationFileNames
      .map((name) => this.locate(dir, name))
      .find((f) => f?.kind === 'file');
    if (!found) return this.cannotRead(dir, `holds no ${kustomizationFileNames.join(', ')}`);
    const file = found.path;
    // A kustomization file linked from elsewhere: its paths are still relative to this folder.
    if (posix.dirname(file) !== dir) this.files.add(file);
    const kustomization = this.readKustomization(file);
    if (!kustomization) return;
    const at: Place = { file, dir, ...(configsFor !== undefined ? { configsFor } : {}) };
    for (const [field, read] of Object.entries(kustomizationFields)) {
      const value = kustomization[field];
      if (value !== undefined && value !== null) read(this, value, at, field);
    }
    this.helmCharts(kustomization, at);
  }

  /** A path a kustomization names, read the way `follow` says. */
  follow(entry: string, at: Place, follow: Follow): void {
    const located = this.locate(at.dir, entry);
    const path = located?.path;
    const kind = located?.kind;
    if (path !== undefined && kind === 'folder') {
      if (follow === 'data') this.folders.add(path);
      else this.visit(path, follow === 'plugin' ? at.dir : at.configsFor);
      return;
    }
    if (path !== undefined && kind === 'file') {
      this.files.add(path);
      if (follow === 'plugin') this.pluginConfigs(path, at.dir);
      else if (follow === 'resource' && at.configsFor !== undefined) this.pluginConfigs(path, at.configsFor);
      return;
    }
    // kustomize tries a local file or folder first, and only then a remote one.
    if (looksRemote(entry)) return this.note(entry, at, 'remote');
    if (path === undefined) return this.note(entry, at, 'outside the repository');
    // Missing (its build fails today): whatever is created at or under it changes the build.
    this.folders.add(path);
  }

  /**
   * An entry that is either a path or, when no file is there, a document written inline (patchesStrategicMerge
   * tries the file first; transformers and generators accept inline configs too).
   */
  fileOrInline(entry: string, at: Place, as: 'patch' | 'plugin'): void {
    if (this.locate(at.dir, entry)?.kind === undefined) {
      const inline = inlineDocuments(entry);
      if (inline) {
        if (as === 'plugin')
          for (const config of inline) this.pluginConfig(config, { file: at.file, dir: at.dir });
        return;
      }
    }
    this.follow(entry, at, as === 'plugin' ? 'plugin' : 'data');
  }

  /** A field holding one path, when present. */
  optionalPath(value: unknown, at: Place, field: string): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'string') this.follow(value, at, 'data');
    else this.cannotRead(at.file, `'${field}' is not a path`);
  }

  /** The files of a ConfigMap or Secret generator: `files` (`[key=]path`), `envs` and the older `env`. */
  generatorSources(generator: Entry, at: Place): void {
    for (const spec of this.paths(generator.files, at, 'files'))
      this.follow(spec.slice(spec.indexOf('=') + 1), at, 'data');
    for (const env of this.paths(generator.envs, at, 'envs')) this.follow(env, at, 'data');
    this.optionalPath(generator.env, at, 'env');
  }

  /**
   * `helmCharts` (and the deprecated `helmChartInflationGenerator`): each chart is read from the chart home,
   * tracked whole, with its values files. A chart that is not there is pulled from its repo: out of reach.
   */
  private helmCharts(kustomization: Entry, at: Place): void {
    const charts = this.entries(kustomization.helmCharts, at, 'helmCharts');
    const legacy = this.entries(kustomization.helmChartInflationGenerator, at, 'helmChartInflationGenerator');
    if (charts.length + legacy.length === 0) return;
    // As kustomize converts the deprecated field: its last chartHome counts only when helmGlobals is absent.
    const globals = kustomization.helmGlobals;
    const home = isEntry(globals)
      ? nonEmpty(globals.chartHome)
      : legacy
          .map((chart) => nonEmpty(chart.chartHome))
          .filter((h) => h !== undefined)
          .pop();
    for (const chart of charts) this.helmChart(chart, home ?? defaultChartHome, at);
    for (const chart of legacy) {
      const { chartName: name, chartRepoUrl: repo, values: valuesFile } = chart;
      this.helmChart({ name, repo, valuesFile }, home ?? defaultChartHome, at);
    }
  }

  helmChart(chart: Entry, home: string, at: Place): void {
    const homePath = this.locate(at.dir, home)?.path;
    if (homePath === undefined) this.note(home, at, 'outside the repository');
    else this.folders.add(homePath);
    const name = nonEmpty(chart.name);
    const repo = nonEmpty(chart.repo);
    if (name && repo && homePath !== undefined && !this.locate(homePath, name)?.kind)
      this.note(`${repo} (chart ${name})`, at, 'remote');
    this.optionalPath(chart.valuesFile, at, 'valuesFile');
    for (const file of this.paths(chart.additionalValuesFiles, at, 'additionalValuesFiles'))
      this.follow(file, at, 'data');
  }

  /** A list of paths; anything else makes the kustomization unreadable (kustomize refuses it too). */
  paths(value: unknown, at: Place, field: string): string[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    this.cannotRead(at.file, `'${field}' is not a list of paths`);
    return [];
  }

  /** A list of mappings (patches, generators, charts); anything else makes the kustomization unreadable. */
  entries(value: unknown, at: Place, field: string): Entry[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every(isEntry)) return value;
    this.cannotRead(at.file, `'${field}' is not a list of mappings`);
    return [];
  }

  /**
   * Where `entry` (relative to `dir`) leads, and what is there: with symbolic links resolved when the tree
   * can (a change to the files behind a link shows under their own path), each link on the way kept as an
   * input too (pointing it elsewhere changes the build). Undefined when it leads outside the tree.
   */
  private locate(dir: string, entry: string): { path: string; kind: PathKind | undefined } | undefined {
    const path = within(dir, entry);
    if (path === undefined) return undefined;
    const kind = this.tree.kindOf(path);
    if (kind === undefined || !this.tree.realPath) return { path, kind };
    const real = this.tree.realPath(path);
    if (real === undefined) return undefined;
    if (real !== path) for (const link of this.linksOn(path)) this.files.add(link);
    return { path: real, kind };
  }

  /** The symbolic links on a path: each part whose real path is not its real parent's joined with its name. */
  private linksOn(path: string): string[] {
    const links: string[] = [];
    let parent = '.';
    let prefix = '';
    for (const part of path.split('/')) {
      prefix = prefix === '' ? part : `${prefix}/${part}`;
      const real = this.tree.realPath!(prefix);
      if (real !== posix.join(parent, part)) links.push(prefix);
      parent = real ?? prefix;
    }
    return links;
  }

  private readKustomization(file: string): Entry | undefined {
    const text = this.tree.readFile(file);
    if (text === undefined) return this.cannotRead(file, 'not readable');
    let kustomization: unknown;
    try {
      kustomization = parseYaml(text, { logLevel: 'error' });
    } catch (error) {
      return this.cannotRead(file, `not valid YAML: ${firstLine(error)}`);
    }
    // kustomize refuses an empty kustomization too.
    if (!isEntry(kustomization)) return this.cannotRead(file, 'not a mapping');
    return kustomization;
  }

  /** The builtin plugin configs in a file; their paths are relative to `dir`, the kustomization listing them. */
  private pluginConfigs(file: string, dir: string): void {
    const text = this.tree.readFile(file);
    if (text === undefined) return this.cannotRead(file, 'not readable');
    for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
      const [error] = doc.errors;
      if (error) return this.cannotRead(file, `not valid YAML: ${firstLine(error)}`);
      const config: unknown = doc.toJS();
      if (isEntry(config)) this.pluginConfig(config, { file, dir });
    }
  }

  private pluginConfig(config: Entry, at: Place): void {
    const read = typeof config.kind === 'string' ? builtinPlugins[config.kind] : undefined;
    read?.(this, config, at);
  }

  private note(reference: string, at: Place, why: UntrackedInput['why']): void {
    this.untracked.set(`${at.file}\0${reference}`, { reference, namedIn: at.file, why });
  }

  private cannotRead(path: string, reason: string): undefined {
    if (!this.unreadable.has(path)) this.unreadable.set(path, { path, reason });
    return undefined;
  }
}

/** `entry` relative to `dir`, normalised; undefined when it leads outside the tree (absolute, or above it). */
function within(dir: string, entry: string): string | undefined {
  if (posix.isAbsolute(entry) || /^[a-z]:[\\/]/i.test(entry)) return undefined;
  const path = posix.normalize(posix.join(dir, entry)).replace(/(.)\/+$/, '$1');
  return path === '..' || path.startsWith('../') ? undefined : path;
}

/**
 * kustomize's remote forms: a URL (https://, ssh://, oci://, …), go-getter's `git::…`, scp-like `git@host:…`,
 * or a path that starts with a host name (`github.com/org/repo//dir?ref=v1`).
 */
function looksRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    /^[a-z0-9]+::/i.test(entry) ||
    /^[\w.-]+@[\w.-]+:/.test(entry) ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?\//i.test(entry)
  );
}

/** The documents an entry holds when it is YAML written inline rather than a path (a path reads as a string). */
function inlineDocuments(entry: string): Entry[] | undefined {
  if (!entry.includes(':')) return undefined;
  const docs = parseAllDocuments(entry, { logLevel: 'error' });
  if (docs.some((doc) => doc.errors.length > 0)) return undefined;
  const configs = docs.map((doc) => doc.toJS() as unknown);
  return configs.every(isEntry) && configs.length > 0 ? configs : undefined;
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
