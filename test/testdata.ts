// Fixtures as files, gitops-engine style: test/testdata/<kind>-<state>.yaml, read the way the planner reads
// manifests, and one assert helper that names the fixture when it fails.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { collectConfigMaps, collectSecrets, type ConfigMapSnapshot } from '../src/plan/configmaps.js';
import { parseManifests, type KubeObject, type ManifestObject } from '../src/plan/manifests.js';

const folder = new URL('./testdata/', import.meta.url);

function text(file: string): string {
  return readFileSync(new URL(file, folder), 'utf8');
}

/** The Kubernetes objects of a fixture, as parseManifests finds them (namespace `default` when none is set). */
export function testdataObjects(file: string): ManifestObject[] {
  const parsed = parseManifests([{ path: file, text: text(file) }], { defaultNamespace: 'default' });
  if (parsed.errors.length > 0) throw new Error(`${file}: ${JSON.stringify(parsed.errors)}`);
  return parsed.objects;
}

/** The one object of a fixture, as its body. */
export function testdataObject(file: string): KubeObject {
  const [object, ...more] = testdataObjects(file);
  if (!object || more.length > 0) throw new Error(`${file}: expected one object`);
  return object.body;
}

/**
 * The one ConfigMap (or Secret) of a fixture as a snapshot. `live` reads it as the cluster's copy, which has no
 * place in the manifests.
 */
export function testdataSnapshot(file: string, options: { live?: boolean } = {}): ConfigMapSnapshot {
  const objects = testdataObjects(file);
  const collected = objects[0]?.kind === 'Secret' ? collectSecrets(objects) : collectConfigMaps(objects);
  const [snapshot, ...more] = collected.byRef.values();
  if (!snapshot || more.length > 0) throw new Error(`${file}: expected one ConfigMap or Secret`);
  return options.live ? { ...snapshot, source: null } : snapshot;
}

/** A fixture that is plain data (an apply result, say), not Kubernetes objects. */
export function testdataValue<T>(file: string): T {
  return parse(text(file)) as T;
}

/** The one assert: what `judge` makes of a fixture equals `expected`, exactly; a failure names the fixture. */
export function expectTestdata<T>(file: string, judge: (file: string) => T, expected: T): void {
  expect(judge(file), `testdata/${file}`).toEqual(expected);
}
