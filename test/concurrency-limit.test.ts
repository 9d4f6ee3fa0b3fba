import { describe, expect, it } from 'vitest';
import { limiter } from '../src/concurrency-limit.js';

describe('limiter', () => {
  it('runs at most n calls at once, all of them, in the order they came', async () => {
    const slot = limiter(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        slot(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('frees the slot of a call that fails', async () => {
    const slot = limiter(1);
    await expect(slot(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(slot(() => Promise.resolve('yes'))).resolves.toBe('yes');
  });
});
