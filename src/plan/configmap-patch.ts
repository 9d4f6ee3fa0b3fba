import { keyRecord, type ConfigMapSnapshot } from './configmaps.js';

/** Values of some keys of one ConfigMap; null means the key is absent. */
export type KeyValues = Record<string, { value: string; binary: boolean } | null>;

/** The values `keys` have in a snapshot (null where absent). */
export function valuesOf(snapshot: ConfigMapSnapshot | null | undefined, keys: Iterable<string>): KeyValues {
  const values: KeyValues = keyRecord();
  for (const key of keys) {
    if (snapshot && Object.hasOwn(snapshot.data, key))
      values[key] = { value: snapshot.data[key]!, binary: false };
    else if (snapshot && Object.hasOwn(snapshot.binaryData, key))
      values[key] = { value: snapshot.binaryData[key]!, binary: true };
    else values[key] = null;
  }
  return values;
}

/** JSON merge patch (RFC 7386) body that sets exactly these keys and removes the null ones; nothing else. */
export interface ConfigMapPatch {
  data?: Record<string, string | null>;
  binaryData?: Record<string, string | null>;
}

export function keyPatch(values: KeyValues): ConfigMapPatch {
  const data = keyRecord<string | null>();
  const binaryData = keyRecord<string | null>();
  for (const [key, v] of Object.entries(values)) {
    if (v === null) {
      data[key] = null;
      binaryData[key] = null;
    } else if (v.binary) {
      binaryData[key] = v.value;
      data[key] = null;
    } else {
      data[key] = v.value;
      binaryData[key] = null;
    }
  }
  return { data, binaryData };
}

export function sameValues(a: KeyValues, b: KeyValues): boolean {
  return Object.keys(a).every((k) => {
    const x = a[k];
    const y = b[k];
    return x === null || x === undefined
      ? y === null || y === undefined
      : !!y && x.value === y.value && x.binary === y.binary;
  });
}
