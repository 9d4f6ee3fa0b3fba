/** Run bodies at most `n` at a time: tests that mostly wait, on a shared 2-core machine and cluster. */
export function limiter(n: number): <T>(body: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (body) => {
    while (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await body();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
