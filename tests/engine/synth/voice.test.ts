/**
 * Tests that listen to the DLS2 voice (reference §6.3-6.8, §7.4, §7.7): pitch, tuning and bends
 * measured by frequency analysis, envelope stage times, loop continuity, filter cutoff, pan law,
 * velocity and CC7 curves, exclusive classes, layering, and sample-accurate onsets.
 */
import { describe, expect, it } from 'vitest';
import { CONN_DST, CONN_SRC } from '../../../engine/synth/constants.js';
import { cents, goertzel, firstAbove, maxSecondDifference, peak, peakFrequency, rms, toDb, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { type ConnSpec, type RegionSpec, instrumentDownload, sawWave, sineWave, tcRaw, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send, seconds, timeOfSample } from '../../helpers/synth-harness.js';

const RATE = 48000;

/** A harness with wave 1 = 1000 Hz sine loop at unity 60, instrument patch 0 with `art` and region overrides. */
function sineSynth(art: ConnSpec[] = [], region: Partial<RegionSpec> = {}, patch = 0): Harness {
  const h = makeHarness({ rate: RATE });
  h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE));
  h.stream.node.download(instrumentDownload({ dlId: 2, patch, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 480 }, ...region }] }));
  return h;
}

function freqOf(h: Harness, frames = 9600): number {
  const { L } = renderFrames(h, frames);
  return zeroCrossingFrequency(L, RATE, 960);
}

describe('pitch and tuning', () => {
  it('plays the unity note at the recorded pitch and follows keys at 100 cents each', () => {
    const h = sineSynth();
    send(h, 0, 1, 0x90, 60, 100);
    send(h, 0, 1, 0x90, 67, 100);
    const { L } = renderFrames(h, RATE);
    expect(peakFrequency(L, RATE, 950, 1050, 4800)).toBeCloseTo(1000, 0);
    expect(peakFrequency(L, RATE, 1450, 1550, 4800)).toBeCloseTo(cents(1000, 700), 0);
  });

  it('applies the region fine tune (WSMP sFineTune)', () => {
    const h = sineSynth([], { fineTune: -50 });
    send(h, 0, 1, 0x90, 72, 100);
    expect(freqOf(h)).toBeCloseTo(cents(2000, -50), 0);
  });

  it('bends by ±2 semitones by default and by the RPN 0 range; NRPN select nulls data entry', () => {
    const h = sineSynth();
    send(h, 0, 1, 0x90, 60, 100);
    send(h, 0, 1, 0xe0, 0x7f, 0x7f); // full up
    expect(freqOf(h)).toBeCloseTo(cents(1000, (200 * 8191) / 8192), 0);
    // RPN 0 = 12 semitones, then full down = one octave down.
    send(h, 0, 1, 0xb0, 101, 0);
    send(h, 0, 1, 0xb0, 100, 0);
    send(h, 0, 1, 0xb0, 6, 12);
    send(h, 0, 1, 0xe0, 0, 0);
    expect(freqOf(h)).toBeCloseTo(500, 0);
    // Selecting an NRPN makes the next data entry go nowhere: the range stays 12.
    send(h, 0, 1, 0xb0, 99, 1);
    send(h, 0, 1, 0xb0, 98, 2);
    send(h, 0, 1, 0xb0, 6, 1);
    expect(freqOf(h)).toBeCloseTo(500, 0);
  });

  it('RPN 1 fine tuning (±100 cents) and RPN 2 coarse tuning (semitones, not on drum channels)', () => {
    const h = sineSynth();
    send(h, 0, 1, 0xb0, 101, 0);
    send(h, 0, 1, 0xb0, 100, 1);
    send(h, 0, 1, 0xb0, 6, 0x60); // 0x3000 = +50 cents
    send(h, 0, 1, 0xb0, 38, 0);
    send(h, 0, 1, 0x90, 60, 100);
    expect(freqOf(h)).toBeCloseTo(cents(1000, 50), 0);
    send(h, 0, 1, 0xb0, 100, 2);
    send(h, 0, 1, 0xb0, 6, 66); // +2 semitones (applied to new notes: it moves the key)
    send(h, 0, 1, 0x80, 60, 0);
    renderFrames(h, 4800);
    send(h, 0, 1, 0x90, 62, 100);
    expect(freqOf(h)).toBeCloseTo(cents(1000, 50 + 400), 0);
  });

  it('coarse tuning is not applied on the drum channel', () => {
    const h = sineSynth([], {}, 0x80000000);
    send(h, 0, 1, 0xb9, 101, 0);
    send(h, 0, 1, 0xb9, 100, 2);
    send(h, 0, 1, 0xb9, 6, 70);
    send(h, 0, 1, 0x99, 60, 100);
    expect(freqOf(h)).toBeCloseTo(1000, 0);
  });
});

describe('envelopes (DLS time cents)', () => {
  it('delay, attack, decay to sustain and release take their times', () => {
    const art: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_DELAYTIME, raw: tcRaw(0.05) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_ATTACKTIME, raw: tcRaw(0.1) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_DECAYTIME, raw: tcRaw(1) },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_SUSTAINLEVEL, scale: 500 },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(0.2) },
    ];
    const h = sineSynth(art);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, seconds(h, 1));
    const lv = (ms: number) => peak(L, seconds(h, ms / 1000) - 48, seconds(h, ms / 1000) + 48);
    // Envelope stages run per 64-sample sub-block: timing is exact to one sub-block (1.3 ms).
    expect(firstAbove(L, 1e-4)).toBeGreaterThanOrEqual(seconds(h, 0.05) - 64);
    expect(firstAbove(L, 1e-4)).toBeLessThan(seconds(h, 0.052));
    const top = lv(150);
    expect(lv(100) / top).toBeGreaterThan(0.45); // half way through the linear attack
    expect(lv(100) / top).toBeLessThan(0.55);
    // Decay: 96 dB per second, from 150 ms: -24 dB 250 ms later, sustain -48 dB from 650 ms on.
    expect(toDb(lv(400) / top)).toBeCloseTo(-24, 0);
    expect(toDb(lv(900) / top)).toBeCloseTo(-48, 0);
    send(h, timeOfSample(h, h.position), 1, 0x80, 60, 0);
    const held = peak(L, seconds(h, 0.95));
    const rel = renderFrames(h, seconds(h, 0.3)).L;
    // Release: 96 dB per 200 ms from -48 dB: -24 dB more after 50 ms, silent (voice freed) after 100 ms.
    expect(toDb(peak(rel, seconds(h, 0.05) - 48, seconds(h, 0.05) + 48) / held)).toBeCloseTo(-24, 0);
    expect(peak(rel, seconds(h, 0.11))).toBe(0);
    expect(h.stream.core.activeVoices).toBe(0);
  });
});

describe('envelope control rate', () => {
  it('a fast release (50 ms) follows its dB-linear curve within 0.6 dB at the 128-sample control rate of decaying voices', () => {
    const art: ConnSpec[] = [
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_SUSTAINLEVEL, scale: 1000 },
      { src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(0.05) },
    ];
    const h = sineSynth(art);
    send(h, 0, 1, 0x90, 60, 127);
    const held = peak(renderFrames(h, seconds(h, 0.2)).L, seconds(h, 0.1));
    send(h, timeOfSample(h, h.position), 1, 0x80, 60, 0);
    const rel = renderFrames(h, seconds(h, 0.05)).L;
    // Amplitude of the 1 kHz sine (48 samples a cycle) from two samples a quarter cycle apart
    // (sqrt(x[i]² + x[i+12]²), the amplitude at about i + 6), every 8 samples, over the first
    // 40 dB of the release; against the exact curve, -96 dB per 50 ms from the note-off.
    let worst = 0;
    for (let i = 0; i + 12 < seconds(h, 0.05 * (40 / 96)); i += 8) {
      const expected = -96 * ((i + 6) / RATE / 0.05);
      const got = toDb(Math.hypot(rel[i], rel[i + 12]) / held);
      worst = Math.max(worst, Math.abs(got - expected));
    }
    expect(worst).toBeLessThan(0.6);
  });
});

describe('loops and interpolation', () => {
  it('a loop after an attack segment plays without a discontinuity at the loop point (Hermite, wrapped reads)', () => {
    // 103 frames of a decaying 1.6 kHz burst, then a loop of 7 whole cycles of a 700 Hz sine.
    const attack = 103;
    const loopLen = Math.round((7 * RATE) / 700); // 480 frames, 7 cycles
    const w = new Int16Array(attack + loopLen);
    for (let i = 0; i < attack; i++) w[i] = Math.round(Math.sin((2 * Math.PI * 1600 * i) / RATE) * 20000 * (1 - i / attack));
    for (let i = 0; i < loopLen; i++) w[attack + i] = Math.round(Math.sin((2 * Math.PI * 7 * i) / loopLen) * 20000);
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, w, RATE));
    h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: attack, length: loopLen } }] }));
    send(h, 0, 1, 0x90, 61, 127); // a non-integer increment, so reads straddle the loop point
    const { L } = renderFrames(h, RATE);
    const f = cents(700, 100);
    const a = peak(L, 4800);
    // A pure sine of amplitude a has |second difference| <= a·(2πf/rate)²; allow 10 % for interpolation error.
    const bound = a * ((2 * Math.PI * f) / RATE) ** 2;
    expect(maxSecondDifference(L, 4800)).toBeLessThan(bound * 1.1);
    expect(zeroCrossingFrequency(L, RATE, 4800)).toBeCloseTo(f, 0);
  });

  it('a release loop loops while held and plays on to the end of the wave after note-off', () => {
    const w = sineWave(4800, 100); // 0.1 s, 1000 Hz
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, w, RATE));
    h.stream.node.download(
      instrumentDownload({
        dlId: 2,
        patch: 0,
        globalArt: [[{ src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(20) }]],
        regions: [{ waveDlId: 1, loop: { type: 1, start: 0, length: 480 } }],
      }),
    );
    send(h, 0, 1, 0x90, 60, 127);
    expect(peak(renderFrames(h, RATE).L, RATE - 480)).toBeGreaterThan(0.1); // still looping after 1 s (> wave length)
    send(h, timeOfSample(h, h.position), 1, 0x80, 60, 0);
    const after = renderFrames(h, RATE).L;
    // Plays the remaining part of the 4800-frame wave (at most 0.1 s), then the voice ends.
    expect(peak(after, 0, 400)).toBeGreaterThan(0.1);
    expect(peak(after, 4900)).toBe(0);
    expect(h.stream.core.activeVoices).toBe(0);
  });

  it('a one-shot (no loop) ends with its sample', () => {
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, sineWave(960, 20), RATE));
    h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1 }] }));
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, 4800);
    expect(peak(L, 0, 900)).toBeGreaterThan(0.1);
    expect(peak(L, 961)).toBe(0);
    expect(h.stream.core.activeVoices).toBe(0);
  });
});

describe('gain staging, pan and filter', () => {
  it('velocity, CC7 and CC11 follow 40·log10(v/127) dB and add in dB', () => {
    const level = (vel: number, cc7: number, cc11: number) => {
      const h = sineSynth();
      send(h, 0, 1, 0xb0, 7, cc7);
      send(h, 0, 1, 0xb0, 11, cc11);
      send(h, 0, 1, 0x90, 60, vel);
      return rms(renderFrames(h, 9600).L, 4800);
    };
    const ref = level(127, 127, 127);
    expect(toDb(level(64, 127, 127) / ref)).toBeCloseTo(40 * Math.log10(64 / 127), 1);
    expect(toDb(level(127, 100, 127) / ref)).toBeCloseTo(-4.152, 1);
    expect(toDb(level(127, 127, 32) / ref)).toBeCloseTo(40 * Math.log10(32 / 127), 1);
    expect(toDb(level(64, 100, 32) / ref)).toBeCloseTo(40 * Math.log10((64 * 100 * 32) / 127 ** 3), 1);
  });

  it('output level: full-scale sine, velocity 127, CC7 100, centre pan, +6 dB boost (Windows staging)', () => {
    const h = sineSynth();
    send(h, 0, 1, 0x90, 60, 127);
    const { L, R } = renderFrames(h, 9600);
    // 0.8 amplitude × -4.15 dB (CC7 100) × -3.01 dB (centre) × +6 dB boost
    const expected = 0.8 * 10 ** (-4.152 / 20) * Math.SQRT1_2 * 10 ** (600 / 2000);
    expect(peak(L, 4800)).toBeCloseTo(expected, 2);
    expect(peak(R, 4800)).toBeCloseTo(expected, 2);
    h.stream.node.setVolume(-600);
    const quieter = renderFrames(h, 4800).L;
    expect(toDb(peak(quieter, 2400) / expected)).toBeCloseTo(-6, 1);
    h.stream.node.setVolume(600); // volume + boost stops at +6 dB
    expect(peak(renderFrames(h, 4800).L, 2400)).toBeCloseTo(expected, 2);
  });

  it('pan law: CC10 0 is hard left, 127 hard right, 64 centre at -3 dB each side', () => {
    const lr = (pan: number) => {
      const h = sineSynth();
      send(h, 0, 1, 0xb0, 10, pan);
      send(h, 0, 1, 0x90, 60, 127);
      const { L, R } = renderFrames(h, 9600);
      return [rms(L, 4800), rms(R, 4800)];
    };
    const [l0, r0] = lr(0);
    const [lc, rc] = lr(64);
    const [l1, r1] = lr(127);
    expect(r0).toBeLessThan(l0 * 1e-6);
    expect(l1).toBeLessThan(r1 * 0.02);
    expect(toDb(lc / l0)).toBeCloseTo(-3.01, 1);
    expect(toDb(rc / l0)).toBeCloseTo(-3.01, 1);
  });

  it('the resonant low-pass filter attenuates harmonics above its cutoff (absolute pitch cents)', () => {
    const level = (cutoffHz: number | null) => {
      const h = makeHarness({ rate: RATE });
      h.stream.node.download(waveDownload(1, sawWave(480, 1), RATE)); // 100 Hz saw
      const art: ConnSpec[] = cutoffHz === null ? [] : [{ src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: 1200 * Math.log2(cutoffHz / 8.175798915643707) }];
      h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
      send(h, 0, 1, 0x90, 60, 127);
      const { L } = renderFrames(h, RATE / 2);
      return [goertzel(L, RATE, 100, 4800), goertzel(L, RATE, 4000, 4800)];
    };
    const [f0, h40] = level(null);
    const [g0, g40] = level(1000);
    expect(Math.abs(toDb(g0 / f0))).toBeLessThan(1); // fundamental passes
    // 2-pole low-pass: about -12 dB/octave above 1 kHz; 4 kHz is 2 octaves up.
    expect(toDb(g40 / h40)).toBeLessThan(-20);
    expect(toDb(g40 / h40)).toBeGreaterThan(-30);
  });
});

describe('regions, key groups and timing', () => {
  function twoTone(keyGroup: number) {
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE)); // 1000 Hz
    h.stream.node.download(waveDownload(3, sineWave(480, 15), RATE)); // 1500 Hz
    h.stream.node.download(
      instrumentDownload({
        dlId: 2,
        patch: 0x80000000,
        regions: [
          { keyLow: 42, keyHigh: 42, waveDlId: 1, unityNote: 42, keyGroup, loop: { start: 0, length: 480 } },
          { keyLow: 46, keyHigh: 46, waveDlId: 3, unityNote: 46, keyGroup, loop: { start: 0, length: 480 } },
        ],
      }),
    );
    send(h, 0, 1, 0x99, 42, 127);
    send(h, timeOfSample(h, 4800), 1, 0x99, 46, 127);
    const { L } = renderFrames(h, 14400);
    return { closed: goertzel(L, RATE, 1000, 9600), open: goertzel(L, RATE, 1500, 9600), before: goertzel(L, RATE, 1000, 0, 4800) };
  }

  it('an exclusive class (key group) cuts the previous voice; without one both sound', () => {
    const cut = twoTone(1);
    expect(cut.before).toBeGreaterThan(0.3);
    expect(cut.closed).toBeLessThan(1e-3);
    expect(cut.open).toBeGreaterThan(0.3);
    const both = twoTone(0);
    expect(both.closed).toBeGreaterThan(0.3);
    expect(both.open).toBeGreaterThan(0.3);
  });

  it('layered regions all play; a repeated key retriggers unless F_RGN_OPTION_SELFNONEXCLUSIVE', () => {
    const h = makeHarness({ rate: RATE });
    h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE));
    h.stream.node.download(waveDownload(3, sineWave(480, 15), RATE));
    h.stream.node.download(
      instrumentDownload({
        dlId: 2,
        patch: 0,
        regions: [
          { waveDlId: 1, loop: { start: 0, length: 480 } },
          { waveDlId: 3, options: 1, loop: { start: 0, length: 480 } },
        ],
      }),
    );
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, 9600);
    expect(goertzel(L, RATE, 1000, 4800)).toBeGreaterThan(0.2);
    expect(goertzel(L, RATE, 1500, 4800)).toBeGreaterThan(0.2);
    expect(h.stream.core.activeVoices).toBe(2);
    send(h, timeOfSample(h, h.position), 1, 0x90, 60, 127);
    renderFrames(h, 4800);
    // The self-exclusive layer was retriggered (old voice cut), the non-exclusive one added a voice.
    expect(h.stream.core.activeVoices).toBe(3);
  });

  it('a note starts at exactly sample round(T × rate), inside the block', () => {
    for (const target of [1234, 1500, 2047]) {
      const h = makeHarness({ rate: RATE, block: 256 });
      h.stream.node.download(waveDownload(1, sawWave(480, 10), RATE)); // starts at -amplitude: non-zero first sample
      h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
      send(h, timeOfSample(h, target) + 1, 1, 0x90, 60, 127);
      const { L } = renderFrames(h, 4096);
      expect(firstAbove(L, 1e-6)).toBe(target);
    }
  });

  it('events in the past apply at the start of the block', () => {
    const h = sineSynth();
    renderFrames(h, 1024);
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, 256);
    expect(Math.abs(L[1])).toBeGreaterThan(0);
  });

  it('sustain (CC64) holds released notes until the pedal lifts; sostenuto (CC66) holds only the notes down when pressed', () => {
    const h = sineSynth();
    send(h, 0, 1, 0xb0, 64, 127);
    send(h, 0, 1, 0x90, 60, 127);
    renderFrames(h, 480);
    send(h, timeOfSample(h, h.position), 1, 0x80, 60, 0);
    expect(peak(renderFrames(h, 4800).L, 4000)).toBeGreaterThan(0.1);
    send(h, timeOfSample(h, h.position), 1, 0xb0, 64, 0);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(0);
    send(h, timeOfSample(h, h.position), 1, 0x90, 60, 127);
    send(h, timeOfSample(h, h.position), 1, 0xb0, 66, 127);
    send(h, timeOfSample(h, h.position), 1, 0x90, 67, 127);
    renderFrames(h, 480);
    send(h, timeOfSample(h, h.position), 1, 0x80, 60, 0);
    send(h, timeOfSample(h, h.position), 1, 0x80, 67, 0);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(1); // 60 held by sostenuto, 67 released
    send(h, timeOfSample(h, h.position), 1, 0xb0, 66, 0);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(0);
  });
});
