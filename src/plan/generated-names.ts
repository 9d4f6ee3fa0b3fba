import { diffConfigMap, type ConfigMapChange } from './configmap-diff.js';

/**
 * kustomize's configMapGenerator and secretGenerator name what they make `<name>-<hash>`: ten characters of the
 * content's hash, spelled without vowels so no word appears (sigs.k8s.io/kustomize/api/hasher: 0→g, 1→h, 3→k,
 * a→m, e→t). A content change makes a new name; its consumers are rewritten to it, so they roll by themselves.
 */
const hashSuffix = /^(.+)-([2456789bcdfghkmt]{10})$/;

/** A hash-suffixed ConfigMap (or Secret) that replaces another one of the same generator. */
export interface ConfigMapReplacement {
  /** The ref at the base (`ns/app-config-7h2k9mbf8g`). */
  from: string;
  /** The ref at the head. */
  to: string;
  /** The head's ConfigMap diffed key by key against the one it replaces: `modified`, with `replaces`. */
  change: ConfigMapChange;
}

/**
 * Pair each ConfigMap the change removes with the one it adds for the same generator (same kind, namespace and
 * name before the hash suffix), so a reviewer sees one ConfigMap whose keys changed. A name with more than one
 * candidate on either side is left unpaired: guessing would show the wrong diff.
 */
export function pairGeneratedNames(
  changes: readonly ConfigMapChange[],
  fingerprintKey?: string,
): ConfigMapReplacement[] {
  const generator = (c: ConfigMapChange) => {
    const match = hashSuffix.exec(c.name);
    return match ? `${c.kind}/${c.namespace}/${match[1]}` : undefined;
  };
  const group = (kind: ConfigMapChange['change']) => {
    const byGenerator = new Map<string, ConfigMapChange[]>();
    for (const c of changes) {
      const key = c.change === kind ? generator(c) : undefined;
      if (key) byGenerator.set(key, [...(byGenerator.get(key) ?? []), c]);
    }
    return byGenerator;
  };
  const removed = group('removed');
  const added = group('added');
  const pairs: ConfigMapReplacement[] = [];
  for (const [key, [old, ...moreOld]] of removed) {
    const [fresh, ...moreFresh] = added.get(key) ?? [];
    if (!old || !fresh || moreOld.length > 0 || moreFresh.length > 0) continue;
    const change = { ...diffConfigMap(old.base, fresh.head, fingerprintKey), replaces: old.ref };
    pairs.push({ from: old.ref, to: fresh.ref, change });
  }
  return pairs;
}

/**
 * The ConfigMaps a report lists: each replacement as the one modified ConfigMap it is (under its new name), the
 * ones it replaced left out. The plan's own list keeps both, since a merge creates the new one and keeps the old
 * one until its readers have rolled.
 */
export function reportedConfigMaps(
  configMaps: readonly ConfigMapChange[],
  replacements: readonly ConfigMapReplacement[],
): ConfigMapChange[] {
  const byNewRef = new Map(replacements.map((r) => [r.to, r.change]));
  const replaced = new Set(replacements.map((r) => r.from));
  return configMaps.filter((c) => !replaced.has(c.ref)).map((c) => byNewRef.get(c.ref) ?? c);
}
