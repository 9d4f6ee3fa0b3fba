import type { ManifestFile } from './manifests.js';

/**
 * Which manifest files a plan has to parse. A repository holds thousands of files and a change touches a few:
 * a file whose text both sides hold unchanged can only matter to the plan by defining config (ConfigMaps and
 * Secrets are all listed and diffed) or by naming a changed ConfigMap or one of its consumers (a reader, or a
 * second definition of one). Names of Kubernetes objects are written out literally: a file that doesn't hold
 * the name can't refer to the object, unless a YAML or JSON escape spells it, and files with escapes are read.
 * The plan starts from the files that may define or change config, and widens as it learns the names.
 */
export class PlanScope {
  private readonly shared: Set<string>;
  private readonly unread: Set<string>;

  constructor(
    private readonly base: readonly ManifestFile[],
    private readonly head: readonly ManifestFile[],
    options: { secrets: boolean },
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

  /** Read the unchanged files that mention any of these names too; true when that adds any. */
  include(names: Iterable<string>): boolean {
    const wanted = [...new Set(names)].filter((n) => n !== '');
    let added = false;
    for (const text of this.unread) {
      if (!wanted.some((name) => text.includes(name))) continue;
      this.unread.delete(text);
      added = true;
    }
    return added;
  }

  /** Files both sides hold unchanged that the plan did not need (for the report). */
  get skipped(): number {
    return this.head.filter((f) => this.unread.has(f.text)).length;
  }
}

/**
 * Escapes that can spell a name's letters: `\x41`, `\u0041`, `\U00000041` (YAML double quotes and JSON), and
 * a backslash ending a line, which joins two lines of a double-quoted YAML string without a space.
 */
const escapes = /\\(?:[xuU]|\r?\n)/;
