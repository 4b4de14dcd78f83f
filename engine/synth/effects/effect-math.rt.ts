/**
 * Concept: shared arithmetic for the send-bus effects (reverb, chorus): decibel gains with the
 * DirectSound "-96 dB is silence" floor, parameter clamping, power-of-two ring sizes and the
 * denormal guard. Render-path safe: nothing here allocates.
 */

/** Lowest level of the DirectMusic/DirectSound effect gains; at or below it a gain is exactly 0. */
export const MIN_DB = -96;

/**
 * Added to and then subtracted from a recursive state variable. Values far below it round to an
 * exact 0 in float64, so decaying tails end in true zeros instead of float32 subnormals, which are
 * slow on many CPUs and would make silence cost more than sound. Below -400 dB: inaudible, and the
 * quantisation step it leaves (about 1e-36) is still a normal float32.
 */
export const DENORMAL_GUARD = 1e-20;

/** dB to linear amplitude; MIN_DB and below (and -Infinity) give exactly 0, i.e. mute. */
export function dbToGain(db: number): number {
  return db <= MIN_DB ? 0 : 10 ** (db / 20);
}

/**
 * Clamp an optional parameter to [lo, hi]. An absent or NaN value keeps `current`, so a partial
 * setParams({...}) changes only what it names and a bad number cannot poison the state.
 */
export function clampParam(value: number | undefined, lo: number, hi: number, current: number): number {
  if (value === undefined || Number.isNaN(value)) return current;
  return value < lo ? lo : value > hi ? hi : value;
}

/** Smallest power of two >= n (n >= 1), so ring buffers wrap with `& (size - 1)`. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
