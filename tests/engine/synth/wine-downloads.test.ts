/**
 * "A buffer packed by a real DirectMusic application downloads unchanged" (issue 3). Windows cannot
 * run here, so the buffers are laid out the way Wine's dmusic.dll packs them, written from reading
 * wine-mirror/wine dlls/dmusic/wave.c (wave_download_to_port) and dlls/dmusic/instrument.c
 * (instrument_download_to_port), with the unwritten bytes of its malloc'd buffer filled
 * (tests/helpers/synth-downloads.ts wineWaveDownload / wineInstrumentDownload lists every detail).
 * The pin accepts them, plays the right pitches, and renders exactly what the same instrument
 * packed by engine/dls/download.ts renders; the details where Wine's layout differs from ours are
 * checked in the buffers themselves.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionBlock, DlsCollection, DlsWave } from '../../../engine/dls/collection.js';
import { CONN_DST, CONN_SRC } from '../../../engine/dls/constants.js';
import { packInstrumentDownload, packWaveDownload } from '../../../engine/dls/download.js';
import { parseDownload as parseOnHost } from '../../../engine/dls/download-parse.js';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { peak, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { type ConnSpec, tcRaw, WINE_UNSET, type WineRegion, wineInstrumentDownload, wineWaveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';

const RATE = 22050;
const ZERO_TIME = -0x80000000;

/** Wave A: 16-bit, 10 sine cycles in 441 frames (500 Hz at 22.05 kHz), a seamless whole-wave loop. */
function waveA(): Uint8Array {
  const b = new Uint8Array(441 * 2);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 441; i++) v.setInt16(2 * i, Math.round(20000 * Math.sin((2 * Math.PI * 10 * i) / 441)), true);
  return b;
}
/** Wave B: 8-bit, 301 frames (odd: Wine's buffer size is odd too), 6 cycles over frames 1..300 (441 Hz). */
function waveB(): Uint8Array {
  const b = new Uint8Array(301);
  for (let i = 0; i < 301; i++) b[i] = Math.round(128 + 100 * Math.sin((2 * Math.PI * 6 * (i - 1)) / 300));
  return b;
}

// dwDLIds as Wine hands them out: GetDLId for the instrument first, then one per wave it downloads.
const INS_ID = 10;
const A_ID = 11;
const B_ID = 12;
const LOCALE = { ulBank: 0x0102, ulInstrument: 5 }; // CC0 1, CC32 2, program 5 -> ulPatch 0x010205

/** The instrument's DLS1 'lart' lists as Wine reads them (art1 connections). */
const GLOBAL_ART: ConnSpec[][] = [
  [
    { src: CONN_SRC.NONE, dst: CONN_DST.EG1_ATTACKTIME, raw: tcRaw(0.05) },
    { src: CONN_SRC.NONE, dst: CONN_DST.EG1_SUSTAINLEVEL, raw: 1000 * 65536 },
  ],
];
const SNAP: ConnSpec[][] = [[{ src: CONN_SRC.NONE, dst: CONN_DST.EG1_ATTACKTIME, raw: ZERO_TIME }]];
const REGIONS: WineRegion[] = [
  // velocity 0-0 as the file has it: "all velocities" (reference §6.12)
  { keyLow: 0, keyHigh: 63, velLow: 0, velHigh: 0, waveDlId: A_ID, unityNote: 48, loop: { type: 0, start: 0, length: 441 } },
  { keyLow: 64, keyHigh: 99, velLow: 0, velHigh: 127, waveDlId: B_ID, unityNote: 69, loop: { type: 0, start: 1, length: 300 }, art: SNAP },
  // no loop: cSampleLoops 0, and WLOOP[0] holds whatever the heap held
  { keyLow: 100, keyHigh: 127, velLow: 0, velHigh: 127, waveDlId: A_ID, unityNote: 100, keyGroup: 1, art: SNAP },
];

function wineBuffers(unset: number) {
  return {
    a: wineWaveDownload(A_ID, { samplesPerSec: RATE, bitsPerSample: 16 }, waveA(), unset),
    b: wineWaveDownload(B_ID, { samplesPerSec: RATE, bitsPerSample: 8 }, waveB(), unset),
    ins: wineInstrumentDownload(INS_ID, LOCALE, REGIONS, GLOBAL_ART, unset),
  };
}

/** The same waves and instrument as a collection, for engine/dls/download.ts to pack. */
function sameCollection(): DlsCollection {
  const wave = (data: Uint8Array, bits: 8 | 16): DlsWave => ({
    fmt: { wFormatTag: 1, nChannels: 1, nSamplesPerSec: RATE, nAvgBytesPerSec: (RATE * bits) / 8, nBlockAlign: bits / 8, wBitsPerSample: bits },
    data,
    info: [],
    unknown: [],
  });
  const conns = (l: ConnSpec[]): ConnectionBlock[] => l.map((k) => ({ usSource: k.src, usControl: k.ctl ?? 0, usDestination: k.dst, usTransform: k.trn ?? 0, lScale: k.raw ?? 0 }));
  const lart = (lists: ConnSpec[][]) => lists.map((l) => ({ listType: 'lart' as const, articulators: [{ kind: 'art1' as const, connections: conns(l) }] }));
  return {
    instruments: [
      {
        locale: LOCALE,
        regions: REGIONS.map((r) => ({
          listType: 'rgn ' as const,
          rgnh: { RangeKey: { usLow: r.keyLow, usHigh: r.keyHigh }, RangeVelocity: { usLow: r.velLow, usHigh: r.velHigh }, fusOptions: 0, usKeyGroup: r.keyGroup ?? 0 },
          wsmp: { usUnityNote: r.unityNote, sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: r.loop ? [{ ulType: r.loop.type, ulStart: r.loop.start, ulLength: r.loop.length }] : [] },
          wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: r.waveDlId === A_ID ? 0 : 1 },
          articulations: lart(r.art ?? []),
          unknown: [],
        })),
        articulations: lart(GLOBAL_ART),
        info: [],
        unknown: [],
      },
    ],
    ptbl: [0, 1],
    waves: [wave(waveA(), 16), wave(waveB(), 8)],
    info: [],
    unknown: [],
    warnings: [],
  };
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/** Selects bank 1/2 program 5 on channel 1 of group 1 (the instrument's patch). */
function selectPatch(h: Harness): void {
  send(h, 0, 1, 0xb0, 0, 1);
  send(h, 0, 1, 0xb0, 32, 2);
  send(h, 0, 1, 0xc0, 5);
}

/** Plays `key` for 100 ms, then lets it go for 100 ms; returns the held part. */
function play(h: Harness, key: number): Float32Array {
  send(h, 0, 1, 0x90, key, 100);
  const { L } = renderFrames(h, 4800);
  send(h, 0, 1, 0x80, key, 0);
  renderFrames(h, 4800);
  return L;
}

describe("buffers packed the way Wine's dmusic.dll packs them", () => {
  it('lay out as Wine does, where that differs from engine/dls/download.ts', () => {
    const wine = wineBuffers(WINE_UNSET);
    const col = sameCollection();
    const ours = { b: packWaveDownload(col.waves[1], B_ID), ins: packInstrumentDownload(col, col.instruments[0], INS_ID, [A_ID, B_ID]) };
    // Wave: no append bytes, no rounding to 4: 60 + 301 PCM bytes; ours rounds up and appends 2 guard frames.
    expect(wine.b.length).toBe(361);
    expect(u32(wine.b, 12)).toBe(361);
    expect([u32(wine.b, 16), u32(wine.b, 20), u32(wine.b, 56)]).toEqual([24, 56, 301]);
    expect(new DataView(wine.b.buffer).getUint16(52, true)).toBe(0xcdcd); // WAVEFORMATEX.cbSize as copied
    expect(ours.b.length).toBe(364);
    // Instrument: 1 + 2 (global) + 1 + (1 + 2) + (1 + 2) chunks, packed back to back, no padding.
    expect(u32(wine.ins, 0)).toBe(3);
    expect(u32(wine.ins, 8)).toBe(10);
    const off = (i: number) => u32(wine.ins, 16 + 4 * i);
    expect(Array.from({ length: 10 }, (_, i) => off(i))).toEqual([56, 80, 92, 124, 196, 268, 280, 300, 372, 384]);
    expect(u32(wine.ins, 12)).toBe(404);
    const ins = off(0);
    expect(u32(wine.ins, ins)).toBe(0x010205); // MIDILOCALE2Patch
    expect([u32(wine.ins, ins + 4), u32(wine.ins, ins + 8)]).toEqual([3, 1]); // first region, global chain
    expect([u32(wine.ins, ins + 12), u32(wine.ins, ins + 20)]).toEqual([0xcdcdcdcd, 0xcdcdcdcd]); // ulFirstExtCkIdx, ulFlags never written
    const r1 = off(3);
    expect(new DataView(wine.ins.buffer).getUint16(r1 + 6, true)).toBe(0); // velocity 0-0 passed on; ours packs 0-127
    const r3 = off(7);
    expect([u32(wine.ins, r3 + 52), u32(wine.ins, r3 + 60), u32(wine.ins, r3 + 64)]).toEqual([0, 0xcdcdcdcd, 0xcdcdcdcd]); // no loop, unset WLOOP
    // Ours: the same chunks in the same order, velocity 0-127 and zeroed fields.
    expect(u32(ours.ins, 8)).toBe(10);
    const oursOff = (i: number) => u32(ours.ins, 16 + 4 * i);
    expect(new DataView(ours.ins.buffer).getUint16(oursOff(3) + 6, true)).toBe(127);
    expect([u32(ours.ins, oursOff(0) + 12), u32(ours.ins, oursOff(0) + 20)]).toEqual([0, 0]);
    expect(INS_ID).toBeLessThan(A_ID); // Wine reserves the instrument's id before its waves'
  });

  for (const unset of [WINE_UNSET, 0x00]) {
    it(`download unchanged into a pin and play the right pitches (unwritten bytes 0x${unset.toString(16).padStart(2, '0')})`, () => {
      const h = makeHarness();
      const wine = wineBuffers(unset);
      // Wine downloads the waves while it builds the instrument, so they reach the synth first.
      for (const buf of [wine.a, wine.b, wine.ins]) h.stream.node.download(buf);
      selectPatch(h);
      // Region 1 (velocity 0-0 = all): wave A, unity 48; key 60 is an octave up: 1 kHz, after a 50 ms attack.
      const r1 = play(h, 60);
      expect(zeroCrossingFrequency(r1, 48000, 2400)).toBeCloseTo(1000, 0);
      const ratio = peak(r1, 1100, 1300) / peak(r1, 3800, 4000);
      expect(ratio).toBeGreaterThan(0.4);
      expect(ratio).toBeLessThan(0.6);
      // Region 2: the odd-sized 8-bit wave B, unity 69: key 81 is 882 Hz, its own articulation (no attack).
      const r2 = play(h, 81);
      expect(zeroCrossingFrequency(r2, 48000, 500)).toBeCloseTo(882, -1);
      expect(peak(r2, 0, 240)).toBeGreaterThan(0.8 * peak(r2, 2400, 4800));
      // Region 3: no loop and an unset WLOOP: wave A once, an octave up (1 kHz), then silence.
      const r3 = play(h, 112);
      expect(zeroCrossingFrequency(r3, 48000, 20, 420)).toBeCloseTo(1000, -1);
      expect(peak(r3, 1200, 4800)).toBe(0);
    });
  }

  it('render exactly what the same instrument packed by engine/dls/download.ts renders', () => {
    const wine = makeHarness();
    const ours = makeHarness({ miniport: wine.miniport });
    const w = wineBuffers(WINE_UNSET);
    for (const buf of [w.a, w.b, w.ins]) wine.stream.node.download(buf);
    const col = sameCollection();
    ours.stream.node.download(packWaveDownload(col.waves[0], A_ID));
    ours.stream.node.download(packWaveDownload(col.waves[1], B_ID));
    ours.stream.node.download(packInstrumentDownload(col, col.instruments[0], INS_ID, [A_ID, B_ID]));
    for (const h of [wine, ours]) selectPatch(h);
    for (const key of [40, 60, 81, 112]) {
      const a = play(wine, key);
      const b = play(ours, key);
      expect(peak(a)).toBeGreaterThan(0.01);
      expect(a).toEqual(b);
    }
  });

  it("the host-side validator reads Wine's layout, and names the unwritten ulFirstExtCkIdx when it holds garbage", () => {
    const clean = wineBuffers(0);
    const p = parseOnHost(clean.ins);
    if (p.kind !== 'instrument') throw new Error('not an instrument');
    expect(p.instrument.regions.map((r) => [r.RangeVelocity.usHigh, r.WSMP.loops.length, r.articulation?.kind ?? null])).toEqual([
      [0, 1, null],
      [127, 1, 'DMUS_ARTICULATION2'],
      [127, 0, 'DMUS_ARTICULATION2'],
    ]);
    expect(p.instrument.globalArticulation).toMatchObject({ kind: 'DMUS_ARTICULATION2', connectionLists: [[{ usDestination: CONN_DST.EG1_ATTACKTIME }, { usDestination: CONN_DST.EG1_SUSTAINLEVEL }]] });
    const w = parseOnHost(clean.b);
    expect(w.kind === 'wave' && [w.wave.data.length, w.wave.guardBytes]).toEqual([301, 0]);
    // With heap garbage in DMUS_INSTRUMENT.ulFirstExtCkIdx the strict validator stops there (the pin
    // never follows an instrument's extension chain, so it accepts the same buffer, as above).
    try {
      parseOnHost(wineBuffers(WINE_UNSET).ins);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(DlsError);
      expect((e as DlsError).code).toBe('INVALIDOFFSET');
      expect((e as DlsError).offset).toBe(56 + 12);
    }
  });
});
