import { isPlainObject } from './manifests.js';

/**
 * True when every field `desired` sets holds the same value in `live`. The API server adds defaults
 * (`imagePullPolicy`, `terminationMessagePath`, …) to what was applied, so an applied manifest is contained
 * in the live object rather than equal to it. Lists must match item by item.
 */
export function containsFields(live: unknown, desired: unknown): boolean {
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return false;
    return Object.entries(desired).every(([key, value]) =>
      // An explicit null or empty value in a manifest is the same as leaving the field out.
      value === null || isEmptyCollection(value)
        ? isAbsentOrEmpty(live[key]) || containsFields(live[key], value)
        : containsFields(live[key], value),
    );
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((item, i) => containsFields(live[i], item));
  }
  if (typeof desired === 'number' && typeof live === 'string') return String(desired) === live;
  if (typeof desired === 'string' && typeof live === 'number') return desired === String(live);
  return desired === live;
}

function isEmptyCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

function isAbsentOrEmpty(value: unknown): boolean {
  return value === undefined || value === null || isEmptyCollection(value);
}
