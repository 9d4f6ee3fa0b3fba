import type { ManifestFile } from './manifests.js';

/** An object as a plan names it; `namespace` null for a cluster-scoped one. */
export interface NamedObject {
  namespace: string | null;
  name: string;
}

/**
 * Which manifest files a plan has to parse. A repository holds thousands of files and a change touches a few:
 * a file whose text both sides hold unchanged can only matter to the plan by defining config (ConfigMaps and
 * Secrets are all listed and diffed) or by naming a changed ConfigMap or one of its consumers (a reader, or a
 * second definition of one) in its namespace. Names and namespaces are written out literally: a file that
 * doesn't hold the name can't refer to the object, nor can a file that doesn't hold the namespace put anything
 * in it (but the default namespace, which objects without one take), unless a YAML or JSON escape spells them,
 * and files with escapes are read. The plan starts from the files that may define or change config, and
 * widens as it learns the names.
 */
export class PlanScope {
  private readonly shared: Set<string>;
  private readonly unread: Set<string>;

  constructor(
    private readonly base: readonly ManifestFile[],
    private readonly head: readonly ManifestFile[],
    private readonly options: { secrets: boolean; defaultNamespace: string },
  ) {
    const baseTexts = new Set(base.map((f) => f.text));
    this.shared = new Set(head.filter((f) => baseTexts.has(f.text)).map((f) => f.text));
    const definesConfig = options.secrets ? /ConfigMap|Secret/ : /ConfigMap/;
    this.unread = new Set([...this.shared].filter((t) => !definesConfig.test(t) && !escapes.test(t)));
  }

  /** The files of one side to parse now, in the order given (later definitions win, as in kubectl apply). */
  files(side: 'base' | 'head'): ManifestFile[] {
    return (side === 'base' ? this.base : this.head).filter((f) => !this.unread.has(f.text));
  }

  /** The files of one side whose text the other side doesn't hold. */
  changed(side: 'base' | 'head'): ManifestFile[] {
    return (side === 'base' ? this.base : this.head).filter((f) => !this.shared.has(f.text));
  }

  /** Read the unchanged files that may name any of these objects too; true when that adds any. */
  include(objects: Iterable<NamedObject>): boolean {
    const wanted = [...objects].filter((o) => o.name !== '');
    const names = (text: string) => (o: NamedObject) =>
      text.includes(o.name) &&
      (o.namespace === null || o.namespace === this.options.defaultNamespace || text.includes(o.namespace));
    let added = false;
    for (const text of this.unread) {
      if (!wanted.some(names(text))) continue;
      this.unread.delete(text);
      added = true;
    }
    return added;
  }

  /** How many files of the head, unchanged on both sides, the plan has not needed to parse. */
  get skipped(): number {
    return this.head.filter((f) => this.unread.has(f.text)).length;
  }
}

/**
 * Escapes that can spell a name's letters: `\x41`, `\u0041`, `\U00000041` (YAML double quotes and JSON), and
 * a backslash ending a line, which joins two lines of a double-quoted YAML string without a space.
 */
const escapes = /\\(?:[xuU]|\r?\n)/;
