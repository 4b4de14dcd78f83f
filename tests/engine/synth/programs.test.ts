/**
 * Tests that listen to instrument selection and to the controller and reset behaviour of the
 * Microsoft-style synth (reference §6.9 bank select → DLS instrument, §7.1 channels, parts and
 * drums, §7.2 bank select, program change and their fallbacks, §7.3 controllers and the reset
 * state, §7.5 system exclusive). Every instrument is a looped sine of its own pitch, so the
 * frequency measured in the output tells which instrument a note found (0 Hz: silence).
 *
 * Not repeated here (voice.test.ts, stream.test.ts have them): the CC7/CC11/velocity curves, the
 * RPN 0/1/2 data entry, GM System On resetting the program and master volume, the master volume
 * SysEx, the CC121 volume/pan quirk, use-for-rhythm making channel 2 a drum part.
 *
 * Where the reference leaves room, the tests pin down this synth's reading of it: "MSB 127 means
 * drums in XG mode" plays the drum kit of the program (0x80000000 | program, then kit 0); the GS
 * Rx-channel data byte is Roland's (0x00-0x0F = MIDI channel 1-16, 0x10 = off); only scale tuning
 * is limited to GS mode (§7.5 says so for it alone).
 */
import { describe, expect, it } from 'vitest';
import { CONN_DST, CONN_SRC, DAUD, SYNTH_PORTPARAMS } from '../../../engine/synth/constants.js';
import { cents, goertzel, peak, rms, toDb, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { type ConnSpec, instrumentDownload, sineWave, tcRaw, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send, sendSysex, timeOfSample } from '../../helpers/synth-harness.js';

const RATE = 48000;
const DRUMS = 0x80000000; // F_INSTRUMENT_DRUMS in ulPatch / ulBank
const now = (h: Harness) => timeOfSample(h, h.position);
/** Full pitch bend up: +2 semitones × 8191/8192 with the default range. */
const BEND_UP_2 = cents(1000, (200 * 8191) / 8192);

const GM_ON = [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
/** GS Reset with a WRONG checksum (0x00 instead of 0x41): the synth does not check it (§7.5). */
const GS_RESET_BAD_SUM = [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7f, 0x00, 0x00, 0xf7];
const GS_RESET = [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7f, 0x00, 0x41, 0xf7];
const XG_ON = [0xf0, 0x43, 0x10, 0x4c, 0x00, 0x00, 0x7e, 0x00, 0xf7];
/** Roland DT1 to a part parameter: 40 1x a3 <data...> <sum> F7 (block x, §7.1). The sum is not checked. */
const gsPart = (block: number, a3: number, ...data: number[]) => [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x10 | block, a3, ...data, 0x00, 0xf7];

/**
 * A synth with one instrument per [ulPatch, Hz]: a looped sine of that pitch at unity note 60
 * (480 frames hold hz/100 whole cycles). `art` goes to every instrument's global articulation.
 */
function synth(instruments: [number, number][], art: ConnSpec[] = []): Harness {
  const h = makeHarness({ rate: RATE });
  instruments.forEach(([patch, hz], i) => {
    h.stream.node.download(waveDownload(100 + i, sineWave(480, hz / 100), RATE));
    h.stream.node.download(instrumentDownload({ dlId: 200 + i, patch, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 100 + i, unityNote: 60, loop: { start: 0, length: 480 } }] }));
  });
  return h;
}

/**
 * Plays key 60 (or `key`) on MIDI channel index `channel` of `group` for 0.2 s and measures it,
 * then cuts it (CC120) so the next measurement starts from silence.
 */
function play(h: Harness, channel: number, group = 1, key = 60): { hz: number; level: number; voices: number; L: Float32Array } {
  send(h, now(h), group, 0x90 | channel, key, 127);
  const { L } = renderFrames(h, 9600);
  const voices = h.stream.core.activeVoices;
  send(h, now(h), group, 0xb0 | channel, 120, 0);
  renderFrames(h, 480);
  return { hz: zeroCrossingFrequency(L, RATE, 2400), level: rms(L, 2400), voices, L };
}
const hzOf = (h: Harness, channel: number, group = 1, key = 60) => play(h, channel, group, key).hz;
const cc = (h: Harness, channel: number, num: number, value: number, group = 1) => send(h, now(h), group, 0xb0 | channel, num, value);
const program = (h: Harness, channel: number, p: number, group = 1) => send(h, now(h), group, 0xc0 | channel, p);

describe('program change and bank select (§6.9, §7.2)', () => {
  it('a program change selects the instrument of that program; a sounding note keeps the one it started with', () => {
    const h = synth([
      [0, 1000],
      [1, 1100],
    ]);
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0); // program 0 after stream start
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
    // The program is looked up at note-on: changing it under a held note does not retune the note.
    send(h, now(h), 1, 0x90, 60, 127);
    renderFrames(h, 2400);
    program(h, 0, 0);
    const { L } = renderFrames(h, 9600);
    expect(zeroCrossingFrequency(L, RATE, 480)).toBeCloseTo(1100, 0);
    expect(goertzel(L, RATE, 1000, 480)).toBeLessThan(1e-3);
  });

  it('CC0 (MSB) and CC32 (LSB) then a program change select the patch (MSB << 16) | (LSB << 8) | program', () => {
    const h = synth([
      [0x000001, 1100],
      [0x010001, 1300], // MSB 1
      [0x010101, 1400], // MSB 1, LSB 1
      [0x000101, 1500], // LSB 1 only
    ]);
    cc(h, 0, 0, 1);
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1300, 0);
    cc(h, 0, 32, 1);
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1400, 0);
    cc(h, 0, 0, 0); // the LSB stays 1
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1500, 0);
    cc(h, 0, 32, 0);
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
  });

  it('bank select alone changes nothing until the next program change, and a later bank select does not undo one', () => {
    const h = synth([
      [0x000001, 1100],
      [0x010101, 1400],
    ]);
    program(h, 0, 1);
    cc(h, 0, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
    cc(h, 0, 32, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
    program(h, 0, 1); // now the stored 1/1 takes effect
    expect(hzOf(h, 0)).toBeCloseTo(1400, 0);
    cc(h, 0, 0, 0);
    cc(h, 0, 32, 0);
    expect(hzOf(h, 0)).toBeCloseTo(1400, 0); // latched by the last program change
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
  });
});

describe('fallbacks when the selected patch is not downloaded (§6.9, §7.2)', () => {
  it('a missing melodic bank or (MSB, LSB) variation falls back to the GM instrument: bank 0 with the same program, not (MSB, 0)', () => {
    const h = synth([
      [0x000001, 1100],
      [0x010001, 1300],
    ]);
    cc(h, 0, 0, 2); // MSB 2: nothing there
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
    cc(h, 0, 0, 1);
    cc(h, 0, 32, 5); // MSB 1 exists, the variation 1/5 does not
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1100, 0);
    cc(h, 0, 32, 0);
    program(h, 0, 1);
    expect(hzOf(h, 0)).toBeCloseTo(1300, 0); // and the exact patch still wins over the fallback
  });

  it('a melodic program missing from bank 0 as well is silent: no other program and no drum kit stands in', () => {
    const h = synth([
      [0, 1000],
      [DRUMS | 2, 2200],
      [DRUMS, 2000],
    ]);
    program(h, 0, 2);
    let r = play(h, 0);
    expect(peak(r.L)).toBe(0);
    expect(r.voices).toBe(0);
    cc(h, 0, 0, 1);
    program(h, 0, 2);
    r = play(h, 0);
    expect(peak(r.L)).toBe(0);
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0); // the kits are there: channel 10 plays kit 0
  });

  it('a missing drum kit falls back to kit 0 (0x80000000 | 0), whatever its bank and program were', () => {
    const h = synth([
      [DRUMS, 2000],
      [DRUMS | 8, 2200], // Room
      [8, 1200],
    ]);
    program(h, 9, 25); // kit 25 (TR-808) not downloaded
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
    cc(h, 9, 0, 1); // 0x80010008: missing. Kit 0, not kit 8 of bank 0 (the reference's only drum fallback)
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
    cc(h, 9, 0, 0);
    cc(h, 9, 32, 3); // 0x80000308: missing as well
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
    cc(h, 9, 32, 0);
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
  });

  it('a drum part with no kit 0 either is silent: it never falls back to a melodic instrument', () => {
    const h = synth([
      [0, 1000],
      [8, 1200],
      [DRUMS | 8, 2200],
    ]);
    let r = play(h, 9); // kit 0 (program 0) missing, no kit 0 to fall back to
    expect(peak(r.L)).toBe(0);
    expect(r.voices).toBe(0);
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
    program(h, 9, 9);
    r = play(h, 9);
    expect(peak(r.L)).toBe(0);
  });
});

describe('drum and melodic channels (§7.1, §7.2)', () => {
  it('the same program selects a drum kit on channel 10 (every group) and the melodic instrument elsewhere', () => {
    const h = synth([
      [0, 1000],
      [8, 1200],
      [DRUMS, 2000],
      [DRUMS | 8, 2200],
    ]);
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);
    program(h, 9, 8);
    program(h, 0, 8);
    program(h, 9, 8, 2);
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
    expect(hzOf(h, 0)).toBeCloseTo(1200, 0);
    expect(hzOf(h, 9, 2)).toBeCloseTo(2200, 0); // channel 10 of group 2 is a drum channel too
    expect(hzOf(h, 0, 2)).toBeCloseTo(1000, 0);
  });

  it('the drum flag is ORed in at the note: a use-for-rhythm change turns the same stored program into a kit or back', () => {
    const h = synth([
      [8, 1200],
      [DRUMS | 8, 2200],
    ]);
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
    sendSysex(h, now(h), 1, gsPart(0, 0x15, 0)); // part 0 = MIDI channel 10: normal part
    expect(hzOf(h, 9)).toBeCloseTo(1200, 0);
    sendSysex(h, now(h), 1, gsPart(0, 0x15, 2)); // 2 (drum map 2) is a drum part too
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
  });
});

describe('GM System On, GS Reset and the reset state (§7.3, §7.5)', () => {
  // Everything §7.3 lists is moved away from its default, a note is held through the reset, and
  // each value is then heard back at its default. The stream's volume property is not MIDI
  // state: a reset leaves it (and the downloads) alone.
  it.each([
    ['GM System On', GM_ON],
    ['GS Reset (wrong checksum)', GS_RESET_BAD_SUM],
    ['system reset 0xFF', [0xff]],
  ])('%s: all sound off, then volume 100, expression 127, pan 64, bend centre, range 2, RPN null, tuning 0, sustain off, bank 0/0 program 0, channel 10 the only drum part', (_name, reset) => {
    const h = synth([
      [0, 1000],
      [0x010001, 1300],
      [DRUMS, 2000],
    ]);
    h.stream.node.setVolume(-600);
    const ref = play(h, 0);
    expect(ref.hz).toBeCloseTo(1000, 0);

    cc(h, 0, 0, 1);
    program(h, 0, 1);
    cc(h, 0, 7, 40);
    cc(h, 0, 11, 50);
    cc(h, 0, 10, 0);
    cc(h, 0, 101, 0);
    cc(h, 0, 100, 0);
    cc(h, 0, 6, 12); // bend range 12 semitones
    cc(h, 0, 100, 1);
    cc(h, 0, 6, 0x60); // fine tune +50 cents, RPN 1 left selected
    send(h, now(h), 1, 0xe0, 0x7f, 0x7f);
    cc(h, 0, 64, 127);
    sendSysex(h, now(h), 1, gsPart(2, 0x15, 1)); // MIDI channel 2 a drum part
    send(h, now(h), 1, 0x90, 60, 127);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(1);

    if (reset.length === 1) send(h, now(h), 1, reset[0]);
    else sendSysex(h, now(h), 1, reset);
    const cut = renderFrames(h, 480).L;
    expect(peak(cut, 120)).toBe(0); // all sound off: gone within its ~1 ms fade
    expect(h.stream.core.activeVoices).toBe(0);

    send(h, now(h), 1, 0x90, 60, 127);
    const { L, R } = renderFrames(h, 9600);
    expect(zeroCrossingFrequency(L, RATE, 2400)).toBeCloseTo(1000, 0); // program 0, bank 0/0, bend centre, fine tune 0
    expect(toDb(rms(L, 2400) / ref.level)).toBeCloseTo(0, 1); // CC7 100, CC11 127, still the -6 dB volume property
    expect(toDb(rms(R, 2400) / rms(L, 2400))).toBeCloseTo(0, 1); // pan 64
    send(h, now(h), 1, 0xe0, 0x7f, 0x7f);
    expect(zeroCrossingFrequency(renderFrames(h, 9600).L, RATE, 480)).toBeCloseTo(BEND_UP_2, 0); // range 2 again
    cc(h, 0, 6, 12); // data entry with the RPN null: goes nowhere
    send(h, now(h), 1, 0xe0, 0, 0);
    expect(zeroCrossingFrequency(renderFrames(h, 9600).L, RATE, 480)).toBeCloseTo(cents(1000, -200), 0);
    send(h, now(h), 1, 0x80, 60, 0);
    renderFrames(h, 480);
    expect(h.stream.core.activeVoices).toBe(0); // sustain off: the note-off released it (0 s release)
    expect(hzOf(h, 1)).toBeCloseTo(1000, 0); // channel 2 melodic again
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
  });
});

describe('what a reset reaches (§7.3, §7.5, §2.4)', () => {
  it('a reset restores the channel priorities: heard through which note a full synth keeps', () => {
    const h = synth([
      [0, 1000],
      [1, 1100],
    ]);
    h.stream.node.getPortParameters({ validParams: SYNTH_PORTPARAMS.VOICES, voices: 1, channelGroups: 0, audioChannels: 0, sampleRate: 0, effectsFlags: 0, share: 0 });
    const contest = () => {
      program(h, 15, 1); // channel 16: 1100 Hz, the lowest default priority
      send(h, now(h), 1, 0x90, 60, 127);
      renderFrames(h, 480);
      send(h, now(h), 1, 0x9f, 60, 127);
      const { L } = renderFrames(h, 9600);
      cc(h, 0, 120, 0);
      cc(h, 15, 120, 0);
      renderFrames(h, 480);
      return zeroCrossingFrequency(L, RATE, 2400);
    };
    h.stream.node.setVoicePriority(1, 15, DAUD.CRITICAL);
    expect(contest()).toBeCloseTo(1100, 0); // channel 16 outranks channel 1 and steals its voice
    sendSysex(h, now(h), 1, GM_ON);
    expect(contest()).toBeCloseTo(1000, 0); // default again: channel 16's note is the one lost
    expect(h.stream.node.getVoicePriority(1, 15)).toBe(DAUD.STANDARD >>> 0);
  });

  it('a reset SysEx reaches the channel group it was sent on (group 0: all of them)', () => {
    const h = synth([
      [0, 1000],
      [1, 1100],
    ]);
    program(h, 0, 1, 1);
    program(h, 0, 1, 2);
    sendSysex(h, now(h), 2, GM_ON);
    expect(hzOf(h, 0, 1)).toBeCloseTo(1100, 0);
    expect(hzOf(h, 0, 2)).toBeCloseTo(1000, 0);
    program(h, 0, 1, 2);
    sendSysex(h, now(h), 0, GS_RESET);
    expect(hzOf(h, 0, 1)).toBeCloseTo(1000, 0);
    expect(hzOf(h, 0, 2)).toBeCloseTo(1000, 0);
  });

  it('after a reset the reverb send is 40: a note leaves a reverb tail that CC91 0 had removed', () => {
    const tail = (reset: boolean) => {
      const h = makeHarness({ rate: RATE, options: { createChorus: null } }); // the default reverb on the CC91 bus
      h.stream.node.download(waveDownload(1, sineWave(480, 10), RATE));
      h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
      cc(h, 0, 91, 0);
      if (reset) sendSysex(h, now(h), 1, GM_ON);
      send(h, now(h), 1, 0x90, 60, 127);
      const dry = rms(renderFrames(h, 9600).L, 4800);
      send(h, now(h), 1, 0x80, 60, 0);
      renderFrames(h, 480); // 0 s release: the voice is gone
      expect(h.stream.core.activeVoices).toBe(0);
      return rms(renderFrames(h, 9600).L, 0, 4800) / dry;
    };
    expect(tail(false)).toBeLessThan(1e-6);
    expect(tail(true)).toBeGreaterThan(1e-3);
  });
});

describe('XG System On and GS mode (§7.2, §7.5)', () => {
  it('XG System On resets into XG mode: channel 10 gets bank MSB 127 rather than the drum flag, and MSB 127 means drums', () => {
    const h = synth([
      [0, 1000],
      [8, 1200],
      [DRUMS, 2000],
      [DRUMS | 8, 2200],
    ]);
    // GM mode: MSB 127 is just a missing melodic bank (GM fallback).
    cc(h, 0, 0, 127);
    program(h, 0, 8);
    cc(h, 0, 7, 30);
    expect(hzOf(h, 0)).toBeCloseTo(1200, 0);
    const quiet = play(h, 0).level;

    sendSysex(h, now(h), 1, XG_ON);
    const full = play(h, 0);
    expect(full.hz).toBeCloseTo(1000, 0); // a full reset: program 0, bank 0 ...
    expect(toDb(full.level / quiet)).toBeCloseTo(40 * Math.log10(100 / 30), 0); // ... and CC7 100
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0); // channel 10: bank 127 program 0 → drums, kit 0
    program(h, 9, 8); // CC0 stays 127 on channel 10
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
    cc(h, 9, 0, 0); // no drum flag on channel 10 in XG: another bank makes it melodic
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(1200, 0);
    cc(h, 0, 0, 127); // any channel with MSB 127 plays drums in XG mode
    program(h, 0, 8);
    expect(hzOf(h, 0)).toBeCloseTo(2200, 0);
    program(h, 0, 25); // that kit missing: kit 0
    expect(hzOf(h, 0)).toBeCloseTo(2000, 0);

    // GM System On leaves XG mode: channel 10 is a drum channel again, MSB 127 a missing bank.
    sendSysex(h, now(h), 1, GM_ON);
    program(h, 9, 8);
    expect(hzOf(h, 9)).toBeCloseTo(2200, 0);
    cc(h, 0, 0, 127);
    program(h, 0, 8);
    expect(hzOf(h, 0)).toBeCloseTo(1200, 0);
  });

  it('coarse tuning (RPN 2) skips an XG bank-127 drum kit as it skips a drum channel (§7.4), and still tunes melodic parts', () => {
    const h = synth([
      [0, 1000],
      [DRUMS, 2000],
    ]);
    sendSysex(h, now(h), 1, XG_ON);
    const coarse = (channel: number, semitones: number) => {
      cc(h, channel, 101, 0);
      cc(h, channel, 100, 2);
      cc(h, channel, 6, 64 + semitones);
    };
    // Channel 1 on bank MSB 127 plays the kit in XG mode; +12 semitones of coarse tuning on it.
    cc(h, 0, 0, 127);
    program(h, 0, 0);
    coarse(0, 12);
    expect(hzOf(h, 0)).toBeCloseTo(2000, 0);
    // The same channel back on bank 0 is melodic, and the coarse tuning now applies: an octave up.
    cc(h, 0, 0, 0);
    program(h, 0, 0);
    expect(hzOf(h, 0)).toBeCloseTo(2000, 0);
    coarse(0, 0);
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);
    coarse(0, 7);
    expect(hzOf(h, 0)).toBeCloseTo(cents(1000, 700), 0);
  });

  it('GS scale tuning detunes note classes only in GS mode (after a GS Reset); GM System On and XG System On leave GS mode', () => {
    const h = synth([[0, 1000]]);
    const cToB = (c: number, e: number) => gsPart(1, 0x40, 64 + c, 64, 64, 64, 64 + e, 64, 64, 64, 64, 64, 64, 64); // part 1 = MIDI ch 1
    sendSysex(h, now(h), 1, cToB(20, 0)); // not in GS mode: ignored
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);

    sendSysex(h, now(h), 1, GS_RESET);
    sendSysex(h, now(h), 1, cToB(20, 0)); // C +20 cents, all 12 classes from address 40
    sendSysex(h, now(h), 1, gsPart(1, 0x44, 64 - 30)); // E alone, at address 44: -30 cents
    expect(hzOf(h, 0, 1, 60)).toBeCloseTo(cents(1000, 20), 0);
    expect(hzOf(h, 0, 1, 72)).toBeCloseTo(cents(2000, 20), 0); // every C
    expect(hzOf(h, 0, 1, 64)).toBeCloseTo(cents(1000, 400 - 30), 0);
    expect(hzOf(h, 0, 1, 62)).toBeCloseTo(cents(1000, 200), 0); // D untouched
    expect(hzOf(h, 1, 1, 60)).toBeCloseTo(1000, 0); // other parts untouched
    // The detune stays on a held note through controller changes (levels re-evaluated).
    send(h, now(h), 1, 0x90, 60, 127);
    renderFrames(h, 960);
    cc(h, 0, 7, 64);
    expect(zeroCrossingFrequency(renderFrames(h, 9600).L, RATE, 480)).toBeCloseTo(cents(1000, 20), 0);
    cc(h, 0, 120, 0);

    sendSysex(h, now(h), 1, GM_ON); // resets the tuning and leaves GS mode
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);
    sendSysex(h, now(h), 1, cToB(20, 0));
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);

    sendSysex(h, now(h), 1, GS_RESET);
    sendSysex(h, now(h), 1, XG_ON);
    sendSysex(h, now(h), 1, cToB(20, 0));
    expect(hzOf(h, 0)).toBeCloseTo(1000, 0);
  });
});

describe('controllers (§7.3)', () => {
  /** 1000 Hz, 0.5 s release: -96 dB per 0.5 s once released (dB-linear). */
  const released = () => synth([[0, 1000]], [{ src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(0.5) }]);
  /** Holds key 60 on channel 1, sends `cc` `value`, returns the level 100 ms later relative to before (dB). */
  const levelAfter = (h: Harness, num: number, value: number, ms = 100) => {
    send(h, now(h), 1, 0x90, 60, 127);
    const held = peak(renderFrames(h, 4800).L, 2400);
    cc(h, 0, num, value);
    const { L } = renderFrames(h, 9600);
    const at = Math.round((ms / 1000) * RATE);
    return toDb(peak(L, at - 48, at + 48) / held);
  };

  it('CC11 expression scales a sounding note at once; CC121 with data 0 resets expression and the bend but keeps CC7', () => {
    const h = synth([[0, 1000]]);
    send(h, 0, 1, 0x90, 60, 127);
    const ref = rms(renderFrames(h, 4800).L, 2400);
    cc(h, 0, 11, 64);
    cc(h, 0, 7, 50);
    send(h, now(h), 1, 0xe0, 0x7f, 0x7f);
    let L = renderFrames(h, 4800).L;
    expect(toDb(rms(L, 480) / ref)).toBeCloseTo(40 * Math.log10((64 * 50) / (127 * 100)), 1);
    expect(zeroCrossingFrequency(L, RATE, 480)).toBeCloseTo(BEND_UP_2, 0);
    cc(h, 0, 121, 0);
    L = renderFrames(h, 4800).L;
    expect(toDb(rms(L, 480) / ref)).toBeCloseTo(40 * Math.log10(50 / 100), 1); // expression 127, volume still 50
    expect(zeroCrossingFrequency(L, RATE, 480)).toBeCloseTo(1000, 0);
  });

  it('CC123 all notes off releases (a tail, -96 dB per release time); CC120 all sound off silences at once', () => {
    let h = released();
    expect(levelAfter(h, 123, 0, 50)).toBeCloseTo(-9.6, 0);
    h = released();
    expect(levelAfter(h, 123, 0, 100)).toBeCloseTo(-19.2, 0);
    expect(h.stream.core.activeVoices).toBe(1); // still in its release 200 ms after the message
    renderFrames(h, RATE / 2);
    expect(h.stream.core.activeVoices).toBe(0);
    h = released();
    send(h, 0, 1, 0x90, 60, 127);
    renderFrames(h, 4800);
    cc(h, 0, 120, 0);
    const { L } = renderFrames(h, 4800);
    expect(peak(L, 0, 24)).toBeGreaterThan(0.1); // a fade, not a click ...
    expect(peak(L, 120)).toBe(0); // ... over about a millisecond, whatever the release time
    expect(h.stream.core.activeVoices).toBe(0);
  });

  it('CC123 respects the sustain pedal (the note goes on until the pedal lifts); CC120 does not', () => {
    let h = released();
    cc(h, 0, 64, 127);
    expect(levelAfter(h, 123, 0)).toBeCloseTo(0, 1);
    cc(h, 0, 64, 0);
    renderFrames(h, RATE / 2 + 4800);
    expect(h.stream.core.activeVoices).toBe(0);
    h = released();
    cc(h, 0, 64, 127);
    send(h, now(h), 1, 0x90, 60, 127);
    renderFrames(h, 4800);
    cc(h, 0, 120, 0);
    expect(peak(renderFrames(h, 4800).L, 120)).toBe(0);
  });

  it('CC126 mono mode and CC127 poly mode imply all notes off: held notes release with their tail; later notes play', () => {
    for (const mode of [126, 127]) {
      const h = released();
      expect(levelAfter(h, mode, mode === 126 ? 1 : 0, 50)).toBeCloseTo(-9.6, 0);
      renderFrames(h, RATE / 2);
      expect(h.stream.core.activeVoices).toBe(0);
      expect(hzOf(h, 0)).toBeCloseTo(1000, 0);
    }
  });
});

describe('other system exclusive (§7.5)', () => {
  it('GS Rx channel moves a part to another MIDI channel (both parts then answer it) or to none; GS Reset restores', () => {
    const h = synth([
      [0, 1000],
      [1, 1100],
    ]);
    sendSysex(h, now(h), 1, GS_RESET);
    program(h, 0, 1); // the part of MIDI channel 1 (block 1) plays program 1
    sendSysex(h, now(h), 1, gsPart(1, 0x02, 0x01)); // block 1 receives on MIDI channel 2
    let r = play(h, 1);
    expect(r.voices).toBe(2);
    expect(goertzel(r.L, RATE, 1000, 2400)).toBeGreaterThan(0.2); // channel 2's own part
    expect(goertzel(r.L, RATE, 1100, 2400)).toBeGreaterThan(0.2); // the moved part
    r = play(h, 0);
    expect(peak(r.L)).toBe(0); // nothing listens on MIDI channel 1 any more
    sendSysex(h, now(h), 1, gsPart(1, 0x02, 0x10)); // OFF
    r = play(h, 1);
    expect(r.voices).toBe(1);
    expect(r.hz).toBeCloseTo(1000, 0);
    expect(peak(play(h, 0).L)).toBe(0);
    sendSysex(h, now(h), 1, GS_RESET);
    r = play(h, 0);
    expect(r.voices).toBe(1);
    expect(r.hz).toBeCloseTo(1000, 0); // back on channel 1, program reset to 0
  });

  it('unknown, truncated and malformed SysEx are ignored without disturbing a playing note or the next one', () => {
    const h = synth([
      [0, 1000],
      [DRUMS, 2000],
    ]);
    cc(h, 0, 7, 80);
    send(h, now(h), 1, 0x90, 60, 127);
    const before = renderFrames(h, 9600).L;
    const junk = [
      [0xf0, 0x7e, 0x7f, 0x09, 0xf7], // GM System On cut short
      [0xf0, 0x7f, 0x7f, 0x04, 0x01, 0x40, 0xf7], // master volume missing its MSB
      [0xf0, 0x7f, 0x7f, 0x04, 0x01, 0xf7],
      [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7f, 0xf7], // GS Reset cut short
      [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x11, 0x15, 0xf7], // use-for-rhythm without data
      [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x11, 0x02, 0xf7], // Rx channel without data
      [0xf0, 0x41, 0x10, 0x45, 0x12, 0x40, 0x00, 0x7f, 0x00, 0x41, 0xf7], // another Roland model
      [0xf0, 0x41, 0x10, 0x42, 0x11, 0x40, 0x00, 0x7f, 0x00, 0x41, 0xf7], // RQ1, not DT1
      [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x11, 0x7a, 0x05, 0x00, 0xf7], // GS part address not handled
      [0xf0, 0x43, 0x10, 0x4c, 0x00, 0x00, 0x7e, 0xf7], // XG System On cut short
      [0xf0, 0x00, 0x20, 0x29, 0x02, 0x0a, 0x01, 0xf7], // unknown manufacturer
      [0xf0, 0xf7],
      [0xf0],
      [0xf0, 0x7d, ...new Array(3000).fill(0x55), 0xf7], // long, non-commercial id, in 256-byte chunks
    ];
    for (const s of junk) sendSysex(h, now(h), 1, s);
    const during = renderFrames(h, 9600).L;
    expect(h.stream.core.activeVoices).toBe(1);
    expect(zeroCrossingFrequency(during, RATE)).toBeCloseTo(1000, 0);
    expect(toDb(rms(during) / rms(before, 2400))).toBeCloseTo(0, 2); // master volume, CC7 untouched
    cc(h, 0, 120, 0);
    renderFrames(h, 480);
    const next = play(h, 0);
    expect(next.hz).toBeCloseTo(1000, 0); // still melodic program 0 on channel 1
    expect(toDb(next.level / rms(before, 2400))).toBeCloseTo(0, 2);
    expect(hzOf(h, 9)).toBeCloseTo(2000, 0);
    expect(h.allocator.stats.eventsInUse).toBe(0);
  });
});
