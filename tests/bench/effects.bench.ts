/**
 * Concept: benchmark of the send-bus effects (Reverb, Chorus). Purpose: measure the cost of one
 * 128-frame process() call at 48 kHz, as time per block and as a share of the block's real-time
 * budget (128 / 48000 s = 2.667 ms), and record it in docs/performance.md.
 *
 * Build and run from the repository root:
 *   npm run build:engine && node dist/tests/bench/effects.bench.js           # print the section
 *   npm run build:engine && node dist/tests/bench/effects.bench.js --write   # also update the doc
 *
 * Method: process.hrtime.bigint() around batches of 1000 blocks after a 3000-block warm-up (so the
 * JIT has optimised process()); 15 batches per case; the median batch gives the per-block figure
 * and the fastest/slowest batches show the spread. --write replaces only the section headed
 * "## Effects (reverb, chorus)" and leaves the rest of the file alone.
 */
import { Chorus } from '../../engine/synth/effects/chorus.rt.js';
import { Reverb } from '../../engine/synth/effects/reverb.rt.js';
import { machineLine, writePerformanceSection } from './perf-log.js';

const FS = 48000;
const FRAMES = 128;
const WARMUP = 3000;
const BATCH = 1000;
const BATCHES = 15;
const BUDGET_NS = (FRAMES / FS) * 1e9;
const HEADING = '## Effects (reverb, chorus)';

interface Effect {
  process(input: Float64Array, outL: Float64Array, outR: Float64Array, frames: number): void;
}

interface Result {
  name: string;
  medianNs: number;
  minNs: number;
  maxNs: number;
}

function bench(name: string, fx: Effect, input: Float64Array): Result {
  const L = new Float64Array(FRAMES);
  const R = new Float64Array(FRAMES);
  for (let i = 0; i < WARMUP; i++) fx.process(input, L, R, FRAMES);
  const perBlock: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) fx.process(input, L, R, FRAMES);
    const t1 = process.hrtime.bigint();
    perBlock.push(Number(t1 - t0) / BATCH);
  }
  // Keep the outputs observable so the work cannot be optimised away.
  if (Number.isNaN(L[0] + R[0])) throw new Error(`${name}: NaN output`);
  perBlock.sort((a, b) => a - b);
  return { name, medianNs: perBlock[BATCHES >> 1], minNs: perBlock[0], maxNs: perBlock[BATCHES - 1] };
}

/** A block of noise as the synth's float64 send bus carries it. */
function noiseBlock(): Float64Array {
  const x = new Float64Array(FRAMES);
  let s = 0x2545f491;
  for (let i = 0; i < FRAMES; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = 0.5 * ((s >>> 0) / 2147483648 - 1);
  }
  return x;
}

function main(): void {
  const noise = noiseBlock();
  const silence = new Float64Array(FRAMES);
  const results: Result[] = [];

  const rv = new Reverb(FS, FRAMES);
  results.push(bench('Reverb, defaults (1000 ms, mix -10 dB, HF ratio 0.5), noise in', rv, noise));
  const rvLong = new Reverb(FS, FRAMES);
  rvLong.setParams({ reverbTimeMs: 3000, highFreqRtRatio: 0.999 });
  results.push(bench('Reverb, 3000 ms, HF ratio 0.999, noise in', rvLong, noise));
  // Silence after a decayed tail: the flushes end the tail in zeros, and then silence skips the loop.
  const rvQuiet = new Reverb(FS, FRAMES);
  rvQuiet.setParams({ reverbTimeMs: 300 });
  const L = new Float64Array(FRAMES);
  const R = new Float64Array(FRAMES);
  for (let i = 0; i < 10; i++) rvQuiet.process(noise, L, R, FRAMES);
  for (let i = 0; i < (10 * FS) / FRAMES; i++) rvQuiet.process(silence, L, R, FRAMES);
  results.push(bench('Reverb, 300 ms, silent input after a decayed tail', rvQuiet, silence));

  const ch = new Chorus(FS, FRAMES);
  results.push(bench('Chorus, defaults (1.1 Hz, 1.6 ms, 16 ms, fb 0.25), noise in', ch, noise));
  const chWide = new Chorus(FS, FRAMES);
  chWide.setParams({ rateHz: 8, depthMs: 10, delayMs: 30, feedback: 0.9 });
  results.push(bench('Chorus, 8 Hz, 10 ms, 30 ms, fb 0.9, noise in', chWide, noise));

  const lines = [
    HEADING,
    '',
    machineLine(),
    `Cost of one process() call of ${FRAMES} frames at ${FS} Hz; the real-time budget of such a block is ${(BUDGET_NS / 1e6).toFixed(3)} ms.`,
    `Timing: process.hrtime.bigint() around ${BATCHES} batches of ${BATCH} blocks after ${WARMUP} warm-up blocks; median batch, with the fastest and slowest batch.`,
    'Reproduce: `npm run build:engine && node dist/tests/bench/effects.bench.js --write` (from the repository root).',
    '',
    '| case | µs / block (median) | min–max µs | % of real time | ns / frame |',
    '|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${(r.medianNs / 1000).toFixed(2)} | ${(r.minNs / 1000).toFixed(2)}–${(r.maxNs / 1000).toFixed(2)} | ${((100 * r.medianNs) / BUDGET_NS).toFixed(2)}% | ${(r.medianNs / FRAMES).toFixed(1)} |`,
    );
  }
  lines.push('');
  const section = lines.join('\n');
  process.stdout.write(`${section}\n`);

  if (process.argv.includes('--write')) process.stdout.write(`updated ${writePerformanceSection(HEADING, section)}\n`);
}

main();
