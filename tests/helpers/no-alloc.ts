/**
 * How the no-allocation tests measure (used by every "allocates nothing in steady state" test):
 *
 * 1. Warm up: run the code path until the JIT has compiled it and every pool is at its steady
 *    size (pools and lazily created parser states are allowed to allocate once).
 * 2. Force a full GC (node --expose-gc; vitest.config.ts passes it to the test workers).
 * 3. Read heapUsed, run the path many more times synchronously (nothing else can run on this
 *    thread meanwhile), read heapUsed again WITHOUT collecting, and count the GCs that V8 ran
 *    during the run (a PerformanceObserver on 'gc' entries).
 *
 * Allocating even a few bytes per event over a million events would fill the young generation
 * (16 MB semispaces) many times: heapUsed would grow by megabytes or scavenges would show up.
 * So "no GC during the run and heapUsed grew by less than a few KB" means the steady state does
 * not allocate per event or per block.
 */
import { PerformanceObserver } from 'node:perf_hooks';

export interface AllocationReport {
  heapDelta: number;
  gcCount: number;
  iterations: number;
}

export async function measureSteadyState(step: () => void, warmup: number, iterations: number): Promise<AllocationReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the tests with --expose-gc (vitest.config.ts sets it)');
  for (let i = 0; i < warmup; i++) step();
  gc();
  gc();
  let gcCount = 0;
  const obs = new PerformanceObserver((list) => {
    gcCount += list.getEntries().length;
  });
  obs.observe({ entryTypes: ['gc'] });
  // Let the observer settle so the forced GCs above are not counted.
  await new Promise((r) => setTimeout(r, 20));
  gcCount = 0;
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < iterations; i++) step();
  const after = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 20));
  obs.disconnect();
  return { heapDelta: after - before, gcCount, iterations };
}
