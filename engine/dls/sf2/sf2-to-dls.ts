/**
 * Seed concept: SoundFont 2 -> DLS Level 2 (issue 3). Purpose: turn an Sf2Bank into the same
 * DlsCollection the DLS reader produces, so every SF2 bank plays through the DLS download path.
 *
 *   preset zone (relative gens, added)  ─┐
 *                                        ├─ one DLS region per (preset zone × instrument zone)
 *   instrument zone (absolute gens)     ─┘   whose key and velocity ranges intersect
 *       generators  -> wsmp (tuning, attenuation, loop) + rgnh (ranges, key group) + art2 connections
 *       modulators  -> art2 connections (source/control/destination/transform)
 *       sample      -> one DLS wave per (sample, start, end): a view onto smpl, never a copy
 *
 * What does not map exactly is listed in engine/dls/sf2/README.md.
 */
import { type ProgramFilter, wantsProgram } from '../program-filter.js';
import type { ConnectionBlock, DlsCollection, DlsInstrument, DlsRegion, DlsWave, InfoEntry, WaveLoop } from '../collection.js';
import { encodeLocale } from '../collection.js';
import {
  CONN_DST,
  CONN_SRC,
  CONN_TRN_CONTROL_BIPOLAR,
  CONN_TRN_CONTROL_INVERT,
  CONN_TRN_CONTROL_SHIFT,
  CONN_TRN_SOURCE_BIPOLAR,
  CONN_TRN_SOURCE_INVERT,
  CONN_TRN_SOURCE_SHIFT,
  F_WAVELINK_PHASE_MASTER,
  TIMECENTS_ZERO,
  WAVELINK_CHANNEL_LEFT,
  WAVELINK_CHANNEL_RIGHT,
  WLOOP_TYPE,
} from '../constants.js';
import { DlsError } from '../dls-error.js';
import { readSf2, SF2_SAMPLE, type Sf2Bank, type Sf2Generator, type Sf2Modulator, type Sf2Zone } from './sf2-reader.js';
import { type DecodeProgress, decodeSf3 } from './sf3-decode.js';

/** SF2 generator operators (SF2.04 §8.1.2). */
export const GEN = {
  startAddrsOffset: 0,
  endAddrsOffset: 1,
  startloopAddrsOffset: 2,
  endloopAddrsOffset: 3,
  startAddrsCoarseOffset: 4,
  modLfoToPitch: 5,
  vibLfoToPitch: 6,
  modEnvToPitch: 7,
  initialFilterFc: 8,
  initialFilterQ: 9,
  modLfoToFilterFc: 10,
  modEnvToFilterFc: 11,
  endAddrsCoarseOffset: 12,
  modLfoToVolume: 13,
  chorusEffectsSend: 15,
  reverbEffectsSend: 16,
  pan: 17,
  delayModLFO: 21,
  freqModLFO: 22,
  delayVibLFO: 23,
  freqVibLFO: 24,
  delayModEnv: 25,
  attackModEnv: 26,
  holdModEnv: 27,
  decayModEnv: 28,
  sustainModEnv: 29,
  releaseModEnv: 30,
  keynumToModEnvHold: 31,
  keynumToModEnvDecay: 32,
  delayVolEnv: 33,
  attackVolEnv: 34,
  holdVolEnv: 35,
  decayVolEnv: 36,
  sustainVolEnv: 37,
  releaseVolEnv: 38,
  keynumToVolEnvHold: 39,
  keynumToVolEnvDecay: 40,
  instrument: 41,
  keyRange: 43,
  velRange: 44,
  startloopAddrsCoarseOffset: 45,
  keynum: 46,
  velocity: 47,
  initialAttenuation: 48,
  endloopAddrsCoarseOffset: 50,
  coarseTune: 51,
  fineTune: 52,
  sampleID: 53,
  sampleModes: 54,
  scaleTuning: 56,
  exclusiveClass: 57,
  overridingRootKey: 58,
} as const;

const GEN_COUNT = 61;
/**
 * Regions are preset zones × instrument zones, so a hostile file with few bytes could ask for
 * billions. Real banks stay far below this (FluidR3_GM: 16,912).
 */
export const MAX_SF2_REGIONS = 262144;
/** SF2 generator defaults (SF2.04 §8.1.3); unlisted ones are 0. */
const DEFAULTS = (() => {
  const d = new Int32Array(GEN_COUNT);
  d[GEN.initialFilterFc] = 13500;
  for (const g of [21, 23, 25, 26, 27, 28, 30, 33, 34, 35, 36, 38]) d[g] = -12000;
  d[GEN.keyRange] = 127 << 8;
  d[GEN.velRange] = 127 << 8;
  d[GEN.keynum] = -1;
  d[GEN.velocity] = -1;
  d[GEN.scaleTuning] = 100;
  d[GEN.overridingRootKey] = -1;
  return d;
})();
/** Generators a preset zone may not set (SF2.04 §8.5): sample addresses, ids, modes, overrides. */
const NOT_IN_PRESETS = new Set([0, 1, 2, 3, 4, 12, 45, 50, 46, 47, 53, 54, 57, 58]);
/** Generators whose preset value is added to the instrument value (everything else above, ranges, ids). */
const ADDITIVE = Array.from({ length: GEN_COUNT }, (_, k) => !NOT_IN_PRESETS.has(k) && k !== GEN.keyRange && k !== GEN.velRange && k !== GEN.instrument);

export interface Sf2ImportResult {
  collection: DlsCollection;
  version: { major: number; minor: number };
}

/**
 * Reads an SF2 file and converts it (see module comment). With `programs`, only the presets it
 * takes (by program number, any bank, and kind: bank 128 is drums; ProgramFilter) are converted,
 * and only the waves they use: for a caller that knows what it will play (the offline render of a
 * song), not for a bank a user browses.
 */
export function readSf2AsDls(bytes: Uint8Array, programs: ProgramFilter | null = null): Sf2ImportResult {
  const bank = readSf2(bytes);
  return { collection: sf2ToDls(bank, programs), version: bank.version };
}

/**
 * Reads bytes [start, end) of the file into the same place of the buffer being imported. For a
 * buffer filled without its sample data (see readSf2OrSf3AsDls).
 */
export type FillBytes = (start: number, end: number) => Promise<void>;

/** Ranges closer than this are read as one (a read call costs more than this many bytes). */
const FILL_GAP = 65536;

/**
 * readSf2AsDls for SF2 and SF3 files: Ogg Vorbis samples are decoded first (sf3-decode.ts).
 *
 * `fill`: `bytes` holds everything but the sample data (the sub-chunks of LIST 'sdta'), and
 * `fill` reads sample bytes on request. Nothing up to the conversion looks at PCM sample values
 * (waves are views onto smpl), so only the bytes of the waves converted are read, afterwards: for
 * a render with a few presets of a 150 MB bank, a few MB. Compressed samples are decoded here, so
 * an SF3's smpl is read whole first.
 */
export async function readSf2OrSf3AsDls(
  bytes: Uint8Array,
  programs: ProgramFilter | null = null,
  onProgress?: DecodeProgress,
  fill?: FillBytes,
): Promise<Sf2ImportResult & { compressed: boolean }> {
  const raw = readSf2(bytes, { compressed: 'keep' });
  if (fill && raw.compressedSamples > 0) await fill(raw.at.smplOffset, raw.at.smplOffset + raw.smpl.length);
  // With `programs`, only the samples those presets use are decoded (decoding is the slow part).
  const bank = await decodeSf3(raw, programs, onProgress);
  const collection = sf2ToDls(bank, programs);
  if (fill && raw.compressedSamples === 0) await fillWaves(bytes, collection.waves, fill);
  return { collection, version: raw.version, compressed: raw.compressedSamples > 0 };
}

/** Reads the bytes of `waves` (views onto `bytes`), neighbouring ranges in one read. */
async function fillWaves(bytes: Uint8Array, waves: DlsWave[], fill: FillBytes): Promise<void> {
  const ranges = waves
    .filter((w) => w.data.length > 0)
    .map((w) => [w.data.byteOffset - bytes.byteOffset, w.data.byteOffset - bytes.byteOffset + w.data.length] as const)
    .sort((a, b) => a[0] - b[0]);
  let i = 0;
  while (i < ranges.length) {
    const start = ranges[i][0];
    let end = ranges[i][1];
    for (i++; i < ranges.length && ranges[i][0] <= end + FILL_GAP; i++) end = Math.max(end, ranges[i][1]);
    await fill(start, end);
  }
}

export function sf2ToDls(bank: Sf2Bank, programs: ProgramFilter | null = null): DlsCollection {
  const warnings = [...bank.warnings];
  const counts = new Map<string, number>();
  const note = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const waves: DlsWave[] = [];
  const waveIndex = new Map<string, number>();
  const instruments: DlsInstrument[] = [];
  let regionCount = 0;

  for (const preset of bank.presets) {
    if (programs !== null && !wantsProgram(programs, preset.bank === 128, preset.preset & 0x7f)) continue;
    const drum = preset.bank === 128;
    if (!drum && preset.bank > 127) note(`preset bank ${preset.bank} > 127 mapped to CC0 ${preset.bank & 0x7f}`);
    const ins: DlsInstrument = {
      locale: encodeLocale({ msb: drum ? 0 : preset.bank & 0x7f, lsb: 0, drum, program: preset.preset }),
      regions: [],
      articulations: [],
      info: [{ id: 'INAM', text: preset.name }],
      unknown: [],
    };
    const { global: pGlobal, zones: pZones } = splitGlobal(preset.zones, GEN.instrument);
    let phaseGroup = 0;
    for (const pz of pZones) {
      const instIndex = genValue(pz.generators, GEN.instrument);
      const sfInst = instIndex !== undefined ? bank.instruments[instIndex] : undefined;
      if (!sfInst) {
        note('preset zone with a missing instrument skipped');
        continue;
      }
      const pGens = new Int32Array(GEN_COUNT);
      pGens[GEN.keyRange] = 127 << 8;
      pGens[GEN.velRange] = 127 << 8;
      applyGens(pGens, pGlobal?.generators ?? [], true);
      applyGens(pGens, pz.generators, true);
      const pMods = mergeMods(pGlobal?.modulators ?? [], pz.modulators);
      const { global: iGlobal, zones: iZones } = splitGlobal(sfInst.zones, GEN.sampleID);
      for (const iz of iZones) {
        const sampleIndex = genValue(iz.generators, GEN.sampleID)!;
        const sample = bank.samples[sampleIndex];
        if (!sample) {
          note('instrument zone with a missing sample skipped');
          continue;
        }
        if (sample.sampleType & SF2_SAMPLE.ROM) {
          note('ROM sample zone skipped');
          continue;
        }
        const g = DEFAULTS.slice();
        applyGens(g, iGlobal?.generators ?? [], false);
        applyGens(g, iz.generators, false);
        const keys = intersect(g[GEN.keyRange], pGens[GEN.keyRange]);
        const vels = intersect(g[GEN.velRange], pGens[GEN.velRange]);
        if (!keys || !vels) continue;
        for (let k = 0; k < GEN_COUNT; k++) if (ADDITIVE[k]) g[k] += pGens[k];
        if (g[GEN.keynum] >= 0 || g[GEN.velocity] >= 0) note('fixed keynum/velocity generator not mapped');

        // The wave: the sample's span after the address offsets, as a view onto smpl.
        const start = clamp(sample.start + g[GEN.startAddrsOffset] + 32768 * g[GEN.startAddrsCoarseOffset], 0, bank.smpl.length >> 1);
        const end = clamp(sample.end + g[GEN.endAddrsOffset] + 32768 * g[GEN.endAddrsCoarseOffset], start, bank.smpl.length >> 1);
        const key = `${sampleIndex}:${start}:${end}`;
        let w = waveIndex.get(key);
        if (w === undefined) {
          w = waves.length;
          waveIndex.set(key, w);
          waves.push(makeWave(bank, sampleIndex, start, end));
        }
        const frames = end - start;
        const loops: WaveLoop[] = [];
        const mode = g[GEN.sampleModes] & 3;
        if (mode === 1 || mode === 3) {
          const ls = sample.startLoop + g[GEN.startloopAddrsOffset] + 32768 * g[GEN.startloopAddrsCoarseOffset] - start;
          const le = sample.endLoop + g[GEN.endloopAddrsOffset] + 32768 * g[GEN.endloopAddrsCoarseOffset] - start;
          if (ls >= 0 && le > ls && le <= frames) loops.push({ ulType: mode === 1 ? WLOOP_TYPE.FORWARD : WLOOP_TYPE.RELEASE, ulStart: ls, ulLength: le - ls });
          else note('loop outside its sample dropped (played as one-shot)');
        }
        const rootKey = g[GEN.overridingRootKey] >= 0 ? g[GEN.overridingRootKey] : sample.originalPitch <= 127 ? sample.originalPitch : 60;
        let channel = WAVELINK_CHANNEL_LEFT;
        let fusOptions = 0;
        let usPhaseGroup = 0;
        if (sample.sampleType & (SF2_SAMPLE.LEFT | SF2_SAMPLE.RIGHT)) {
          channel = sample.sampleType & SF2_SAMPLE.RIGHT ? WAVELINK_CHANNEL_RIGHT : WAVELINK_CHANNEL_LEFT;
          if (sample.sampleType & SF2_SAMPLE.LEFT) fusOptions = F_WAVELINK_PHASE_MASTER;
          usPhaseGroup = Math.min(0xffff, 1 + (phaseGroup++ >> 1));
        }
        const region: DlsRegion = {
          listType: 'rgn2',
          rgnh: { RangeKey: keys, RangeVelocity: vels, fusOptions: 0, usKeyGroup: clamp(g[GEN.exclusiveClass], 0, 0xffff), usLayer: 0 },
          wsmp: {
            usUnityNote: rootKey,
            sFineTune: clamp(g[GEN.coarseTune] * 100 + g[GEN.fineTune] + sample.pitchCorrection, -32768, 32767),
            lAttenuation: int(-clamp(g[GEN.initialAttenuation], 0, 1440) * 65536),
            fulOptions: 0,
            loops,
          },
          wlnk: { fusOptions, usPhaseGroup, ulChannel: channel, ulTableIndex: w },
          articulations: [{ listType: 'lar2', articulators: [{ kind: 'art2', connections: [...generatorConnections(g), ...modulatorConnections(addMods(mergeMods(mergeMods(SF2_DEFAULT_MODS, iGlobal?.modulators ?? []), iz.modulators), pMods), note)] }] }],
          unknown: [],
        };
        ins.regions.push(region);
        if (++regionCount > MAX_SF2_REGIONS) throw new DlsError('NOTADLSCOL', `more than ${MAX_SF2_REGIONS} regions (preset zones × instrument zones)`, 'RIFF:sfbk/LIST:pdta', 0);
      }
    }
    instruments.push(ins);
  }
  for (const [what, n] of counts) warnings.push(`${what} (${n}×)`);
  const info: InfoEntry[] = bank.info.filter((e) => /^[A-Z]{4}$/.test(e.id) && e.text.length > 0);
  return { instruments, ptbl: waves.map((_, i) => i), waves, info, unknown: [], warnings };
}

function makeWave(bank: Sf2Bank, index: number, start: number, end: number): DlsWave {
  const s = bank.samples[index];
  const rate = s.sampleRate > 0 ? s.sampleRate : 44100;
  return {
    fmt: { wFormatTag: 1, nChannels: 1, nSamplesPerSec: rate, nAvgBytesPerSec: rate * 2, nBlockAlign: 2, wBitsPerSample: 16 },
    data: bank.smpl.subarray(2 * start, 2 * end),
    info: [{ id: 'INAM', text: s.name }],
    unknown: [],
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** A field value as the file stores it: an integer, never -0 (-0 * 65536 and Math.round(-0.2) give -0; the read-back gives 0). */
const int = (v: number) => (v === 0 ? 0 : v);

function splitGlobal(zones: Sf2Zone[], terminal: number): { global: Sf2Zone | undefined; zones: Sf2Zone[] } {
  // A first zone without the terminal generator (instrument/sampleID) is the global zone.
  const isGlobal = (z: Sf2Zone) => !z.generators.some((g) => g.oper === terminal);
  if (zones.length > 0 && isGlobal(zones[0])) return { global: zones[0], zones: zones.slice(1).filter((z) => !isGlobal(z)) };
  return { global: undefined, zones: zones.filter((z) => !isGlobal(z)) };
}

function genValue(gens: Sf2Generator[], oper: number): number | undefined {
  const g = gens.find((x) => x.oper === oper);
  return g === undefined ? undefined : g.amount & 0xffff;
}

function applyGens(into: Int32Array, gens: Sf2Generator[], preset: boolean): void {
  for (const g of gens) {
    if (g.oper >= GEN_COUNT || (preset && NOT_IN_PRESETS.has(g.oper))) continue;
    into[g.oper] = g.oper === GEN.keyRange || g.oper === GEN.velRange || g.oper === GEN.sampleModes || g.oper === GEN.instrument || g.oper === GEN.sampleID ? g.amount & 0xffff : g.amount;
  }
}

/** Range generator (lo | hi << 8) intersection, or null when empty. */
function intersect(a: number, b: number): { usLow: number; usHigh: number } | null {
  const lo = Math.max(a & 0xff, b & 0xff);
  const hi = Math.min((a >> 8) & 0xff, (b >> 8) & 0xff, 127);
  return lo <= hi ? { usLow: lo, usHigh: hi } : null;
}

/**
 * The one SF2 default modulator DLS lacks: CC1 -> vibrato depth, 50 cents (reference §6.6). The
 * others (velocity, CC7, CC11, CC10, CC91, CC93, pitch wheel) have DLS2 default connections.
 * Files disable it with an identical modulator of amount 0, which the merge below honours.
 */
const SF2_DEFAULT_MODS: Sf2Modulator[] = [{ srcOper: 0x0081, destOper: GEN.vibLfoToPitch, amount: 50, amtSrcOper: 0, transOper: 0 }];

const sameMod = (a: Sf2Modulator, b: Sf2Modulator) => a.srcOper === b.srcOper && a.destOper === b.destOper && a.amtSrcOper === b.amtSrcOper && a.transOper === b.transOper;
/** Local modulators replace identical global ones (SF2.04 §9.5.1). */
function mergeMods(base: Sf2Modulator[], over: Sf2Modulator[]): Sf2Modulator[] {
  return [...base.filter((b) => !over.some((o) => sameMod(o, b))), ...over];
}

/** Preset-level modulators add their amounts to identical instrument-level ones (SF2.04 §9.5.1). */
function addMods(instrument: Sf2Modulator[], preset: Sf2Modulator[]): Sf2Modulator[] {
  const out = instrument.map((m) => ({ ...m }));
  for (const p of preset) {
    const same = out.find((m) => sameMod(m, p));
    if (same) same.amount += p.amount;
    else out.push(p);
  }
  return out;
}

const k = (usSource: number, usControl: number, usDestination: number, value: number, usTransform = 0): ConnectionBlock => ({
  usSource,
  usControl,
  usDestination,
  usTransform,
  lScale: int(clamp(Math.round(value * 65536), -0x80000000, 0x7fffffff)),
});
const tc = (v: number) => (v <= -32768 ? TIMECENTS_ZERO : int(clamp(v * 65536, -0x80000000, 0x7fffffff)));
const time = (dst: number, v: number): ConnectionBlock => ({ usSource: 0, usControl: 0, usDestination: dst, usTransform: 0, lScale: tc(v) });

/** Generator values -> DLS2 connections (units per reference §6.4; SF2 uses the same cents zero). */
function generatorConnections(g: Int32Array): ConnectionBlock[] {
  const out: ConnectionBlock[] = [
    time(CONN_DST.LFO_STARTDELAY, g[GEN.delayModLFO]),
    k(0, 0, CONN_DST.LFO_FREQUENCY, g[GEN.freqModLFO]),
    time(CONN_DST.VIB_STARTDELAY, g[GEN.delayVibLFO]),
    k(0, 0, CONN_DST.VIB_FREQUENCY, g[GEN.freqVibLFO]),
    time(CONN_DST.EG1_DELAYTIME, g[GEN.delayVolEnv]),
    time(CONN_DST.EG1_ATTACKTIME, g[GEN.attackVolEnv]),
    // SF2 key->hold/decay pivots on key 60; DLS scales key/128 from 0: move the pivot into the base.
    time(CONN_DST.EG1_HOLDTIME, g[GEN.holdVolEnv] + 60 * g[GEN.keynumToVolEnvHold]),
    time(CONN_DST.EG1_DECAYTIME, g[GEN.decayVolEnv] + 60 * g[GEN.keynumToVolEnvDecay]),
    // SF2 sustain is attenuation in cB (volume) or 0.1 % decrease (mod env); DLS sustain is 0.1 % of full.
    k(0, 0, CONN_DST.EG1_SUSTAINLEVEL, clamp(1000 - g[GEN.sustainVolEnv], 0, 1000)),
    time(CONN_DST.EG1_RELEASETIME, g[GEN.releaseVolEnv]),
    time(CONN_DST.EG2_DELAYTIME, g[GEN.delayModEnv]),
    time(CONN_DST.EG2_ATTACKTIME, g[GEN.attackModEnv]),
    time(CONN_DST.EG2_HOLDTIME, g[GEN.holdModEnv] + 60 * g[GEN.keynumToModEnvHold]),
    time(CONN_DST.EG2_DECAYTIME, g[GEN.decayModEnv] + 60 * g[GEN.keynumToModEnvDecay]),
    k(0, 0, CONN_DST.EG2_SUSTAINLEVEL, clamp(1000 - g[GEN.sustainModEnv], 0, 1000)),
    time(CONN_DST.EG2_RELEASETIME, g[GEN.releaseModEnv]),
  ];
  const opt = (v: number, c: ConnectionBlock) => {
    if (v !== 0) out.push(c);
  };
  if (g[GEN.keynumToVolEnvHold]) out.push(k(CONN_SRC.KEYNUMBER, 0, CONN_DST.EG1_HOLDTIME, -128 * g[GEN.keynumToVolEnvHold]));
  if (g[GEN.keynumToVolEnvDecay]) out.push(k(CONN_SRC.KEYNUMBER, 0, CONN_DST.EG1_DECAYTIME, -128 * g[GEN.keynumToVolEnvDecay]));
  if (g[GEN.keynumToModEnvHold]) out.push(k(CONN_SRC.KEYNUMBER, 0, CONN_DST.EG2_HOLDTIME, -128 * g[GEN.keynumToModEnvHold]));
  if (g[GEN.keynumToModEnvDecay]) out.push(k(CONN_SRC.KEYNUMBER, 0, CONN_DST.EG2_DECAYTIME, -128 * g[GEN.keynumToModEnvDecay]));
  opt(g[GEN.modLfoToPitch], k(CONN_SRC.LFO, 0, CONN_DST.PITCH, g[GEN.modLfoToPitch], CONN_TRN_SOURCE_BIPOLAR));
  opt(g[GEN.vibLfoToPitch], k(CONN_SRC.VIBRATO, 0, CONN_DST.PITCH, g[GEN.vibLfoToPitch], CONN_TRN_SOURCE_BIPOLAR));
  opt(g[GEN.modEnvToPitch], k(CONN_SRC.EG2, 0, CONN_DST.PITCH, g[GEN.modEnvToPitch]));
  opt(g[GEN.modLfoToFilterFc], k(CONN_SRC.LFO, 0, CONN_DST.FILTER_CUTOFF, g[GEN.modLfoToFilterFc], CONN_TRN_SOURCE_BIPOLAR));
  opt(g[GEN.modEnvToFilterFc], k(CONN_SRC.EG2, 0, CONN_DST.FILTER_CUTOFF, g[GEN.modEnvToFilterFc]));
  opt(g[GEN.modLfoToVolume], k(CONN_SRC.LFO, 0, CONN_DST.GAIN, g[GEN.modLfoToVolume], CONN_TRN_SOURCE_BIPOLAR));
  if (g[GEN.initialFilterFc] < 13500) out.push(k(0, 0, CONN_DST.FILTER_CUTOFF, g[GEN.initialFilterFc]));
  opt(g[GEN.initialFilterQ], k(0, 0, CONN_DST.FILTER_Q, g[GEN.initialFilterQ]));
  opt(g[GEN.pan], k(0, 0, CONN_DST.PAN, clamp(g[GEN.pan], -500, 500)));
  opt(g[GEN.chorusEffectsSend], k(0, 0, CONN_DST.CHORUS, clamp(g[GEN.chorusEffectsSend], 0, 1000)));
  opt(g[GEN.reverbEffectsSend], k(0, 0, CONN_DST.REVERB, clamp(g[GEN.reverbEffectsSend], 0, 1000)));
  if (g[GEN.scaleTuning] !== 100) out.push(k(CONN_SRC.KEYNUMBER, 0, CONN_DST.PITCH, 128 * g[GEN.scaleTuning]));
  return out;
}

/** SF2 source operator -> DLS source id, or undefined when DLS has no equivalent. */
function modSource(op: number): number | undefined {
  const index = op & 0x7f;
  if (op & 0x80) return index === 0 || index === 6 || index === 32 || (index >= 38 && index <= 63) || index >= 98 ? undefined : 0x80 + index;
  switch (index) {
    case 0:
      return CONN_SRC.NONE;
    case 2:
      return CONN_SRC.KEYONVELOCITY;
    case 3:
      return CONN_SRC.KEYNUMBER;
    case 10:
      return CONN_SRC.POLYPRESSURE;
    case 13:
      return CONN_SRC.CHANNELPRESSURE;
    case 14:
      return CONN_SRC.PITCHWHEEL;
    case 16:
      return CONN_SRC.RPN0;
    default:
      return undefined;
  }
}
/** SF2 source bits: D (bit 8) -> invert, P (bit 9) -> bipolar, type (bits 10-15) -> curve. */
const sourceTransform = (op: number) =>
  (((op >> 10) & 0xf) << CONN_TRN_SOURCE_SHIFT) | (op & 0x200 ? CONN_TRN_SOURCE_BIPOLAR : 0) | (op & 0x100 ? CONN_TRN_SOURCE_INVERT : 0);
const controlTransform = (op: number) =>
  (((op >> 10) & 0xf) << CONN_TRN_CONTROL_SHIFT) | (op & 0x200 ? CONN_TRN_CONTROL_BIPOLAR : 0) | (op & 0x100 ? CONN_TRN_CONTROL_INVERT : 0);

/** Destinations reached through a built-in DLS source: the SF2 source becomes the DLS control. */
const THROUGH: Record<number, [number, number]> = {
  [GEN.modLfoToPitch]: [CONN_SRC.LFO, CONN_DST.PITCH],
  [GEN.vibLfoToPitch]: [CONN_SRC.VIBRATO, CONN_DST.PITCH],
  [GEN.modEnvToPitch]: [CONN_SRC.EG2, CONN_DST.PITCH],
  [GEN.modLfoToFilterFc]: [CONN_SRC.LFO, CONN_DST.FILTER_CUTOFF],
  [GEN.modEnvToFilterFc]: [CONN_SRC.EG2, CONN_DST.FILTER_CUTOFF],
  [GEN.modLfoToVolume]: [CONN_SRC.LFO, CONN_DST.GAIN],
};
/** Plain destinations: [DLS destination, scale factor]. */
const DIRECT: Record<number, [number, number]> = {
  [GEN.initialAttenuation]: [CONN_DST.GAIN, -1],
  [GEN.pan]: [CONN_DST.PAN, 1],
  [GEN.initialFilterFc]: [CONN_DST.FILTER_CUTOFF, 1],
  [GEN.initialFilterQ]: [CONN_DST.FILTER_Q, 1],
  [GEN.chorusEffectsSend]: [CONN_DST.CHORUS, 1],
  [GEN.reverbEffectsSend]: [CONN_DST.REVERB, 1],
  [GEN.fineTune]: [CONN_DST.PITCH, 1],
  [GEN.coarseTune]: [CONN_DST.PITCH, 100],
  [GEN.attackVolEnv]: [CONN_DST.EG1_ATTACKTIME, 1],
  [GEN.decayVolEnv]: [CONN_DST.EG1_DECAYTIME, 1],
  [GEN.releaseVolEnv]: [CONN_DST.EG1_RELEASETIME, 1],
  [GEN.attackModEnv]: [CONN_DST.EG2_ATTACKTIME, 1],
  [GEN.decayModEnv]: [CONN_DST.EG2_DECAYTIME, 1],
  [GEN.releaseModEnv]: [CONN_DST.EG2_RELEASETIME, 1],
  [GEN.freqModLFO]: [CONN_DST.LFO_FREQUENCY, 1],
  [GEN.freqVibLFO]: [CONN_DST.VIB_FREQUENCY, 1],
};

function modulatorConnections(mods: Sf2Modulator[], note: (what: string) => void): ConnectionBlock[] {
  const out: ConnectionBlock[] = [];
  for (const m of mods) {
    if (m.amount === 0) continue; // only there to switch off a default modulator
    const src = modSource(m.srcOper);
    const amt = modSource(m.amtSrcOper);
    if (src === undefined || amt === undefined) {
      note('modulator with a source DLS cannot express skipped');
      continue;
    }
    if (m.transOper !== 0) note('modulator absolute-value transform read as linear');
    const through = THROUGH[m.destOper];
    if (through) {
      if (amt !== CONN_SRC.NONE) {
        note('modulator with an amount source on an LFO/envelope depth skipped');
        continue;
      }
      out.push(k(through[0], src, through[1], m.amount, CONN_TRN_SOURCE_BIPOLAR | controlTransform(m.srcOper)));
      continue;
    }
    const direct = DIRECT[m.destOper];
    if (!direct) {
      note(`modulator to generator ${m.destOper} not mapped`);
      continue;
    }
    out.push(k(src, amt, direct[0], m.amount * direct[1], sourceTransform(m.srcOper) | controlTransform(m.amtSrcOper)));
  }
  return out;
}
