/**
 * Concept: the "process() never allocates" rule (style principle 6) checked on the send-bus effects.
 *
 * Method. V8 puts every new JS object, closure or typed array in the young generation, so between
 * two garbage collections `heapUsed` only grows by what was allocated. We:
 *   1. get a real gc(): `global.gc` when node runs with --expose-gc, otherwise we turn the flag on
 *      at run time (v8.setFlagsFromString) and fetch gc from a fresh context (vm.runInNewContext);
 *   2. warm up (thousands of blocks, so the JIT has finished optimising process());
 *   3. gc(), let pending GC notifications drain, read heapUsed, run 20 000 blocks (213 s of audio
 *      at 48 kHz / 128), read heapUsed again, and count the GCs that PerformanceObserver reports
 *      for that stretch.
 *   4. up to three such windows after a pause for the JIT's background compilation; the cleanest
 *      counts (a process() that allocates per block does so in all of them).
 * Passing means no GC ran and heapUsed grew by less than 64 KB: even 16 bytes per block would be
 * 320 KB (or would trigger a scavenge and show up in the GC count). A canary that allocates one
 * small object per block must fail the same check, which shows the method can see allocation.
 * setParams() is not covered: it creates no objects, but V8 may box a few numbers on its
 * less-optimised paths, so it belongs to the control side (between blocks), not inside process().
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Chorus } from '../../../../engine/synth/effects/chorus.rt.js';
import { Reverb } from '../../../../engine/synth/effects/reverb.rt.js';
import { noise } from './measure.js';

const FS = 48000;
const BLOCK = 128;
const WARMUP_BLOCKS = 5000;
const MEASURED_BLOCKS = 20000;
const TOLERANCE_BYTES = 64 * 1024;

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `step` MEASURED_BLOCKS times after warm-up; returns heap growth and GCs seen meanwhile, the
 * cleanest of up to three windows (see measureSteadyState in tests/helpers/no-alloc.ts: on a
 * loaded machine TurboFan may still be compiling when the first window starts).
 */
async function measure(step: () => void): Promise<{ bytes: number; gcs: number }> {
  const gc = getGc();
  for (let i = 0; i < WARMUP_BLOCKS; i++) step();
  let best: { bytes: number; gcs: number } | null = null;
  for (let round = 0; round < 3; round++) {
    await sleep(100); // let background compilation finish
    for (let i = 0; i < 500; i++) step();
    let gcs = 0;
    let counting = false;
    const obs = new PerformanceObserver((list) => {
      if (counting) gcs += list.getEntries().length;
    });
    obs.observe({ entryTypes: ['gc'] });
    gc();
    await sleep(20); // deliver the notification of our own gc() before counting starts
    counting = true;
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < MEASURED_BLOCKS; i++) step();
    const after = process.memoryUsage().heapUsed;
    await sleep(20); // deliver notifications of GCs that ran inside the loop
    counting = false;
    obs.disconnect();
    const r = { bytes: after - before, gcs };
    if (best === null || r.gcs < best.gcs || (r.gcs === best.gcs && r.bytes < best.bytes)) best = r;
    if (r.gcs === 0 && r.bytes < TOLERANCE_BYTES) break;
  }
  return best as { bytes: number; gcs: number };
}

function effectStep(fx: { process(i: Float32Array, l: Float32Array, r: Float32Array, n: number): void }): () => void {
  const input = noise(BLOCK, 0.5);
  const L = new Float32Array(BLOCK);
  const R = new Float32Array(BLOCK);
  return () => {
    L.fill(0);
    R.fill(0);
    fx.process(input, L, R, BLOCK);
  };
}

describe('send-bus effects do not allocate in process()', () => {
  it('the method detects a canary that allocates 1 small object per block', async () => {
    const sink: { v: number }[] = [{ v: 0 }];
    const { bytes, gcs } = await measure(() => {
      sink[0] = { v: sink[0].v + 1 };
    });
    expect(gcs > 0 || bytes > TOLERANCE_BYTES).toBe(true);
  });

  it('Reverb.process', async () => {
    const rv = new Reverb(FS, BLOCK);
    rv.setParams({ reverbTimeMs: 2500, highFreqRtRatio: 0.4 });
    const { bytes, gcs } = await measure(effectStep(rv));
    expect(gcs).toBe(0);
    expect(bytes).toBeLessThan(TOLERANCE_BYTES);
  });

  it('Chorus.process', async () => {
    const ch = new Chorus(FS, BLOCK);
    ch.setParams({ depthMs: 3, feedback: 0.5 });
    const { bytes, gcs } = await measure(effectStep(ch));
    expect(gcs).toBe(0);
    expect(bytes).toBeLessThan(TOLERANCE_BYTES);
  });
});
