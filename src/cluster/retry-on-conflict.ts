/** A write refused because the object changed since it was read (HTTP 409). */
export class ConflictError extends Error {}

/** How many times a write is re-read and tried again after a 409. */
export const maxConflictRetries = 5;

/**
 * Run `attempt` (which reads what it needs, then writes with a resourceVersion precondition) again after a
 * 409, up to `retries` more times; any other error, or the last 409, is thrown.
 */
export async function retryOnConflict<T>(
  attempt: (try_: number) => Promise<T>,
  options: { retries?: number; onConflict?: () => void } = {},
): Promise<T> {
  const retries = options.retries ?? maxConflictRetries;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof ConflictError) || n >= retries) throw error;
      options.onConflict?.();
    }
  }
}
