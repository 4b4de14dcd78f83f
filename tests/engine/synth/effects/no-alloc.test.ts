/**
 * Concept: the "process() never allocates" rule (style principle 6) checked on the send-bus effects.
 *
 * Method: measureSteadyState (tests/helpers/no-alloc.ts). V8 puts every new JS object, closure
 * or typed array in the young generation, so between two garbage collections `heapUsed` only grows
 * by what was allocated: after a warm-up (5 000 blocks, so the JIT has optimised process()) and a
 * full gc(), heapUsed is read around 20 000 blocks (213 s of audio at 48 kHz / 128), and the GCs
 * that ran meanwhile are counted; up to three such windows after a pause for the JIT's background
 * compilation, the cleanest counts (a process() that allocates per block does so in all of them).
 * Passing means no GC ran and heapUsed grew by less than 64 KB: even 16 bytes per block would be
 * 320 KB (or would trigger a scavenge and show up in the GC count). A canary that allocates one
 * small object per block must fail the same check, which shows the method can see allocation.
 * setParams() is not covered: it creates no objects, but V8 may box a few numbers on its
 * less-optimised paths, so it belongs to the control side (between blocks), not inside process().
 */
import { describe, expect, it } from 'vitest';
import { Chorus } from '../../../../engine/synth/effects/chorus.rt.js';
import { Reverb } from '../../../../engine/synth/effects/reverb.rt.js';
import { measureSteadyState } from '../../../helpers/no-alloc.js';
import { noise } from './measure.js';

const FS = 48000;
const BLOCK = 128;
const WARMUP_BLOCKS = 5000;
const MEASURED_BLOCKS = 20000;
const TOLERANCE_BYTES = 64 * 1024;

/** Heap growth and GCs over MEASURED_BLOCKS blocks after warm-up (tests/helpers/no-alloc.ts). */
async function measure(step: () => void): Promise<{ bytes: number; gcs: number }> {
  const r = await measureSteadyState(step, WARMUP_BLOCKS, MEASURED_BLOCKS);
  return { bytes: r.heapDelta, gcs: r.gcCount };
}

function effectStep(fx: { process(i: Float64Array, l: Float64Array, r: Float64Array, n: number): void }): () => void {
  const input = Float64Array.from(noise(BLOCK, 0.5));
  const L = new Float64Array(BLOCK);
  const R = new Float64Array(BLOCK);
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
