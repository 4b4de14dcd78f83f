/**
 * Concept: the synth's reverb on the CC91 send bus, driven by DirectMusic's Waves reverb parameters
 * (GUID_DMUS_PROP_WavesReverb, DMUS_WAVES_REVERB_PARAMS: fInGain dB, fReverbMix dB, fReverbTime ms,
 * fHighFreqRTRatio; reference §7.8). Purpose: turn the mono send bus into a decorrelated stereo
 * tail that is ADDED to the synth's output, without allocating on the render path.
 *
 * Algorithm: a Jot feedback delay network.
 *
 *   send ─ inGain ─ 4 series allpass diffusers ─┬─> + ─> line i (8 mutually prime delays) ─> damping_i ─┐
 *                                               │   ^                                                 │
 *                                               │   └──────── 8x8 Hadamard (orthonormal) <────────────┘
 *                                               │                 │ row 1 -> L, row 2 -> R
 *                                               └─ (all lines)    └─> x cOut x mix -> += outL / outR
 *
 * - Decay: each line ends in a one-pole low-pass y = b*x + a*y1 whose DC gain is exactly
 *   10^(-3 m / (T fs)) for its length m, so every recirculation path loses 60 dB in T seconds at low
 *   frequencies whatever route it takes (the Hadamard matrix is lossless). The pole is chosen so that
 *   at HF_REFERENCE_HZ the loss per pass is that of a reverb time ratio x T. So the RT60 is T at
 *   DC, ratio x T at 5 kHz, and in between it falls smoothly.
 * - Why 5 kHz: DirectMusic does not say at which frequency fHighFreqRTRatio applies. I3DL2/EAX's
 *   equivalent parameter (DecayHFRatio) is defined at HFReference = 5000 Hz by default; we use that.
 * - Diffusers: Dattorro's input diffusers (142/107/379/277 samples at 29761 Hz, gains .75/.625)
 *   smear each attack into a dense cloud before it enters the network, so the tail starts without
 *   flutter. They are outside the loop and do not change the decay time.
 * - Stereo: L and R are two different rows of the Hadamard matrix applied to the line outputs (the
 *   fast transform computes them anyway). The rows are orthogonal, so L and R share no direct path
 *   and their tails are nearly uncorrelated.
 * - Level: cOut is set so that, with mix 0 dB, T = 1000 ms and no HF damping, the impulse response
 *   has about unit energy per channel (a steady signal comes back at about its own power). Longer
 *   reverbs are louder, as in a room; fReverbMix is the wet level relative to that.
 * - Gains ramp linearly over GAIN_RAMP_MS after setParams (whatever the block size), so mix and
 *   gain moves do not click.
 *   Coefficient jumps of the one-pole filters are harmless and are applied at once.
 * - Denormals: no per-sample guard (it was a quarter of the loop's time). After a block of silent
 *   input, what that block wrote below 1e-30 is set to 0 (flushRing): in the diffusers while they
 *   ring down, in the lines once the whole tail is below 1e-20 (flushStates). A fading tail so
 *   ends in exact zeros and never turns into float32 subnormals, and once the network holds only
 *   zeros, silent blocks skip the loop (advanceSilent).
 *
 * Real time: the constructor allocates every buffer; process() only reads and writes typed arrays.
 */
import { clampParam, dbToGain, MIN_DB, nextPow2 } from './effect-math.rt.js';

/** DMUS_WAVES_REVERB_PARAMS as the synth passes it (every field optional, partial updates). */
export interface ReverbParams {
  inGainDb?: number;
  reverbMixDb?: number;
  reverbTimeMs?: number;
  highFreqRtRatio?: number;
}

/** The clamping ranges of the DirectSound Waves reverb (reference §7.8). */
export const REVERB_LIMITS = {
  inGainDb: { min: MIN_DB, max: 0 },
  reverbMixDb: { min: MIN_DB, max: 0 },
  reverbTimeMs: { min: 0.001, max: 3000 },
  highFreqRtRatio: { min: 0.001, max: 0.999 },
} as const;

/** DirectMusic's documented defaults (SDK ms808401). HF ratio 0.001 means "highs die at once". */
export const DIRECTMUSIC_REVERB_DEFAULTS = {
  inGainDb: 0,
  reverbMixDb: -10,
  reverbTimeMs: 1000,
  highFreqRtRatio: 0.001,
} as const;

/**
 * The synth's default: DirectMusic's, except the HF ratio. 0.001 (DirectMusic's value) gives a
 * 1 ms reverb time at 5 kHz, i.e. a tail that is only rumble below a few hundred hertz. 0.5 is a
 * warm hall (air absorption halves the RT60 around 4-5 kHz in real halls) and keeps the tail
 * audible on strings and pads. Hosts that want the literal DirectMusic behaviour pass
 * DIRECTMUSIC_REVERB_DEFAULTS. See docs/notes/effects.md.
 */
export const SYNTH_REVERB_DEFAULTS = {
  inGainDb: 0,
  reverbMixDb: -10,
  reverbTimeMs: 1000,
  highFreqRtRatio: 0.5,
} as const;

/** Frequency at which fHighFreqRTRatio is honoured exactly (I3DL2's default HFReference). */
export const HF_REFERENCE_HZ = 5000;

const LINE_COUNT = 8;
/** Target line lengths; each becomes the nearest unused prime number of samples at the rate. */
const LINE_MS = [29.3, 33.7, 38.9, 43.1, 47.9, 53.3, 59.3, 66.1] as const;
/** Dattorro's input diffusers: 142, 107, 379, 277 samples at 29761 Hz. */
const DIFFUSER_MS = [4.7713, 3.5953, 12.7348, 9.3075] as const;
const DIFFUSER_GAIN = [0.75, 0.75, 0.625, 0.625] as const;
const DIFFUSER_COUNT = 4;
/** Keeps the damping pole off 1 (a pure integrator would hold DC forever); still > 60 dB per pass at 5 kHz. */
const MAX_DAMPING_POLE = 0.9995;
/**
 * A block whose send input stays below this (about -400 dBFS: silence, or the last ulps of a
 * release) is a silent block: the flushes below may run after it.
 */
const SILENT_INPUT = 1e-20;
/**
 * The lines are flushed only once every damping state is below this. A line's values are at most
 * ~4000 times its state (the damping low-pass passes 5e-4 of the highest frequencies), so while a
 * state is above it, the network's values are far above the subnormal range; the Hadamard mixing
 * spreads energy over all lines every pass, so no line fades alone.
 */
const LINE_WATCH = 1e-20;
/**
 * Tail values below this are flushed to 0 in silent blocks. It is 10^8 above the smallest normal
 * float32 (1.2e-38): a tail's decay over one block, or one damping gain (at least 5e-4), cannot
 * carry a value from above it into the subnormal range before the next flush. (A sum that cancels
 * can land there, rarely and for one value, which that block's flush removes.)
 */
const FLUSH_BELOW = 1e-30;
/** Duration of the linear gain ramp after a setParams. */
const GAIN_RAMP_MS = 10;
/** 1/sqrt(8): makes the 8-point Walsh-Hadamard transform orthonormal (lossless). */
const HADAMARD_SCALE = 1 / Math.sqrt(8);
/** Share of the input sent to each line: 8 lines x (1/sqrt 8)^2 = unit energy into the network. */
const INJECT_GAIN = 1 / Math.sqrt(8);
/** 6 ln 10: the energy of an exponential decay of RT60 T is E0 * fs * T / ENERGY_DECAY_K. */
const ENERGY_DECAY_K = 6 * Math.LN10;
/**
 * Measured correction to that estimate (the first ~30 ms carry no tail yet, and the 5 kHz damping
 * still trims a little at ratio 0.999): it brings the measured impulse energy per channel at
 * 1000 ms, mix 0 dB, ratio 0.999 from 0.70 to 1.0 at 22.05 and 48 kHz.
 */
const OUTPUT_CALIBRATION = 1.195;

/**
 * The denormal guard of one set of rings, after a silent block: of the n values written from
 * position w0 in each of the `count` rings (ring k at offset[k], `mask` + 1 long), those below
 * FLUSH_BELOW become exactly 0. A decaying tail thus steps from at least FLUSH_BELOW straight to 0,
 * and no float32 subnormal (which some CPUs read and write a hundred times slower) is ever formed
 * from it. Returns true when all n values are now 0.
 */
function flushRing(buf: Float32Array, offset: Int32Array, count: number, mask: number, w0: number, n: number): boolean {
  let kept = 0;
  const m = Math.min(n, mask + 1);
  for (let k = 0; k < count; k++) {
    const o = offset[k];
    for (let i = 0; i < m; i++) {
      const j = o + ((w0 + i) & mask);
      const v = buf[j];
      if (v < FLUSH_BELOW && v > -FLUSH_BELOW) buf[j] = 0;
      else kept++;
    }
  }
  return kept === 0;
}

/** True when input[0, n) is all zeros (+0 or -0). */
function isSilent(input: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (input[i] !== 0) return false;
  return true;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

export class Reverb {
  readonly sampleRate: number;
  readonly maxFrames: number;

  /** All 8 delay lines in one buffer, line i at [i * lineSize, (i + 1) * lineSize). */
  private readonly lineBuf: Float32Array;
  private readonly lineMask: number;
  private readonly lineOffset: Int32Array;
  private readonly lineLength: Int32Array;
  private lineWrite = 0;
  /**
   * Samples, in a row, of silent blocks after which everything written to the lines (and the
   * damping states) was exactly 0; at or past the ring's size every line holds only zeros.
   */
  private lineZeroRun = 0;
  /** The same for the diffusers. */
  private diffZeroRun = 0;
  /** run()'s largest |input| of the block (a typed array: a double field store could box). */
  private readonly inPeak = new Float64Array(1);
  /** Damping filter per line: y = dampB * x + dampA * state. */
  private readonly dampB: Float64Array;
  private readonly dampA: Float64Array;
  private readonly dampState: Float64Array;

  private readonly diffBuf: Float32Array;
  private readonly diffMask: number;
  private readonly diffOffset: Int32Array;
  private readonly diffLength: Int32Array;
  private readonly diffGain: Float64Array;
  private diffWrite = 0;

  /** Output scale for unit impulse-response energy at 1000 ms (see header). */
  private readonly outScale: number;

  private inGainDb: number = SYNTH_REVERB_DEFAULTS.inGainDb;
  private reverbMixDb: number = SYNTH_REVERB_DEFAULTS.reverbMixDb;
  private reverbTimeMs: number = SYNTH_REVERB_DEFAULTS.reverbTimeMs;
  private highFreqRtRatio: number = SYNTH_REVERB_DEFAULTS.highFreqRtRatio;
  /** Gains in use, their targets, and the linear ramp between them (steps per sample, samples left). */
  private inGain = 1;
  private outGain = 0;
  private inGainTarget = 1;
  private outGainTarget = 0;
  private inGainStep = 0;
  private outGainStep = 0;
  private rampLeft = 0;
  private readonly rampLength: number;
  /** True until the first process() after construction or reset(): parameter changes apply at once. */
  private fresh = true;

  /** Allocates every delay line for `sampleRate`. maxFrames is the largest block process() will get. */
  constructor(sampleRate: number, maxFrames: number) {
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError(`Reverb: bad sample rate ${sampleRate}`);
    if (!(maxFrames > 0)) throw new RangeError(`Reverb: bad maxFrames ${maxFrames}`);
    this.sampleRate = sampleRate;
    this.maxFrames = maxFrames | 0;

    this.lineLength = new Int32Array(LINE_COUNT);
    let prev = 1;
    let longest = 1;
    let totalSamples = 0;
    for (let i = 0; i < LINE_COUNT; i++) {
      // Distinct primes are mutually prime: no two lines share a resonance (no metallic ringing).
      let n = Math.max(prev + 1, Math.round((LINE_MS[i] * sampleRate) / 1000));
      while (!isPrime(n)) n++;
      this.lineLength[i] = n;
      prev = n;
      longest = n;
      totalSamples += n;
    }
    const lineSize = nextPow2(longest + 1);
    this.lineMask = lineSize - 1;
    this.lineBuf = new Float32Array(lineSize * LINE_COUNT);
    this.lineOffset = new Int32Array(LINE_COUNT);
    for (let i = 0; i < LINE_COUNT; i++) this.lineOffset[i] = i * lineSize;
    this.dampB = new Float64Array(LINE_COUNT);
    this.dampA = new Float64Array(LINE_COUNT);
    this.dampState = new Float64Array(LINE_COUNT);

    this.diffLength = new Int32Array(DIFFUSER_COUNT);
    this.diffGain = new Float64Array(DIFFUSER_COUNT);
    let diffLongest = 1;
    for (let i = 0; i < DIFFUSER_COUNT; i++) {
      const n = Math.max(1, Math.round((DIFFUSER_MS[i] * sampleRate) / 1000));
      this.diffLength[i] = n;
      if (n > diffLongest) diffLongest = n;
    }
    const diffSize = nextPow2(diffLongest + 1);
    this.diffMask = diffSize - 1;
    this.lineZeroRun = lineSize;
    this.diffZeroRun = diffSize;
    this.diffBuf = new Float32Array(diffSize * DIFFUSER_COUNT);
    this.diffOffset = new Int32Array(DIFFUSER_COUNT);
    for (let i = 0; i < DIFFUSER_COUNT; i++) this.diffOffset[i] = i * diffSize;

    // Unit energy enters the network; a line then holds E/M per sample (M = total delay) and an
    // output row of the orthonormal matrix carries one line's power. Energy of the decay at T = 1 s
    // is fs * 1 / (K * M) per unit tap gain; outScale makes it 1.
    this.outScale = OUTPUT_CALIBRATION * Math.sqrt((ENERGY_DECAY_K * totalSamples) / sampleRate);

    this.rampLength = Math.max(1, Math.round((GAIN_RAMP_MS * sampleRate) / 1000));
    this.updateDamping();
    this.updateGains();
    this.snapGains();
  }

  /**
   * DMUS_WAVES_REVERB_PARAMS semantics; each field is clamped to the Waves reverb range and absent
   * fields are left as they are. Gains at -96 dB mute. Control side, between blocks: it creates no
   * objects, but unlike process() it is not held to zero heap growth (V8 may box numbers here).
   */
  setParams(p: ReverbParams): void {
    const L = REVERB_LIMITS;
    this.inGainDb = clampParam(p.inGainDb, L.inGainDb.min, L.inGainDb.max, this.inGainDb);
    this.reverbMixDb = clampParam(p.reverbMixDb, L.reverbMixDb.min, L.reverbMixDb.max, this.reverbMixDb);
    const t = clampParam(p.reverbTimeMs, L.reverbTimeMs.min, L.reverbTimeMs.max, this.reverbTimeMs);
    const r = clampParam(p.highFreqRtRatio, L.highFreqRtRatio.min, L.highFreqRtRatio.max, this.highFreqRtRatio);
    if (t !== this.reverbTimeMs || r !== this.highFreqRtRatio) {
      this.reverbTimeMs = t;
      this.highFreqRtRatio = r;
      this.updateDamping();
    }
    this.updateGains();
    if (this.fresh) {
      this.snapGains();
    } else {
      this.inGainStep = (this.inGainTarget - this.inGain) / this.rampLength;
      this.outGainStep = (this.outGainTarget - this.outGain) / this.rampLength;
      this.rampLeft = this.rampLength;
    }
  }

  /** Copies the parameters in effect (after clamping) into `out`; creates no objects. */
  readParams(out: Required<ReverbParams>): void {
    out.inGainDb = this.inGainDb;
    out.reverbMixDb = this.reverbMixDb;
    out.reverbTimeMs = this.reverbTimeMs;
    out.highFreqRtRatio = this.highFreqRtRatio;
  }

  /** Clears the tail (all delay lines, diffusers and filter states) and ends any gain ramp. */
  reset(): void {
    this.lineBuf.fill(0);
    this.diffBuf.fill(0);
    this.dampState.fill(0);
    this.lineWrite = 0;
    this.diffWrite = 0;
    this.lineZeroRun = this.lineMask + 1;
    this.diffZeroRun = this.diffMask + 1;
    this.snapGains();
    this.fresh = true;
  }

  /**
   * Renders `frames` samples of the mono send bus `input` and ADDS the wet stereo result to outL and
   * outR (it never overwrites them). frames <= maxFrames. Never allocates.
   */
  process(input: Float64Array, outL: Float64Array, outR: Float64Array, frames: number): void {
    const n = frames | 0;
    if (n <= 0) return;
    this.fresh = false;
    if (this.lineZeroRun > this.lineMask && this.diffZeroRun > this.diffMask && isSilent(input, n)) {
      this.advanceSilent(n);
      return;
    }
    const lw0 = this.lineWrite;
    const dw0 = this.diffWrite;
    this.run(input, outL, outR, n);
    const inPeak = this.inPeak[0];
    // A NaN input (never sent by the synth) leaves inPeak as it was, so its block counts as silent:
    // the flush keeps NaN values (they fail both comparisons) and resets the zero-run counters.
    if (!(inPeak < SILENT_INPUT)) {
      this.lineZeroRun = 0;
      this.diffZeroRun = 0;
      return;
    }
    // The diffusers hear only the input and ring down within about a second; once they hold only
    // zeros, an all-zero input keeps them so and they need no look.
    if (inPeak !== 0 || this.diffZeroRun <= this.diffMask) {
      // Counts stop at the ring size (all it needs to know), so they stay small integers.
      if (flushRing(this.diffBuf, this.diffOffset, DIFFUSER_COUNT, this.diffMask, dw0, n)) this.diffZeroRun = Math.min(this.diffZeroRun + n, this.diffMask + 1);
      else this.diffZeroRun = 0;
    }
    if (this.flushStates()) {
      if (flushRing(this.lineBuf, this.lineOffset, LINE_COUNT, this.lineMask, lw0, n)) this.lineZeroRun = Math.min(this.lineZeroRun + n, this.lineMask + 1);
      else this.lineZeroRun = 0;
    } else this.lineZeroRun = 0;
  }

  /**
   * The per-sample loop over n frames; it leaves the block's largest |input| in inPeak[0]. Kept
   * apart from process(), whose rare branches (a first silent block, a flush) may make V8 drop and
   * recompile its code: this loop's optimised code survives them.
   */
  private run(input: Float64Array, outL: Float64Array, outR: Float64Array, n: number): void {

    // Everything the per-sample loop reads is held in locals (8 lines, 4 diffusers): the loop
    // then touches only the two ring buffers and the in/out blocks. Same arithmetic, same order
    // as the textbook loops over the arrays, so the output is unchanged bit for bit.
    const lineBuf = this.lineBuf;
    const lineMask = this.lineMask;
    const diffBuf = this.diffBuf;
    const diffMask = this.diffMask;
    const lo = this.lineOffset;
    const ll = this.lineLength;
    const lo0 = lo[0];
    const lo1 = lo[1];
    const lo2 = lo[2];
    const lo3 = lo[3];
    const lo4 = lo[4];
    const lo5 = lo[5];
    const lo6 = lo[6];
    const lo7 = lo[7];
    const ll0 = ll[0];
    const ll1 = ll[1];
    const ll2 = ll[2];
    const ll3 = ll[3];
    const ll4 = ll[4];
    const ll5 = ll[5];
    const ll6 = ll[6];
    const ll7 = ll[7];
    const dB = this.dampB;
    const dA = this.dampA;
    const db0 = dB[0];
    const db1 = dB[1];
    const db2 = dB[2];
    const db3 = dB[3];
    const db4 = dB[4];
    const db5 = dB[5];
    const db6 = dB[6];
    const db7 = dB[7];
    const da0 = dA[0];
    const da1 = dA[1];
    const da2 = dA[2];
    const da3 = dA[3];
    const da4 = dA[4];
    const da5 = dA[5];
    const da6 = dA[6];
    const da7 = dA[7];
    const ds = this.dampState;
    let s0 = ds[0];
    let s1 = ds[1];
    let s2 = ds[2];
    let s3 = ds[3];
    let s4 = ds[4];
    let s5 = ds[5];
    let s6 = ds[6];
    let s7 = ds[7];
    const fo = this.diffOffset;
    const fl = this.diffLength;
    const fg = this.diffGain;
    const fo0 = fo[0];
    const fo1 = fo[1];
    const fo2 = fo[2];
    const fo3 = fo[3];
    const fl0 = fl[0];
    const fl1 = fl[1];
    const fl2 = fl[2];
    const fl3 = fl[3];
    const g0 = fg[0];
    const g1 = fg[1];
    const g2 = fg[2];
    const g3 = fg[3];
    let lw = this.lineWrite;
    let dw = this.diffWrite;
    let inPeak = 0;

    // Gain ramp (see setParams); it lands exactly on the targets.
    let gIn = this.inGain;
    let gOut = this.outGain;
    let rampLeft = this.rampLeft;
    const inStep = this.inGainStep;
    const outStep = this.outGainStep;
    const inTarget = this.inGainTarget;
    const outTarget = this.outGainTarget;

    for (let t = 0; t < n; t++) {
      if (rampLeft > 0) {
        gIn += inStep;
        gOut += outStep;
        if (--rampLeft === 0) {
          gIn = inTarget;
          gOut = outTarget;
        }
      }

      // Input diffusion: 4 Schroeder allpasses, H(z) = (z^-D - g) / (1 - g z^-D).
      const xin = input[t];
      const ax = xin < 0 ? -xin : xin;
      if (ax > inPeak) inPeak = ax;
      let x = xin * gIn;
      let d = diffBuf[fo0 + ((dw - fl0) & diffMask)];
      let v = x + g0 * d;
      diffBuf[fo0 + dw] = v;
      x = d - g0 * v;
      d = diffBuf[fo1 + ((dw - fl1) & diffMask)];
      v = x + g1 * d;
      diffBuf[fo1 + dw] = v;
      x = d - g1 * v;
      d = diffBuf[fo2 + ((dw - fl2) & diffMask)];
      v = x + g2 * d;
      diffBuf[fo2 + dw] = v;
      x = d - g2 * v;
      d = diffBuf[fo3 + ((dw - fl3) & diffMask)];
      v = x + g3 * d;
      diffBuf[fo3 + dw] = v;
      x = d - g3 * v;
      dw = (dw + 1) & diffMask;

      // Line outputs through their damping filters.
      s0 = db0 * lineBuf[lo0 + ((lw - ll0) & lineMask)] + da0 * s0;
      s1 = db1 * lineBuf[lo1 + ((lw - ll1) & lineMask)] + da1 * s1;
      s2 = db2 * lineBuf[lo2 + ((lw - ll2) & lineMask)] + da2 * s2;
      s3 = db3 * lineBuf[lo3 + ((lw - ll3) & lineMask)] + da3 * s3;
      s4 = db4 * lineBuf[lo4 + ((lw - ll4) & lineMask)] + da4 * s4;
      s5 = db5 * lineBuf[lo5 + ((lw - ll5) & lineMask)] + da5 * s5;
      s6 = db6 * lineBuf[lo6 + ((lw - ll6) & lineMask)] + da6 * s6;
      s7 = db7 * lineBuf[lo7 + ((lw - ll7) & lineMask)] + da7 * s7;

      // Orthonormal 8-point fast Walsh-Hadamard transform (the feedback matrix).
      const a0 = s0 + s1;
      const a1 = s0 - s1;
      const a2 = s2 + s3;
      const a3 = s2 - s3;
      const a4 = s4 + s5;
      const a5 = s4 - s5;
      const a6 = s6 + s7;
      const a7 = s6 - s7;
      const b0 = a0 + a2;
      const b1 = a1 + a3;
      const b2 = a0 - a2;
      const b3 = a1 - a3;
      const b4 = a4 + a6;
      const b5 = a5 + a7;
      const b6 = a4 - a6;
      const b7 = a5 - a7;
      const m0 = (b0 + b4) * HADAMARD_SCALE;
      const m1 = (b1 + b5) * HADAMARD_SCALE;
      const m2 = (b2 + b6) * HADAMARD_SCALE;
      const m3 = (b3 + b7) * HADAMARD_SCALE;
      const m4 = (b0 - b4) * HADAMARD_SCALE;
      const m5 = (b1 - b5) * HADAMARD_SCALE;
      const m6 = (b2 - b6) * HADAMARD_SCALE;
      const m7 = (b3 - b7) * HADAMARD_SCALE;

      // Rows 1 (+-+-+-+-) and 2 (++--++--) of the matrix are the two output taps.
      outL[t] += m1 * gOut;
      outR[t] += m2 * gOut;

      const inj = x * INJECT_GAIN;
      lineBuf[lo0 + lw] = m0 + inj;
      lineBuf[lo1 + lw] = m1 + inj;
      lineBuf[lo2 + lw] = m2 + inj;
      lineBuf[lo3 + lw] = m3 + inj;
      lineBuf[lo4 + lw] = m4 + inj;
      lineBuf[lo5 + lw] = m5 + inj;
      lineBuf[lo6 + lw] = m6 + inj;
      lineBuf[lo7 + lw] = m7 + inj;
      lw = (lw + 1) & lineMask;
    }

    ds[0] = s0;
    ds[1] = s1;
    ds[2] = s2;
    ds[3] = s3;
    ds[4] = s4;
    ds[5] = s5;
    ds[6] = s6;
    ds[7] = s7;
    this.lineWrite = lw;
    this.diffWrite = dw;
    this.inGain = gIn;
    this.outGain = gOut;
    this.rampLeft = rampLeft;
    this.inPeak[0] = inPeak;
  }

  /**
   * A block of zeros into a network that holds only zeros: every value the loop would compute is
   * 0, and so is what it would add to the output. Only the write positions and the gain ramp move,
   * exactly as the loop moves them, so the blocks that follow are bit for bit the same. (The loop
   * would add +0 to each output sample; a -0 already there stays -0 here, the same value.)
   */
  private advanceSilent(n: number): void {
    this.lineWrite = (this.lineWrite + n) & this.lineMask;
    this.diffWrite = (this.diffWrite + n) & this.diffMask;
    let rampLeft = this.rampLeft;
    if (rampLeft === 0) return;
    let gIn = this.inGain;
    let gOut = this.outGain;
    const steps = Math.min(n, rampLeft);
    for (let t = 0; t < steps; t++) {
      gIn += this.inGainStep;
      gOut += this.outGainStep;
    }
    rampLeft -= steps;
    if (rampLeft === 0) {
      gIn = this.inGainTarget;
      gOut = this.outGainTarget;
    }
    this.inGain = gIn;
    this.outGain = gOut;
    this.rampLeft = rampLeft;
  }

  /**
   * The denormal guard for the lines, once per silent block: when every damping state is below
   * LINE_WATCH, those below FLUSH_BELOW become exactly 0 and the caller flushes what the block wrote
   * into the lines (flushRing). Returns false, flushing nothing, while a state is above LINE_WATCH
   * (the tail is still loud enough that no value nears the subnormal range); true when the lines
   * were looked at and every state is now 0.
   */
  private flushStates(): boolean {
    const ds = this.dampState;
    for (let k = 0; k < LINE_COUNT; k++) {
      const v = ds[k];
      if (!(v < LINE_WATCH && v > -LINE_WATCH)) return false;
    }
    let kept = 0;
    for (let k = 0; k < LINE_COUNT; k++) {
      const v = ds[k];
      if (v < FLUSH_BELOW && v > -FLUSH_BELOW) ds[k] = 0;
      else kept++;
    }
    return kept === 0;
  }

  /** Jumps to the target gains (no ramp): before the first block and on reset. */
  private snapGains(): void {
    this.inGain = this.inGainTarget;
    this.outGain = this.outGainTarget;
    this.rampLeft = 0;
  }

  private updateGains(): void {
    this.inGainTarget = dbToGain(this.inGainDb);
    this.outGainTarget = dbToGain(this.reverbMixDb) * this.outScale;
  }

  /**
   * Jot's absorbent delay line: per line, DC gain g = 10^(-3 m / (T fs)) and gain ratio
   * r = g_hf / g at HF_REFERENCE_HZ, with g_hf the gain for a reverb time ratio x T. The one-pole
   * H(z) = g (1 - p) / (1 - p z^-1) has |H(w)/H(0)|^2 = (1 - p)^2 / (1 - 2p cos w + p^2); setting
   * that to r^2 gives (1 - r^2) p^2 - 2 (1 - r^2 cos w) p + (1 - r^2) = 0, whose root in [0, 1) is p.
   */
  private updateDamping(): void {
    const fs = this.sampleRate;
    const tSec = this.reverbTimeMs / 1000;
    const ratio = this.highFreqRtRatio;
    const fRef = Math.min(HF_REFERENCE_HZ, 0.45 * fs);
    const cosW = Math.cos((2 * Math.PI * fRef) / fs);
    for (let i = 0; i < LINE_COUNT; i++) {
      const m = this.lineLength[i];
      // The low-pass also delays low frequencies by p / (1 - p) samples, which lengthens the loop
      // (by up to 2000 samples at the pole limit); budget the loss over the effective length, or
      // heavy HF damping would stretch the low-frequency RT60. Three fixed-point passes converge.
      let p = 0;
      let g = 1;
      for (let pass = 0; pass < 3; pass++) {
        const mEff = m + p / (1 - p);
        const lossDb = (-60 * mEff) / (tSec * fs);
        g = 10 ** (lossDb / 20);
        // Extra loss at fRef relative to DC, in dB: the HF path must lose 60 dB in ratio x T.
        const r = 10 ** ((lossDb * (1 / ratio - 1)) / 20);
        p = 0;
        if (r < 0.999999) {
          const a = 1 - r * r;
          const b = 1 - r * r * cosW;
          p = (b - Math.sqrt(Math.max(0, b * b - a * a))) / a;
          if (p > MAX_DAMPING_POLE) p = MAX_DAMPING_POLE;
          if (p < 0) p = 0;
        }
      }
      this.dampA[i] = p;
      this.dampB[i] = g * (1 - p);
    }
    // The diffusers ring too (gain .625 over 12.7 ms is a 190 ms RT60 of their own); keep their
    // ring at most half the reverb time so short settings stay short.
    for (let k = 0; k < DIFFUSER_COUNT; k++) {
      const cap = 10 ** ((-3 * this.diffLength[k]) / (fs * 0.5 * tSec));
      this.diffGain[k] = Math.min(DIFFUSER_GAIN[k], cap);
    }
  }
}
