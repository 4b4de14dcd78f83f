/**
 * How the no-allocation tests measure.
 *
 * measureAllocations (the exact method, for the event path's own tests): V8's sampling heap
 * profiler, asked through the inspector to record every allocation (a sample every `interval`
 * bytes on average, with its stack) INCLUDING the objects a scavenge or a full GC has already
 * collected. So a GC during the run hides nothing, which heapUsed cannot promise: a scavenge in
 * the middle of the run makes "heap after − heap before" small or even negative while the code
 * allocates on every call. The count is statistical (Poisson, one sample per `interval` bytes),
 * but zero allocation gives zero samples, and 16 bytes per block over 20,000 blocks (320 KB) gives
 * about 10,000 samples at the default interval of 32 bytes: one boxed double per block cannot hide.
 * Only allocations made by `step` (below it on the stack) are counted; the inspector's own
 * messages and the test runner's timers are not.
 *
 * measureSteadyState (the coarse method, kept for the wave sink and ring tests):
 * 1. Warm up: run the code path until the JIT has compiled it and every pool is at its steady
 *    size (pools and lazily created parser states are allowed to allocate once).
 * 2. Force a full GC (node --expose-gc; vitest.config.ts passes it to the test workers).
 * 3. Read heapUsed, run the path many more times synchronously (nothing else can run on this
 *    thread meanwhile), read heapUsed again WITHOUT collecting, and count the GCs that V8 ran
 *    during the run (a PerformanceObserver on 'gc' entries).
 * 4. Up to three such windows, after a pause that lets the JIT's background compilation finish;
 *    the cleanest one is reported (a path that allocates per step allocates in all of them).
 * Allocating a few bytes per event over a million events fills the young generation many times:
 * heapUsed would grow by megabytes or scavenges would show up. It cannot see a few bytes per
 * block, which is what measureAllocations is for.
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';

export interface AllocationReport {
  heapDelta: number;
  gcCount: number;
  iterations: number;
}

/** What measureAllocations saw: bytes allocated below `step`, and where (heaviest first). */
export interface AllocationSamples {
  iterations: number;
  /** Bytes allocated by step() in all iterations (sampled: a multiple of the sampled sizes). */
  bytes: number;
  /** Allocation sites: the innermost frames (function:line) and their bytes, heaviest first. */
  sites: Array<{ stack: string; bytes: number }>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: ProfileNode[];
}
interface SamplingProfile {
  head: ProfileNode;
  samples: Array<{ size: number; nodeId: number }>;
}

/** A named function so the profile can tell the measured run's allocations from everything else. */
function measuredRun(step: () => void, iterations: number): void {
  for (let i = 0; i < iterations; i++) step();
}
/**
 * The warm-up and the measured run call measuredRun the same way, in chunks of CHUNK steps: one
 * long loop would be entered through on-stack replacement again when the measured run starts,
 * and that compilation's allocations (a few KB, once) would be counted as the step's.
 */
const CHUNK = 100;
function runChunks(step: () => void, iterations: number): void {
  for (let done = 0; done < iterations; done += CHUNK) measuredRun(step, Math.min(CHUNK, iterations - done));
}

export async function measureAllocations(step: () => void, warmup: number, iterations: number, interval = 32): Promise<AllocationSamples> {
  runChunks(step, warmup);
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    runChunks(step, iterations);
    const { profile } = (await session.post('HeapProfiler.getSamplingProfile')) as unknown as { profile: SamplingProfile };
    await session.post('HeapProfiler.stopSampling');
    // Keep the samples whose stack passes through measuredRun; name them by their last frames.
    const stackOf = new Map<number, string | null>();
    const walk = (n: ProfileNode, path: string[], inRun: boolean) => {
      const frame = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
      const here = inRun || n.callFrame.functionName === 'measuredRun';
      const p = here ? [...path, frame] : path;
      stackOf.set(n.id, here ? p.slice(-4).join(' < ') : null);
      for (const c of n.children) walk(c, p, here);
    };
    walk(profile.head, [], false);
    const sites = new Map<string, number>();
    let bytes = 0;
    for (const s of profile.samples) {
      const stack = stackOf.get(s.nodeId);
      if (!stack) continue;
      bytes += s.size;
      sites.set(stack, (sites.get(stack) ?? 0) + s.size);
    }
    return { iterations, bytes, sites: [...sites].map(([stack, b]) => ({ stack, bytes: b })).sort((a, b) => b.bytes - a.bytes) };
  } finally {
    session.disconnect();
  }
}

export async function measureSteadyState(step: () => void, warmup: number, iterations: number): Promise<AllocationReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the tests with --expose-gc (vitest.config.ts sets it)');
  for (let i = 0; i < warmup; i++) step();
  // Up to STEADY_ROUNDS measured windows, the first clean one wins. TurboFan compiles on a
  // background thread: on a loaded machine (the whole suite in parallel) it can still be compiling
  // when the first window starts, and until its code is installed the baseline code boxes every
  // double (bytes per step that are the JIT's, not the path's). The pause lets it finish. A path
  // that allocates per step shows it in every window, so the worst case is still caught.
  let best: AllocationReport | null = null;
  for (let round = 0; round < STEADY_ROUNDS; round++) {
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < Math.min(warmup, 1000); i++) step();
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
    const r: AllocationReport = { heapDelta: after - before, gcCount, iterations };
    if (best === null || r.gcCount < best.gcCount || (r.gcCount === best.gcCount && r.heapDelta < best.heapDelta)) best = r;
    if (r.gcCount === 0 && r.heapDelta / iterations < 1) break;
  }
  return best as AllocationReport;
}

/** Measured windows measureSteadyState tries before it reports the cleanest. */
const STEADY_ROUNDS = 3;
