/**
 * Seed concept: the default GM collection (reference §7.9). A clean-room synth cannot ship
 * Microsoft's gm.dls, so the project generates its own General MIDI bank: synthesized waves and
 * DLS2 articulations for all 128 GM programs plus a standard drum kit (bank 128, drum flag),
 * written as a real DLS2 file by the project's own writer (engine/dls/dls-writer.ts).
 *
 * Deterministic: only + - × / and the dmath helpers are used on sample values, and no date or
 * random seed enters the file, so the same bytes come out on every run and machine.
 *
 *   node dist/engine/dls/gm-bank/make-gm-bank.js assets/dmus-gm.dls
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ArticulationList, ConnectionBlock, DlsCollection, DlsInstrument, DlsRegion, DlsWave } from '../collection.js';
import { encodeLocale } from '../collection.js';
import { CONN_DST, CONN_SRC, CONN_TRN_SOURCE_BIPOLAR, WLOOP_TYPE } from '../constants.js';
import { writeDls } from '../dls-writer.js';
import { dexp, dlog2, dpow, dsin } from './dmath.js';
import { GM_PROGRAM_NAMES } from './gm-names.js';

const RATE = 22050;
/** Loop length of the melodic waves in frames; partials get a whole number of cycles in it. */
const LOOP = 2048;
const TWO_PI = 2 * Math.PI;

// ---------------------------------------------------------------------------------------------
// Units (reference §6.4): every lScale is value × 65536.

const fixed = (v: number) => Math.round(v * 65536);
/** Seconds -> absolute time cents. */
const tc = (seconds: number) => fixed(Math.round(1200 * dlog2(seconds)));
/** Hz -> absolute pitch cents (8.176 Hz = 0). */
const pc = (hz: number) => fixed(Math.round(1200 * dlog2(hz / 440) + 6900));
const conn = (usSource: number, usControl: number, usDestination: number, lScale: number, usTransform = 0): ConnectionBlock => ({
  usSource,
  usControl,
  usDestination,
  usTransform,
  lScale,
});

// ---------------------------------------------------------------------------------------------
// Waves

type Spectrum = (n: number) => number;

/** Deterministic noise: xorshift32. */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2147483648 - 1;
  };
}

function toPcm16(x: Float64Array, peak = 0.7): Uint8Array {
  let max = 1e-9;
  for (const v of x) max = Math.max(max, Math.abs(v));
  const out = new Uint8Array(2 * x.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) view.setInt16(2 * i, Math.round((x[i] / max) * peak * 32767), true);
  return out;
}

/**
 * Gain of the melodic waves (wsmp lAttenuation, cB): −6 dB. The synthesized waves are dense and
 * sustain at full level, so without it a piano song rendered about 7 dB louder than the same song
 * with the TimGM6mb bank and reached the soft clipper. Drum regions carry their own wsmp (0 dB).
 */
const MELODIC_ATTENUATION_CB = -60;

function wave(name: string, data: Uint8Array, loop?: { start: number; length: number }, unity = 60, fine = 0): DlsWave {
  return {
    fmt: { wFormatTag: 1, nChannels: 1, nSamplesPerSec: RATE, nAvgBytesPerSec: 2 * RATE, nBlockAlign: 2, wBitsPerSample: 16 },
    wsmp: {
      usUnityNote: unity,
      sFineTune: fine,
      lAttenuation: MELODIC_ATTENUATION_CB * 65536,
      fulOptions: 0,
      loops: loop ? [{ ulType: WLOOP_TYPE.FORWARD, ulStart: loop.start, ulLength: loop.length }] : [],
    },
    data,
    info: [{ id: 'INAM', text: name }],
    unknown: [],
  };
}

/**
 * A single looped wave: partial n at a whole number of cycles of the loop (harmonic partials land
 * exactly, inharmonic `ratios` are rounded). `cycles` sets the pitch; `maxHz` band-limits the
 * partials so the wave does not alias when played higher. `detune` adds a detuned copy (chorus).
 */
function loopWave(name: string, spectrum: Spectrum, unityNote: number, opts: { ratios?: number[]; detune?: boolean; clip?: boolean } = {}): DlsWave {
  const target = 440 * dexp(((unityNote - 69) / 12) * Math.LN2);
  const cycles = Math.max(1, Math.round((target * LOOP) / RATE));
  const actual = (cycles * RATE) / LOOP;
  const fine = Math.round(1200 * dlog2(target / actual));
  // Band limit: partials must stay under the output Nyquist (24 kHz at 48 kHz) when the wave is
  // played at the top of its key range: low wave up to key 71 (×1.9), high wave up to key ~100 (×2.5).
  const maxHz = unityNote < 72 ? 10000 : 9000;
  const x = new Float64Array(LOOP);
  const ratios = opts.ratios ?? Array.from({ length: 64 }, (_, i) => i + 1);
  ratios.forEach((ratio, idx) => {
    const n = idx + 1;
    const amp = spectrum(n);
    const cyc = Math.round(ratio * cycles);
    if (amp === 0 || cyc * (RATE / LOOP) > maxHz || cyc >= LOOP / 2) return;
    const phase = n * 1.7;
    for (let i = 0; i < LOOP; i++) x[i] += amp * dsin((TWO_PI * cyc * i) / LOOP + phase);
    if (opts.detune) for (let i = 0; i < LOOP; i++) x[i] += 0.7 * amp * dsin((TWO_PI * (cyc + n) * i) / LOOP + phase * 0.5);
  });
  if (opts.clip) {
    let max = 1e-9;
    for (const v of x) max = Math.max(max, Math.abs(v));
    for (let i = 0; i < LOOP; i++) {
      const v = (3 * x[i]) / max;
      x[i] = v / (1 + Math.abs(v));
    }
  }
  return wave(name, toPcm16(x), { start: 0, length: LOOP }, unityNote, fine);
}

/** Looped filtered noise (breath, sea, applause); `color` 0..1 is the one-pole lowpass amount. */
function noiseLoop(name: string, color: number, seed: number, frames = 8192): DlsWave {
  const rnd = noise(seed);
  const x = new Float64Array(frames);
  let y = 0;
  for (let i = 0; i < frames; i++) {
    y = y * color + rnd() * (1 - color);
    x[i] = y;
  }
  return wave(name, toPcm16(x, 0.5), { start: 0, length: frames });
}

/** A one-shot drum sound from a per-sample function of time t (seconds) and a noise source. */
function oneShot(name: string, seconds: number, f: (t: number, n: () => number) => number, seed = 1): DlsWave {
  const frames = Math.round(seconds * RATE);
  const x = new Float64Array(frames);
  const rnd = noise(seed);
  for (let i = 0; i < frames; i++) x[i] = f(i / RATE, rnd);
  return wave(name, toPcm16(x, 0.8));
}

// ---------------------------------------------------------------------------------------------
// Melodic programs

const saw: Spectrum = (n) => 1 / n;
const square: Spectrum = (n) => (n % 2 ? 1 / n : 0);
const soft: Spectrum = (n) => 1 / (n * n);
const bright = (s: Spectrum, b: number): Spectrum => (n) => s(n) * dexp(-(n - 1) * (1 - b) * 0.35);
const only = (amps: number[]): Spectrum => (n) => amps[n - 1] ?? 0;
const BELL = [1, 2.0, 3.01, 4.16, 5.43, 6.79, 8.21];
const MARIMBA = [1, 3.93, 9.54, 10.2];

interface Envelope {
  attack: number;
  decay: number;
  /** 0..1000 (0.1 % units). */
  sustain: number;
  release: number;
}
const perc = (decay: number, release = 0.3): Envelope => ({ attack: 0.002, decay, sustain: 0, release });
const held = (attack: number, release: number, sustain = 1000): Envelope => ({ attack, decay: 1, sustain, release });

interface Voice {
  spectrum: Spectrum;
  env: Envelope;
  ratios?: number[];
  detune?: boolean;
  clip?: boolean;
  noise?: { color: number };
  vibrato?: number;
  /** Filter: base cutoff Hz and EG2 sweep in cents. */
  filter?: { hz: number; sweep: number };
}

/** The program table: one line per GM family, varied by the index inside the family. */
function voiceFor(p: number): Voice {
  const i = p & 7;
  switch (p >> 3) {
    case 0: // pianos
      if (i === 6 || i === 7) return { spectrum: bright(saw, 0.9), env: perc(1.5, 0.15) };
      if (i === 4 || i === 5) return { spectrum: only([1, 0.3, 0.05, 0.15, 0, 0.04]), env: perc(3) };
      return { spectrum: bright((n) => 1 / dpow(n, 1.4), 0.55 + 0.1 * i), env: perc(4 + i, 0.4) };
    case 1: // chromatic percussion
      if (i === 4 || i === 5 || i === 2) return { spectrum: (n) => 1 / n, ratios: MARIMBA, env: perc(i === 2 ? 2 : 0.7) };
      return { spectrum: (n) => 1 / dpow(n, 1.2), ratios: BELL, env: perc(i === 6 ? 6 : 2.5, 0.8) };
    case 2: // organs and reeds
      if (i >= 4) return { spectrum: bright(saw, 0.6), env: held(0.03, 0.1), vibrato: i === 6 ? 12 : 0 };
      return { spectrum: only([1, 0.8, 0.6, 0.5, 0, 0.35, 0, 0.25]), env: i === 1 ? perc(1.2, 0.1) : held(0.008, 0.08), vibrato: i === 2 ? 8 : 0 };
    case 3: // guitars
      if (i === 5 || i === 6) return { spectrum: saw, clip: true, env: held(0.003, 0.15, 700) };
      if (i === 7) return { spectrum: only([0, 1, 0, 0.5, 0, 0.2]), env: perc(2) };
      return { spectrum: bright(saw, 0.5 + 0.08 * i), env: perc(i === 4 ? 0.3 : 2.5, 0.2) };
    case 4: // basses
      if (i >= 6) return { spectrum: i === 6 ? square : saw, env: held(0.003, 0.1, 600), filter: { hz: 600, sweep: 3600 } };
      return { spectrum: only([1, 0.5, 0.3, 0.15, 0.08]), env: perc(i === 3 ? 3 : 1.8, 0.12) };
    case 5: // strings
      if (i === 5) return { spectrum: bright(saw, 0.5), env: perc(0.5, 0.2) };
      if (i === 6) return { spectrum: bright(saw, 0.45), env: perc(2.5, 0.5) };
      if (i === 7) return { spectrum: (n) => 1 / n, ratios: [1, 1.5, 1.99, 2.44, 2.98], env: perc(2, 0.6) };
      return { spectrum: bright(saw, 0.75 - 0.05 * i), env: held(0.12, 0.35), vibrato: 15 };
    case 6: // ensembles, choir
      if (i === 4 || i === 5 || i === 6) return { spectrum: only([0.6, 1, 0.7, 0.3, 0.15, 0.1]), detune: true, env: held(0.2, 0.5), vibrato: 10 };
      if (i === 7) return { spectrum: saw, detune: true, env: perc(0.4, 0.2) };
      return { spectrum: bright(saw, 0.7), detune: true, env: held(i >= 2 ? 0.3 : 0.2, 0.6), vibrato: 6 };
    case 7: // brass
      return { spectrum: bright((n) => 1 / dpow(n, 0.9), 0.8), env: held(0.03, 0.15, 900), filter: { hz: 900 + 150 * i, sweep: 3000 } };
    case 8: // reeds
      if (i === 7) return { spectrum: square, env: held(0.02, 0.1), vibrato: 5 };
      return { spectrum: bright((n) => (n === 2 ? 0.3 : 1 / n), 0.75), env: held(0.02, 0.12), vibrato: 8 };
    case 9: // pipes
      return { spectrum: only([1, 0.2 + 0.03 * i, 0.08, 0.03]), env: held(0.04, 0.15), vibrato: 10 };
    case 10: // synth leads
      return { spectrum: i === 0 ? square : i === 2 ? soft : saw, env: held(0.005, 0.1), ...(i >= 4 ? { filter: { hz: 1500, sweep: 2400 } } : {}) };
    case 11: // pads
      return { spectrum: bright(i === 2 ? square : saw, 0.6), detune: true, env: held(0.6, 1.2), ...(i === 7 ? { filter: { hz: 400, sweep: 4800 } } : {}) };
    case 12: // synth effects
      if (i === 0 || i === 3) return { spectrum: saw, noise: { color: 0.7 }, env: held(0.5, 1.5) };
      return { spectrum: (n) => 1 / dpow(n, 1.1), ratios: BELL, detune: true, env: held(0.1, 1.5, 600) };
    case 13: // ethnic
      if (i === 6 || i === 7 || i === 1 + 4) return { spectrum: bright(saw, 0.7), env: held(0.02, 0.15), vibrato: 10 };
      return { spectrum: bright(saw, 0.6), env: perc(i === 4 ? 0.8 : 2, 0.25) };
    case 14: // percussive
      if (i === 7) return { spectrum: saw, noise: { color: 0.2 }, env: held(1.5, 0.1) };
      if (i === 0 || i === 1 || i === 2) return { spectrum: (n) => 1 / n, ratios: BELL, env: perc(1.2) };
      return { spectrum: only([1, 0.4, 0.1]), env: perc(i === 3 ? 0.15 : 0.6, 0.1) };
    default: // sound effects
      if (i === 3) return { spectrum: only([1]), env: held(0.01, 0.1), vibrato: 80 };
      if (i === 4) return { spectrum: square, env: held(0.005, 0.05) };
      return { spectrum: saw, noise: { color: [0.3, 0.85, 0.97, 0, 0, 0.9, 0.6, 0.5][i] }, env: i === 7 ? perc(0.6) : held(0.05, 0.4) };
  }
}

function articulation(v: Voice): ArticulationList {
  const c: ConnectionBlock[] = [
    conn(0, 0, CONN_DST.EG1_ATTACKTIME, tc(v.env.attack)),
    conn(0, 0, CONN_DST.EG1_DECAYTIME, tc(v.env.decay)),
    conn(0, 0, CONN_DST.EG1_SUSTAINLEVEL, fixed(v.env.sustain)),
    conn(0, 0, CONN_DST.EG1_RELEASETIME, tc(v.env.release)),
    // Mod wheel -> vibrato, 50 cents at full wheel (GM expects it; DLS2 has no default).
    conn(0, 0, CONN_DST.VIB_FREQUENCY, pc(5.5)),
    conn(CONN_SRC.VIBRATO, CONN_SRC.CC1, CONN_DST.PITCH, fixed(50), CONN_TRN_SOURCE_BIPOLAR),
  ];
  if (v.vibrato) {
    c.push(conn(0, 0, CONN_DST.VIB_STARTDELAY, tc(0.25)), conn(CONN_SRC.VIBRATO, 0, CONN_DST.PITCH, fixed(v.vibrato), CONN_TRN_SOURCE_BIPOLAR));
  }
  if (v.filter) {
    c.push(
      conn(0, 0, CONN_DST.FILTER_CUTOFF, pc(v.filter.hz)),
      conn(CONN_SRC.EG2, 0, CONN_DST.FILTER_CUTOFF, fixed(v.filter.sweep)),
      conn(0, 0, CONN_DST.EG2_ATTACKTIME, tc(0.02)),
      conn(0, 0, CONN_DST.EG2_DECAYTIME, tc(0.6)),
      conn(0, 0, CONN_DST.EG2_SUSTAINLEVEL, fixed(300)),
      conn(0, 0, CONN_DST.EG2_RELEASETIME, tc(0.3)),
    );
  }
  return { listType: 'lar2', articulators: [{ kind: 'art2', connections: c }] };
}

const region = (lo: number, hi: number, cue: number, extra: Partial<DlsRegion> = {}): DlsRegion => ({
  listType: 'rgn2',
  rgnh: { RangeKey: { usLow: lo, usHigh: hi }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: 0, usKeyGroup: 0, usLayer: 0 },
  wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: cue },
  articulations: [],
  unknown: [],
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Drum kit (GM key map 35-81)

function drumWaves(): Record<string, DlsWave> {
  const e = (t: number, d: number) => dexp(-t / d);
  return {
    kick: oneShot('Kick', 0.5, (t) => e(t, 0.12) * dsin(TWO_PI * (50 * t + 100 * 0.04 * (1 - e(t, 0.04))))),
    snare: oneShot('Snare', 0.35, (t, n) => e(t, 0.07) * (0.7 * n() + 0.5 * dsin(TWO_PI * 185 * t)), 7),
    stick: oneShot('Side Stick', 0.08, (t, n) => e(t, 0.012) * (0.5 * n() + dsin(TWO_PI * 1700 * t)), 11),
    clap: oneShot('Hand Clap', 0.3, (t, n) => (t < 0.03 ? e(t % 0.01, 0.003) : e(t - 0.03, 0.06)) * n(), 13),
    tom: oneShot('Tom', 0.6, (t) => e(t, 0.18) * dsin(TWO_PI * (90 * t + 60 * 0.05 * (1 - e(t, 0.05))))),
    hatClosed: oneShot('Closed Hi-Hat', 0.12, hiss(0.025), 17),
    hatOpen: oneShot('Open Hi-Hat', 0.7, hiss(0.22), 19),
    cymbal: oneShot('Crash Cymbal', 1.6, hiss(0.55), 23),
    ride: oneShot('Ride Cymbal', 1.2, (t, n) => e(t, 0.4) * (0.4 * n() + 0.3 * dsin(TWO_PI * 3100 * t) + 0.2 * dsin(TWO_PI * 4730 * t)), 29),
    cowbell: oneShot('Cowbell', 0.3, (t) => e(t, 0.07) * (sq(540 * t) + 0.7 * sq(800 * t))),
    wood: oneShot('Wood Block', 0.12, (t) => e(t, 0.025) * dsin(TWO_PI * 1200 * t)),
    shaker: oneShot('Shaker', 0.15, (t, n) => e(t, 0.03) * n() * (t < 0.01 ? t / 0.01 : 1), 31),
    triangle: oneShot('Triangle', 1.5, (t) => e(t, 0.5) * (dsin(TWO_PI * 4500 * t) + 0.3 * dsin(TWO_PI * 6520 * t))),
    whistle: oneShot('Whistle', 0.35, (t) => (t < 0.3 ? 1 : e(t - 0.3, 0.01)) * dsin(TWO_PI * 2500 * t + 3 * dsin(TWO_PI * 30 * t))),
  };
  function hiss(decay: number) {
    let prev = 0;
    return (t: number, n: () => number) => {
      const v = n();
      const hp = v - prev; // first difference: a cheap high-pass for metallic noise
      prev = v;
      return dexp(-t / decay) * hp;
    };
  }
  function sq(phase: number) {
    return phase - Math.floor(phase) < 0.5 ? 1 : -1;
  }
}

/** key -> [wave, unity note, key group]. */
const DRUM_MAP: Record<number, [string, number, number]> = {
  35: ['kick', 64, 0], 36: ['kick', 60, 0], 37: ['stick', 60, 0], 38: ['snare', 60, 0], 39: ['clap', 60, 0], 40: ['snare', 55, 0],
  41: ['tom', 64, 0], 42: ['hatClosed', 60, 1], 43: ['tom', 60, 0], 44: ['hatClosed', 66, 1], 45: ['tom', 55, 0], 46: ['hatOpen', 60, 1],
  47: ['tom', 51, 0], 48: ['tom', 47, 0], 49: ['cymbal', 60, 0], 50: ['tom', 43, 0], 51: ['ride', 60, 0], 52: ['cymbal', 55, 0],
  53: ['ride', 48, 0], 54: ['shaker', 48, 0], 55: ['cymbal', 67, 0], 56: ['cowbell', 60, 0], 57: ['cymbal', 57, 0], 58: ['shaker', 40, 0],
  59: ['ride', 62, 0], 60: ['tom', 24, 0], 61: ['tom', 28, 0], 62: ['tom', 30, 0], 63: ['tom', 33, 0], 64: ['tom', 38, 0],
  65: ['tom', 26, 0], 66: ['tom', 32, 0], 67: ['cowbell', 48, 0], 68: ['cowbell', 52, 0], 69: ['shaker', 60, 0], 70: ['shaker', 66, 0],
  71: ['whistle', 60, 4], 72: ['whistle', 64, 4], 73: ['shaker', 52, 5], 74: ['shaker', 46, 5], 75: ['wood', 48, 0], 76: ['wood', 60, 0],
  77: ['wood', 64, 0], 78: ['tom', 20, 3], 79: ['tom', 16, 3], 80: ['triangle', 64, 2], 81: ['triangle', 60, 2],
};

// ---------------------------------------------------------------------------------------------

export const GM_BANK_COPYRIGHT = 'Copyright (c) DMus Workstation contributors. MIT License (assets/LICENSE-gm-bank.md)';

/**
 * One melodic program of the bank as a collection of its own (its two waves and its instrument, the
 * same data makeGmBank builds for it): the render worker's JIT warm-up plays it.
 */
export function makeGmProgram(p: number): DlsCollection {
  const v = voiceFor(p);
  const name = GM_PROGRAM_NAMES[p];
  const waves: DlsWave[] = v.noise ? [noiseLoop(`${name}`, v.noise.color, 1000 + p)] : [loopWave(`${name} low`, v.spectrum, 60, v), loopWave(`${name} high`, v.spectrum, 84, v)];
  const regions = v.noise ? [region(0, 127, 0)] : [region(0, 71, 0), region(72, 127, 1)];
  const instrument: DlsInstrument = {
    locale: encodeLocale({ msb: 0, lsb: 0, drum: false, program: p }),
    regions,
    articulations: [articulation(v)],
    info: [{ id: 'INAM', text: name }],
    unknown: [],
  };
  return { instruments: [instrument], ptbl: waves.map((_, i) => i), waves, info: [], unknown: [], warnings: [] };
}

/** The bank's drum kit as a collection of its own (the render worker's JIT warm-up plays it). */
export function makeGmDrums(): DlsCollection {
  const waves: DlsWave[] = [];
  const cue: Record<string, number> = {};
  for (const [key, w] of Object.entries(drumWaves())) cue[key] = waves.push(w) - 1;
  return { instruments: [drumKit(cue)], ptbl: waves.map((_, i) => i), waves, info: [], unknown: [], warnings: [] };
}

/** The Standard Kit instrument over the drum waves at `cue` (wave name -> pool cue). */
function drumKit(cue: Record<string, number>): DlsInstrument {
  const kitRegions = Object.entries(DRUM_MAP).map(([key, [w, unity, group]]) =>
    region(Number(key), Number(key), cue[w], {
      rgnh: { RangeKey: { usLow: Number(key), usHigh: Number(key) }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: 0, usKeyGroup: group, usLayer: 0 },
      wsmp: { usUnityNote: unity + (Number(key) - 60), sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: [] },
    }),
  );
  return {
    locale: encodeLocale({ msb: 0, lsb: 0, drum: true, program: 0 }),
    regions: kitRegions,
    // One-shot samples: full sustain and a long release so a short note-off does not cut them.
    articulations: [{ listType: 'lar2', articulators: [{ kind: 'art2', connections: [conn(0, 0, CONN_DST.EG1_SUSTAINLEVEL, fixed(1000)), conn(0, 0, CONN_DST.EG1_RELEASETIME, tc(2))] }] }],
    info: [{ id: 'INAM', text: 'Standard Kit' }],
    unknown: [],
  };
}

/** Builds the whole bank in memory (deterministic). */
export function makeGmBank(): DlsCollection {
  const waves: DlsWave[] = [];
  const instruments: DlsInstrument[] = [];
  const add = (w: DlsWave) => waves.push(w) - 1;

  for (let p = 0; p < 128; p++) {
    const v = voiceFor(p);
    const name = GM_PROGRAM_NAMES[p];
    let regions: DlsRegion[];
    if (v.noise) {
      regions = [region(0, 127, add(noiseLoop(`${name}`, v.noise.color, 1000 + p)))];
    } else {
      // Two waves per program: a low one with many partials, a high one band-limited for the top keys.
      const low = add(loopWave(`${name} low`, v.spectrum, 60, v));
      const high = add(loopWave(`${name} high`, v.spectrum, 84, v));
      regions = [region(0, 71, low), region(72, 127, high)];
    }
    instruments.push({
      locale: encodeLocale({ msb: 0, lsb: 0, drum: false, program: p }),
      regions,
      articulations: [articulation(v)],
      info: [{ id: 'INAM', text: name }],
      unknown: [],
    });
  }

  const drums = drumWaves();
  const cue: Record<string, number> = {};
  for (const [key, w] of Object.entries(drums)) cue[key] = add(w);
  instruments.push(drumKit(cue));

  return {
    vers: { dwVersionMS: 0x00010000, dwVersionLS: 0 },
    instruments,
    ptbl: waves.map((_, i) => i),
    waves,
    info: [
      { id: 'INAM', text: 'DMus GM' },
      { id: 'ICOP', text: GM_BANK_COPYRIGHT },
      { id: 'ICMT', text: 'General MIDI bank synthesized by engine/dls/gm-bank/make-gm-bank.ts' },
      { id: 'ISFT', text: 'DMus Workstation' },
    ],
    unknown: [],
    warnings: [],
  };
}

export function makeGmBankBytes(): Uint8Array {
  return writeDls(makeGmBank());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node dist/engine/dls/gm-bank/make-gm-bank.js <out.dls>\n');
    process.exit(2);
  }
  const bytes = makeGmBankBytes();
  writeFileSync(out, bytes);
  process.stdout.write(`${out}: 129 instruments, ${bytes.length} bytes\n`);
}
