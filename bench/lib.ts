/** Shared helpers for benchmarks: percentiles, a ratio line, and a concurrent load loop. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Prints one result line in a fixed shape: name, value, baseline, ratio and the goal. */
export function report(name: string, value: string, baseline: string, ratio: number, goal: string, ok: boolean): void {
  console.log(`${name}: ${value} | baseline ${baseline} | ratio ${fmt(ratio, 2)}x | goal ${goal} ${ok ? 'MET' : 'NOT MET'}`);
}

/** Runs `fn` `total` times with `concurrency` in flight; returns per-call latencies (ms) and wall time. */
export async function load(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, wallMs: performance.now() - t0 };
}
