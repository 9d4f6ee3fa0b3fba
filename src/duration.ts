import { InputError } from './sources/input-error.js';

/** Parse a duration like 90s, 10m, 1h, 500ms or plain seconds; `label` names the input in the error. */
export function parseDuration(label: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InputError(`Invalid ${label} "${value}": expected a duration like 90s or 10m.`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * scale;
}
