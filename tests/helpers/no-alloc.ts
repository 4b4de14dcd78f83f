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
 * There was a coarse method too (heapUsed before and after a run with no GC in between). It read
 * the baseline JIT's boxing as allocation whenever TurboFan had not installed its code yet, which
 * happens on a loaded machine (the whole suite in parallel), and failed CI once; every test uses
 * this one now. Where the profiler puts a site depends on what the JIT inlined, so tests bound
 * bytes per step (or compare two runs), never one named site.
 */
import { Session } from 'node:inspector/promises';

/** What measureAllocations saw: bytes allocated below `step`, and where (heaviest first). */
export interface AllocationSamples {
  /** Steps in the reported window. */
  iterations: number;
  /** Steps run in all, warm-ups and every window included (for tests that count side effects). */
  stepsRun: number;
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
  let stepsRun = warmup;
  // Up to WINDOWS measured windows, the cleanest reported. TurboFan compiles on a background
  // thread: on a loaded machine (the whole suite in parallel, CI) it can still be compiling when
  // the first window starts, and until its code is installed the less optimised tiers box doubles
  // (bytes that are the JIT's, not the path's: 27 KB once in CI, at a function's entry). The pause
  // lets it finish. A path that allocates per step allocates in every window, so it is still seen.
  let best: Omit<AllocationSamples, 'stepsRun'> | null = null;
  for (let w = 0; w < WINDOWS; w++) {
    if (w > 0) {
      await new Promise((r) => setTimeout(r, 100));
      runChunks(step, Math.min(warmup, 2000));
      stepsRun += Math.min(warmup, 2000);
    }
    const r = await sampleOnce(step, iterations, interval);
    stepsRun += iterations;
    if (best === null || r.bytes < best.bytes) best = r;
    if (r.bytes / iterations < 0.25) break;
  }
  return { ...(best as Omit<AllocationSamples, 'stepsRun'>), stepsRun };
}

/** Windows measureAllocations tries before it reports the cleanest. */
const WINDOWS = 3;

async function sampleOnce(step: () => void, iterations: number, interval: number): Promise<Omit<AllocationSamples, 'stepsRun'>> {
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

/**
 * A clock that allocates nothing, for RenderLoop's `clock` option: a small integer (a Smi, never a
 * heap number), one tick a read. The default clock, performance.now(), allocates about 5 bytes a
 * block (RenderLoopOptions.clock); with this one the rest of the loop can be shown to allocate nothing.
 */
export function smiClock(): () => number {
  let t = 0;
  return () => {
    t = (t + 1) & 0xffff;
    return t;
  };
}
