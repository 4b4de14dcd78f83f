/**
 * Concept: the "process() never allocates" rule (style principle 6) checked on the send-bus effects.
 *
 * Method: measureAllocations (tests/helpers/no-alloc.ts), the exact one: after 5,000 warm-up
 * blocks (so the JIT has optimised process()), V8's sampling heap profiler records every
 * allocation made below the step for 20,000 blocks (213 s of audio at 48 kHz / 128), including
 * what a GC collected meanwhile, one sample per 32 bytes on average. Passing means under 20 KB in
 * all (1 byte a block): room for the sampling noise and a late compilation by the JIT or two (up to
 * a few KB, once), none for 16 bytes per block (320 KB). A canary that allocates one small object per block must fail the same check,
 * which shows the method sees allocation. (heapUsed before/after, the method this file used
 * first, reads the baseline JIT's boxing as allocation when the machine is loaded.)
 * setParams() is not covered: it creates no objects, but V8 may box a few numbers on its
 * less-optimised paths, so it belongs to the control side (between blocks), not inside process().
 */
import { describe, expect, it } from 'vitest';
import { Chorus } from '../../../../engine/synth/effects/chorus.rt.js';
import { Reverb } from '../../../../engine/synth/effects/reverb.rt.js';
import { measureAllocations } from '../../../helpers/no-alloc.js';
import { noise } from './measure.js';

const FS = 48000;
const BLOCK = 128;
const WARMUP_BLOCKS = 5000;
const MEASURED_BLOCKS = 20000;
const TOLERANCE_BYTES = MEASURED_BLOCKS;

/** Bytes allocated below `step` over MEASURED_BLOCKS blocks after warm-up, and where. */
async function measure(step: () => void): Promise<{ bytes: number; sites: Array<{ stack: string; bytes: number }> }> {
  const r = await measureAllocations(step, WARMUP_BLOCKS, MEASURED_BLOCKS);
  return { bytes: r.bytes, sites: r.sites };
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
    const { bytes } = await measure(() => {
      sink[0] = { v: sink[0].v + 1 };
    });
    expect(bytes).toBeGreaterThan(8 * TOLERANCE_BYTES);
  });

  it('Reverb.process', async () => {
    const rv = new Reverb(FS, BLOCK);
    rv.setParams({ reverbTimeMs: 2500, highFreqRtRatio: 0.4 });
    const { bytes, sites } = await measure(effectStep(rv));
    expect(bytes < TOLERANCE_BYTES ? [] : sites).toEqual([]);
  });

  it('Chorus.process', async () => {
    const ch = new Chorus(FS, BLOCK);
    ch.setParams({ depthMs: 3, feedback: 0.5 });
    const { bytes, sites } = await measure(effectStep(ch));
    expect(bytes < TOLERANCE_BYTES ? [] : sites).toEqual([]);
  });
});
