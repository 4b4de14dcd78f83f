/**
 * Seed concept: the DLS unit conversions (reference §6.4) and connection transforms (§6.3), as
 * lookup tables built once at module load so the render loop never calls Math.pow per voice.
 *
 * - cents -> frequency ratio 2^(c/1200): integer octave by multiplication, fraction from a table.
 * - centibels -> amplitude 10^(cB/200): table per 1/8 cB over -1440..+240 cB (finer than audible).
 * - concave/convex: the 96 dB curves, concave(x) = -(20/96)·log10((1-x)^2), which makes a -96 dB
 *   concave inverted connection equal to 40·log10(v/127) dB (§7.7). Tabled at 1/1024 resolution.
 */

const CENT_TABLE = new Float64Array(1201);
for (let i = 0; i <= 1200; i++) CENT_TABLE[i] = 2 ** (i / 1200);

/** 2^(cents/1200), exact to table resolution (linear between whole cents). */
export function centsToRatio(cents: number): number {
  if (cents > 30000) cents = 30000;
  else if (cents < -30000) cents = -30000;
  let oct = Math.floor(cents / 1200);
  const rem = cents - oct * 1200;
  const i = rem | 0;
  const f = rem - i;
  let r = CENT_TABLE[i] + (CENT_TABLE[i + 1] - CENT_TABLE[i]) * f;
  if (oct > 0) while (oct-- > 0) r *= 2;
  else while (oct++ < 0) r *= 0.5;
  return r;
}

/** out[i] = 2^(out[i]/1200) in place (cents to ratio). */
export function centsToRatioInto(out: Float64Array, i: number): void {
  let cents = out[i];
  if (cents > 30000) cents = 30000;
  else if (cents < -30000) cents = -30000;
  let oct = Math.floor(cents / 1200);
  const rem = cents - oct * 1200;
  const k = rem | 0;
  let r = CENT_TABLE[k] + (CENT_TABLE[k + 1] - CENT_TABLE[k]) * (rem - k);
  if (oct > 0) while (oct-- > 0) r *= 2;
  else while (oct++ < 0) r *= 0.5;
  out[i] = r;
}

/** Absolute pitch cents -> Hz: 8.176 Hz · 2^(pc/1200) (§6.4). */
export function absCentsToHz(pc: number): number {
  return 8.175798915643707 * centsToRatio(pc);
}

const CB_MIN = -1440;
const CB_MAX = 240;
const CB_STEPS = 8;
const CB_TABLE = new Float64Array((CB_MAX - CB_MIN) * CB_STEPS + 2);
for (let i = 0; i < CB_TABLE.length; i++) CB_TABLE[i] = 10 ** ((CB_MIN + i / CB_STEPS) / 200);

/** 10^(cB/200): centibels (0.1 dB) to amplitude; below -144 dB is 0. */
export function cbToAmp(cb: number): number {
  if (cb <= CB_MIN) return 0;
  if (cb >= CB_MAX) cb = CB_MAX;
  const x = (cb - CB_MIN) * CB_STEPS;
  const i = x | 0;
  return CB_TABLE[i] + (CB_TABLE[i + 1] - CB_TABLE[i]) * (x - i);
}

/** out[i] = 10^(out[i]/200) in place (cB to amplitude). */
export function cbToAmpInto(out: Float64Array, i: number): void {
  let cb = out[i];
  if (cb <= CB_MIN) {
    out[i] = 0;
    return;
  }
  if (cb >= CB_MAX) cb = CB_MAX;
  const x = (cb - CB_MIN) * CB_STEPS;
  const k = x | 0;
  out[i] = CB_TABLE[k] + (CB_TABLE[k + 1] - CB_TABLE[k]) * (x - k);
}

/** out[i] = seconds(src[j] time cents) × rate: a duration in samples. */
export function timecentsToSamplesInto(out: Float64Array, i: number, src: Float64Array, j: number, rate: number): void {
  const tc = src[j];
  if (tc <= -20000) {
    out[i] = 0;
    return;
  }
  out[i] = tc;
  centsToRatioInto(out, i);
  out[i] *= rate;
}

/** out[i] = Hz(src[j] absolute cents) / rate: cycles per sample. */
export function absCentsToCyclesInto(out: Float64Array, i: number, src: Float64Array, j: number, rate: number): void {
  out[i] = src[j];
  centsToRatioInto(out, i);
  out[i] *= 8.175798915643707 / rate;
}

/** Time cents -> seconds: 2^(tc/1200); very negative (0x80000000) is 0 s. */
export function timecentsToSeconds(tc: number): number {
  if (tc <= -20000) return 0;
  return centsToRatio(tc);
}

const CURVE_N = 1024;
const CONCAVE = new Float64Array(CURVE_N + 2);
const CONVEX = new Float64Array(CURVE_N + 2);
for (let i = 0; i <= CURVE_N + 1; i++) {
  const x = Math.min(1, i / CURVE_N);
  const cc = x >= 1 ? 1 : Math.min(1, (-40 / 96) * Math.log10(1 - x));
  CONCAVE[i] = cc;
}
for (let i = 0; i <= CURVE_N + 1; i++) {
  const x = Math.min(1, i / CURVE_N);
  // convex(x) = 1 - concave(1 - x)
  const j = CURVE_N - Math.min(CURVE_N, i);
  CONVEX[i] = x <= 0 ? 0 : 1 - CONCAVE[j];
}

/**
 * One source or control through its transform bits, in place on out[i]: out[i] is the unipolar
 * value 0..1, or already bipolar -1..1 when `nativeBipolar` (LFO, vibrato); `type` = the 4-bit
 * curve, `bipolar`/`invert` flags as in §6.3. The "...Into" helpers pass doubles only through
 * typed arrays: optimized V8 code boxes (allocates) a double passed to or returned from a call it
 * did not inline, so on the render path numbers never cross a call as arguments or results.
 */
export function transformInto(out: Float64Array, i: number, type: number, bipolar: boolean, invert: boolean, nativeBipolar: boolean): void {
  let x = out[i];
  if (type === 3) {
    // Switch: 0 below half scale, 1 from half up; bipolar maps that 0/1 to -1/+1, so a bipolar
    // switch has two levels (not the sign-symmetric -1/0/+1 the curves' folding below would give).
    // A natively bipolar source switches at its centre, 0.
    if (nativeBipolar) out[i] = (invert ? -x : x) < 0 ? -1 : 1;
    else {
      const s = (invert ? 1 - x : x) < 0.5 ? 0 : 1;
      out[i] = bipolar ? 2 * s - 1 : s;
    }
    return;
  }
  let sign = 1;
  if (nativeBipolar) {
    if (invert) x = -x;
    if (x < 0) {
      sign = -1;
      x = -x;
    }
  } else {
    if (invert) x = 1 - x;
    if (bipolar) {
      x = 2 * x - 1;
      if (x < 0) {
        sign = -1;
        x = -x;
      }
    }
  }
  let y = x;
  if (type === 1) {
    // concave(x) = -(40/96)·log10(1 - x), clipped to 1
    if (x >= 1) y = 1;
    else if (x <= 0) y = 0;
    else {
      y = (-40 / 96) * Math.log10(1 - x);
      if (y > 1) y = 1;
    }
  } else if (type === 2) {
    if (x <= 0) y = 0;
    else if (x >= 1) y = 1;
    else {
      const t = x * CURVE_N;
      const k = t | 0;
      y = CONVEX[k] + (CONVEX[k + 1] - CONVEX[k]) * (t - k);
    }
  }
  out[i] = sign * y;
}
