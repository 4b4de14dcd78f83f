/**
 * Concept: the synth's chorus on the CC93 send bus (DirectMusic's DMUS_EFFECT_CHORUS slot; the
 * defaults follow the DirectSound chorus DMO: 1.1 Hz sine LFO, 16 ms delay, 25% feedback). Purpose:
 * turn the mono send bus into a wide stereo chorus that is ADDED to the synth's output, without
 * allocating on the render path.
 *
 * Algorithm: one delay line read by three taps whose delays are modulated by one sine LFO at phase
 * offsets 0, 120 and 240 degrees.
 *
 *   send ─> + ─> delay line ──┬─ tap 0: delay + depth*sin(wt)        ─> L
 *           ^                 ├─ tap 1: delay + depth*sin(wt + 120°) ─> R
 *           │                 └─ tap 2: delay + depth*sin(wt + 240°) ─> L and R (centre)
 *           └── feedback x mean(taps) <──┘
 *
 * - Why three taps at 120°: their sum never stops moving (two taps at 180° would pass through
 *   equal delays twice per cycle and comb-filter), and hard-panned outer taps give L and R
 *   different, moving delays: stereo width without a second LFO.
 * - Interpolation: 4-point Catmull-Rom cubic. Linear interpolation is a moving low-pass (its
 *   response at frac 0.5 is -3 dB at fs/4), which turns modulation into audible HF flutter; the cubic
 *   loses at most 1.1 dB at fs/4 and costs a few more multiplies. At frac 0 it returns the
 *   sample itself, so depth 0 on a whole-sample delay is an exact delayed copy.
 * - The line is stored twice (mirror): sample w sits at buf[w] and buf[w + size], so a tap's four
 *   points are four consecutive elements from one masked index instead of four masked reads.
 * - Settled parameters (no ramp, no glide, every tap delay at least MIN_DELAY_SAMPLES: the usual
 *   case) take a loop without those per-sample branches, in which each tap's delay follows the
 *   sine's own two-term recurrence (processSettled), started from the phasor every block.
 * - LFO: a rotating phasor (one complex multiply per sample, renormalised once a block) instead of
 *   Math.sin per tap per sample; the taps' phases are fixed linear combinations of its two outputs.
 * - Parameter moves glide: delay and depth change at most SLEW samples per sample (a pitch bend of at
 *   most 5% per parameter); the wet gain and the feedback ramp linearly over RAMP_MS (a feedback jump
 *   would put a step into the line that comes out again one delay later), so setParams never clicks.
 *   Rate changes keep the LFO phase.
 *
 * Real time: the constructor allocates every buffer; process() only reads and writes typed arrays.
 */
import { clampParam, DENORMAL_GUARD, dbToGain, MIN_DB, nextPow2 } from './effect-math.rt.js';

/** Chorus parameters (every field optional, partial updates). */
export interface ChorusParams {
  /** LFO rate in Hz. */
  rateHz?: number;
  /** Peak delay deviation of each tap, in ms. */
  depthMs?: number;
  /** Centre delay of the taps, in ms. */
  delayMs?: number;
  /** Fraction of the taps' mean fed back into the line (negative inverts). */
  feedback?: number;
  /** Wet output level in dB; -96 mutes. */
  mixDb?: number;
}

export const CHORUS_LIMITS = {
  rateHz: { min: 0, max: 10 },
  depthMs: { min: 0, max: 20 },
  delayMs: { min: 0, max: 40 },
  feedback: { min: -0.95, max: 0.95 },
  mixDb: { min: MIN_DB, max: 0 },
} as const;

/**
 * Defaults after the DirectSound chorus DMO (DSFXChorus: frequency 1.1 Hz, delay 16 ms, feedback
 * 25%, depth 10% of the delay = 1.6 ms, sine wave). The DMO's 50% wet/dry has no counterpart: this
 * is a send effect whose CC93 level already sets the amount, so the wet return defaults to 0 dB.
 */
export const SYNTH_CHORUS_DEFAULTS = {
  rateHz: 1.1,
  depthMs: 1.6,
  delayMs: 16,
  feedback: 0.25,
  mixDb: 0,
} as const;

const VOICE_COUNT = 3;
/** Duration of the linear ramp of wet gain and feedback after a setParams. */
const RAMP_MS = 10;
/** Fastest glide of delay and depth, in samples per sample: a pitch bend of at most 5%. */
const SLEW = 0.05;
/** Shortest tap delay in samples: the cubic reads one sample newer than the integer delay. */
const MIN_DELAY_SAMPLES = 2;
/** Longest run of the settled loop's delay recurrence before it restarts from the phasor. */
const RESTART = 128;

export class Chorus {
  readonly sampleRate: number;
  readonly maxFrames: number;

  private readonly buf: Float32Array;
  private readonly mask: number;
  private write = 0;
  /** Zeros written into the line in a row (capped at its length): the whole line is silent at full. */
  private quietRun = 0;

  /** Per voice: LFO phase offset as (cos, sin), and output gains. */
  private readonly phaseCos: Float64Array;
  private readonly phaseSin: Float64Array;
  private readonly gainL: Float64Array;
  private readonly gainR: Float64Array;

  /** LFO phasor (c, s) = (cos, sin) of the phase, and its per-sample rotation. */
  private lfoC = 1;
  private lfoS = 0;
  private rotC = 1;
  private rotS = 0;
  /**
   * The LFO's phase step per sample (radians), the phasor's rotation over RESTART samples, and over
   * blockN samples (the last, shorter run of a block).
   */
  private omega = 0;
  private restartC = 1;
  private restartS = 0;
  private blockN = 0;
  private blockC = 1;
  private blockS = 0;

  private rateHz: number = SYNTH_CHORUS_DEFAULTS.rateHz;
  private depthMs: number = SYNTH_CHORUS_DEFAULTS.depthMs;
  private delayMs: number = SYNTH_CHORUS_DEFAULTS.delayMs;
  private feedback: number = SYNTH_CHORUS_DEFAULTS.feedback;
  private mixDb: number = SYNTH_CHORUS_DEFAULTS.mixDb;

  /** Delay and depth in samples: in use and targets. */
  private delay = 0;
  private depth = 0;
  private delayTarget = 0;
  private depthTarget = 0;
  /** Wet gain and feedback in use, their targets and the linear ramp between them. */
  private gain = 1;
  private gainTarget = 1;
  private gainStep = 0;
  private fbGain = 0;
  private fbTarget = 0;
  private fbStep = 0;
  private rampLeft = 0;
  private readonly rampLength: number;
  /** True until the first process() after construction or reset(): parameter changes apply at once. */
  private fresh = true;

  /** Allocates the delay line for the longest delay + depth at `sampleRate`. */
  constructor(sampleRate: number, maxFrames: number) {
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError(`Chorus: bad sample rate ${sampleRate}`);
    if (!(maxFrames > 0)) throw new RangeError(`Chorus: bad maxFrames ${maxFrames}`);
    this.sampleRate = sampleRate;
    this.maxFrames = maxFrames | 0;

    const longest = Math.ceil(((CHORUS_LIMITS.delayMs.max + CHORUS_LIMITS.depthMs.max) * sampleRate) / 1000) + 4;
    const size = nextPow2(longest);
    this.buf = new Float32Array(2 * size);
    this.mask = size - 1;
    this.quietRun = size;

    this.phaseCos = new Float64Array(VOICE_COUNT);
    this.phaseSin = new Float64Array(VOICE_COUNT);
    this.gainL = new Float64Array(VOICE_COUNT);
    this.gainR = new Float64Array(VOICE_COUNT);
    // Pans: tap 0 left, tap 1 right, tap 2 centre; equal-power, and 1/sqrt(3) so the total wet
    // power equals the input power for uncorrelated taps.
    const pans = [-1, 1, 0];
    for (let v = 0; v < VOICE_COUNT; v++) {
      const phase = (2 * Math.PI * v) / VOICE_COUNT;
      this.phaseCos[v] = Math.cos(phase);
      this.phaseSin[v] = Math.sin(phase);
      const theta = ((pans[v] + 1) * Math.PI) / 4;
      this.gainL[v] = Math.cos(theta) / Math.sqrt(VOICE_COUNT);
      this.gainR[v] = Math.sin(theta) / Math.sqrt(VOICE_COUNT);
    }

    this.rampLength = Math.max(1, Math.round((RAMP_MS * sampleRate) / 1000));
    this.updateTargets();
    this.snap();
  }

  /**
   * Sets any subset of the parameters, clamped to CHORUS_LIMITS; NaN is ignored. Control side,
   * between blocks: it creates no objects, but unlike process() it is not held to zero heap growth.
   */
  setParams(p: ChorusParams): void {
    const L = CHORUS_LIMITS;
    this.rateHz = clampParam(p.rateHz, L.rateHz.min, L.rateHz.max, this.rateHz);
    this.depthMs = clampParam(p.depthMs, L.depthMs.min, L.depthMs.max, this.depthMs);
    this.delayMs = clampParam(p.delayMs, L.delayMs.min, L.delayMs.max, this.delayMs);
    this.feedback = clampParam(p.feedback, L.feedback.min, L.feedback.max, this.feedback);
    this.mixDb = clampParam(p.mixDb, L.mixDb.min, L.mixDb.max, this.mixDb);
    this.updateTargets();
    if (this.fresh) {
      this.snap();
    } else {
      this.gainStep = (this.gainTarget - this.gain) / this.rampLength;
      this.fbStep = (this.fbTarget - this.fbGain) / this.rampLength;
      this.rampLeft = this.rampLength;
    }
  }

  /** Copies the parameters in effect (after clamping) into `out`; creates no objects. */
  readParams(out: Required<ChorusParams>): void {
    out.rateHz = this.rateHz;
    out.depthMs = this.depthMs;
    out.delayMs = this.delayMs;
    out.feedback = this.feedback;
    out.mixDb = this.mixDb;
  }

  /** Clears the delay line and feedback, restarts the LFO at phase 0 and ends any glide. */
  reset(): void {
    this.buf.fill(0);
    this.write = 0;
    this.quietRun = this.mask + 1;
    this.lfoC = 1;
    this.lfoS = 0;
    this.snap();
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
    if (this.quietRun > this.mask && isSilent(input, n)) {
      this.advanceSilent(n);
      return;
    }

    if (this.rampLeft === 0 && this.delay === this.delayTarget && this.depth === this.depthTarget && this.delay - this.depth * (1 + 1e-9) >= MIN_DELAY_SAMPLES) {
      // The recurrence restarts from the phasor every RESTART samples (see processSettled).
      for (let off = 0; off < n; off += RESTART) this.processSettled(input, outL, outR, off, Math.min(RESTART, n - off));
      return;
    }

    // The three taps' constants live in locals (same arithmetic and order as a loop over the
    // tap arrays, so the output is unchanged bit for bit).
    const buf = this.buf;
    const mask = this.mask;
    const pc = this.phaseCos;
    const ps = this.phaseSin;
    const gl = this.gainL;
    const gr = this.gainR;
    const pc0 = pc[0];
    const pc1 = pc[1];
    const pc2 = pc[2];
    const ps0 = ps[0];
    const ps1 = ps[1];
    const ps2 = ps[2];
    const gl0 = gl[0];
    const gl1 = gl[1];
    const gl2 = gl[2];
    const gr0 = gr[0];
    const gr1 = gr[1];
    const gr2 = gr[2];
    const rotC = this.rotC;
    const rotS = this.rotS;
    const delayTarget = this.delayTarget;
    const depthTarget = this.depthTarget;
    let w = this.write;
    let c = this.lfoC;
    let s = this.lfoS;
    let delay = this.delay;
    let depth = this.depth;
    let g = this.gain;
    let feedback = this.fbGain;
    let rampLeft = this.rampLeft;
    const gainStep = this.gainStep;
    const fbStep = this.fbStep;
    const gainTarget = this.gainTarget;
    const fbTarget = this.fbTarget;
    let quiet = this.quietRun;

    for (let t = 0; t < n; t++) {
      if (rampLeft > 0) {
        g += gainStep;
        feedback += fbStep;
        if (--rampLeft === 0) {
          g = gainTarget;
          feedback = fbTarget;
        }
      }
      // Glide delay and depth towards their targets at a bounded rate (settled: no change).
      if (delay !== delayTarget) {
        const step = delayTarget - delay;
        delay += Math.min(SLEW, Math.max(-SLEW, step));
      }
      if (depth !== depthTarget) {
        const step = depthTarget - depth;
        depth += Math.min(SLEW, Math.max(-SLEW, step));
      }

      // sin(phase + offset_v) from the phasor: s cos(off) + c sin(off).
      const y0 = tap(buf, mask, w, delay + depth * (s * pc0 + c * ps0));
      const y1 = tap(buf, mask, w, delay + depth * (s * pc1 + c * ps1));
      const y2 = tap(buf, mask, w, delay + depth * (s * pc2 + c * ps2));
      const sumL = gl0 * y0 + gl1 * y1 + gl2 * y2;
      const sumR = gr0 * y0 + gr1 * y1 + gr2 * y2;
      const sumTaps = y0 + y1 + y2;
      outL[t] += sumL * g;
      outR[t] += sumR * g;

      let fb = (sumTaps / VOICE_COUNT) * feedback;
      fb += DENORMAL_GUARD;
      fb -= DENORMAL_GUARD;
      const wv = input[t] + fb;
      buf[w] = wv;
      buf[w + mask + 1] = wv;
      quiet = wv === 0 ? quiet + 1 : 0;
      w = (w + 1) & mask;

      const c2 = c * rotC - s * rotS;
      s = s * rotC + c * rotS;
      c = c2;
    }

    // The rotation drifts off the unit circle by ~1e-16 per sample; pull it back once a block.
    const k = 1 / Math.sqrt(c * c + s * s);
    this.lfoC = c * k;
    this.lfoS = s * k;
    this.quietRun = Math.min(quiet, mask + 1);
    this.write = w;
    this.delay = delay;
    this.depth = depth;
    this.gain = g;
    this.fbGain = feedback;
    this.rampLeft = rampLeft;
  }

  /**
   * process() with settled parameters: constant delay, depth, wet gain and feedback, and every tap
   * at least MIN_DELAY_SAMPLES behind (so tap()'s clamp is a no-op). The taps are written out
   * inline on the mirrored line.
   *
   * Each tap's delay is delay + depth × sin(phase + offset), and a sampled sine obeys
   * x[t+1] = 2 cos(w) x[t] - x[t-1]: so the delay itself steps as d[t+1] = 2 cos(w) d[t] - d[t-1]
   * + 2 delay (1 - cos w), three operations per tap per sample instead of the phasor's rotation
   * and three products. The recurrence starts from the phasor (exact) for every RESTART samples
   * [off, off + n) of the block, so its rounding cannot build up (its error grows with the square of
   * the run: at most 4e-9 samples over 128, at every setting); the phasor then moves on by the
   * whole run at once.
   */
  private processSettled(input: Float64Array, outL: Float64Array, outR: Float64Array, off: number, n: number): void {
    const buf = this.buf;
    const mask = this.mask;
    const size = mask + 1;
    const pc = this.phaseCos;
    const ps = this.phaseSin;
    const gl = this.gainL;
    const gr = this.gainR;
    const pc0 = pc[0];
    const pc1 = pc[1];
    const pc2 = pc[2];
    const ps0 = ps[0];
    const ps1 = ps[1];
    const ps2 = ps[2];
    const gl0 = gl[0];
    const gl1 = gl[1];
    const gl2 = gl[2];
    const gr0 = gr[0];
    const gr1 = gr[1];
    const gr2 = gr[2];
    const delay = this.delay;
    const depth = this.depth;
    const g = this.gain;
    const feedback = this.fbGain;
    let w = this.write;
    const c = this.lfoC;
    const s = this.lfoS;
    let quiet = this.quietRun;
    // The phasor one sample back, for the recurrence's first step.
    const rotC = this.rotC;
    const rotS = this.rotS;
    const cb = c * rotC + s * rotS;
    const sb = s * rotC - c * rotS;
    const k2 = 2 * rotC;
    const kd = 2 * delay * (1 - rotC);
    let d0 = delay + depth * (s * pc0 + c * ps0);
    let d1 = delay + depth * (s * pc1 + c * ps1);
    let d2 = delay + depth * (s * pc2 + c * ps2);
    let p0 = delay + depth * (sb * pc0 + cb * ps0);
    let p1 = delay + depth * (sb * pc1 + cb * ps1);
    let p2 = delay + depth * (sb * pc2 + cb * ps2);

    const end = off + n;
    for (let t = off; t < end; t++) {
      // Tap v at delay d = di + f: its points at delays di+2, di+1, di, di-1 are buf[j .. j+3].
      const i0 = d0 | 0;
      const f0 = d0 - i0;
      const j0 = (w - i0 - 2) & mask;
      const q2 = buf[j0];
      const q1 = buf[j0 + 1];
      const q0 = buf[j0 + 2];
      const qm = buf[j0 + 3];
      const y0 = q0 + 0.5 * f0 * (q1 - qm + f0 * (2 * qm - 5 * q0 + 4 * q1 - q2 + f0 * (3 * (q0 - q1) + q2 - qm)));

      const i1 = d1 | 0;
      const f1 = d1 - i1;
      const j1 = (w - i1 - 2) & mask;
      const r2 = buf[j1];
      const r1 = buf[j1 + 1];
      const r0 = buf[j1 + 2];
      const rm = buf[j1 + 3];
      const y1 = r0 + 0.5 * f1 * (r1 - rm + f1 * (2 * rm - 5 * r0 + 4 * r1 - r2 + f1 * (3 * (r0 - r1) + r2 - rm)));

      const i2 = d2 | 0;
      const f2 = d2 - i2;
      const j2 = (w - i2 - 2) & mask;
      const u2 = buf[j2];
      const u1 = buf[j2 + 1];
      const u0 = buf[j2 + 2];
      const um = buf[j2 + 3];
      const y2 = u0 + 0.5 * f2 * (u1 - um + f2 * (2 * um - 5 * u0 + 4 * u1 - u2 + f2 * (3 * (u0 - u1) + u2 - um)));

      const sumL = gl0 * y0 + gl1 * y1 + gl2 * y2;
      const sumR = gr0 * y0 + gr1 * y1 + gr2 * y2;
      const sumTaps = y0 + y1 + y2;
      outL[t] += sumL * g;
      outR[t] += sumR * g;

      let fb = (sumTaps / VOICE_COUNT) * feedback;
      fb += DENORMAL_GUARD;
      fb -= DENORMAL_GUARD;
      const wv = input[t] + fb;
      buf[w] = wv;
      buf[w + size] = wv;
      quiet = wv === 0 ? quiet + 1 : 0;
      w = (w + 1) & mask;

      const n0 = k2 * d0 - p0 + kd;
      const n1 = k2 * d1 - p1 + kd;
      const n2 = k2 * d2 - p2 + kd;
      p0 = d0;
      p1 = d1;
      p2 = d2;
      d0 = n0;
      d1 = n1;
      d2 = n2;
    }

    // The phasor n samples on, renormalised (the rotation over RESTART samples is kept; a
    // shorter run's is kept for its length).
    let rc = this.restartC;
    let rs = this.restartS;
    if (n !== RESTART) {
      if (n !== this.blockN) {
        this.blockN = n;
        this.blockC = Math.cos(n * this.omega);
        this.blockS = Math.sin(n * this.omega);
      }
      rc = this.blockC;
      rs = this.blockS;
    }
    const c1 = c * rc - s * rs;
    const s1 = s * rc + c * rs;
    const k = 1 / Math.sqrt(c1 * c1 + s1 * s1);
    this.lfoC = c1 * k;
    this.lfoS = s1 * k;
    this.quietRun = Math.min(quiet, mask + 1);
    this.write = w;
  }

  /**
   * A block of silent input into a silent line: every tap reads 0, so the output and the feedback
   * are 0. Only the state moves (ramps, glides, LFO phasor, write position), exactly as process()
   * moves it, so what follows is bit for bit what the full loop would give.
   */
  private advanceSilent(n: number): void {
    const rotC = this.rotC;
    const rotS = this.rotS;
    const delayTarget = this.delayTarget;
    const depthTarget = this.depthTarget;
    let c = this.lfoC;
    let s = this.lfoS;
    let delay = this.delay;
    let depth = this.depth;
    let g = this.gain;
    let feedback = this.fbGain;
    let rampLeft = this.rampLeft;
    for (let t = 0; t < n; t++) {
      if (rampLeft > 0) {
        g += this.gainStep;
        feedback += this.fbStep;
        if (--rampLeft === 0) {
          g = this.gainTarget;
          feedback = this.fbTarget;
        }
      }
      if (delay !== delayTarget) delay += Math.min(SLEW, Math.max(-SLEW, delayTarget - delay));
      if (depth !== depthTarget) depth += Math.min(SLEW, Math.max(-SLEW, depthTarget - depth));
      const c2 = c * rotC - s * rotS;
      s = s * rotC + c * rotS;
      c = c2;
    }
    const k = 1 / Math.sqrt(c * c + s * s);
    this.lfoC = c * k;
    this.lfoS = s * k;
    this.write = (this.write + n) & this.mask;
    this.delay = delay;
    this.depth = depth;
    this.gain = g;
    this.fbGain = feedback;
    this.rampLeft = rampLeft;
  }

  private updateTargets(): void {
    const fs = this.sampleRate;
    const w = (2 * Math.PI * this.rateHz) / fs;
    this.rotC = Math.cos(w);
    this.rotS = Math.sin(w);
    this.omega = w;
    this.restartC = Math.cos(RESTART * w);
    this.restartS = Math.sin(RESTART * w);
    this.blockN = 0;
    this.delayTarget = (this.delayMs * fs) / 1000;
    this.depthTarget = (this.depthMs * fs) / 1000;
    this.gainTarget = dbToGain(this.mixDb);
    this.fbTarget = this.feedback;
  }

  /** Jumps to the targets (no glide): used before the first block and on reset. */
  private snap(): void {
    this.delay = this.delayTarget;
    this.depth = this.depthTarget;
    this.gain = this.gainTarget;
    this.fbGain = this.fbTarget;
    this.rampLeft = 0;
  }
}

/**
 * One tap at delay `delay` samples behind write position w: Catmull-Rom between the samples at
 * delays di (f = 0) and di + 1 (f = 1). Small enough that V8 inlines it (a double returned from a
 * call that is not inlined would be boxed).
 */
function tap(buf: Float32Array, mask: number, w: number, delay: number): number {
  const d = Math.max(delay, MIN_DELAY_SAMPLES);
  const di = d | 0;
  const f = d - di;
  // Samples at delays di+2, di+1, di, di-1 (newer): four consecutive elements of the mirrored
  // line; every one is already written (di >= 2).
  const j = (w - di - 2) & mask;
  const p2 = buf[j];
  const p1 = buf[j + 1];
  const p0 = buf[j + 2];
  const pm1 = buf[j + 3];
  return p0 + 0.5 * f * (p1 - pm1 + f * (2 * pm1 - 5 * p0 + 4 * p1 - p2 + f * (3 * (p0 - p1) + p2 - pm1)));
}

/** True when input[0, n) is all zeros. */
function isSilent(input: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (input[i] !== 0) return false;
  return true;
}
