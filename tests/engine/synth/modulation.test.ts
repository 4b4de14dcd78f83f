/**
 * Tests that listen to the DLS2 connection graph (reference §6.3 sources, controls, destinations
 * and transforms; §6.4 units; §6.6 default connections; §5.4 the DLS1 DMUS_ARTICPARAMS mapping;
 * §7.3 controllers): the vibrato and modulation LFOs on pitch, gain, pan and filter cutoff, EG2 on
 * pitch and cutoff, channel and poly pressure as sources (and CC121 clearing them), key and
 * velocity scaling of EG1 times, the concave / convex / switch curves with the invert and bipolar
 * flags on sources and controls, and the defaults that must NOT modulate anything.
 *
 * Every test measures the rendered audio: instantaneous frequency from zero crossings in short
 * windows, levels from RMS or Goertzel. Expected values come from the reference's formulas; the
 * only engine figure used in tolerances is the control rate: modulators are sampled once per
 * 64-sample sub-block (1.33 ms at 48 kHz), as voice.test.ts states for the envelopes.
 */
import { describe, expect, it } from 'vitest';
import { CONN_DST, CONN_SRC, CONN_TRN } from '../../../engine/synth/constants.js';
import { goertzel, rms, toDb, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { type ConnSpec, instrumentDownload, sawWave, sineWave, tcRaw, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send, seconds, timeOfSample } from '../../helpers/synth-harness.js';

const RATE = 48000;
/** One control-rate step (64 samples) in seconds. */
const SUB = 64 / RATE;
/** Absolute pitch cents 0 = 8.176 Hz (§6.4). */
const absPitch = (hz: number) => 1200 * Math.log2(hz / 8.175798915643707);
/** A source transform (§6.3 bits 10-13 curve, 14 bipolar, 15 invert). */
const srcTrn = (curve: number, flags: { bipolar?: boolean; invert?: boolean } = {}) => (curve << 10) | (flags.bipolar ? 0x4000 : 0) | (flags.invert ? 0x8000 : 0);
/** A control transform (§6.3 bits 4-7 curve, 8 bipolar, 9 invert). */
const ctlTrn = (curve: number, flags: { bipolar?: boolean; invert?: boolean } = {}) => (curve << 4) | (flags.bipolar ? 0x100 : 0) | (flags.invert ? 0x200 : 0);
/** The 96 dB concave curve of §6.3 (SoundFont 2's): concave(x) = -(40/96)·log10(1 - x). */
const concave = (x: number) => (x >= 1 ? 1 : Math.min(1, (-40 / 96) * Math.log10(1 - x)));
/** convex(x) = 1 - concave(1 - x). */
const convex = (x: number) => 1 - concave(1 - x);
const CC16 = 0x80 + 16;

/** A harness with a 1000 Hz sine loop (unity note 60) as patch 0, articulation `art`. */
function sineSynth(art: ConnSpec[] = []): Harness {
  const h = makeHarness({ rate: RATE });
  h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE));
  h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 480 } }] }));
  return h;
}

/** A harness with a 100 Hz saw loop (rich in harmonics) as patch 0, articulation `art`. */
function sawSynth(art: ConnSpec[] = []): Harness {
  const h = makeHarness({ rate: RATE });
  h.stream.node.download(waveDownload(1, sawWave(480, 1), RATE));
  h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 480 } }] }));
  return h;
}

/** Sends at the harness's current render position (the next sample to render). */
const now = (h: Harness, ...bytes: number[]) => send(h, timeOfSample(h, h.position), 1, ...bytes);

interface Track {
  /** Window centres in seconds from the start of the analysed buffer. */
  t: number[];
  /** Deviation in cents from `f0` (pitch) or level in dB (envelope). */
  v: number[];
}

/** Instantaneous pitch: zero-crossing frequency of windows of `win` samples every `hop`, in cents re f0. */
function pitchTrack(x: Float32Array, f0: number, win = 480, hop = win, from = 0, to = x.length): Track {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = from; i + win <= to; i += hop) {
    t.push((i + win / 2) / RATE);
    v.push(1200 * Math.log2(zeroCrossingFrequency(x, RATE, i, i + win) / f0));
  }
  return { t, v };
}

/** Level in dB of RMS windows of `win` samples (whole carrier cycles, so a steady tone reads flat). */
function levelTrack(x: Float32Array, win = 480, from = 0, to = x.length): Track {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = from; i + win <= to; i += win) {
    t.push((i + win / 2) / RATE);
    v.push(toDb(rms(x, i, i + win)));
  }
  return { t, v };
}

/** Points of a track with t in [a, b). */
function part(tr: Track, a: number, b: number): Track {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < tr.t.length; i++) {
    if (tr.t[i] >= a && tr.t[i] < b) {
      t.push(tr.t[i]);
      v.push(tr.v[i]);
    }
  }
  return { t, v };
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const maxOf = (a: number[]) => Math.max(...a);
const minOf = (a: number[]) => Math.min(...a);
const maxAbs = (a: number[]) => Math.max(...a.map(Math.abs));

/** Rate of a modulation track (mean removed): zero-crossing frequency of the track itself. */
function modRate(tr: Track): number {
  const m = mean(tr.v);
  const dt = tr.t[1] - tr.t[0];
  return zeroCrossingFrequency(Float32Array.from(tr.v, (x) => x - m), 1 / dt);
}

/**
 * Amplitude of the component at `freq` Hz of a uniformly sampled track spanning whole cycles
 * (least squares for a sinusoid: 2/N · |Σ v·e^(-iωt)|), mean removed.
 */
function modDepth(tr: Track, freq: number): number {
  const m = mean(tr.v);
  let re = 0;
  let im = 0;
  for (let i = 0; i < tr.t.length; i++) {
    re += (tr.v[i] - m) * Math.cos(2 * Math.PI * freq * tr.t[i]);
    im += (tr.v[i] - m) * Math.sin(2 * Math.PI * freq * tr.t[i]);
  }
  return (2 / tr.t.length) * Math.hypot(re, im);
}

/**
 * Averaging a sinusoidal modulation of rate f over a window of T seconds scales it by
 * sinc(π f T): the pitch and level tracks read this fraction of the true depth.
 */
const windowed = (f: number, T: number) => Math.sin(Math.PI * f * T) / (Math.PI * f * T);

/** 5 Hz (the §6.6 default LFO and vibrato frequency, 0xFCACAE9C) is -851.3 absolute pitch cents. */
const DEFAULT_LFO_HZ = 8.175798915643707 * 2 ** ((0xfcacae9c | 0) / 65536 / 1200);

describe('vibrato LFO × CC1 (mod wheel) → pitch', () => {
  it('CC1 0 keeps the pitch steady; CC1 127 swings it by the connection depth at the 5 Hz default vibrato rate', () => {
    const depth = 50;
    const h = sineSynth([{ src: CONN_SRC.VIBRATO, ctl: CONN_SRC.CC1, dst: CONN_DST.PITCH, scale: depth }]);
    send(h, 0, 1, 0x90, 60, 127);
    const still = pitchTrack(renderFrames(h, seconds(h, 0.5)).L, 1000);
    // Wheel at 0: control value 0, so the connection adds nothing (§6.3: scale × src × ctl).
    expect(maxAbs(still.v)).toBeLessThan(0.5);
    now(h, 0xb0, 1, 127);
    const wob = pitchTrack(renderFrames(h, seconds(h, 2)).L, 1000);
    const rate = modRate(wob);
    expect(rate).toBeCloseTo(5, 1);
    // Full wheel: the control is 1, so the swing is ±scale cents (10 ms windows read sinc(π·5·0.01)).
    const expected = depth * windowed(5, 0.01);
    expect(modDepth(wob, rate)).toBeGreaterThan(expected - 1);
    expect(modDepth(wob, rate)).toBeLessThan(expected + 1);
    expect(maxOf(wob.v)).toBeGreaterThan(expected - 1.5);
    expect(maxOf(wob.v)).toBeLessThan(expected + 1.5);
    expect(minOf(wob.v)).toBeLessThan(-expected + 1.5);
    expect(minOf(wob.v)).toBeGreaterThan(-expected - 1.5);
    // Half wheel, half depth: the control is linear (no transform), 64/127.
    now(h, 0xb0, 1, 64);
    const half = pitchTrack(renderFrames(h, seconds(h, 2)).L, 1000);
    expect(modDepth(half, rate)).toBeCloseTo((depth * 64 * windowed(5, 0.01)) / 127, 0);
  });

  it('the vibrato runs at VIB_FREQUENCY after VIB_STARTDELAY, independent of the modulation LFO frequency', () => {
    const h = sineSynth([
      { src: CONN_SRC.VIBRATO, dst: CONN_DST.PITCH, scale: 40 },
      { src: CONN_SRC.NONE, dst: CONN_DST.VIB_FREQUENCY, scale: absPitch(8) },
      { src: CONN_SRC.NONE, dst: CONN_DST.VIB_STARTDELAY, raw: tcRaw(0.25) },
      // The modulation LFO runs at 3 Hz and drives a small tremolo: it must not leak into pitch.
      { src: CONN_SRC.NONE, dst: CONN_DST.LFO_FREQUENCY, scale: absPitch(3) },
      { src: CONN_SRC.LFO, dst: CONN_DST.GAIN, scale: 10 },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 2.25));
    // Fine track (3-cycle windows every cycle) for the onset, 10 ms windows for rate and depth.
    const fine = pitchTrack(L, 1000, 144, 48);
    const before = part(fine, 0, 0.25 - 0.0015);
    expect(maxAbs(before.v)).toBeLessThan(0.5);
    const onset = fine.t[fine.v.findIndex((c) => Math.abs(c) > 0.05 * 40)];
    // Starts at the delay: within a sub-block, a window half-width and the first 5 % of a cycle.
    expect(onset).toBeGreaterThan(0.25 - 0.002);
    expect(onset).toBeLessThan(0.25 + SUB + 0.005);
    const wob = part(pitchTrack(L, 1000), 0.25, 2.25); // 16 whole cycles at 8 Hz
    expect(modRate(wob)).toBeCloseTo(8, 1);
    expect(modDepth(wob, 8)).toBeCloseTo(40 * windowed(8, 0.01), 0);
    expect(modDepth(wob, 3)).toBeLessThan(0.5);
  });
});

describe('DLS1 DMUS_ARTICPARAMS mod wheel fields (§5.4: one LFO for pitch and volume)', () => {
  /** A type-1 download: LFO at `hz` with no start delay, zero-time EGs, full sustains. */
  function dls1(hz: number, mwToVolume: number, mwToPitch: number): Harness {
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE));
    const zero = -0x80000000;
    const fx = (x: number) => Math.round(x * 65536);
    // LFO(6) VolEG(6) PitchEG(7) Misc(1).
    const params = [fx(absPitch(hz)), zero, 0, 0, fx(mwToVolume), fx(mwToPitch), zero, zero, fx(1000), zero, 0, 0, zero, zero, fx(1000), zero, 0, 0, 0, 0];
    h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, articParams: params, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
    return h;
  }

  it('pcMWToPitch is LFO × CC1 → PITCH: vibrato of that many cents at LFO.pcFrequency, only with the wheel up', () => {
    const h = dls1(6, 0, 30);
    send(h, 0, 1, 0x90, 60, 127);
    expect(maxAbs(pitchTrack(renderFrames(h, seconds(h, 0.5)).L, 1000).v)).toBeLessThan(0.5);
    now(h, 0xb0, 1, 127);
    const wob = pitchTrack(renderFrames(h, seconds(h, 2)).L, 1000); // 12 whole cycles at 6 Hz
    expect(modRate(wob)).toBeCloseTo(6, 1);
    expect(modDepth(wob, 6)).toBeCloseTo(30 * windowed(6, 0.01), 0);
    // The DLS1 LFO drives no volume here (gcMWToVolume 0): no level component at the LFO rate.
    expect(modDepth(levelTrack(renderFrames(h, seconds(h, 2)).L), 6)).toBeLessThan(0.02);
  });

  it('gcMWToVolume is LFO × CC1 → ATTENUATION: a tremolo of that many cB, pitch untouched', () => {
    const h = dls1(6, -50, 0);
    send(h, 0, 1, 0x90, 60, 127);
    send(h, 0, 1, 0xb0, 1, 127);
    const { L } = renderFrames(h, seconds(h, 2));
    const lv = levelTrack(L);
    expect(modRate(lv)).toBeCloseTo(6, 1);
    expect(modDepth(lv, 6)).toBeCloseTo(5 * windowed(6, 0.01), 1);
    expect(maxAbs(pitchTrack(L, 1000).v)).toBeLessThan(0.5);
  });
});

describe('modulation LFO → gain (tremolo)', () => {
  it('LFO → GAIN of 60 cB swings the level ±6 dB at the 5 Hz default LFO rate, about the unmodulated level', () => {
    const steady = sineSynth();
    send(steady, 0, 1, 0x90, 60, 127);
    const flat = mean(levelTrack(renderFrames(steady, seconds(steady, 0.5)).L, 480, 4800).v);
    const h = sineSynth([{ src: CONN_SRC.LFO, dst: CONN_DST.GAIN, scale: 60 }]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 2.2));
    const lv = part(levelTrack(L), 0.1, 2.1); // 10 whole cycles at 5 Hz
    const rate = modRate(lv);
    expect(rate).toBeCloseTo(5, 1);
    // The LFO is bipolar (DLS 2.1: bipolar, not inverted): ±60 cB = ±6 dB around the static level.
    const expected = 6 * windowed(5, 0.01);
    expect(modDepth(lv, rate)).toBeGreaterThan(expected - 0.2);
    expect(modDepth(lv, rate)).toBeLessThan(expected + 0.2);
    expect(maxOf(lv.v) - minOf(lv.v)).toBeGreaterThan(2 * expected - 0.4);
    expect(maxOf(lv.v) - minOf(lv.v)).toBeLessThan(2 * expected + 0.4);
    expect(Math.abs(mean(lv.v) - flat)).toBeLessThan(0.3);
    // A level modulation only: the pitch stays put.
    expect(maxAbs(pitchTrack(L, 1000, 480, 480, 4800).v)).toBeLessThan(0.5);
  });

  it('LFO × CC1 → GAIN (the DLS2 form of gcMWToVolume) follows the wheel; LFO_FREQUENCY sets the rate', () => {
    const h = sineSynth([
      { src: CONN_SRC.LFO, ctl: CONN_SRC.CC1, dst: CONN_DST.GAIN, scale: -40 },
      { src: CONN_SRC.NONE, dst: CONN_DST.LFO_FREQUENCY, scale: absPitch(4) },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const off = levelTrack(renderFrames(h, seconds(h, 0.5)).L, 480, 4800);
    expect(maxOf(off.v) - minOf(off.v)).toBeLessThan(0.05);
    now(h, 0xb0, 1, 127);
    const lv = levelTrack(renderFrames(h, seconds(h, 2)).L); // 8 whole cycles at 4 Hz
    expect(modRate(lv)).toBeCloseTo(4, 1);
    expect(modDepth(lv, 4)).toBeCloseTo(4 * windowed(4, 0.01), 1);
  });
});

describe('modulation LFO → pan', () => {
  it('LFO → PAN of 500 (0.1 % units) swings the voice from hard left to hard right at the LFO rate', () => {
    const h = sineSynth([{ src: CONN_SRC.LFO, dst: CONN_DST.PAN, scale: 500 }]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L, R } = renderFrames(h, seconds(h, 2.01));
    const l = part(levelTrack(L), 0.01, 2.01);
    const r = part(levelTrack(R), 0.01, 2.01);
    const balance: Track = { t: l.t, v: l.v.map((x, i) => r.v[i] - x) };
    expect(modRate(balance)).toBeCloseTo(5, 1);
    // At the LFO peaks pan reaches ±500 × sinc(π·5·0.01) ≈ ±498: the far side is more than 40 dB down.
    expect(maxOf(balance.v)).toBeGreaterThan(40);
    expect(minOf(balance.v)).toBeLessThan(-40);
    // Left and right swing in opposition about the -3 dB centre: the sum of powers stays constant.
    const power = l.v.map((x, i) => toDb(Math.sqrt(10 ** (x / 10) + 10 ** (r.v[i] / 10))));
    expect(maxOf(power) - minOf(power)).toBeLessThan(0.1);
  });
});

describe('EG2 → pitch', () => {
  it('a pitch envelope rises by the connection depth over the attack, decays to the sustain share, releases to 0', () => {
    const depth = 1200;
    const h = sineSynth([
      { src: CONN_SRC.EG2, dst: CONN_DST.PITCH, scale: depth },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_ATTACKTIME, raw: tcRaw(0.1) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_DECAYTIME, raw: tcRaw(0.4) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_SUSTAINLEVEL, scale: 500 }, // 0.1 % units: 50 %
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_RELEASETIME, raw: tcRaw(0.2) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(2) },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const held = pitchTrack(renderFrames(h, seconds(h, 0.6)).L, 1000, 240);
    // EG2 runs 0..1 (§6.3); a stage moves the full range in its time: attack 0 -> 1 in 0.1 s,
    // decay 1 -> 0.5 at 1/0.4 s per unit (0.2 s), then holds the 50 % sustain.
    const eg2 = (t: number) => (t < 0.1 ? t / 0.1 : t < 0.3 ? 1 - (t - 0.1) / 0.4 : 0.5);
    // Error allowed: the modulator moves once per sub-block (the slope times one sub-block) + 2
    // cents. A pitch envelope must keep that rate through its slow stages too: at the 256-sample
    // rate of slow gain envelopes the 0.4 s decay ran 2.7 ms (8 cents) ahead in 16-cent steps.
    for (const [a, b, slope] of [
      [0.01, 0.095, depth / 0.1],
      [0.11, 0.29, depth / 0.4],
      [0.31, 0.6, 0],
    ]) {
      const seg = part(held, a, b);
      expect(seg.t.length).toBeGreaterThan(5);
      for (let i = 0; i < seg.t.length; i++) expect(Math.abs(seg.v[i] - depth * eg2(seg.t[i]))).toBeLessThan(slope * SUB + 2);
    }
    // The peak reaches the full depth; the sustain settles at half of it.
    expect(maxOf(held.v)).toBeGreaterThan(depth - (depth / 0.1) * SUB - 2);
    expect(Math.abs(mean(part(held, 0.35, 0.6).v) - depth / 2)).toBeLessThan(0.5);
    // Release: 0.5 -> 0 at 1/0.2 s per unit, so 0.1 s to the unity pitch, then it stays there.
    now(h, 0x80, 60, 0);
    const rel = pitchTrack(renderFrames(h, seconds(h, 0.3)).L, 1000, 240);
    const mid = part(rel, 0.045, 0.055);
    expect(Math.abs(mean(mid.v) - depth * 0.25)).toBeLessThan((depth / 0.2) * SUB + 2);
    expect(maxAbs(part(rel, 0.12, 0.3).v)).toBeLessThan(1);
  });
});

describe('EG2 and LFO → filter cutoff', () => {
  /** 4 kHz (40th harmonic) level of the 100 Hz saw over [a, b) s under a static cutoff. */
  function staticHarmonic(cutoffHz: number, a: number, b: number): number {
    const h = sawSynth([{ src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(cutoffHz) }]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, b));
    return goertzel(L, RATE, 4000, seconds(h, a), seconds(h, b));
  }

  it('EG2 → FILTER_CUTOFF of 4800 cents moves a 500 Hz cutoff to 8 kHz and back as EG2 holds and decays', () => {
    const h = sawSynth([
      { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(500) },
      { src: CONN_SRC.EG2, dst: CONN_DST.FILTER_CUTOFF, scale: 4800 },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_HOLDTIME, raw: tcRaw(0.25) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_DECAYTIME, raw: tcRaw(0.5) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG2_SUSTAINLEVEL, scale: 0 },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 1));
    const at = (a: number, b: number) => goertzel(L, RATE, 4000, seconds(h, a), seconds(h, b));
    // EG2 = 1 during the hold: cutoff 500 Hz + 4800 cents = 8 kHz; at 0.5 s half way down the
    // decay, EG2 = 0.5: 2 kHz; from 0.75 s EG2 = 0: 500 Hz. Same levels as those static cutoffs.
    const open = at(0.05, 0.2);
    const mid = at(0.475, 0.525);
    const closed = at(0.8, 1);
    expect(Math.abs(toDb(open / staticHarmonic(8000, 0.05, 0.2)))).toBeLessThan(0.5);
    expect(Math.abs(toDb(mid / staticHarmonic(2000, 0.475, 0.525)))).toBeLessThan(1);
    expect(Math.abs(toDb(closed / staticHarmonic(500, 0.8, 1)))).toBeLessThan(0.5);
    // 4 kHz sits 3 octaves above a 500 Hz cutoff: a 2-pole low-pass (12 dB/octave) takes ~36 dB.
    expect(toDb(closed / open)).toBeLessThan(-30);
    expect(toDb(closed / open)).toBeGreaterThan(-42);
  });

  it('LFO → FILTER_CUTOFF of 1200 cents sweeps a 2 kHz cutoff between 1 and 4 kHz at the LFO rate', () => {
    const h = sawSynth([
      { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(2000) },
      { src: CONN_SRC.LFO, dst: CONN_DST.FILTER_CUTOFF, scale: 1200 },
      { src: CONN_SRC.NONE, dst: CONN_DST.LFO_FREQUENCY, scale: absPitch(2) },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 2.1));
    // 4 kHz harmonic level in 50 ms windows (5 saw cycles, so the neighbouring harmonics fall on
    // the Hann window's nulls) every 10 ms; the cutoff swings ±1 octave.
    const win = 2400;
    const tr: Track = { t: [], v: [] };
    for (let i = 0; i + win <= L.length; i += 480) {
      tr.t.push((i + win / 2) / RATE);
      tr.v.push(toDb(goertzel(L, RATE, 4000, i, i + win)));
    }
    const lv = part(tr, 0.035, 2.035); // 4 whole cycles at 2 Hz
    expect(modRate(lv)).toBeCloseTo(2, 1);
    // The extremes match static cutoffs one octave either side of 2 kHz (the 50 ms window spans
    // ±18° of the LFO at its extremes: under 0.05 octave of cutoff).
    const hi = staticHarmonic(4000, 0.2, 0.25);
    const lo = staticHarmonic(1000, 0.2, 0.25);
    expect(Math.abs(maxOf(lv.v) - toDb(hi))).toBeLessThan(1);
    expect(Math.abs(minOf(lv.v) - toDb(lo))).toBeLessThan(1);
  });
});

describe('key number and velocity → filter cutoff', () => {
  /** 4 kHz level (dB) of the saw played at `key` (100 Hz at 60) and `vel` through `art`. */
  function harmonicDb(art: ConnSpec[], key: number, vel: number, f = 4000): number {
    const h = sawSynth(art);
    send(h, 0, 1, 0x90, key, vel);
    const { L } = renderFrames(h, seconds(h, 0.3));
    return toDb(goertzel(L, RATE, f, seconds(h, 0.1), seconds(h, 0.3)));
  }

  it('KEYNUMBER → FILTER_CUTOFF of 12800 tracks the key at 100 cents per key (key/128 × scale)', () => {
    // Base cutoff 8.176 Hz · 2^(x/1200) chosen so key 60 puts it at 500 Hz: base + 12800·60/128 cents.
    const base = absPitch(500) - (12800 * 60) / 128;
    const art: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: base },
      { src: CONN_SRC.KEYNUMBER, dst: CONN_DST.FILTER_CUTOFF, scale: 12800 },
    ];
    // Key 72 (200 Hz saw): cutoff 1000 Hz; its 4 kHz harmonic (the 20th) reads as under a static 1 kHz cutoff.
    const stat = (hz: number, key: number) => harmonicDb([{ src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(hz) }], key, 127);
    expect(Math.abs(harmonicDb(art, 60, 127) - stat(500, 60))).toBeLessThan(0.2);
    expect(Math.abs(harmonicDb(art, 72, 127) - stat(1000, 72))).toBeLessThan(0.2);
    // And the tracking is real: without it, key 72 would be filtered at 500 Hz, 12 dB lower or so.
    expect(stat(1000, 72) - stat(500, 72)).toBeGreaterThan(8);
  });

  it('KEYONVELOCITY → FILTER_CUTOFF opens the filter by scale × velocity', () => {
    const art: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(500) },
      { src: CONN_SRC.KEYONVELOCITY, dst: CONN_DST.FILTER_CUTOFF, scale: 2400 },
    ];
    // Velocity is also a gain source (the default concave curve), so compare the 4 kHz harmonic
    // with the fundamental: velocity 127 -> 500 Hz + 2400 cents = 2 kHz; velocity 1 -> ~506 Hz.
    const ratio = (a: ConnSpec[], vel: number) => harmonicDb(a, 60, vel) - harmonicDb(a, 60, vel, 100);
    const stat = (hz: number, vel: number) => ratio([{ src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: absPitch(hz) }], vel);
    expect(Math.abs(ratio(art, 127) - stat(2000, 127))).toBeLessThan(0.2);
    expect(Math.abs(ratio(art, 64) - stat(500 * 2 ** ((2400 * 64) / 127 / 1200), 64))).toBeLessThan(0.2);
  });
});

describe('channel pressure and poly pressure as sources', () => {
  it('VIBRATO × CHANNELPRESSURE → PITCH: aftertouch sets the vibrato depth while the note sounds', () => {
    const h = sineSynth([{ src: CONN_SRC.VIBRATO, ctl: CONN_SRC.CHANNELPRESSURE, dst: CONN_DST.PITCH, scale: 100 }]);
    send(h, 0, 1, 0x90, 60, 127);
    expect(maxAbs(pitchTrack(renderFrames(h, seconds(h, 0.4)).L, 1000).v)).toBeLessThan(0.5);
    now(h, 0xd0, 127);
    const full = pitchTrack(renderFrames(h, seconds(h, 1)).L, 1000);
    expect(modDepth(full, 5)).toBeCloseTo(100 * windowed(5, 0.01), 0);
    now(h, 0xd0, 64);
    const half = pitchTrack(renderFrames(h, seconds(h, 1)).L, 1000);
    expect(modDepth(half, 5)).toBeCloseTo((100 * 64 * windowed(5, 0.01)) / 127, 0);
    now(h, 0xd0, 0);
    renderFrames(h, seconds(h, 0.02));
    expect(maxAbs(pitchTrack(renderFrames(h, seconds(h, 0.4)).L, 1000).v)).toBeLessThan(0.5);
  });

  it('CHANNELPRESSURE (and MONOPRESSURE, its DLS2 alias) → GAIN acts on every note of the channel', () => {
    for (const src of [CONN_SRC.CHANNELPRESSURE, CONN_SRC.MONOPRESSURE]) {
      const h = sineSynth([{ src, dst: CONN_DST.GAIN, scale: -120 }]);
      send(h, 0, 1, 0x90, 60, 127);
      send(h, 0, 1, 0x90, 72, 127);
      const a = renderFrames(h, 9600).L;
      now(h, 0xd0, 127);
      const b = renderFrames(h, 9600).L;
      // Linear source, -120 cB × 127/127 = -12 dB on both the 1 kHz and the 2 kHz note.
      expect(toDb(goertzel(b, RATE, 1000, 4800) / goertzel(a, RATE, 1000, 4800))).toBeCloseTo(-12, 1);
      expect(toDb(goertzel(b, RATE, 2000, 4800) / goertzel(a, RATE, 2000, 4800))).toBeCloseTo(-12, 1);
    }
  });

  it('CC121 (reset all controllers) zeroes the mod wheel and both pressures, so their modulation stops (§7.3)', () => {
    const h = sineSynth([
      { src: CONN_SRC.VIBRATO, ctl: CONN_SRC.CC1, dst: CONN_DST.PITCH, scale: 50 },
      { src: CONN_SRC.VIBRATO, ctl: CONN_SRC.CHANNELPRESSURE, dst: CONN_DST.PITCH, scale: 50 },
      { src: CONN_SRC.POLYPRESSURE, dst: CONN_DST.GAIN, scale: -200 },
    ]);
    send(h, 0, 1, 0x90, 60, 127);
    const ref = rms(renderFrames(h, 9600).L, 4800);
    now(h, 0xb0, 1, 127);
    now(h, 0xd0, 127);
    now(h, 0xa0, 60, 127);
    const on = renderFrames(h, seconds(h, 1)).L;
    // Both vibrato terms add: ±100 cents; the poly pressure takes 20 dB.
    expect(modDepth(pitchTrack(on, 1000), 5)).toBeCloseTo(100 * windowed(5, 0.01), 0);
    expect(toDb(rms(on, 480) / ref)).toBeCloseTo(-20, 1); // past the 64-sample gain ramp
    now(h, 0xb0, 121, 0);
    renderFrames(h, seconds(h, 0.02));
    const off = renderFrames(h, seconds(h, 0.5)).L;
    expect(maxAbs(pitchTrack(off, 1000).v)).toBeLessThan(0.5);
    expect(Math.abs(toDb(rms(off) / ref))).toBeLessThan(0.05);
  });

  it('POLYPRESSURE → GAIN acts on the pressed key only', () => {
    const h = sineSynth([{ src: CONN_SRC.POLYPRESSURE, dst: CONN_DST.GAIN, scale: -200 }]);
    send(h, 0, 1, 0x90, 60, 127); // 1 kHz
    send(h, 0, 1, 0x90, 72, 127); // 2 kHz
    const a = renderFrames(h, 9600).L;
    now(h, 0xa0, 72, 127);
    const b = renderFrames(h, 9600).L;
    now(h, 0xa0, 72, 64);
    const c = renderFrames(h, 9600).L;
    const lvl = (x: Float32Array, f: number) => goertzel(x, RATE, f, 4800);
    // -200 cB × 127/127 = -20 dB, then × 64/127 = -10.08 dB, on key 72; key 60 untouched.
    expect(toDb(lvl(b, 2000) / lvl(a, 2000))).toBeCloseTo(-20, 1);
    expect(toDb(lvl(c, 2000) / lvl(a, 2000))).toBeCloseTo((-20 * 64) / 127, 1);
    expect(Math.abs(toDb(lvl(b, 1000) / lvl(a, 1000)))).toBeLessThan(0.05);
    expect(Math.abs(toDb(lvl(c, 1000) / lvl(a, 1000)))).toBeLessThan(0.05);
    // Pressure on a key that is not sounding changes nothing.
    now(h, 0xa0, 72, 0);
    now(h, 0xa0, 65, 127);
    renderFrames(h, 480);
    const d = renderFrames(h, 9600).L;
    expect(Math.abs(toDb(lvl(d, 1000) / lvl(a, 1000)))).toBeLessThan(0.05);
    expect(Math.abs(toDb(lvl(d, 2000) / lvl(a, 2000)))).toBeLessThan(0.05);
  });
});

describe('key number and velocity scaling of EG1', () => {
  /** EG1 decay slope in dB per second of key `key` (sine at 1000·2^((key-60)/12) Hz). */
  function decaySlope(art: ConnSpec[], key: number): number {
    const h = sineSynth(art);
    send(h, 0, 1, 0x90, key, 127);
    const { L } = renderFrames(h, seconds(h, 0.45));
    const f = 1000 * 2 ** ((key - 60) / 12);
    const at = (s: number) => goertzel(L, RATE, f, seconds(h, s - 0.01), seconds(h, s + 0.01));
    return (toDb(at(0.4)) - toDb(at(0.1))) / 0.3;
  }

  it('KEYNUMBER → EG1_DECAYTIME scales the decay time by scale × key/128 time cents', () => {
    const base: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_DECAYTIME, raw: tcRaw(2) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_SUSTAINLEVEL, scale: 0 },
    ];
    // Without the connection (default KEYNUMBER → EG1_DECAYTIME = 0, §6.6) every key decays in
    // 2 s: 96 dB / 2 s = -48 dB/s.
    expect(decaySlope(base, 48)).toBeCloseTo(-48, 0);
    expect(decaySlope(base, 84)).toBeCloseTo(-48, 0);
    const scaled = [...base, { src: CONN_SRC.KEYNUMBER, dst: CONN_DST.EG1_DECAYTIME, scale: -2400 }];
    // Decay time 2 s × 2^((-2400 × key/128) / 1200): key 48 -> 1.189 s, key 84 -> 0.805 s.
    for (const key of [48, 84]) {
      const decay = 2 * 2 ** ((-2400 * key) / 128 / 1200);
      expect(decaySlope(scaled, key)).toBeCloseTo(-96 / decay, 0);
    }
  });

  it('KEYNUMBER → EG1_HOLDTIME scales the hold the same way', () => {
    /** When the level has fallen 6 dB below the hold plateau: hold + 6/96 of the 1 s decay. */
    function sixDbDown(art: ConnSpec[], key: number): number {
      const h = sineSynth(art);
      send(h, 0, 1, 0x90, key, 127);
      const f = 1000 * 2 ** ((key - 60) / 12);
      // Windows of whole cycles of this key's tone: 480 samples hold 10·f/1000 of them.
      const lv = levelTrack(renderFrames(h, seconds(h, 0.6)).L, 480);
      expect(Number.isInteger((480 * f) / RATE)).toBe(true);
      return lv.t[lv.v.findIndex((d) => d < lv.v[0] - 6)];
    }
    const base: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_HOLDTIME, raw: tcRaw(0.2) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_DECAYTIME, raw: tcRaw(1) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_SUSTAINLEVEL, scale: 0 },
      { src: CONN_SRC.KEYNUMBER, dst: CONN_DST.EG1_HOLDTIME, scale: -1200 },
    ];
    // Hold 0.2 s × 2^(-1200 × key/128 / 1200): key 48 -> 0.154 s, key 72 -> 0.136 s; then
    // 62.5 ms to -6 dB. One 10 ms window of slack.
    for (const key of [48, 72]) {
      const hold = 0.2 * 2 ** ((-1200 * key) / 128 / 1200);
      expect(Math.abs(sixDbDown(base, key) - (hold + 0.0625))).toBeLessThan(0.01);
    }
  });

  it('KEYONVELOCITY → EG1_ATTACKTIME shortens the attack by scale × velocity time cents', () => {
    /** Time (s) at which the linear attack passes half its final level. */
    function halfAttack(art: ConnSpec[], vel: number): number {
      const h = sineSynth(art);
      send(h, 0, 1, 0x90, 60, vel);
      const lv = levelTrack(renderFrames(h, seconds(h, 0.6)).L, 48);
      const top = 10 ** (lv.v[lv.v.length - 1] / 20);
      return lv.t[lv.v.findIndex((d) => 10 ** (d / 20) >= top / 2)];
    }
    const base: ConnSpec[] = [{ src: CONN_SRC.NONE, dst: CONN_DST.EG1_ATTACKTIME, raw: tcRaw(0.4) }];
    // Default KEYONVELOCITY → EG1_ATTACKTIME is 0 (§6.6): 0.4 s attack (half level at 0.2 s) for any velocity.
    // One 1 ms window and one sub-block of slack.
    const slack = 0.001 + SUB;
    expect(Math.abs(halfAttack(base, 127) - 0.2)).toBeLessThan(slack);
    expect(Math.abs(halfAttack(base, 32) - 0.2)).toBeLessThan(slack);
    const scaled = [...base, { src: CONN_SRC.KEYONVELOCITY, dst: CONN_DST.EG1_ATTACKTIME, scale: -2400 }];
    // Velocity 127: 0.4 s × 2^(-2) = 0.1 s; velocity 32: 0.4 s × 2^(-2400·32/127/1200) = 0.282 s.
    // (v/127 or the table's v/128 differ by under 1 ms here.)
    for (const vel of [127, 32]) {
      const attack = 0.4 * 2 ** ((-2400 * vel) / 127 / 1200);
      expect(Math.abs(halfAttack(scaled, vel) - attack / 2)).toBeLessThan(slack + 0.001);
    }
  });
});

describe('transforms: curves, invert and bipolar', () => {
  /** Level (dB) at velocity `vel` relative to velocity 127 through the velocity → gain connection `k`. */
  function velocityDb(k: ConnSpec | null, vel: number): number {
    const level = (v: number) => {
      const h = sineSynth(k ? [k] : []);
      send(h, 0, 1, 0x90, 60, v);
      return rms(renderFrames(h, 9600).L, 4800);
    };
    return toDb(level(vel) / level(127));
  }
  const vGain = (trn: number, scale: number): ConnSpec => ({ src: CONN_SRC.KEYONVELOCITY, dst: CONN_DST.GAIN, trn, scale });

  it('velocity → gain through concave, convex, linear and switch curves gives each curve level (and replaces the default)', () => {
    // §7.7: a -96 dB concave inverted connection gives 40·log10(v/127) dB, which fixes velocity
    // as v/127. An explicit connection with the default's source/control/destination replaces it
    // (§6.6), so each of these is the only velocity → gain term.
    const x = 64 / 127;
    expect(velocityDb(vGain(srcTrn(CONN_TRN.CONCAVE, { invert: true }), -960), 64)).toBeCloseTo(-96 * concave(1 - x), 1);
    expect(velocityDb(vGain(srcTrn(CONN_TRN.CONCAVE, { invert: true }), -960), 64)).toBeCloseTo(40 * Math.log10(x), 1);
    // Convex inverted: -96 dB × convex(1 - v/127) = -96·(1 + (40/96)·log10(1 - v/127)): steep near 127.
    for (const v of [64, 120]) expect(velocityDb(vGain(srcTrn(CONN_TRN.CONVEX, { invert: true }), -960), v)).toBeCloseTo(-96 * convex(1 - v / 127), 1);
    // Linear inverted, -48 dB: -48·(1 - v/127).
    expect(velocityDb(vGain(srcTrn(CONN_TRN.NONE, { invert: true }), -480), 64)).toBeCloseTo(-48 * (1 - x), 1);
    // Switch, not inverted, -12 dB: 0 below half scale, the full scale from half up (63/127 < 0.5 <= 64/127).
    const sw = vGain(srcTrn(CONN_TRN.SWITCH), -120);
    expect(velocityDb(sw, 63) - velocityDb(sw, 1)).toBeCloseTo(0, 1);
    expect(velocityDb(sw, 64) - velocityDb(sw, 63)).toBeCloseTo(-12, 1);
    expect(velocityDb(sw, 64)).toBeCloseTo(0, 1); // 64 and 127 both switch on
  });

  it('bipolar maps a controller 0..127 to -1..+1 (64 = centre); invert flips it', () => {
    /** Pitch (cents re 1 kHz) with CC16 at `val` through CC16 → PITCH 100 cents with transform `trn`. */
    const pitchAt = (trn: number, val: number) => {
      const h = sineSynth([{ src: CC16, dst: CONN_DST.PITCH, trn, scale: 100 }]);
      send(h, 0, 1, 0xb0, 16, val);
      send(h, 0, 1, 0x90, 60, 127);
      return mean(pitchTrack(renderFrames(h, 9600).L, 1000, 4800, 4800).v);
    };
    // Unipolar: 0..+100 cents.
    expect(pitchAt(0, 0)).toBeCloseTo(0, 1);
    expect(pitchAt(0, 127)).toBeCloseTo(100, 1);
    // Bipolar: -100..+100 with 64 exactly at the centre. 7-bit values map as v/128 here, the
    // mapping the CC10 → PAN default's 508 assumes (508 × (2·127/128 - 1) = +500 at CC10 127).
    const bi = srcTrn(CONN_TRN.NONE, { bipolar: true });
    expect(pitchAt(bi, 0)).toBeCloseTo(-100, 1);
    expect(pitchAt(bi, 64)).toBeCloseTo(0, 1);
    expect(pitchAt(bi, 127)).toBeCloseTo(100 * (2 * (127 / 128) - 1), 1);
    // Invert: 1 - x unipolar; -x when bipolar.
    expect(pitchAt(srcTrn(CONN_TRN.NONE, { invert: true }), 0)).toBeCloseTo(100, 1);
    expect(pitchAt(srcTrn(CONN_TRN.NONE, { invert: true }), 127)).toBeCloseTo(0, 1);
    const biInv = srcTrn(CONN_TRN.NONE, { bipolar: true, invert: true });
    expect(pitchAt(biInv, 0)).toBeCloseTo(100, 1);
    expect(pitchAt(biInv, 64)).toBeCloseTo(0, 1);
    expect(pitchAt(biInv, 127)).toBeCloseTo(-100 * (2 * (127 / 128) - 1), 1);
    // Switch then bipolar: 0 below half scale, 1 from half up, mapped to -1 / +1 (§6.3): two
    // levels, nothing in between.
    const biSw = srcTrn(CONN_TRN.SWITCH, { bipolar: true });
    for (const [val, cents] of [
      [20, -100],
      [50, -100],
      [63, -100],
      [64, 100],
      [80, 100],
      [120, 100],
    ]) {
      expect(pitchAt(biSw, val)).toBeCloseTo(cents, 1);
    }
    // Unipolar switch: 0 or +100.
    expect(pitchAt(srcTrn(CONN_TRN.SWITCH), 50)).toBeCloseTo(0, 1);
    expect(pitchAt(srcTrn(CONN_TRN.SWITCH), 80)).toBeCloseTo(100, 1);
  });

  it('the control transform shapes the mod wheel: concave control depth, inverted control', () => {
    const depthAt = (trn: number, cc1: number) => {
      const h = sineSynth([{ src: CONN_SRC.VIBRATO, ctl: CONN_SRC.CC1, dst: CONN_DST.PITCH, trn, scale: 100 }]);
      send(h, 0, 1, 0xb0, 1, cc1);
      send(h, 0, 1, 0x90, 60, 127);
      return modDepth(pitchTrack(renderFrames(h, seconds(h, 1.01)).L, 1000, 480, 480, 480), 5);
    };
    const w = windowed(5, 0.01);
    // Concave control: 100 × concave(64/127) = 12.7 cents at half wheel; the full depth at 127.
    expect(depthAt(ctlTrn(CONN_TRN.CONCAVE), 64)).toBeCloseTo(100 * concave(64 / 127) * w, 0);
    expect(depthAt(ctlTrn(CONN_TRN.CONCAVE), 127)).toBeCloseTo(100 * w, 0);
    // Inverted control: full depth with the wheel at 0, none at 127.
    expect(depthAt(ctlTrn(CONN_TRN.NONE, { invert: true }), 0)).toBeCloseTo(100 * w, 0);
    expect(depthAt(ctlTrn(CONN_TRN.NONE, { invert: true }), 127)).toBeLessThan(0.5);
  });

  it('the output transform (usTransform bits 0-3) shapes T(source) × T(control) before the scale; a lone 1 stays DLS1 source concave', () => {
    /** Pitch (cents re 1 kHz) with CC16 at `val` through CC16 → PITCH 1200 cents with transform `trn`. */
    const pitchAt = (trn: number, val: number) => {
      const h = sineSynth([{ src: CC16, dst: CONN_DST.PITCH, trn, scale: 1200 }]);
      send(h, 0, 1, 0xb0, 16, val);
      send(h, 0, 1, 0x90, 60, 127);
      return mean(pitchTrack(renderFrames(h, 9600).L, 1000, 4800, 4800).v);
    };
    const x = 64 / 127;
    // Output convex and switch on a linear source: 1200 × convex(x); 0 below half scale, 1200 above.
    expect(pitchAt(CONN_TRN.CONVEX, 64)).toBeCloseTo(1200 * convex(x), 0);
    expect(pitchAt(CONN_TRN.SWITCH, 40)).toBeCloseTo(0, 1);
    expect(pitchAt(CONN_TRN.SWITCH, 80)).toBeCloseTo(1200, 0);
    // A field of exactly 1 is DLS1's whole-field CONN_TRN_CONCAVE: source concave with the inversion
    // built in (§6.3, §9.1 item 17), 1200 × concave(1 − x), not an output transform.
    expect(pitchAt(CONN_TRN.CONCAVE, 64)).toBeCloseTo(1200 * concave(1 - x), 0);
    // Output concave after a bipolar source (x → 2x − 1, v/128 for a 7-bit source), folded for the
    // negative half: ±1200 × concave(|2x − 1|), 150 cents at a quarter of the way up, not 600.
    const bi = (v: number) => 2 * (v / 128) - 1;
    const outConcave = srcTrn(CONN_TRN.NONE, { bipolar: true }) | CONN_TRN.CONCAVE;
    expect(pitchAt(outConcave, 96)).toBeCloseTo(1200 * concave(bi(96)), 0);
    expect(pitchAt(outConcave, 32)).toBeCloseTo(-1200 * concave(-bi(32)), 0);
    expect(pitchAt(outConcave, 64)).toBeCloseTo(0, 1);
    // On a dynamic source: vibrato → pitch through the output switch: 0 while |vibrato| < 1/2,
    // ±50 cents beyond, so the pitch sits at -50, 0 or +50 cents and nowhere in between.
    const h = sineSynth([{ src: CONN_SRC.VIBRATO, dst: CONN_DST.PITCH, trn: CONN_TRN.SWITCH, scale: 50 }]);
    send(h, 0, 1, 0x90, 60, 127);
    const tr = part(pitchTrack(renderFrames(h, seconds(h, 1.01)).L, 1000, 144, 48), 0.05, 1.0);
    const near = (c: number, level: number) => Math.abs(c - level) < 2;
    const settled = tr.v.filter((c) => near(c, 50) || near(c, 0) || near(c, -50)).length;
    expect(settled / tr.v.length).toBeGreaterThan(0.8); // windows across a step read in between
    // |sin| ≥ 1/2 for 2/3 of a cycle: two thirds of the time at ±50.
    expect(tr.v.filter((c) => near(Math.abs(c), 50)).length / tr.v.length).toBeCloseTo(2 / 3, 1);
    expect(maxOf(tr.v)).toBeCloseTo(50, 0);
    expect(minOf(tr.v)).toBeCloseTo(-50, 0);
    expect(modRate(tr)).toBeCloseTo(DEFAULT_LFO_HZ, 0);
  });

  it('invert on the (natively bipolar) vibrato LFO negates its swing', () => {
    const track = (trn: number) => {
      const h = sineSynth([{ src: CONN_SRC.VIBRATO, dst: CONN_DST.PITCH, trn, scale: 50 }]);
      send(h, 0, 1, 0x90, 60, 127);
      return pitchTrack(renderFrames(h, seconds(h, 0.5)).L, 1000);
    };
    const up = track(0);
    const down = track(srcTrn(CONN_TRN.NONE, { invert: true }));
    expect(maxAbs(up.v)).toBeGreaterThan(45);
    let worst = 0;
    for (let i = 0; i < up.v.length; i++) worst = Math.max(worst, Math.abs(up.v[i] + down.v[i]));
    // Each window reads whole carrier cycles, which start up to one cycle (1 ms) apart in the two
    // renders; at the steepest point of the vibrato (2π·5 Hz·50 cents/s) that is 1.6 cents.
    expect(worst).toBeLessThan(2 * Math.PI * 5 * 50 * 0.001);
  });
});

describe('DLS2 default connections (§6.6) that must not modulate', () => {
  it('no default vibrato or tremolo on the mod wheel or channel pressure (DLS: scale 0, unlike SF2s 50 cents)', () => {
    const h = sineSynth();
    send(h, 0, 1, 0xb0, 1, 127);
    send(h, 0, 1, 0xd0, 127);
    send(h, 0, 1, 0x90, 60, 127);
    send(h, 0, 1, 0xa0, 60, 127);
    const { L } = renderFrames(h, seconds(h, 1));
    // VIBRATO/LFO × CC1 and × CHANNELPRESSURE → PITCH and → GAIN default to 0: steady pitch and level.
    expect(maxAbs(pitchTrack(L, 1000, 480, 480, 480).v)).toBeLessThan(0.5);
    const lv = levelTrack(L, 480, 480);
    expect(maxOf(lv.v) - minOf(lv.v)).toBeLessThan(0.05);
  });

  it('no default LFO, EG2, velocity or key modulation of the filter: the saw keeps its harmonics', () => {
    const level = (vel: number, key: number, mod: number) => {
      const h = sawSynth();
      send(h, 0, 1, 0xb0, 1, mod);
      send(h, 0, 1, 0xd0, mod);
      send(h, 0, 1, 0x90, key, vel);
      const { L } = renderFrames(h, seconds(h, 1));
      const f = 100 * 2 ** ((key - 60) / 12);
      // Ratio of the 40th harmonic to the fundamental, early and late (EG2 would have moved).
      return [0.05, 0.9].map((s) => toDb(goertzel(L, RATE, 40 * f, seconds(h, s), seconds(h, s + 0.05)) / goertzel(L, RATE, f, seconds(h, s), seconds(h, s + 0.05))));
    };
    const [ref0, ref1] = level(127, 60, 0);
    // A sampled saw's 40th harmonic is 1/40 of the fundamental (-32 dB) give or take the
    // sampling's small lift; FILTER_CUTOFF defaults to 0x7FFFFFFF (off), so nothing removes it.
    expect(ref0).toBeGreaterThan(toDb(1 / 40) - 1);
    expect(ref0).toBeLessThan(toDb(1 / 40) + 1);
    for (const [vel, key, mod] of [
      [127, 60, 127],
      [20, 60, 127],
      [127, 48, 0],
    ]) {
      const [a, b] = level(vel, key, mod);
      expect(Math.abs(a - ref0)).toBeLessThan(0.3);
      expect(Math.abs(b - ref1)).toBeLessThan(0.3);
    }
  });

  it.each([
    ['LFO_STARTDELAY and LFO_FREQUENCY', CONN_SRC.LFO],
    ['VIB_STARTDELAY and VIB_FREQUENCY', CONN_SRC.VIBRATO],
  ])('%s default to 10 ms and 5 Hz', (_name, src) => {
    const h = sineSynth([{ src, dst: CONN_DST.PITCH, scale: 50 }]);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 1.01));
    const fine = pitchTrack(L, 1000, 144, 48);
    expect(maxAbs(part(fine, 0, 0.01 - 0.0015).v)).toBeLessThan(0.5);
    const onset = fine.t[fine.v.findIndex((c) => Math.abs(c) > 0.05 * 50)];
    expect(onset).toBeGreaterThan(0.01 - 0.002);
    expect(onset).toBeLessThan(0.01 + SUB + 0.005);
    expect(modRate(part(pitchTrack(L, 1000), 0.01, 1.01))).toBeCloseTo(DEFAULT_LFO_HZ, 1);
  });
});
