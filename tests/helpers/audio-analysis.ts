/**
 * Audio measurements for the tests that listen: frequency by zero crossings and by Goertzel, RMS,
 * level in dB, onset, discontinuities (clicks).
 */

/** Frequency from upward zero crossings, linearly interpolated (pure tones). */
export function zeroCrossingFrequency(x: Float32Array, sampleRate: number, from = 0, to = x.length): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) {
      const t = i - 1 + -x[i - 1] / (x[i] - x[i - 1]);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  if (count < 1) return 0;
  return (count * sampleRate) / (last - first);
}

/** Amplitude of the component at `freq` (Goertzel, Hann-windowed), normalised so a sine of amplitude A gives ≈A. */
export function goertzel(x: Float32Array, sampleRate: number, freq: number, from = 0, to = x.length): number {
  const n = to - from;
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const s0 = x[from + i] * win + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const re = s1 - s2 * Math.cos(w);
  const im = s2 * Math.sin(w);
  return (2 * Math.sqrt(re * re + im * im)) / (n * 0.5);
}

/** Strongest frequency in [lo, hi] Hz, by a Goertzel scan with step then refinement. */
export function peakFrequency(x: Float32Array, sampleRate: number, lo: number, hi: number, from = 0, to = x.length): number {
  let best = lo;
  let bestA = -1;
  for (let f = lo; f <= hi; f += 1) {
    const a = goertzel(x, sampleRate, f, from, to);
    if (a > bestA) {
      bestA = a;
      best = f;
    }
  }
  for (let f = best - 1; f <= best + 1; f += 0.01) {
    const a = goertzel(x, sampleRate, f, from, to);
    if (a > bestA) {
      bestA = a;
      best = f;
    }
  }
  return best;
}

export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

export function peak(x: Float32Array, from = 0, to = x.length): number {
  let p = 0;
  for (let i = from; i < to; i++) p = Math.max(p, Math.abs(x[i]));
  return p;
}

export const toDb = (a: number) => 20 * Math.log10(a);

/** The frequency `c` cents above (below, when negative) `f`. */
export const cents = (f: number, c: number) => f * 2 ** (c / 1200);

/** Index of the first sample whose magnitude exceeds `threshold`, or -1. */
export function firstAbove(x: Float32Array, threshold: number, from = 0): number {
  for (let i = from; i < x.length; i++) if (Math.abs(x[i]) > threshold) return i;
  return -1;
}

/** Largest sample-to-sample step (a click shows as a step far above the signal's own slope). */
export function maxStep(x: Float32Array, from = 1, to = x.length): number {
  let m = 0;
  for (let i = Math.max(1, from); i < to; i++) m = Math.max(m, Math.abs(x[i] - x[i - 1]));
  return m;
}

/** Largest second difference |x[i+1] - 2x[i] + x[i-1]|: discontinuities in value or slope. */
export function maxSecondDifference(x: Float32Array, from = 1, to = x.length - 1): number {
  let m = 0;
  for (let i = Math.max(1, from); i < Math.min(to, x.length - 1); i++) m = Math.max(m, Math.abs(x[i + 1] - 2 * x[i] + x[i - 1]));
  return m;
}

/** RMS envelope in windows of `win` samples. */
export function envelope(x: Float32Array, win: number): Float64Array {
  const n = Math.floor(x.length / win);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = rms(x, k * win, (k + 1) * win);
  return out;
}
