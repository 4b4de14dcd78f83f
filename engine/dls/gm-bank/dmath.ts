/**
 * Seed concept: none (support for the built-in GM bank). Purpose: sin/exp/log2 from + - × / only,
 * so the generated bank is the same bytes on every machine and Node version (Math.sin and friends
 * are not required by ECMAScript to be correctly rounded; IEEE basic arithmetic is).
 */
const PI = Math.PI;
const LN2 = Math.LN2;

/** sin(x), |error| < 1e-9: reduce to [-π/2, π/2], then a Taylor series to x^15. */
export function dsin(x: number): number {
  x = x - 2 * PI * Math.floor(x / (2 * PI) + 0.5); // [-π, π]
  if (x > PI / 2) x = PI - x;
  else if (x < -PI / 2) x = -PI - x;
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n <= 7; n++) {
    term = (-term * x2) / ((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}

/** e^x: x = k·ln2 + r with |r| ≤ ln2/2, then 2^k (exact) × a Taylor series of e^r. */
export function dexp(x: number): number {
  if (x < -700) return 0;
  const k = Math.floor(x / LN2 + 0.5);
  const r = x - k * LN2;
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 14; n++) {
    term = (term * r) / n;
    sum += term;
  }
  let p = 1;
  for (let i = 0; i < Math.abs(k); i++) p *= 2;
  return k >= 0 ? sum * p : sum / p;
}

/** log2(x) for x > 0: x = m·2^e with m in [1, 2), ln m = 2·atanh((m-1)/(m+1)). */
export function dlog2(x: number): number {
  let e = 0;
  while (x >= 2) {
    x /= 2;
    e++;
  }
  while (x < 1) {
    x *= 2;
    e--;
  }
  const t = (x - 1) / (x + 1);
  const t2 = t * t;
  let term = t;
  let sum = 0;
  for (let n = 1; n < 60; n += 2) {
    sum += term / n;
    term *= t2;
  }
  return e + (2 * sum) / LN2;
}

/** x^y for x > 0 (for spectra like 1/n^1.4). */
export function dpow(x: number, y: number): number {
  return dexp(y * dlog2(x) * LN2);
}
