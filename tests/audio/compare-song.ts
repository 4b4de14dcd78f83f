/**
 * Compares a song captured from the live engine (jack-tap's WAV) with the offline render of the
 * same song (dmus render): aligns them by cross-correlating their 10 ms loudness envelopes, then
 * measures how alike they are. Live and offline runs cannot be sample-identical (the live song
 * starts at an arbitrary sample, so per-block parameter updates fall on other samples), so the
 * test is on what a listener hears: the loudness envelope over time and the spectrum.
 *
 *   node compare-song.js capture.wav offline.wav [seconds] -> one JSON line; exit 1 if unlike
 */
import { readFileSync } from 'node:fs';

function readWav(path: string): { rate: number; mono: Float32Array } {
  const b = readFileSync(path);
  let off = 12;
  let ch = 2;
  let rate = 48000;
  let bits = 16;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      ch = b.readUInt16LE(off + 10);
      rate = b.readUInt32LE(off + 12);
      bits = b.readUInt16LE(off + 22);
    }
    if (id === 'data') {
      const data = b.subarray(off + 8, off + 8 + Math.min(size, b.length - off - 8));
      const frames = Math.floor(data.length / (ch * (bits / 8)));
      const mono = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let s = 0;
        for (let c = 0; c < ch; c++) s += bits === 16 ? data.readInt16LE((i * ch + c) * 2) / 32768 : data.readFloatLE((i * ch + c) * 4);
        mono[i] = s / ch;
      }
      return { rate, mono };
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

function envelope(x: Float32Array, hop: number): Float64Array {
  const n = Math.floor(x.length / hop);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < hop; j++) s += x[i * hop + j] ** 2;
    e[i] = Math.sqrt(s / hop);
  }
  return e;
}

function corr(a: Float64Array, b: Float64Array, lag: number, n: number): number {
  let sa = 0;
  let sb = 0;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = i + lag;
    if (j < 0 || j >= b.length || i >= a.length) continue;
    sa += a[i];
    sb += b[j];
    sab += a[i] * b[j];
    saa += a[i] * a[i];
    sbb += b[j] * b[j];
    m++;
  }
  const cov = sab / m - (sa / m) * (sb / m);
  const va = saa / m - (sa / m) ** 2;
  const vb = sbb / m - (sb / m) ** 2;
  return cov / Math.sqrt(va * vb);
}

/** Magnitude spectrum in 1/3-octave bands of a window (a crude but robust timbre fingerprint). */
function bands(x: Float32Array, from: number, len: number, rate: number): number[] {
  const out: number[] = [];
  for (let f = 63; f < 12000; f *= 2 ** (1 / 3)) {
    // Goertzel at the band centre.
    const w = (2 * Math.PI * f) / rate;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < len; i++) {
      const s0 = x[from + i] + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    out.push(Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2)));
  }
  return out;
}

const [capPath, refPath, secArg] = process.argv.slice(2);
const seconds = Number(secArg ?? '8');
const cap = readWav(capPath);
const ref = readWav(refPath);
const hop = Math.round(cap.rate / 100);
const ec = envelope(cap.mono, hop);
const er = envelope(ref.mono, hop);
const n = Math.min(er.length, seconds * 100);
// The capture starts before the song (the engine's start-up): search lags up to 3 s.
let best = { lag: 0, r: -2 };
for (let lag = 0; lag < 300; lag++) {
  const r = corr(er, ec, lag, n);
  if (r > best.r) best = { lag, r };
}
const offset = best.lag * hop;
const winLen = cap.rate;
const sims: number[] = [];
for (let t = 1; t + 1 < seconds; t += 2) {
  const a = bands(ref.mono, t * cap.rate, winLen, cap.rate);
  const b = bands(cap.mono, offset + t * cap.rate, winLen, cap.rate);
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  const na = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const nb = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
  sims.push(dot / (na * nb));
}
const rms = (x: Float32Array, from: number, len: number) => Math.sqrt(x.subarray(from, from + len).reduce((s, v) => s + v * v, 0) / len);
const levelDb = 20 * Math.log10(rms(cap.mono, offset, n * hop) / rms(ref.mono, 0, n * hop));
const summary = {
  envelopeCorrelation: +best.r.toFixed(4),
  offsetMs: +((offset / cap.rate) * 1000).toFixed(1),
  spectralSimilarity: sims.map((s) => +s.toFixed(3)),
  levelDifferenceDb: +levelDb.toFixed(2),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
const alike = summary.envelopeCorrelation > 0.95 && sims.every((s) => s > 0.95) && Math.abs(levelDb) < 1;
process.exit(alike ? 0 : 1);
