/**
 * Test fixtures for the DLS subsystem (reference §6): small collections built in code, so the
 * tests do not depend on third-party banks (style principle 11). Each fixture exercises a feature:
 * 8- and 16-bit waves, forward and release loops (both constants), key groups, region options,
 * drum and bank-select locales, DLS1 and DLS2 articulation lists, a cdl condition.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusFile } from './corpus.js';
import type { ConnectionBlock, DlsCollection, DlsWave } from '../../engine/dls/collection.js';
import { encodeLocale } from '../../engine/dls/collection.js';
import { buildCondition } from '../../engine/dls/conditions.js';
import { CONN_DST, CONN_SRC, DLS_CDL, DLSID, F_RGN_OPTION_SELFNONEXCLUSIVE, WLOOP_TYPE } from '../../engine/dls/constants.js';

/** A mono PCM wave of `frames` frames of a sine with `cycles` cycles, 8 or 16 bits. */
export function sineWave(frames: number, cycles: number, bits: 8 | 16, rate = 22050): DlsWave {
  const block = bits / 8;
  const data = new Uint8Array(frames * block);
  const v = new DataView(data.buffer);
  for (let i = 0; i < frames; i++) {
    const s = Math.sin((2 * Math.PI * cycles * i) / frames);
    if (bits === 8) data[i] = Math.round(128 + 100 * s);
    else v.setInt16(2 * i, Math.round(20000 * s), true);
  }
  return {
    fmt: { wFormatTag: 1, nChannels: 1, nSamplesPerSec: rate, nAvgBytesPerSec: rate * block, nBlockAlign: block, wBitsPerSample: bits },
    data,
    info: [{ id: 'INAM', text: `sine${bits}` }],
    unknown: [],
  };
}

const k = (usSource: number, usControl: number, usDestination: number, lScale: number, usTransform = 0): ConnectionBlock => ({
  usSource,
  usControl,
  usDestination,
  usTransform,
  lScale,
});

/** A DLS2 collection with two melodic instruments and a drum kit. */
export function fixtureCollection(): DlsCollection {
  const w16 = sineWave(256, 4, 16);
  w16.wsmp = { usUnityNote: 60, sFineTune: -12, lAttenuation: -65536 * 6, fulOptions: 0, loops: [{ ulType: WLOOP_TYPE.FORWARD, ulStart: 0, ulLength: 256 }] };
  const w8 = sineWave(101, 3, 8); // odd data size: exercises the RIFF pad byte
  w8.wsmp = { usUnityNote: 72, sFineTune: 5, lAttenuation: 0, fulOptions: 0, loops: [{ ulType: WLOOP_TYPE.RELEASE, ulStart: 10, ulLength: 80 }] };
  const w8b = sineWave(64, 1, 8);
  w8b.dlid = '01234567-89ab-cdef-0123-456789abcdef';
  const dls2Only = buildCondition([{ query: DLSID.SupportsDLS2 }]);
  const gmHardware = buildCondition([{ query: DLSID.GMInHardware }, DLS_CDL.NOT]);
  return {
    vers: { dwVersionMS: 0x00010002, dwVersionLS: 0x00030004 },
    dlid: 'fedcba98-7654-3210-fedc-ba9876543210',
    instruments: [
      {
        locale: encodeLocale({ msb: 0, lsb: 0, drum: false, program: 0 }),
        regions: [
          {
            listType: 'rgn ',
            rgnh: { RangeKey: { usLow: 0, usHigh: 59 }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: 0, usKeyGroup: 0 },
            wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: 0 },
            articulations: [],
            unknown: [],
          },
          {
            listType: 'rgn ',
            rgnh: { RangeKey: { usLow: 60, usHigh: 127 }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: F_RGN_OPTION_SELFNONEXCLUSIVE, usKeyGroup: 0 },
            wsmp: { usUnityNote: 64, sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: [{ ulType: WLOOP_TYPE.RELEASE_WIN2000, ulStart: 0, ulLength: 100 }] },
            wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: 1 },
            articulations: [],
            unknown: [],
          },
        ],
        articulations: [
          {
            listType: 'lart',
            articulators: [
              {
                kind: 'art1',
                connections: [
                  k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_ATTACKTIME, -522494111),
                  k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_SUSTAINLEVEL, 1000 * 65536),
                  k(CONN_SRC.LFO, CONN_SRC.CC1, CONN_DST.PITCH, 50 * 65536),
                ],
              },
            ],
          },
        ],
        info: [{ id: 'INAM', text: 'Sine Piano' }],
        unknown: [],
      },
      {
        locale: encodeLocale({ msb: 8, lsb: 1, drum: false, program: 81 }),
        regions: [
          {
            listType: 'rgn2',
            cdl: dls2Only,
            rgnh: { RangeKey: { usLow: 0, usHigh: 127 }, RangeVelocity: { usLow: 0, usHigh: 63 }, fusOptions: 0, usKeyGroup: 0, usLayer: 1 },
            wlnk: { fusOptions: 1, usPhaseGroup: 1, ulChannel: 1, ulTableIndex: 0 },
            articulations: [
              {
                listType: 'lar2',
                articulators: [{ kind: 'art2', connections: [k(CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.FILTER_CUTOFF, 8000 * 65536), k(CONN_SRC.EG2, CONN_SRC.NONE, CONN_DST.FILTER_CUTOFF, 2400 * 65536)] }],
              },
            ],
            unknown: [],
          },
          {
            listType: 'rgn2',
            cdl: gmHardware,
            rgnh: { RangeKey: { usLow: 0, usHigh: 127 }, RangeVelocity: { usLow: 64, usHigh: 127 }, fusOptions: 0, usKeyGroup: 0, usLayer: 2 },
            wsmp: { usUnityNote: 69, sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: [{ ulType: WLOOP_TYPE.FORWARD, ulStart: 0, ulLength: 64 }] },
            wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: 2 },
            articulations: [],
            unknown: [],
          },
        ],
        articulations: [
          {
            listType: 'lar2',
            cdl: dls2Only,
            articulators: [{ kind: 'art2', connections: [k(CONN_SRC.KEYONVELOCITY, CONN_SRC.NONE, CONN_DST.GAIN, -62914560, 0x8400)] }],
          },
        ],
        info: [{ id: 'INAM', text: 'Sine Lead' }],
        unknown: [],
      },
      {
        locale: encodeLocale({ msb: 0, lsb: 0, drum: true, program: 0 }),
        regions: [42, 44, 46].map((key, i) => ({
          listType: 'rgn2' as const,
          rgnh: { RangeKey: { usLow: key, usHigh: key }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: 0, usKeyGroup: 1, usLayer: 0 },
          wsmp: { usUnityNote: 60 + i, sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: [] },
          wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: 2 },
          articulations: [],
          unknown: [],
        })),
        articulations: [],
        info: [{ id: 'INAM', text: 'Hats' }],
        unknown: [],
      },
    ],
    ptbl: [0, 1, 2],
    waves: [w16, w8, w8b],
    info: [
      { id: 'INAM', text: 'Fixture bank' },
      { id: 'ICOP', text: 'MIT' },
    ],
    unknown: [],
    warnings: [],
  };
}

/** The shared corpus (tests/helpers/corpus.ts finds it); tests skip when it is absent. */
export const TIMGM6MB_DLS = corpusFile('banks/TimGM6mb.dls');
export const TIMGM6MB_SF2 = '/usr/share/sounds/sf2/TimGM6mb.sf2';
export const FLUIDR3_SF2 = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
/** Made on demand (../shared/corpus/README.md); DMUS_FLUIDR3_DLS names another place. */
export const FLUIDR3_DLS = process.env.DMUS_FLUIDR3_DLS ?? '/tmp/FluidR3_GM.dls';
export const have = (path: string): boolean => existsSync(path);

/**
 * FluidR3_GM as a DLS written by a third party: FLUIDR3_DLS when it is there, else made now from
 * the Debian SF2 (fluid-soundfont-gm) by the corpus's make-dls.mjs (spessasynth_core's DLS writer,
 * about 2 s and 150 MB in the temp folder; `release()` deletes it). Null, with the reason, when
 * neither the file nor what makes it is on this machine.
 */
export function fluidR3Dls(): { path: string; release: () => void } | { path: null; why: string } {
  if (existsSync(FLUIDR3_DLS)) return { path: FLUIDR3_DLS, release: () => {} };
  const maker = corpusFile('make-dls.mjs');
  if (!existsSync(FLUIDR3_SF2) || !existsSync(maker)) {
    return { path: null, why: `${FLUIDR3_DLS} is absent and cannot be made here (needs ${FLUIDR3_SF2}, apt-get install fluid-soundfont-gm, and the corpus's make-dls.mjs)` };
  }
  const path = join(tmpdir(), `dmus-test-FluidR3_GM-${process.pid}.dls`);
  // From the project root, where spessasynth_core is installed (make-dls.mjs requires it from cwd).
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [maker, FLUIDR3_SF2, path], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  return { path, release: () => rmSync(path, { force: true }) };
}
