/**
 * Concept: acceptance tests for the CC91 send-bus reverb (DMUS_WAVES_REVERB_PARAMS semantics).
 * Purpose: check measured acoustic properties of rendered impulse responses (Schroeder RT60, band
 * decay, L/R correlation, energy) and the real-time contract (adds, reset, stability, linearity).
 */
import { describe, expect, it } from 'vitest';
import {
  DIRECTMUSIC_REVERB_DEFAULTS,
  REVERB_LIMITS,
  Reverb,
  type ReverbParams,
  SYNTH_REVERB_DEFAULTS,
} from '../../../../engine/synth/effects/reverb.rt.js';
import { BLOCK, band, correlation, edcDb, energy, impulse, noise, render, rt60 } from './measure.js';

const FS = 48000;

function impulseResponse(params: ReverbParams, sampleRate = FS, seconds?: number): { L: Float32Array; R: Float32Array } {
  const rv = new Reverb(sampleRate, BLOCK);
  rv.setParams(params);
  const t = (params.reverbTimeMs ?? 1000) / 1000;
  return render(rv, impulse(sampleRate, seconds ?? t * 1.6 + 0.3));
}

function paramsOf(rv: Reverb): Required<ReverbParams> {
  const out = { inGainDb: 0, reverbMixDb: 0, reverbTimeMs: 0, highFreqRtRatio: 0 };
  rv.readParams(out);
  return out;
}

describe('Reverb: decay time (Schroeder backward integration, T30 fit from -5 to -35 dB)', () => {
  // HF ratio 0.999 makes the decay nearly frequency independent, so the broadband RT60 is the
  // reverb time itself.
  for (const ms of [500, 1000, 2000]) {
    it(`measures RT60 within 15% of reverbTimeMs = ${ms} at 48 kHz`, () => {
      const { L, R } = impulseResponse({ reverbTimeMs: ms, highFreqRtRatio: 0.999, reverbMixDb: 0 });
      const measured = rt60(edcDb([L, R]), FS) * 1000;
      expect(Math.abs(measured - ms) / ms).toBeLessThan(0.15);
    });
  }

  for (const fs of [22050, 44100, 96000]) {
    it(`keeps RT60 = 1000 ms within 15% at ${fs} Hz (delays scale with the rate)`, () => {
      const { L, R } = impulseResponse({ reverbTimeMs: 1000, highFreqRtRatio: 0.999, reverbMixDb: 0 }, fs);
      const measured = rt60(edcDb([L, R]), fs) * 1000;
      expect(Math.abs(measured - 1000) / 1000).toBeLessThan(0.15);
    });
  }

  it('follows reverbTimeMs below 300 Hz even with HF damping (ratio 0.5)', () => {
    for (const ms of [1000, 2000]) {
      const { L, R } = impulseResponse({ reverbTimeMs: ms, highFreqRtRatio: 0.5, reverbMixDb: 0 });
      const lo = [band(L, FS, 'lowpass', 300, Math.SQRT1_2), band(R, FS, 'lowpass', 300, Math.SQRT1_2)];
      const measured = rt60(edcDb(lo), FS) * 1000;
      expect(Math.abs(measured - ms) / ms).toBeLessThan(0.15);
    }
  });
});

describe('Reverb: high frequencies (highFreqRtRatio is honoured at 5 kHz)', () => {
  function bandRt(L: Float32Array, R: Float32Array, f: number): number {
    // T20 (-5..-25 dB): fast-decaying bands reach the noise-free floor of the fit sooner.
    return rt60(edcDb([band(L, FS, 'bandpass', f, 2), band(R, FS, 'bandpass', f, 2)]), FS, -5, -25);
  }

  it('RT60 at 5 kHz is ratio x reverbTime (within 20%) while 250 Hz keeps the full time', () => {
    for (const ratio of [0.25, 0.5]) {
      const { L, R } = impulseResponse({ reverbTimeMs: 2000, highFreqRtRatio: ratio, reverbMixDb: 0 });
      const hi = bandRt(L, R, 5000);
      const lo = bandRt(L, R, 250);
      expect(Math.abs(hi - ratio * 2) / (ratio * 2)).toBeLessThan(0.2);
      expect(Math.abs(lo - 2) / 2).toBeLessThan(0.15);
    }
  });

  it('high frequencies decay faster when the ratio is below 1 (band energy in the late tail)', () => {
    const bright = impulseResponse({ reverbTimeMs: 1000, highFreqRtRatio: 0.999, reverbMixDb: 0 });
    const dark = impulseResponse({ reverbTimeMs: 1000, highFreqRtRatio: 0.3, reverbMixDb: 0 });
    const from = Math.round(0.4 * FS);
    const hfShare = (ir: { L: Float32Array }) =>
      energy(band(ir.L, FS, 'highpass', 4000, Math.SQRT1_2), from) / energy(band(ir.L, FS, 'lowpass', 1000, Math.SQRT1_2), from);
    // At 0.4 s the 0.3-ratio tail has lost about 80 dB at 5 kHz against 24 dB for the bright one.
    expect(hfShare(dark)).toBeLessThan(hfShare(bright) * 1e-3);
    expect(bandRt(dark.L, dark.R, 5000)).toBeLessThan(0.5 * bandRt(dark.L, dark.R, 250));
  });

  it("DirectMusic's literal HF ratio 0.001 leaves essentially nothing above 1 kHz", () => {
    const ir = impulseResponse({ ...DIRECTMUSIC_REVERB_DEFAULTS, reverbMixDb: 0 });
    const from = Math.round(0.1 * FS);
    const hf = energy(band(ir.L, FS, 'highpass', 1000, Math.SQRT1_2), from);
    expect(hf).toBeLessThan(1e-6);
  });
});

describe('Reverb: stereo and level', () => {
  it('L and R tails are decorrelated (|r| < 0.3 after 100 ms) but equally loud', () => {
    for (const ms of [500, 1000, 2000]) {
      const { L, R } = impulseResponse({ reverbTimeMs: ms, highFreqRtRatio: 0.5, reverbMixDb: 0 });
      const from = Math.round(0.1 * FS);
      expect(Math.abs(correlation(L, R, from, L.length))).toBeLessThan(0.3);
      const eL = energy(L);
      const eR = energy(R);
      expect(Math.abs(10 * Math.log10(eL / eR))).toBeLessThan(1);
    }
  });

  it('impulse energy per channel is about 0 dB at 1000 ms, mix 0 dB, ratio 0.999 (calibration)', () => {
    const { L, R } = impulseResponse({ reverbTimeMs: 1000, highFreqRtRatio: 0.999, reverbMixDb: 0 });
    expect(Math.abs(10 * Math.log10(energy(L)))).toBeLessThan(1.5);
    expect(Math.abs(10 * Math.log10(energy(R)))).toBeLessThan(1.5);
  });

  it('reverbMixDb and inGainDb scale the output in dB', () => {
    const ref = impulseResponse({ reverbMixDb: 0, inGainDb: 0 });
    const mixed = impulseResponse({ reverbMixDb: -10, inGainDb: 0 });
    const gained = impulseResponse({ reverbMixDb: 0, inGainDb: -20 });
    expect(10 * Math.log10(energy(mixed.L) / energy(ref.L))).toBeCloseTo(-10, 3);
    expect(10 * Math.log10(energy(gained.L) / energy(ref.L))).toBeCloseTo(-20, 3);
  });

  it('mix -96 dB (and in gain -96 dB) is silent: exact zeros', () => {
    const x = noise(FS, 0.9);
    for (const p of [{ reverbMixDb: -96 }, { inGainDb: -96 }, { reverbMixDb: -200 }]) {
      const rv = new Reverb(FS, BLOCK);
      rv.setParams(p);
      const { L, R } = render(rv, x);
      expect(energy(L) + energy(R)).toBe(0);
    }
  });
});

describe('Reverb: real-time contract', () => {
  it('starts with the synth defaults (DirectMusic defaults but HF ratio 0.5)', () => {
    const rv = new Reverb(FS, BLOCK);
    expect(paramsOf(rv)).toEqual({ ...SYNTH_REVERB_DEFAULTS });
    expect(SYNTH_REVERB_DEFAULTS.reverbMixDb).toBe(DIRECTMUSIC_REVERB_DEFAULTS.reverbMixDb);
    expect(SYNTH_REVERB_DEFAULTS.reverbTimeMs).toBe(DIRECTMUSIC_REVERB_DEFAULTS.reverbTimeMs);
  });

  it('clamps every parameter to the Waves reverb ranges and ignores NaN', () => {
    const rv = new Reverb(FS, BLOCK);
    rv.setParams({ inGainDb: 12, reverbMixDb: -500, reverbTimeMs: 1e9, highFreqRtRatio: 5 });
    expect(paramsOf(rv)).toEqual({
      inGainDb: REVERB_LIMITS.inGainDb.max,
      reverbMixDb: REVERB_LIMITS.reverbMixDb.min,
      reverbTimeMs: REVERB_LIMITS.reverbTimeMs.max,
      highFreqRtRatio: REVERB_LIMITS.highFreqRtRatio.max,
    });
    rv.setParams({ reverbTimeMs: 0, highFreqRtRatio: -1, inGainDb: Number.NaN });
    const p = paramsOf(rv);
    expect(p.reverbTimeMs).toBe(0.001);
    expect(p.highFreqRtRatio).toBe(0.001);
    expect(p.inGainDb).toBe(0);
    rv.setParams({ reverbTimeMs: 750 });
    expect(paramsOf(rv).reverbTimeMs).toBe(750);
    expect(paramsOf(rv).highFreqRtRatio).toBe(0.001);
  });

  it('ADDS to outL/outR instead of overwriting them', () => {
    const x = Float64Array.from(noise(4 * BLOCK, 0.5, 7));
    const a = new Reverb(FS, 512);
    const b = new Reverb(FS, 512);
    a.setParams({ reverbMixDb: 0 });
    b.setParams({ reverbMixDb: 0 });
    const wetL = new Float64Array(512);
    const wetR = new Float64Array(512);
    const preL = new Float64Array(512);
    const preR = new Float64Array(512);
    for (let i = 0; i < 512; i++) {
      preL[i] = 0.25 + 0.001 * i;
      preR[i] = -0.5;
    }
    const sumL = preL.slice();
    const sumR = preR.slice();
    // Two blocks so the wet signal is non-zero (the first echo arrives after ~30 ms).
    for (let k = 0; k < 4; k++) {
      wetL.fill(0);
      wetR.fill(0);
      sumL.set(preL);
      sumR.set(preR);
      a.process(x, wetL, wetR, 512);
      b.process(x, sumL, sumR, 512);
    }
    expect(energy(wetL)).toBeGreaterThan(0);
    for (let i = 0; i < 512; i++) {
      expect(sumL[i]).toBeCloseTo(preL[i] + wetL[i], 6);
      expect(sumR[i]).toBeCloseTo(preR[i] + wetR[i], 6);
    }
  });

  it('ramps a mix change linearly over 10 ms even in 16-frame blocks (no click)', () => {
    const x = Float64Array.from(noise(FS, 0.5, 21));
    const ref = new Reverb(FS, 16);
    const moved = new Reverb(FS, 16);
    ref.setParams({ reverbMixDb: 0 });
    moved.setParams({ reverbMixDb: 0 });
    const change = FS / 2;
    const rL = new Float64Array(x.length);
    const mL = new Float64Array(x.length);
    const R = new Float64Array(16);
    for (let pos = 0; pos < x.length; pos += 16) {
      if (pos === change) moved.setParams({ reverbMixDb: -96 });
      ref.process(x.subarray(pos, pos + 16), rL.subarray(pos, pos + 16), R, 16);
      moved.process(x.subarray(pos, pos + 16), mL.subarray(pos, pos + 16), R, 16);
    }
    const ramp = Math.round(0.01 * FS);
    for (let j = 0; j < ramp + 100; j++) {
      const expected = j < ramp ? (1 - (j + 1) / ramp) * rL[change + j] : 0;
      expect(Math.abs(mL[change + j] - expected)).toBeLessThan(1e-5);
    }
  });

  it('touches only the first `frames` samples', () => {
    const rv = new Reverb(FS, 256);
    const x = Float64Array.from(noise(256, 0.5));
    const L = new Float64Array(256).fill(9);
    const R = new Float64Array(256).fill(9);
    for (let k = 0; k < 20; k++) rv.process(x, L, R, 100);
    for (let i = 100; i < 256; i++) {
      expect(L[i]).toBe(9);
      expect(R[i]).toBe(9);
    }
  });

  it('reset() silences the tail (exact zeros afterwards for silent input)', () => {
    const rv = new Reverb(FS, BLOCK);
    rv.setParams({ reverbTimeMs: 3000, highFreqRtRatio: 0.999, reverbMixDb: 0 });
    const before = render(rv, noise(FS / 2, 0.8));
    expect(energy(before.L)).toBeGreaterThan(1);
    rv.reset();
    const after = render(rv, new Float64Array(FS));
    expect(energy(after.L) + energy(after.R)).toBe(0);
  });

  it('is linear: 2x input gives 2x output, and superposition holds', () => {
    const a = noise(FS, 0.3, 11);
    const b = noise(FS, 0.3, 12);
    const a2 = a.map((v) => 2 * v);
    const ab = a.map((v, i) => v + b[i]);
    const p = { reverbTimeMs: 1500, highFreqRtRatio: 0.4, reverbMixDb: 0 };
    const run = (x: Float32Array) => {
      const rv = new Reverb(FS, BLOCK);
      rv.setParams(p);
      return render(rv, x);
    };
    const ya = run(a);
    const ya2 = run(a2);
    const yb = run(b);
    const yab = run(ab);
    let err2 = 0;
    let errSum = 0;
    for (let i = 0; i < a.length; i++) {
      err2 += (ya2.L[i] - 2 * ya.L[i]) ** 2 + (ya2.R[i] - 2 * ya.R[i]) ** 2;
      errSum += (yab.L[i] - ya.L[i] - yb.L[i]) ** 2;
    }
    const ref = energy(ya.L) + energy(ya.R);
    expect(err2 / ref).toBeLessThan(1e-12);
    expect(errSum / ref).toBeLessThan(1e-10);
  });

  it('stays finite and bounded for 2 minutes of full-scale noise at every parameter extreme, then decays', () => {
    const seconds = 120;
    const x = new Float64Array(BLOCK);
    const L = new Float64Array(BLOCK);
    const R = new Float64Array(BLOCK);
    const blocks = Math.round((seconds * FS) / BLOCK);
    for (const reverbTimeMs of [0.001, 3000]) {
      for (const highFreqRtRatio of [0.001, 0.999]) {
        const rv = new Reverb(FS, BLOCK);
        rv.setParams({ reverbTimeMs, highFreqRtRatio, inGainDb: 0, reverbMixDb: 0 });
        let s = 12345;
        let peak = 0;
        for (let k = 0; k < blocks; k++) {
          for (let i = 0; i < BLOCK; i++) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            // Full-scale noise plus a DC offset: DC is the slowest-decaying input for this network.
            x[i] = 0.5 + 0.5 * (s / 2147483648 - 1);
          }
          L.fill(0);
          R.fill(0);
          rv.process(x, L, R, BLOCK);
          for (let i = 0; i < BLOCK; i++) {
            const v = Math.abs(L[i]) + Math.abs(R[i]);
            if (!(v <= peak)) peak = v; // NaN also lands here and fails below
          }
        }
        expect(Number.isFinite(peak)).toBe(true);
        expect(peak).toBeLessThan(100);
        // 15 s of silence: even a 3000 ms tail has fallen by 300 dB.
        x.fill(0);
        let lastPeak = 0;
        for (let k = 0; k < Math.round((15 * FS) / BLOCK); k++) {
          L.fill(0);
          R.fill(0);
          rv.process(x, L, R, BLOCK);
          lastPeak = 0;
          for (let i = 0; i < BLOCK; i++) lastPeak = Math.max(lastPeak, Math.abs(L[i]), Math.abs(R[i]));
        }
        expect(lastPeak).toBeLessThan(1e-9);
      }
    }
  });

  it('lets tails end in zeros or normal floats, never float32 subnormals (denormal guard)', () => {
    const rv = new Reverb(FS, BLOCK);
    rv.setParams({ reverbTimeMs: 300, highFreqRtRatio: 0.999 });
    render(rv, noise(FS / 4, 0.9));
    // 720 dB of decay (to 1e-36) takes 3.6 s at 300 ms; render 6 s of silence.
    render(rv, new Float64Array(6 * FS));
    const state = rv as unknown as { lineBuf: Float32Array; diffBuf: Float32Array };
    let subnormals = 0;
    for (const buf of [state.lineBuf, state.diffBuf]) {
      for (let i = 0; i < buf.length; i++) {
        const v = Math.abs(buf[i]);
        if (v !== 0 && v < 1.1754943508222875e-38) subnormals++;
      }
    }
    expect(subnormals).toBe(0);
  });
  it('a tail ends in exact zeros, and after that silence costs nothing yet changes nothing (bit for bit as a fresh reverb)', () => {
    const params = { reverbTimeMs: 300, highFreqRtRatio: 0.999, reverbMixDb: 0 };
    const used = new Reverb(FS, BLOCK);
    used.setParams(params);
    render(used, noise(FS / 4, 0.9));
    // 6 s of silence: the tail falls below the flush level (1e-30, 600 dB) after ~3 s.
    const tail = render(used, new Float64Array(6 * FS));
    const lastSecond = FS * 5;
    let nonZero = 0;
    for (let i = lastSecond; i < tail.L.length; i++) if (tail.L[i] !== 0 || tail.R[i] !== 0) nonZero++;
    expect(nonZero).toBe(0);
    // A mix change while silent ramps as it would with sound (10 ms), then an impulse: the
    // answer must be exactly a fresh reverb's with the same settings.
    used.setParams({ reverbMixDb: -6 });
    render(used, new Float64Array(FS / 10));
    const fresh = new Reverb(FS, BLOCK);
    fresh.setParams({ ...params, reverbMixDb: -6 });
    const a = render(used, impulse(FS, 0.5));
    const b = render(fresh, impulse(FS, 0.5));
    expect(energy(a.L)).toBeGreaterThan(1e-3);
    let diff = 0;
    for (let i = 0; i < a.L.length; i++) if (a.L[i] !== b.L[i] || a.R[i] !== b.R[i]) diff++;
    expect(diff).toBe(0);
  });

  it('a send that keeps whispering (1e-25 and 1e-36 noise after a loud tail) never makes float32 subnormals', () => {
    for (const amp of [1e-25, 1e-36]) {
      const rv = new Reverb(FS, BLOCK);
      rv.setParams({ reverbTimeMs: 300, highFreqRtRatio: 0.999 });
      render(rv, noise(FS / 4, 0.9));
      render(rv, noise(6 * FS, amp, 7));
      const state = rv as unknown as { lineBuf: Float32Array; diffBuf: Float32Array };
      let subnormals = 0;
      let nonZero = 0;
      for (const buf of [state.lineBuf, state.diffBuf]) {
        for (let i = 0; i < buf.length; i++) {
          const v = Math.abs(buf[i]);
          if (v !== 0) nonZero++;
          if (v !== 0 && v < 1.1754943508222875e-38) subnormals++;
        }
      }
      expect(subnormals).toBe(0);
      // The 1e-25 whisper is kept (it is above the flush level), the 1e-36 one is flushed.
      if (amp === 1e-25) expect(nonZero).toBeGreaterThan(0);
      else expect(nonZero).toBe(0);
    }
  });
});
