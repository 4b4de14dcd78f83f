/** DMUS_DOWNLOADINFO packing and parsing (reference §5), checked against hand-built byte layouts. */
import { describe, expect, it } from 'vitest';
import { type ArticulationList, type ConnectionBlock, type DlsCollection, encodeLocale } from '../../../engine/dls/collection.js';
import { capabilitiesFrom } from '../../../engine/dls/conditions.js';
import { CONN_DST, CONN_SRC, DLSID, TIMECENTS_ZERO } from '../../../engine/dls/constants.js';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { buildCollectionDownloads, DownloadIdAllocator, DownloadScratch, packInstrumentDownload, packWaveDownload } from '../../../engine/dls/download.js';
import { parseDownload } from '../../../engine/dls/download-parse.js';
import { readFileSync } from 'node:fs';
import { DownloadSet } from '../../../engine/synth/downloads.js';
import { fixtureCollection, have, sineWave, TIMGM6MB_DLS } from '../../helpers/dls-fixtures.js';

/** Little-endian writer for hand-built expected layouts, field by field from reference §5. */
function layout(size: number) {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  return {
    b,
    u16: (o: number, x: number) => v.setUint16(o, x, true),
    u32: (o: number, x: number) => v.setUint32(o, x >>> 0, true),
    i16: (o: number, x: number) => v.setInt16(o, x, true),
    i32: (o: number, x: number) => v.setInt32(o, x, true),
  };
}
function dlsError(f: () => unknown): DlsError {
  try {
    f();
  } catch (e) {
    if (e instanceof DlsError) return e;
    throw e;
  }
  throw new Error('expected a DlsError');
}

/** One instrument, one region without wsmp (copied from the wave), one global art2 connection. */
function tinyCollection(): DlsCollection {
  const wave = sineWave(5, 1, 8);
  wave.info = [];
  wave.wsmp = { usUnityNote: 61, sFineTune: -3, lAttenuation: -65536, fulOptions: 2, loops: [{ ulType: 1, ulStart: 1, ulLength: 3 }] };
  return {
    instruments: [
      {
        locale: { ulBank: 0x00000112, ulInstrument: 0x34 },
        regions: [
          {
            listType: 'rgn2',
            rgnh: { RangeKey: { usLow: 10, usHigh: 90 }, RangeVelocity: { usLow: 0, usHigh: 0 }, fusOptions: 1, usKeyGroup: 3, usLayer: 0 },
            wlnk: { fusOptions: 1, usPhaseGroup: 2, ulChannel: 1, ulTableIndex: 0 },
            articulations: [],
            unknown: [],
          },
        ],
        articulations: [{ listType: 'lar2', articulators: [{ kind: 'art2', connections: [{ usSource: CONN_SRC.CC1, usControl: 0, usDestination: CONN_DST.PITCH, usTransform: 0x4000, lScale: 0x00640000 }] }] }],
        info: [],
        unknown: [],
      },
    ],
    ptbl: [0],
    waves: [wave],
    info: [],
    unknown: [],
    warnings: [],
  };
}

describe('DMUS_DOWNLOADINFO packing (reference §5)', () => {
  it('packs a wave (type 2): DMUS_WAVE 32 bytes + DMUS_WAVEDATA with append guard bytes', () => {
    const col = tinyCollection();
    const got = packWaveDownload(col.waves[0], 7, { append: 2 });
    const x = layout(68);
    x.u32(0, 2); // dwDLType = DMUS_DOWNLOADINFO_WAVE
    x.u32(4, 7); // dwDLId
    x.u32(8, 2); // dwNumOffsetTableEntries
    x.u32(12, 68); // cbSize
    x.u32(16, 24); // ulOffsetTable[0]: DMUS_WAVE, right after the table
    x.u32(20, 56); // ulOffsetTable[1]: DMUS_WAVEDATA = 24 + 32
    x.u32(24, 0); // ulFirstExtCkIdx
    x.u32(28, 0); // ulCopyrightIdx
    x.u32(32, 1); // ulWaveDataIdx
    x.u16(36, 1); // wFormatTag PCM
    x.u16(38, 1); // nChannels
    x.u32(40, 22050); // nSamplesPerSec
    x.u32(44, 22050); // nAvgBytesPerSec
    x.u16(48, 1); // nBlockAlign
    x.u16(50, 8); // wBitsPerSample
    x.u16(52, 0); // cbSize, then 2 bytes of struct padding to 32
    x.u32(56, 5); // DMUS_WAVEDATA.cbSize = PCM bytes
    x.b.set(col.waves[0].data, 60); // then 2 guard bytes (append 2 × nBlockAlign 1), then pad to 4
    expect(got).toEqual(x.b);
  });

  it('packs a wave into a reused scratch exactly as into a new buffer, whatever the scratch held before', () => {
    const col = tinyCollection();
    const fresh = packWaveDownload(col.waves[0], 7, { append: 2 });
    const scratch = new DownloadScratch();
    // A bigger wave first leaves the scratch full of non-zero bytes past the small one's end.
    const big = sineWave(4000, 1, 16);
    const first = packWaveDownload(big, 3, { scratch });
    expect(first.length).toBeGreaterThan(8000);
    first.fill(0xa5);
    const again = packWaveDownload(col.waves[0], 7, { append: 2, scratch });
    expect(again).toEqual(fresh);
    // The same memory is reused, and a synth parses it (guard bytes zero, as the layout says).
    expect(again.buffer).toBe(first.buffer);
    const pin = new DownloadSet();
    const { free } = pin.download(again);
    expect(free).toBe(true);
  });

  it('packs an instrument (type 3): DMUS_INSTRUMENT 24 B, DMUS_ARTICULATION2 + CONNECTIONLIST, DMUS_REGION 72 B', () => {
    const col = tinyCollection();
    const got = packInstrumentDownload(col, col.instruments[0], 9, [5]);
    const x = layout(160);
    x.u32(0, 3); // DMUS_DOWNLOADINFO_INSTRUMENT2
    x.u32(4, 9);
    x.u32(8, 4);
    x.u32(12, 160);
    for (const [i, o] of [32, 56, 68, 88].entries()) x.u32(16 + 4 * i, o);
    // [0] DMUS_INSTRUMENT @32
    x.u32(32, 0x00011234); // ulPatch: insh ulBank 0x112 (MSB 1, LSB 0x12), program 0x34 -> 0x11234
    x.u32(36, 3); // ulFirstRegionIdx
    x.u32(40, 1); // ulGlobalArtIdx
    // [1] DMUS_ARTICULATION2 @56: ulArtIdx 2, ulFirstExtCkIdx 0, ulNextArtIdx 0
    x.u32(56, 2);
    // [2] CONNECTIONLIST @68: cbSize 8, cConnections 1, CONNECTION
    x.u32(68, 8);
    x.u32(72, 1);
    x.u16(76, CONN_SRC.CC1);
    x.u16(80, CONN_DST.PITCH);
    x.u16(82, 0x4000);
    x.i32(84, 0x00640000);
    // [3] DMUS_REGION @88
    x.u16(88, 10);
    x.u16(90, 90);
    x.u16(92, 0); // velocity 0-0 in the file is packed as 0-127
    x.u16(94, 127);
    x.u16(96, 1); // fusOptions SELFNONEXCLUSIVE
    x.u16(98, 3); // usKeyGroup
    x.u32(100, 0); // ulRegionArtIdx
    x.u32(104, 0); // ulNextRegionIdx
    x.u32(108, 0); // ulFirstExtCkIdx
    x.u16(112, 1); // WaveLink.fusOptions
    x.u16(114, 2); // usPhaseGroup
    x.u32(116, 1); // ulChannel
    x.u32(120, 5); // ulTableIndex = the wave's dwDLId
    x.u32(124, 20); // WSMP.cbSize (copied from the wave: the region has none)
    x.u16(128, 61);
    x.i16(130, -3);
    x.i32(132, -65536);
    x.u32(136, 2);
    x.u32(140, 1); // cSampleLoops
    x.u32(144, 16); // WLOOP.cbSize
    x.u32(148, 1); // release loop
    x.u32(152, 1);
    x.u32(156, 3);
    expect(got).toEqual(x.b);
  });

  it('packs an instrument (type 1): DMUS_INSTRUMENT, DMUS_ARTICULATION + DMUS_ARTICPARAMS (global and region), DMUS_REGION', () => {
    const col = tinyCollection();
    const art1 = (connections: ConnectionBlock[]): ArticulationList => ({ listType: 'lart', articulators: [{ kind: 'art1', connections }] });
    const k = (usSource: number, usControl: number, usDestination: number, lScale: number): ConnectionBlock => ({ usSource, usControl, usDestination, usTransform: 0, lScale });
    col.instruments[0].articulations = [
      art1([
        k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_ATTACKTIME, -0x1e000000),
        k(CONN_SRC.KEYONVELOCITY, CONN_SRC.NONE, CONN_DST.EG1_ATTACKTIME, 0x00200000),
        k(CONN_SRC.LFO, CONN_SRC.CC1, CONN_DST.PITCH, 50 * 65536),
        k(CONN_SRC.EG2, CONN_SRC.NONE, CONN_DST.PITCH, 1200 * 65536),
        k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.PAN, -250 * 65536),
        k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.FILTER_CUTOFF, 6000 * 65536), // no DMUS_ARTICPARAMS field: dropped
      ]),
    ];
    col.instruments[0].regions[0].articulations = [
      art1([k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_RELEASETIME, 0x02000000), k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_SUSTAINLEVEL, 500 * 65536)]),
    ];
    const got = packInstrumentDownload(col, col.instruments[0], 9, [5], { dlType: 1 });
    const x = layout(312);
    x.u32(0, 1); // dwDLType = DMUS_DOWNLOADINFO_INSTRUMENT (DLS1 articulation)
    x.u32(4, 9); // dwDLId
    x.u32(8, 6); // dwNumOffsetTableEntries
    x.u32(12, 312); // cbSize
    for (const [i, o] of [40, 64, 72, 152, 224, 232].entries()) x.u32(16 + 4 * i, o);
    // [0] DMUS_INSTRUMENT @40
    x.u32(40, 0x00011234); // ulPatch
    x.u32(44, 3); // ulFirstRegionIdx
    x.u32(48, 1); // ulGlobalArtIdx -> DMUS_ARTICULATION
    x.u32(52, 0); // ulFirstExtCkIdx
    x.u32(56, 0); // ulCopyrightIdx
    x.u32(60, 0); // ulFlags
    // [1] DMUS_ARTICULATION @64: ulArt1Idx 2, ulFirstExtCkIdx 0
    x.u32(64, 2);
    /** DMUS_ARTICPARAMS (reference §5.4) with the DLS1 defaults, then the fields the connections set. */
    const params = (at: number, fields: Record<number, number>) => {
      const defaults: Record<number, number> = {
        0: -55791972, // LFO.pcFrequency 5 Hz
        4: -522494111, // LFO.tcDelay 10 ms
        24: TIMECENTS_ZERO, // VolEG.tcAttack
        28: TIMECENTS_ZERO, // VolEG.tcDecay
        32: 1000 * 65536, // VolEG.ptSustain 100 % (0.1 % units)
        36: TIMECENTS_ZERO, // VolEG.tcRelease
        48: TIMECENTS_ZERO, // PitchEG.tcAttack
        52: TIMECENTS_ZERO, // PitchEG.tcDecay
        56: 1000 * 65536, // PitchEG.ptSustain
        60: TIMECENTS_ZERO, // PitchEG.tcRelease
      };
      for (const [off, v] of Object.entries({ ...defaults, ...fields })) x.i32(at + Number(off), v);
    };
    // [2] DMUS_ARTICPARAMS @72 (80 bytes): LFO 0-23, VolEG 24-47, PitchEG 48-75, Misc 76-79
    params(72, {
      20: 50 * 65536, // LFO.pcMWToPitch: LFO x CC1 -> PITCH
      24: -0x1e000000, // VolEG.tcAttack
      40: 0x00200000, // VolEG.tcVel2Attack: KEYONVELOCITY -> EG1_ATTACKTIME
      72: 1200 * 65536, // PitchEG.pcRange: EG2 -> PITCH
      76: -250 * 65536, // Misc.ptDefaultPan
    });
    // [3] DMUS_REGION @152 (72 bytes)
    x.u16(152, 10);
    x.u16(154, 90);
    x.u16(156, 0);
    x.u16(158, 127); // velocity 0-0 in the file is packed as 0-127
    x.u16(160, 1);
    x.u16(162, 3);
    x.u32(164, 4); // ulRegionArtIdx -> the region's DMUS_ARTICULATION
    x.u32(168, 0); // ulNextRegionIdx
    x.u32(172, 0); // ulFirstExtCkIdx
    x.u16(176, 1); // WaveLink
    x.u16(178, 2);
    x.u32(180, 1);
    x.u32(184, 5); // ulTableIndex = the wave's dwDLId
    x.u32(188, 20); // WSMP (the wave's: the region has none)
    x.u16(192, 61);
    x.i16(194, -3);
    x.i32(196, -65536);
    x.u32(200, 2);
    x.u32(204, 1);
    x.u32(208, 16); // WLOOP
    x.u32(212, 1);
    x.u32(216, 1);
    x.u32(220, 3);
    // [4] DMUS_ARTICULATION @224 -> [5] DMUS_ARTICPARAMS @232
    x.u32(224, 5);
    params(232, { 36: 0x02000000, 32: 500 * 65536 }); // VolEG.tcRelease, VolEG.ptSustain
    expect(got).toEqual(x.b);
    // The host-side parser and the pin both read it back.
    const parsed = parseDownload(got);
    if (parsed.kind !== 'instrument') throw new Error('not an instrument');
    expect(parsed.instrument.globalArticulation).toMatchObject({ kind: 'DMUS_ARTICULATION', params: { VolEG_tcAttack: -0x1e000000, Misc_ptDefaultPan: -250 * 65536 } });
    expect(parsed.instrument.regions[0].articulation).toMatchObject({ kind: 'DMUS_ARTICULATION', params: { VolEG_tcRelease: 0x02000000 } });
    const pin = new DownloadSet();
    pin.download(packWaveDownload(col.waves[0], 5));
    pin.download(got);
    expect(pin.instrumentsByPatch.size).toBe(1);
  });

  it('packs DLS1 articulation (type 1): DMUS_ARTICULATION -> DMUS_ARTICPARAMS 80 B', () => {
    const col = fixtureCollection();
    const ids = [0, 1, 2];
    const buf = packInstrumentDownload(col, col.instruments[0], 3, ids, { dlType: 1 });
    const v = new DataView(buf.buffer);
    const off = (i: number) => v.getUint32(16 + 4 * i, true);
    expect(v.getUint32(0, true)).toBe(1);
    const artIdx = v.getUint32(off(0) + 8, true);
    expect(artIdx).toBe(1);
    expect(v.getUint32(off(1), true)).toBe(2); // ulArt1Idx
    const p = off(2);
    expect(off(3) - p).toBe(80);
    expect(v.getInt32(p + 0, true)).toBe(-55791972); // LFO.pcFrequency default 5 Hz
    expect(v.getInt32(p + 20, true)).toBe(50 * 65536); // LFO.pcMWToPitch from LFO x CC1 -> PITCH
    expect(v.getInt32(p + 24, true)).toBe(-522494111); // VolEG.tcAttack
    expect(v.getInt32(p + 32, true)).toBe(1000 * 65536); // VolEG.ptSustain
    const parsed = parseDownload(buf);
    expect(parsed.kind === 'instrument' && parsed.instrument.globalArticulation?.kind).toBe('DMUS_ARTICULATION');
  });

  it('GetDLId reserves consecutive ids that are never reused', () => {
    const ids = new DownloadIdAllocator();
    expect(ids.getDLId()).toBe(0);
    expect(ids.getDLId(3)).toBe(1);
    expect(ids.getDLId()).toBe(4);
    const c = buildCollectionDownloads(fixtureCollection(), ids);
    const all = [...c.waves, ...c.instruments].map((d) => d.dlId);
    expect(new Set(all).size).toBe(all.length);
    expect(Math.min(...all)).toBe(5);
  });

  it('links regions to wave download ids, remaps patches and evaluates cdl conditions', () => {
    const col = fixtureCollection();
    const ids = new DownloadIdAllocator();
    ids.getDLId(100);
    const d = buildCollectionDownloads(col, ids, {
      patchFor: (ins) => (ins.locale.ulInstrument === 81 ? encodeLocale({ msb: 0, lsb: 0, drum: false, program: 5 }) : undefined),
    });
    const lead = parseDownload(d.instruments[1].buffer);
    if (lead.kind !== 'instrument') throw new Error('not an instrument');
    expect(lead.instrument.ulPatch).toBe(5);
    expect(lead.instrument.regions.map((r) => r.WaveLink.ulTableIndex)).toEqual([d.waves[0].dlId, d.waves[2].dlId]);
    expect(lead.instrument.regions[0].articulation?.kind).toBe('DMUS_ARTICULATION2');
    // A DLS1-only synth: the region and global articulation guarded by SupportsDLS2 are skipped.
    const dls1Only = capabilitiesFrom({ [DLSID.SupportsDLS1]: 1, [DLSID.SupportsDLS2]: 0 });
    const d1 = parseDownload(packInstrumentDownload(col, col.instruments[1], 1000, [0, 1, 2], { capabilities: dls1Only }));
    if (d1.kind !== 'instrument') throw new Error('not an instrument');
    expect(d1.instrument.regions.length).toBe(1);
    expect(d1.instrument.globalArticulation).toBeNull();
    expect(() => packInstrumentDownload(col, col.instruments[0], 1, [0])).toThrow(/BADWAVELINK/);
  });

  it('carries copyright text and unknown chunks as DMUS_COPYRIGHT and DMUS_EXTENSIONCHUNK', () => {
    const col = tinyCollection();
    col.waves[0].info = [{ id: 'ICOP', text: '(c) test' }];
    col.instruments[0].info = [{ id: 'ICOP', text: 'MIT' }];
    col.instruments[0].regions[0].unknown = [{ id: 'xtra', data: new Uint8Array([1, 2, 3]) }];
    const w = parseDownload(packWaveDownload(col.waves[0], 1));
    if (w.kind !== 'wave') throw new Error('not a wave');
    expect(w.wave.copyright).toBe('(c) test');
    const i = parseDownload(packInstrumentDownload(col, col.instruments[0], 2, [1]));
    if (i.kind !== 'instrument') throw new Error('not an instrument');
    expect(i.instrument.copyright).toBe('MIT');
    expect(i.instrument.regions[0].extensions).toEqual([{ id: 'xtra', data: new Uint8Array([1, 2, 3]) }]);
  });

  it('rejects non-PCM and non-mono waves when packing', () => {
    const w = sineWave(8, 1, 16);
    expect(() => packWaveDownload({ ...w, fmt: { ...w.fmt, wFormatTag: 2 } }, 0)).toThrow(/NOTPCM/);
    expect(() => packWaveDownload({ ...w, fmt: { ...w.fmt, nChannels: 2 } }, 0)).toThrow(/NOTMONO/);
  });
});

describe('download buffer parser', () => {
  it('parses what the packer wrote, with the wave data as a view', () => {
    const col = tinyCollection();
    const wave = parseDownload(packWaveDownload(col.waves[0], 7, { append: 2 }));
    if (wave.kind !== 'wave') throw new Error('not a wave');
    expect(wave.dwDLId).toBe(7);
    expect([...wave.wave.data]).toEqual([...col.waves[0].data]);
    expect(wave.wave.guardBytes).toBeGreaterThanOrEqual(2);
    const ins = parseDownload(packInstrumentDownload(col, col.instruments[0], 9, [5]));
    if (ins.kind !== 'instrument') throw new Error('not an instrument');
    expect(ins.instrument.regions[0].WSMP).toEqual(col.waves[0].wsmp);
    expect(ins.instrument.globalArticulation).toEqual({ kind: 'DMUS_ARTICULATION2', connectionLists: [col.instruments[0].articulations[0].articulators[0].connections], extensions: [] });
  });

  it('validates the offset table, indexes, types and articulation sizes', () => {
    const col = tinyCollection();
    const ins = packInstrumentDownload(col, col.instruments[0], 9, [5]);
    const bad = (patch: (v: DataView) => void) => {
      const b = ins.slice();
      patch(new DataView(b.buffer));
      return dlsError(() => parseDownload(b));
    };
    expect(bad((v) => v.setUint32(16, 36, true)).code).toBe('BADOFFSETTABLE'); // [0] not right after the table
    expect(bad((v) => v.setUint32(8, 0, true)).code).toBe('BADOFFSETTABLE'); // no entries
    expect(bad((v) => v.setUint32(8, 1000, true)).code).toBe('BADOFFSETTABLE'); // table past cbSize
    expect(bad((v) => v.setUint32(24, 5000, true)).code).toBe('BADOFFSETTABLE'); // offset past cbSize
    expect(bad((v) => v.setUint32(12, 5000, true)).code).toBe('BADOFFSETTABLE'); // cbSize past buffer
    expect(bad((v) => v.setUint32(0, 9, true)).code).toBe('UNKNOWNDOWNLOAD');
    expect(bad((v) => v.setUint32(0, 5, true)).code).toBe('E_NOTIMPL');
    expect(bad((v) => v.setUint32(36, 7, true)).code).toBe('INVALIDOFFSET'); // region index out of range
    const e = bad((v) => v.setUint32(68, 12, true)); // CONNECTIONLIST.cbSize != 8
    expect(e.code).toBe('BADARTICULATION');
    expect(e.chunkPath).toBe('DMUS_DOWNLOADINFO/ulOffsetTable[2]:CONNECTIONLIST');
    expect(e.offset).toBe(68);
    expect(bad((v) => v.setUint32(104, 3, true)).message).toMatch(/loops back/); // region list cycle
    const wave = packWaveDownload(col.waves[0], 1);
    const w = wave.slice();
    new DataView(w.buffer).setUint16(36, 2, true);
    expect(dlsError(() => parseDownload(w)).code).toBe('NOTPCM');
  });

  it.skipIf(!have(TIMGM6MB_DLS))('packs and parses every wave and instrument of TimGM6mb.dls', () => {
    const col = readDls(readFileSync(TIMGM6MB_DLS));
    const d = buildCollectionDownloads(col, new DownloadIdAllocator());
    expect(d.waves.length).toBe(520);
    expect(d.instruments.length).toBe(136);
    for (const w of d.waves) {
      const p = parseDownload(w.buffer);
      if (p.kind !== 'wave') throw new Error('not a wave');
      expect(p.wave.data.length).toBe(col.waves[w.waveIndex].data.length);
    }
    for (const i of d.instruments) {
      const p = parseDownload(i.buffer);
      if (p.kind !== 'instrument') throw new Error('not an instrument');
      expect(p.instrument.regions.length).toBe(col.instruments[i.instrumentIndex].regions.length);
    }
  });
});
