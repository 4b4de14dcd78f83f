/** SoundFont 2 import: generator layering, modulators, loops, stereo, SF3 refusal, real-bank counts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLocale } from '../../../engine/dls/collection.js';
import { CONN_DST, CONN_SRC, F_WAVELINK_PHASE_MASTER, TIMECENTS_ZERO, WLOOP_TYPE } from '../../../engine/dls/constants.js';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { GEN, readSf2AsDls } from '../../../engine/dls/sf2/sf2-to-dls.js';
import { have, TIMGM6MB_SF2 } from '../../helpers/dls-fixtures.js';
import { buildSf2, keyRange, ramp, type Sf2Spec, velRange } from '../../helpers/dls-sf2-builder.js';

const conn = (cs: { usSource: number; usControl: number; usDestination: number; lScale: number }[], src: number, ctl: number, dst: number) =>
  cs.filter((c) => c.usSource === src && c.usControl === ctl && c.usDestination === dst);

function spec(): Sf2Spec {
  return {
    samples: [
      { name: 'mono', frames: ramp(200), loop: [20, 180], pitch: 62, correction: -7 },
      { name: 'left', frames: ramp(100), link: 2, type: 4 },
      { name: 'right', frames: ramp(100), link: 1, type: 2 },
    ],
    instruments: [
      {
        name: 'Layered',
        zones: [
          { gens: [{ oper: GEN.attackVolEnv, amount: -1200 }, { oper: GEN.sustainVolEnv, amount: 200 }] }, // global zone
          { gens: [keyRange(0, 70), { oper: GEN.sampleModes, amount: 1 }, { oper: GEN.fineTune, amount: 10 }, { oper: GEN.sampleID, amount: 0 }] },
          {
            gens: [keyRange(60, 127), { oper: GEN.sampleModes, amount: 3 }, { oper: GEN.startAddrsOffset, amount: 10 }, { oper: GEN.exclusiveClass, amount: 4 }, { oper: GEN.sampleID, amount: 0 }],
            mods: [{ src: 0x0081, dest: GEN.vibLfoToPitch, amount: 0 }], // switches off the default CC1 vibrato
          },
        ],
      },
      {
        name: 'Stereo',
        zones: [
          { gens: [{ oper: GEN.pan, amount: -500 }, { oper: GEN.sampleID, amount: 1 }] },
          { gens: [{ oper: GEN.pan, amount: 500 }, { oper: GEN.sampleID, amount: 2 }] },
        ],
      },
    ],
    presets: [
      {
        name: 'Piano',
        preset: 3,
        bank: 8,
        zones: [
          { gens: [{ oper: GEN.attackVolEnv, amount: 1200 }] }, // global preset zone: adds
          { gens: [keyRange(50, 100), velRange(0, 100), { oper: GEN.instrument, amount: 0 }] },
        ],
      },
      { name: 'Kit', preset: 0, bank: 128, zones: [{ gens: [{ oper: GEN.instrument, amount: 1 }] }] },
    ],
  };
}

describe('SoundFont 2 import', () => {
  it('layers preset and instrument generators and intersects ranges', () => {
    const { collection: c } = readSf2AsDls(buildSf2(spec()));
    expect(c.instruments.length).toBe(2);
    const piano = c.instruments[0];
    expect(decodeLocale(piano.locale)).toEqual({ msb: 8, lsb: 0, drum: false, program: 3 });
    expect(piano.info).toEqual([{ id: 'INAM', text: 'Piano' }]);
    expect(piano.regions.map((r) => [r.rgnh.RangeKey.usLow, r.rgnh.RangeKey.usHigh])).toEqual([
      [50, 70],
      [60, 100],
    ]);
    expect(piano.regions[0].rgnh.RangeVelocity).toEqual({ usLow: 0, usHigh: 100 });
    const cs0 = piano.regions[0].articulations[0].articulators[0].connections;
    // attack: instrument global -1200 + preset global +1200 = 0 timecents (1 s)
    expect(conn(cs0, 0, 0, CONN_DST.EG1_ATTACKTIME)[0].lScale).toBe(0);
    expect(conn(cs0, 0, 0, CONN_DST.EG1_SUSTAINLEVEL)[0].lScale).toBe(800 * 65536);
    expect(conn(cs0, 0, 0, CONN_DST.EG1_DELAYTIME)[0].lScale).toBe(-12000 * 65536);
    // default CC1 -> vibrato 50 cents present in zone 1, switched off in zone 2
    expect(conn(cs0, CONN_SRC.VIBRATO, CONN_SRC.CC1, CONN_DST.PITCH)[0].lScale).toBe(50 * 65536);
    const cs1 = piano.regions[1].articulations[0].articulators[0].connections;
    expect(conn(cs1, CONN_SRC.VIBRATO, CONN_SRC.CC1, CONN_DST.PITCH)).toEqual([]);
    expect(TIMECENTS_ZERO).toBe(-0x80000000);
  });

  it('maps tuning, loops (forward and release), key groups and sample offsets', () => {
    const bytes = buildSf2(spec());
    const { collection: c } = readSf2AsDls(bytes);
    const [r0, r1] = c.instruments[0].regions;
    expect(r0.wsmp).toMatchObject({ usUnityNote: 62, sFineTune: 10 - 7, loops: [{ ulType: WLOOP_TYPE.FORWARD, ulStart: 20, ulLength: 160 }] });
    expect(r1.wsmp!.loops).toEqual([{ ulType: WLOOP_TYPE.RELEASE, ulStart: 10, ulLength: 160 }]);
    expect(r1.rgnh.usKeyGroup).toBe(4);
    const w0 = c.waves[c.ptbl[r0.wlnk.ulTableIndex]];
    const w1 = c.waves[c.ptbl[r1.wlnk.ulTableIndex]];
    expect(w0.data.length).toBe(400);
    expect(w1.data.length).toBe(380); // start offset 10 frames: a second wave, a shorter view
    expect(w1.data.buffer).toBe(w0.data.buffer); // views onto smpl, not copies
    expect(w1.data.byteOffset - w0.data.byteOffset).toBe(20);
  });

  it('links stereo pairs with channels and a phase group, and maps bank 128 to a drum kit', () => {
    const { collection: c } = readSf2AsDls(buildSf2(spec()));
    const kit = c.instruments[1];
    expect(decodeLocale(kit.locale).drum).toBe(true);
    const [l, r] = kit.regions;
    expect(l.wlnk).toMatchObject({ ulChannel: 1, fusOptions: F_WAVELINK_PHASE_MASTER });
    expect(r.wlnk).toMatchObject({ ulChannel: 2, fusOptions: 0 });
    expect(l.wlnk.usPhaseGroup).toBe(r.wlnk.usPhaseGroup);
    expect(l.wlnk.usPhaseGroup).toBeGreaterThan(0);
    const pan = (x: typeof l) => conn(x.articulations[0].articulators[0].connections, 0, 0, CONN_DST.PAN)[0].lScale;
    expect([pan(l), pan(r)]).toEqual([-500 * 65536, 500 * 65536]);
  });

  it('maps modulators to connections: curve/polarity/direction bits, amount sources, preset amounts added', () => {
    const s = spec();
    // instrument zone 1: CC74 (linear, unipolar) -> filter cutoff 2400 cents; velocity (concave, max->min) x CC2 -> attenuation
    s.instruments[0].zones[1].mods = [
      { src: 0x80 | 74, dest: GEN.initialFilterFc, amount: 2400 },
      { src: 0x0502, dest: GEN.initialAttenuation, amount: 960, amtSrc: 0x82 },
      { src: 0x0081, dest: GEN.vibLfoToPitch, amount: 35 },
    ];
    // preset: the same CC1 -> vibrato modulator adds 20 cents
    s.presets[0].zones[1].mods = [{ src: 0x0081, dest: GEN.vibLfoToPitch, amount: 20 }];
    const { collection: c } = readSf2AsDls(buildSf2(s));
    const cs = c.instruments[0].regions[0].articulations[0].articulators[0].connections;
    expect(conn(cs, 0x80 | 74, 0, CONN_DST.FILTER_CUTOFF)).toEqual([{ usSource: 0xca, usControl: 0, usDestination: CONN_DST.FILTER_CUTOFF, usTransform: 0, lScale: 2400 * 65536 }]);
    // source: concave (1 << 10) + invert (1 << 15); control CC2 linear; gain = -attenuation
    expect(conn(cs, CONN_SRC.KEYONVELOCITY, 0x82, CONN_DST.GAIN)).toEqual([{ usSource: 2, usControl: 0x82, usDestination: CONN_DST.GAIN, usTransform: 0x8400, lScale: -960 * 65536 }]);
    expect(conn(cs, CONN_SRC.VIBRATO, CONN_SRC.CC1, CONN_DST.PITCH).map((x) => x.lScale)).toEqual([55 * 65536]); // the instrument mod (35) replaced the default (50); the preset adds 20
  });

  it('writes a DLS file that reads back with no warnings', () => {
    const { collection: c } = readSf2AsDls(buildSf2(spec()));
    const back = readDls(writeDls(c));
    expect(back.warnings).toEqual([]);
    expect(back.instruments.map((i) => i.regions.length)).toEqual([2, 2]);
  });

  it('writes no -0 (a field at 0 attenuation or a rounded-away scale): the read-back, which has 0, equals the conversion', () => {
    const s = spec();
    // initialAttenuation 0: lAttenuation = -0 * 65536, which is -0 unless normalised.
    s.instruments[0].zones[1].gens.push({ oper: GEN.initialAttenuation, amount: 0 });
    const { collection: c } = readSf2AsDls(buildSf2(s));
    const negativeZeros: string[] = [];
    const walk = (o: unknown, path: string): void => {
      if (typeof o === 'number') {
        if (Object.is(o, -0)) negativeZeros.push(path);
      } else if (o && typeof o === 'object' && !ArrayBuffer.isView(o)) {
        for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
      }
    };
    walk(c, 'collection');
    expect(negativeZeros).toEqual([]);
    // toEqual compares numbers with Object.is: a -0 in the conversion would not equal the file's 0.
    const back = readDls(writeDls(c));
    expect(back.instruments).toEqual(c.instruments);
    if (have(TIMGM6MB_SF2)) {
      const real = readSf2AsDls(readFileSync(TIMGM6MB_SF2)).collection;
      walk(real.instruments, 'TimGM6mb');
      expect(negativeZeros).toEqual([]);
    }
  });

  it('converts only the presets of the programs asked for, with the same regions and wave data', () => {
    const bytes = buildSf2(spec());
    const whole = readSf2AsDls(bytes).collection;
    const kitOnly = readSf2AsDls(bytes, new Set([0])).collection;
    expect(kitOnly.instruments.map((i) => decodeLocale(i.locale))).toEqual([{ msb: 0, lsb: 0, drum: true, program: 0 }]);
    // The kit uses the stereo pair only: two waves instead of all four.
    expect(whole.waves.length).toBeGreaterThan(kitOnly.waves.length);
    const wavesOf = (c: typeof whole, ins: (typeof whole.instruments)[number]) => ins.regions.map((r) => Array.from(c.waves[c.ptbl[r.wlnk.ulTableIndex]].data));
    const kit = whole.instruments.find((i) => decodeLocale(i.locale).drum)!;
    expect(kitOnly.instruments[0].regions.map((r) => ({ ...r, wlnk: { ...r.wlnk, ulTableIndex: 0 } }))).toEqual(kit.regions.map((r) => ({ ...r, wlnk: { ...r.wlnk, ulTableIndex: 0 } })));
    expect(wavesOf(kitOnly, kitOnly.instruments[0])).toEqual(wavesOf(whole, kit));
    expect(readSf2AsDls(bytes, new Set([3])).collection.instruments.map((i) => decodeLocale(i.locale).program)).toEqual([3]);
    expect(readSf2AsDls(bytes, new Set([77])).collection.instruments).toEqual([]);
  });

  it('rejects SF3 and corrupt hydra indexes with typed errors', () => {
    const sf3 = buildSf2({ ...spec(), version: [3, 0] });
    expect(() => readSf2AsDls(sf3)).toThrow('SF3 compressed samples are not supported');
    const bad = buildSf2(spec());
    const at = Buffer.from(bad).indexOf('phdr');
    new DataView(bad.buffer).setUint16(at + 8 + 24, 999, true); // first preset's bag index
    try {
      readSf2AsDls(bad);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DlsError);
      expect((e as DlsError).chunkPath).toBe('RIFF:sfbk/LIST:pdta/pbag');
    }
  });

  it.skipIf(!have(TIMGM6MB_SF2))('converts TimGM6mb.sf2 like a reference converter counts it', () => {
    const { collection: c } = readSf2AsDls(readFileSync(TIMGM6MB_SF2));
    // spessasynth's DLS export of the same bank (corpus TimGM6mb.dls) has 136 / 520 / 2063.
    expect(c.instruments.length).toBe(136);
    expect(c.waves.length).toBe(520);
    expect(c.instruments.reduce((n, i) => n + i.regions.length, 0)).toBe(2063);
    expect(readDls(writeDls(c)).warnings).toEqual([]);
  });
});
