/**
 * Concept: offline acoustic measurements for the send-bus effect tests: impulse rendering, the
 * Schroeder energy decay curve and RT60 fit (ISO 3382 style), RBJ band filters, correlation and a
 * single-frequency DFT. Purpose: test the effects against measured properties, not magic numbers.
 */

/** Anything with the effects' contract: ADDS wet stereo to outL/outR. */
export interface StereoEffect {
  process(input: Float64Array, outL: Float64Array, outR: Float64Array, frames: number): void;
}

export const BLOCK = 128;

/** Renders `input` through `fx` block by block; returns the wet L/R (outputs start at zero). */
export function render(fx: StereoEffect, input: Float32Array | Float64Array, block = BLOCK): { L: Float32Array; R: Float32Array } {
  const L = new Float32Array(input.length);
  const R = new Float32Array(input.length);
  // The synth's send buses are float64: the effects read them as they are.
  const inB = new Float64Array(block);
  const lB = new Float64Array(block);
  const rB = new Float64Array(block);
  for (let pos = 0; pos < input.length; pos += block) {
    const n = Math.min(block, input.length - pos);
    inB.fill(0);
    inB.set(input.subarray(pos, pos + n));
    lB.fill(0);
    rB.fill(0);
    fx.process(inB, lB, rB, n);
    L.set(lB.subarray(0, n), pos);
    R.set(rB.subarray(0, n), pos);
  }
  return { L, R };
}

/** A unit impulse followed by silence, `seconds` long. */
export function impulse(sampleRate: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(sampleRate * seconds));
  x[0] = 1;
  return x;
}

/**
 * Schroeder backward integration: EDC(t) = sum_{tau >= t} e(tau), in dB re EDC(0), where e is the
 * energy signal (sum of channel squares).
 */
export function edcDb(channels: ArrayLike<number>[]): Float64Array {
  const n = channels[0].length;
  const edc = new Float64Array(n);
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) {
    for (const ch of channels) acc += ch[i] * ch[i];
    edc[i] = acc;
  }
  const total = edc[0] > 0 ? edc[0] : 1;
  for (let i = 0; i < n; i++) edc[i] = 10 * Math.log10(edc[i] / total + 1e-300);
  return edc;
}

/**
 * RT60 from an EDC: least-squares line through the samples between `fromDb` and `toDb` (first
 * crossing of each), extrapolated to -60 dB. -5..-35 is ISO 3382's T30.
 */
export function rt60(edc: Float64Array, sampleRate: number, fromDb = -5, toDb = -35): number {
  let i0 = 0;
  while (i0 < edc.length && edc[i0] > fromDb) i0++;
  let i1 = i0;
  while (i1 < edc.length && edc[i1] > toDb) i1++;
  if (i1 >= edc.length || i1 - i0 < 4) return Number.NaN;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const n = i1 - i0;
  for (let i = i0; i < i1; i++) {
    const x = i / sampleRate;
    sx += x;
    sy += edc[i];
    sxx += x * x;
    sxy += x * edc[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx); // dB per second
  return -60 / slope;
}

/** RBJ biquad: 'bandpass' (0 dB peak), 'lowpass' or 'highpass'. Returns a filtered copy. */
export function biquad(x: ArrayLike<number>, sampleRate: number, type: 'bandpass' | 'lowpass' | 'highpass', f0: number, q: number): Float64Array {
  const w0 = (2 * Math.PI * f0) / sampleRate;
  const alpha = Math.sin(w0) / (2 * q);
  const c = Math.cos(w0);
  let b0: number;
  let b1: number;
  let b2: number;
  if (type === 'bandpass') {
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  } else if (type === 'lowpass') {
    b0 = (1 - c) / 2;
    b1 = 1 - c;
    b2 = (1 - c) / 2;
  } else {
    b0 = (1 + c) / 2;
    b1 = -(1 + c);
    b2 = (1 + c) / 2;
  }
  const a0 = 1 + alpha;
  const a1 = -2 * c;
  const a2 = 1 - alpha;
  const y = new Float64Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = (b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
    x2 = x1;
    x1 = xi;
    y2 = y1;
    y1 = yi;
    y[i] = yi;
  }
  return y;
}

/** Two passes of the biquad (4th-order band/edge) for a cleaner band split. */
export function band(x: ArrayLike<number>, sampleRate: number, type: 'bandpass' | 'lowpass' | 'highpass', f0: number, q: number): Float64Array {
  return biquad(biquad(x, sampleRate, type, f0, q), sampleRate, type, f0, q);
}

/** Pearson correlation of a and b over [start, end). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, start = 0, end = a.length): number {
  let sa = 0;
  let sb = 0;
  const n = end - start;
  for (let i = start; i < end; i++) {
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = start; i < end; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Sum of squares over [start, end). */
export function energy(x: ArrayLike<number>, start = 0, end = x.length): number {
  let e = 0;
  for (let i = start; i < end; i++) e += x[i] * x[i];
  return e;
}

/** Power of the Hann-windowed signal at one frequency (a DFT evaluated at f, any resolution). */
export function dftPower(x: ArrayLike<number>, sampleRate: number, f: number): number {
  const n = x.length;
  const w = (2 * Math.PI * f) / sampleRate;
  let re = 0;
  let im = 0;
  // Rotating phasor instead of sin/cos per sample; renormalised every 1024 samples.
  let c = 1;
  let s = 0;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  for (let i = 0; i < n; i++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const v = x[i] * win;
    re += v * c;
    im -= v * s;
    const c2 = c * cw - s * sw;
    s = s * cw + c * sw;
    c = c2;
    if ((i & 1023) === 1023) {
      const k = 1 / Math.hypot(c, s);
      c *= k;
      s *= k;
    }
  }
  return re * re + im * im;
}

/** A sine of amplitude `amp` at `freq`, `seconds` long. */
export function sine(sampleRate: number, seconds: number, freq: number, amp = 0.5): Float32Array {
  const x = new Float32Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return x;
}

/** Deterministic white noise in [-amp, amp) (xorshift32), so tests are reproducible. */
export function noise(length: number, amp = 0.5, seed = 0x9e3779b9): Float32Array {
  const x = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    x[i] = amp * (s / 2147483648 - 1);
  }
  return x;
}

/** DFT power of the Hann-windowed x at each frequency of `freqs` (windowed once). */
export function spectrum(x: ArrayLike<number>, sampleRate: number, freqs: ArrayLike<number>): Float64Array {
  const n = x.length;
  const xw = new Float64Array(n);
  for (let i = 0; i < n; i++) xw[i] = x[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  const out = new Float64Array(freqs.length);
  for (let k = 0; k < freqs.length; k++) {
    const w = (2 * Math.PI * freqs[k]) / sampleRate;
    const cw = Math.cos(w);
    const sw = Math.sin(w);
    let c = 1;
    let s = 0;
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += xw[i] * c;
      im -= xw[i] * s;
      const c2 = c * cw - s * sw;
      s = s * cw + c * sw;
      c = c2;
      if ((i & 1023) === 1023) {
        const r = 1 / Math.hypot(c, s);
        c *= r;
        s *= r;
      }
    }
    out[k] = re * re + im * im;
  }
  return out;
}

/**
 * The lag (in samples, parabolically refined) in [minLag, maxLag] at which y[start..start+len)
 * best matches x delayed by that lag: the delay of the strongest path from x to y in that window.
 */
export function bestLag(x: ArrayLike<number>, y: ArrayLike<number>, start: number, len: number, minLag: number, maxLag: number): number {
  let best = -Infinity;
  let bestK = minLag;
  const scores = new Float64Array(maxLag - minLag + 1);
  for (let k = minLag; k <= maxLag; k++) {
    let acc = 0;
    for (let i = start; i < start + len; i++) acc += y[i] * x[i - k];
    scores[k - minLag] = acc;
    if (acc > best) {
      best = acc;
      bestK = k;
    }
  }
  const j = bestK - minLag;
  if (j <= 0 || j >= scores.length - 1) return bestK;
  const a = scores[j - 1];
  const b = scores[j];
  const c = scores[j + 1];
  const den = a - 2 * b + c;
  return den === 0 ? bestK : bestK + (0.5 * (a - c)) / den;
}
