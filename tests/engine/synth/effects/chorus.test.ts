/**
 * Concept: acceptance tests for the CC93 send-bus chorus. Purpose: check measured properties of the
 * rendered sound (spectral spreading of a sine, the time-varying delay tracked by cross-correlation,
 * L/R difference, exact delayed copy at depth 0, bounded sample-to-sample steps) and the real-time
 * contract (adds, reset, stability, linearity, clamping).
 */
import { describe, expect, it } from 'vitest';
import { CHORUS_LIMITS, Chorus, type ChorusParams, SYNTH_CHORUS_DEFAULTS } from '../../../../engine/synth/effects/chorus.rt.js';
import { BLOCK, band, bestLag, correlation, energy, noise, render, sine, spectrum } from './measure.js';

const FS = 48000;

function chorus(p: ChorusParams, sampleRate = FS): Chorus {
  const c = new Chorus(sampleRate, BLOCK);
  c.setParams(p);
  return c;
}

/** Share of the power within +-halfWidth Hz of f, relative to +-60 Hz around it (0.25 Hz grid). */
function toneConcentration(x: Float32Array, f: number, halfWidth: number): number {
  const freqs: number[] = [];
  for (let d = -60; d <= 60; d += 0.25) freqs.push(f + d);
  const p = spectrum(x, FS, freqs);
  let inside = 0;
  let all = 0;
  for (let k = 0; k < freqs.length; k++) {
    all += p[k];
    if (Math.abs(freqs[k] - f) <= halfWidth) inside += p[k];
  }
  return inside / all;
}

/**
 * Least-squares fit of mean + amp * sin(2 pi freq t + phase) to (t, y), scanning freq over
 * 0.2..5 Hz in 0.005 Hz steps.
 */
function fitSine(t: number[], y: number[]): { freq: number; mean: number; amp: number; phase: number } {
  let best = { freq: 0, mean: 0, amp: 0, phase: 0, rms: Infinity };
  for (let f = 0.2; f <= 5; f += 0.005) {
    // Normal equations for [1, sin, cos].
    const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const v = [0, 0, 0];
    for (let i = 0; i < t.length; i++) {
      const b = [1, Math.sin(2 * Math.PI * f * t[i]), Math.cos(2 * Math.PI * f * t[i])];
      for (let r = 0; r < 3; r++) {
        v[r] += b[r] * y[i];
        for (let c = 0; c < 3; c++) m[r * 3 + c] += b[r] * b[c];
      }
    }
    const sol = solve3(m, v);
    let err = 0;
    for (let i = 0; i < t.length; i++) {
      const e = y[i] - sol[0] - sol[1] * Math.sin(2 * Math.PI * f * t[i]) - sol[2] * Math.cos(2 * Math.PI * f * t[i]);
      err += e * e;
    }
    const rms = Math.sqrt(err / t.length);
    if (rms < best.rms) best = { freq: f, mean: sol[0], amp: Math.hypot(sol[1], sol[2]), phase: Math.atan2(sol[2], sol[1]), rms };
  }
  return { freq: best.freq, mean: best.mean, amp: best.amp, phase: best.phase };
}

/** Solves the 3x3 system m x = v (Cramer's rule). */
function solve3(m: number[], v: number[]): number[] {
  const det = (a: number[]) => a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
  const d = det(m);
  const out = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const mc = m.slice();
    for (let r = 0; r < 3; r++) mc[r * 3 + c] = v[r];
    out[c] = det(mc) / d;
  }
  return out;
}

function maxStep(x: Float32Array | Float64Array, from = 1): number {
  let m = 0;
  for (let i = from; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - x[i - 1]));
  return m;
}

function peak(x: Float32Array | Float64Array, from = 0): number {
  let m = 0;
  for (let i = from; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

describe('Chorus: modulation, measured', () => {
  it('spreads a 1 kHz sine over the expected band (depth 0 keeps it a pure line)', () => {
    const x = sine(FS, 4, 1000);
    const still = render(chorus({ depthMs: 0, feedback: 0 }), x);
    const moving = render(chorus({ depthMs: 1.6, rateHz: 1.1, feedback: 0 }), x);
    // Peak frequency deviation of a tap: f * 2 pi rate depth = 1000 * 6.91 * 0.0016 = 11 Hz.
    const skip = FS / 10;
    expect(toneConcentration(still.L.subarray(skip), 1000, 1)).toBeGreaterThan(0.99);
    const spread = toneConcentration(moving.L.subarray(skip), 1000, 1);
    expect(spread).toBeLessThan(0.5);
    // ...but not further than the deviation allows: nearly everything lies within +-20 Hz.
    expect(toneConcentration(moving.L.subarray(skip), 1000, 20)).toBeGreaterThan(0.95);
  });

  it('has a delay that swings delay +- depth at the LFO rate (tracked by cross-correlation)', () => {
    const delayMs = 16;
    const depthMs = 2;
    const rateHz = 1;
    // Low-passed noise: its broad correlation peak tolerates the delay moving within a window.
    const x = Float32Array.from(band(noise(4 * FS, 0.5, 3), FS, 'lowpass', 2000, Math.SQRT1_2));
    const { L, R } = render(chorus({ delayMs, depthMs, rateHz, feedback: 0 }), x);
    const minLag = Math.floor(((delayMs - depthMs - 2) * FS) / 1000);
    const maxLag = Math.ceil(((delayMs + depthMs + 2) * FS) / 1000);
    const times: number[] = [];
    const trackL: number[] = [];
    const trackR: number[] = [];
    for (let start = maxLag; start + 1024 < x.length; start += 480) {
      times.push((start + 512) / FS);
      trackL.push((bestLag(x, L, start, 1024, minLag, maxLag) * 1000) / FS);
      trackR.push((bestLag(x, R, start, 1024, minLag, maxLag) * 1000) / FS);
    }
    const fitL = fitSine(times, trackL);
    const fitR = fitSine(times, trackR);
    for (const fit of [fitL, fitR]) {
      expect(Math.abs(fit.freq - rateHz) / rateHz).toBeLessThan(0.05);
      expect(Math.abs(fit.mean - delayMs)).toBeLessThan(0.1);
      expect(Math.abs(fit.amp - depthMs) / depthMs).toBeLessThan(0.1);
      // Nearly every window sits on the fitted sine (a rare window locks onto the centre tap).
      let near = 0;
      for (let i = 0; i < times.length; i++) {
        const model = fit.mean + fit.amp * Math.sin(2 * Math.PI * fit.freq * times[i] + fit.phase);
        if (Math.abs((fit === fitL ? trackL : trackR)[i] - model) < 0.1) near++;
      }
      expect(near / times.length).toBeGreaterThan(0.95);
    }
    // L and R follow LFO phases 120 degrees apart (taps 0 and 1), hence different delays.
    let dPhase = Math.abs(fitL.phase - fitR.phase) % (2 * Math.PI);
    if (dPhase > Math.PI) dPhase = 2 * Math.PI - dPhase;
    expect(Math.abs((dPhase * 180) / Math.PI - 120)).toBeLessThan(15);
  });

  it('makes L and R differ (stereo width)', () => {
    const x = noise(2 * FS, 0.5, 5);
    const { L, R } = render(chorus({}), x);
    const from = FS / 10;
    expect(correlation(L, R, from, L.length)).toBeLessThan(0.8);
    let d = 0;
    for (let i = from; i < L.length; i++) d += (L[i] - R[i]) ** 2;
    expect(d / energy(L, from)).toBeGreaterThan(0.3);
    expect(Math.abs(10 * Math.log10(energy(L, from) / energy(R, from)))).toBeLessThan(1);
  });
});

describe('Chorus: depth 0 is a delay', () => {
  it('gives an exact delayed copy for a whole-sample delay (10 ms = 480 samples)', () => {
    const x = noise(FS, 0.5, 9);
    const { L, R } = render(chorus({ depthMs: 0, delayMs: 10, feedback: 0 }), x);
    const g = L[1000] / x[1000 - 480];
    expect(g).toBeGreaterThan(0.5);
    for (let i = 0; i < x.length; i++) {
      const ref = i >= 480 ? g * x[i - 480] : 0;
      expect(Math.abs(L[i] - ref)).toBeLessThan(1e-6);
      expect(Math.abs(R[i] - ref)).toBeLessThan(1e-6);
    }
  });

  it('puts a fractional delay where asked (10.01 ms = 480.48 samples, measured by phase at 40 Hz)', () => {
    const f = 40; // period 1200 samples, so a 480-sample delay is unambiguous
    const x = sine(FS, 1, f, 0.5);
    const { L } = render(chorus({ depthMs: 0, delayMs: 10.01, feedback: 0 }), x);
    // Complex amplitude of input and output at f over 30 whole periods after the line has filled.
    let xr = 0;
    let xi = 0;
    let yr = 0;
    let yi = 0;
    for (let i = 2400; i < 2400 + 30 * 1200; i++) {
      const ph = (2 * Math.PI * f * i) / FS;
      xr += x[i] * Math.cos(ph);
      xi -= x[i] * Math.sin(ph);
      yr += L[i] * Math.cos(ph);
      yi -= L[i] * Math.sin(ph);
    }
    const lag = -Math.atan2(yi * xr - yr * xi, yr * xr + yi * xi) / ((2 * Math.PI * f) / FS);
    const delay = lag < 0 ? lag + FS / f : lag;
    expect(Math.abs(delay - 480.48)).toBeLessThan(0.01);
  });
});

describe('Chorus: no clicks', () => {
  // For a sine of angular step w, any smoothly delayed, smoothly scaled copy moves by at most about
  // peak * w * (1 + rate of change of the delay) per sample; a discontinuity moves by up to 2 * peak.
  const f = 440;
  const w = (2 * Math.PI * f) / FS;

  it('bounds the sample-to-sample step for a sine at the defaults', () => {
    const x = sine(FS, 2, f, 0.5);
    const { L, R } = render(chorus({}), x);
    const from = FS / 10;
    const doppler = 2 * Math.PI * SYNTH_CHORUS_DEFAULTS.rateHz * (SYNTH_CHORUS_DEFAULTS.depthMs / 1000);
    for (const y of [L, R]) expect(maxStep(y, from)).toBeLessThan(1.3 * peak(y, from) * w * (1 + doppler));
  });

  it('keeps that bound while every parameter jumps between blocks', () => {
    const x = Float64Array.from(sine(FS, 3, f, 0.5));
    const c = chorus({});
    const L = new Float64Array(x.length);
    const R = new Float64Array(x.length);
    const moves: ChorusParams[] = [
      { delayMs: 2 },
      { delayMs: 30, depthMs: 8 },
      { mixDb: -96 },
      { mixDb: 0, rateHz: 5 },
      { feedback: -0.9, depthMs: 0 },
      { delayMs: 5, feedback: 0.9, depthMs: 4 },
    ];
    const every = Math.floor(x.length / (moves.length + 1) / BLOCK) * BLOCK;
    for (let pos = 0, m = 0; pos < x.length; pos += BLOCK) {
      if (pos > 0 && pos % every === 0 && m < moves.length) c.setParams(moves[m++]);
      c.process(x.subarray(pos, pos + BLOCK), L.subarray(pos, pos + BLOCK), R.subarray(pos, pos + BLOCK), BLOCK);
    }
    // Worst modulation speed in the run: 2 pi * 5 Hz * 8 ms, plus two 5% glides. Feedback 0.5
    // recirculates each shift (pass k is shifted k times), which doubles the mean shift.
    const doppler = 2 * (2 * Math.PI * 5 * 0.008 + 0.1);
    for (const y of [L, R]) expect(maxStep(y, FS / 10)).toBeLessThan(1.5 * peak(y, FS / 10) * w * (1 + doppler));
  });
});

describe('Chorus: real-time contract', () => {
  it('renders the same samples in 8192-frame blocks as in 128-frame blocks (the delay recurrence restarts every 128)', () => {
    // The settled loop steps each tap's delay by a recurrence whose rounding grows with the run's
    // square; restarted from the LFO phasor every 128 samples, a long block is the same sequence.
    for (const p of [{}, { rateHz: 10, depthMs: 20, delayMs: 40, feedback: 0.5 }]) {
      const x = Float64Array.from(noise(4 * 8192, 0.5, 4));
      const big = new Chorus(FS, 8192);
      const small = new Chorus(FS, 8192);
      big.setParams(p);
      small.setParams(p);
      const a = render(big, x, 8192);
      const b = render(small, x, 128);
      expect(energy(a.L)).toBeGreaterThan(1);
      let diff = 0;
      for (let i = 0; i < x.length; i++) if (a.L[i] !== b.L[i] || a.R[i] !== b.R[i]) diff++;
      expect(diff).toBe(0);
    }
  });

  it('starts with the defaults and clamps every parameter, ignoring NaN', () => {
    const c = new Chorus(FS, BLOCK);
    const out = { rateHz: 0, depthMs: 0, delayMs: 0, feedback: 0, mixDb: 0 };
    c.readParams(out);
    expect(out).toEqual({ ...SYNTH_CHORUS_DEFAULTS });
    c.setParams({ rateHz: 100, depthMs: -3, delayMs: 99, feedback: 2, mixDb: 6 });
    c.readParams(out);
    expect(out).toEqual({
      rateHz: CHORUS_LIMITS.rateHz.max,
      depthMs: 0,
      delayMs: CHORUS_LIMITS.delayMs.max,
      feedback: CHORUS_LIMITS.feedback.max,
      mixDb: 0,
    });
    c.setParams({ feedback: -7, rateHz: Number.NaN });
    c.readParams(out);
    expect(out.feedback).toBe(CHORUS_LIMITS.feedback.min);
    expect(out.rateHz).toBe(CHORUS_LIMITS.rateHz.max);
  });

  it('ADDS to outL/outR and touches only the first `frames` samples', () => {
    const x = Float64Array.from(noise(BLOCK, 0.5, 1));
    const a = new Chorus(FS, BLOCK);
    const b = new Chorus(FS, BLOCK);
    const wetL = new Float64Array(BLOCK);
    const wetR = new Float64Array(BLOCK);
    const sumL = new Float64Array(BLOCK);
    const sumR = new Float64Array(BLOCK);
    for (let k = 0; k < 20; k++) {
      wetL.fill(0);
      wetR.fill(0);
      sumL.fill(0.25);
      sumR.fill(-0.5);
      a.process(x, wetL, wetR, 100);
      b.process(x, sumL, sumR, 100);
    }
    expect(energy(wetL)).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) {
      expect(sumL[i]).toBeCloseTo(0.25 + wetL[i], 6);
      expect(sumR[i]).toBeCloseTo(-0.5 + wetR[i], 6);
    }
    for (let i = 100; i < BLOCK; i++) {
      expect(sumL[i]).toBe(0.25);
      expect(sumR[i]).toBe(-0.5);
    }
  });

  it('mix -96 dB is silent and reset() clears the line', () => {
    const x = noise(FS / 2, 0.8, 2);
    const muted = render(chorus({ mixDb: -96 }), x);
    expect(energy(muted.L) + energy(muted.R)).toBe(0);
    const c = chorus({ feedback: 0.95 });
    render(c, x);
    c.reset();
    const after = render(c, new Float64Array(FS / 2));
    expect(energy(after.L) + energy(after.R)).toBe(0);
  });

  it('is linear: 2x input gives 2x output', () => {
    const a = noise(FS, 0.3, 4);
    const ya = render(chorus({ feedback: 0.7 }), a);
    const ya2 = render(chorus({ feedback: 0.7 }), a.map((v) => 2 * v));
    let err = 0;
    for (let i = 0; i < a.length; i++) err += (ya2.L[i] - 2 * ya.L[i]) ** 2 + (ya2.R[i] - 2 * ya.R[i]) ** 2;
    expect(err / (energy(ya.L) + energy(ya.R))).toBeLessThan(1e-12);
  });

  it('stays finite and bounded for a minute of full-scale noise at the parameter extremes', () => {
    const x = new Float64Array(BLOCK);
    const L = new Float64Array(BLOCK);
    const R = new Float64Array(BLOCK);
    const extremes: ChorusParams[] = [
      { feedback: 0.95, depthMs: 20, rateHz: 10, delayMs: 0 },
      { feedback: -0.95, depthMs: 20, rateHz: 10, delayMs: 40 },
      { feedback: 0.95, depthMs: 0, rateHz: 0, delayMs: 0 },
      { feedback: -0.95, depthMs: 0.01, rateHz: 0.01, delayMs: 0.05 },
    ];
    for (const p of extremes) {
      const c = chorus(p);
      let s = 99;
      let top = 0;
      for (let k = 0; k < (60 * FS) / BLOCK; k++) {
        for (let i = 0; i < BLOCK; i++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          x[i] = s / 2147483648 - 1;
        }
        L.fill(0);
        R.fill(0);
        c.process(x, L, R, BLOCK);
        for (let i = 0; i < BLOCK; i++) {
          const v = Math.abs(L[i]) + Math.abs(R[i]);
          if (!(v <= top)) top = v;
        }
      }
      expect(Number.isFinite(top)).toBe(true);
      expect(top).toBeLessThan(40);
    }
  });
});
