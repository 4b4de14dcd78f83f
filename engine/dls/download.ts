/**
 * Seed concept: building DirectMusic DLS downloads from a collection (reference §5.1-§5.9,
 * KSPROPERTY_SYNTH_DLS_DOWNLOAD). Purpose: pack waves (type 2) and instruments (type 3 with
 * DMUS_ARTICULATION2 + CONNECTIONLIST chunks, or type 1 with DMUS_ARTICULATION/DMUS_ARTICPARAMS)
 * into DMUS_DOWNLOADINFO buffers, byte for byte as dmdls.h lays them out, so the synth reads the
 * same buffers a real DirectMusic application would send.
 *
 * Buffer: DMUS_DOWNLOADINFO (16) | ulOffsetTable[n] | chunk 0 (root) | chunk 1 | ... ; every chunk
 * starts at a 4-byte aligned offset; structs refer to each other by offset-table index.
 */
import { DmusError } from '../dmus/errors.js';
import {
  type ArticulationList,
  type ConnectionBlock,
  type DlsCollection,
  type DlsInstrument,
  type DlsRegion,
  type DlsWave,
  defaultWaveSample,
  effectiveVelocityRange,
  type InfoEntry,
  type MidiLocale,
  patchOf,
  type UnknownChunk,
  type WaveSample,
} from './collection.js';
import { DMUS_SYNTH_CAPABILITIES, evaluateCondition, type SynthCapabilities } from './conditions.js';
import { CONN_DST, CONN_SRC, TIMECENTS_ZERO, WAVE_FORMAT_PCM } from './constants.js';
import { ARTICPARAMS, type ArticParamsField, DMUS_DOWNLOADINFO, DMUS_INSTRUMENT_GM_INSTRUMENT, regionSize, SIZEOF } from './download-layout.js';
import { zstr } from './info.js';
import { ByteWriter } from './riff.js';
import { connectionListBytes } from './dls-writer.js';

export { DMUS_DOWNLOADINFO } from './download-layout.js';

/**
 * IDirectMusicPortDownload::GetDLId: reserves `count` consecutive ids. Ids start at 0 and are
 * never reused, even after an unload (reference §5.10).
 */
export class DownloadIdAllocator {
  #next = 0;
  getDLId(count = 1): number {
    if (!Number.isInteger(count) || count < 1) throw new DmusError('E_INVALIDARG', `GetDLId count ${count}`);
    if (this.#next + count > 0xffffffff) throw new DmusError('E_OUTOFMEMORY', 'download ids exhausted');
    const first = this.#next;
    this.#next += count;
    return first;
  }
}

/** Guard-sample count reported by KSPROPERTY_SYNTH_DLS_APPEND (reference §9.1 item 14). */
export const DEFAULT_APPEND = 2;

const align4 = (n: number) => (n + 3) & ~3;

/**
 * A chunk written straight into the finished buffer: the wave data, so that its bytes are copied
 * once (from the collection into the download), not into a chunk first and then again.
 */
interface DirectChunk {
  readonly length: number;
  write(out: ByteWriter, at: number): void;
}

/**
 * Memory a host packs one download after another into: IDirectMusicPortDownload gives the synth a
 * buffer that it copies (this synth says so with `free: true`), so a host that downloads a bank's
 * waves in turn can reuse one buffer for them instead of allocating (and the GC then reclaiming) a
 * new one per wave, 19 MB for FluidR3's piano. It grows to the largest download and stays so.
 */
export class DownloadScratch {
  private buf = new Uint8Array(0);
  /** `size` zeroed bytes, valid until the next take(): exactly what a new Uint8Array(size) holds. */
  take(size: number): Uint8Array {
    if (this.buf.length < size) this.buf = new Uint8Array(Math.max(size, Math.min(2 * this.buf.length, size + (1 << 24))));
    const out = this.buf.subarray(0, size);
    out.fill(0);
    return out;
  }
}

/** Lays the chunks out after the offset table and returns the finished buffer. */
function packDownload(dlType: number, dlId: number, chunks: Array<Uint8Array | DirectChunk>, scratch?: DownloadScratch): Uint8Array {
  const n = chunks.length;
  let at = SIZEOF.DMUS_DOWNLOADINFO + 4 * n;
  const offsets = chunks.map((c) => {
    const o = at;
    at += align4(c.length);
    return o;
  });
  const out = new ByteWriter(at, scratch?.take(at));
  out.u32(0, dlType).u32(4, dlId).u32(8, n).u32(12, at);
  offsets.forEach((o, i) => {
    out.u32(16 + 4 * i, o);
    const c = chunks[i];
    if (c instanceof Uint8Array) out.bytes.set(c, o);
    else c.write(out, o);
  });
  return out.bytes;
}

function copyrightChunk(info: InfoEntry[]): Uint8Array | undefined {
  const text = info.find((e) => e.id === 'ICOP')?.text;
  if (!text) return undefined;
  const z = zstr(text);
  const w = new ByteWriter(SIZEOF.DMUS_COPYRIGHT_HEADER + z.length).u32(0, z.length);
  w.bytes.set(z, 4);
  return w.bytes;
}

/** DMUS_EXTENSIONCHUNKs for the chunks the model does not interpret; returns the first index. */
function addExtensions(chunks: Array<Uint8Array | DirectChunk>, unknown: UnknownChunk[]): number {
  const plain = unknown.filter((u) => !u.id.startsWith('LIST:'));
  if (plain.length === 0) return 0;
  const first = chunks.length;
  plain.forEach((u, i) => {
    const w = new ByteWriter(SIZEOF.DMUS_EXTENSIONCHUNK_HEADER + Math.max(u.data.length, 4)).u32(0, u.data.length).u32(4, i + 1 < plain.length ? first + i + 1 : 0);
    for (let k = 0; k < 4; k++) w.bytes[8 + k] = u.id.charCodeAt(k);
    w.bytes.set(u.data, 12);
    chunks.push(w.bytes);
  });
  return first;
}

export interface WaveDownloadOptions {
  /** Guard samples (KSPROPERTY_SYNTH_DLS_APPEND); the buffer gets append × nBlockAlign extra bytes. */
  append?: number;
  /**
   * Pack into this reusable memory instead of a new buffer: the result is valid only until the
   * scratch's next use, so hand it to a synth that copies it (Download returns at once) and drop it.
   */
  scratch?: DownloadScratch;
}

/** A wave as a type-2 download: [0] DMUS_WAVE, [1] DMUS_WAVEDATA, then copyright / extensions. */
export function packWaveDownload(wave: DlsWave, dlId: number, options: WaveDownloadOptions = {}): Uint8Array {
  const f = wave.fmt;
  if (f.wFormatTag !== WAVE_FORMAT_PCM) throw new DmusError('NOTPCM', `wave format 0x${f.wFormatTag.toString(16)} is not PCM`);
  if (f.nChannels !== 1) throw new DmusError('NOTMONO', `wave has ${f.nChannels} channels`);
  if (f.wBitsPerSample !== 8 && f.wBitsPerSample !== 16) throw new DmusError('BADWAVE', `${f.wBitsPerSample}-bit PCM is not 8 or 16`);
  const append = options.append ?? DEFAULT_APPEND;
  const chunks: Array<Uint8Array | DirectChunk> = [new Uint8Array(SIZEOF.DMUS_WAVE)];
  // DMUS_WAVEDATA: cbSize, the PCM bytes, then the guard bytes, which stay zero here (the buffer
  // starts zeroed): the synth fills them from the loop or the last sample.
  chunks.push({
    length: SIZEOF.DMUS_WAVEDATA_HEADER + wave.data.length + append * f.nBlockAlign,
    write: (out, at) => {
      out.u32(at, wave.data.length).bytes.set(wave.data, at + SIZEOF.DMUS_WAVEDATA_HEADER);
    },
  });
  const copyright = copyrightChunk(wave.info);
  let copyrightIdx = 0;
  if (copyright) {
    copyrightIdx = chunks.length;
    chunks.push(copyright);
  }
  const extIdx = addExtensions(chunks, wave.unknown);
  const root = new ByteWriter(SIZEOF.DMUS_WAVE)
    .u32(0, extIdx)
    .u32(4, copyrightIdx)
    .u32(8, 1)
    .u16(12, f.wFormatTag)
    .u16(14, f.nChannels)
    .u32(16, f.nSamplesPerSec)
    .u32(20, f.nAvgBytesPerSec)
    .u16(24, f.nBlockAlign)
    .u16(26, f.wBitsPerSample)
    .u16(28, 0); // WAVEFORMATEX.cbSize: PCM carries no extra bytes
  chunks[0] = root.bytes;
  return packDownload(DMUS_DOWNLOADINFO.WAVE, dlId, chunks, options.scratch);
}

export interface InstrumentDownloadOptions {
  /** 3 (DMUS_DOWNLOADINFO_INSTRUMENT2, DLS2 connection lists, the default) or 1 (DLS1 DMUS_ARTICPARAMS). */
  dlType?: 1 | 3;
  /** Download under a different bank/program than the file's (patch remapping). */
  patch?: MidiLocale;
  /** Conditions (cdl) are evaluated against these; the default is this project's synth. */
  capabilities?: SynthCapabilities;
  /** DMUS_INSTRUMENT_GM_INSTRUMENT flag. */
  gmInstrument?: boolean;
}

/**
 * An instrument as a type-3 (or type-1) download.
 * Chunk order: [0] DMUS_INSTRUMENT, the global articulation chain, then for each region its
 * DMUS_REGION followed by its own articulation chain, then copyright and extension chunks.
 * `waveDlIds[w]` is the dwDLId under which collection wave `w` was downloaded.
 */
export function packInstrumentDownload(
  col: DlsCollection,
  ins: DlsInstrument,
  dlId: number,
  waveDlIds: ReadonlyArray<number | undefined>,
  options: InstrumentDownloadOptions = {},
): Uint8Array {
  const dlType = options.dlType ?? DMUS_DOWNLOADINFO.INSTRUMENT2;
  const caps = options.capabilities ?? DMUS_SYNTH_CAPABILITIES;
  const chunks: Uint8Array[] = [new Uint8Array(SIZEOF.DMUS_INSTRUMENT)];
  const applies = (cdl: Uint8Array | undefined) => cdl === undefined || evaluateCondition(cdl, caps);

  const articulationChain = (lists: ArticulationList[]): number => {
    const live = lists.filter((l) => applies(l.cdl));
    if (dlType === DMUS_DOWNLOADINFO.INSTRUMENT) {
      const connections = live.flatMap((l) => l.articulators.flatMap((a) => a.connections));
      if (live.length === 0) return 0;
      const idx = chunks.length;
      chunks.push(new ByteWriter(SIZEOF.DMUS_ARTICULATION).u32(0, idx + 1).u32(4, 0).bytes);
      chunks.push(articParams(connections));
      return idx;
    }
    const arts = live.flatMap((l) => l.articulators);
    if (arts.length === 0) return 0;
    const first = chunks.length;
    arts.forEach((a, i) => {
      const idx = chunks.length;
      const next = i + 1 < arts.length ? idx + 2 : 0;
      chunks.push(new ByteWriter(SIZEOF.DMUS_ARTICULATION2).u32(0, idx + 1).u32(4, 0).u32(8, next).bytes);
      chunks.push(connectionListBytes(a.connections));
    });
    return first;
  };

  const globalArtIdx = articulationChain(ins.articulations);
  const regions = ins.regions.filter((r) => applies(r.cdl));
  const regionIdx: number[] = [];
  const regionWriters: ByteWriter[] = [];
  for (const r of regions) {
    const idx = chunks.length;
    regionIdx.push(idx);
    const w = regionChunk(col, r, waveDlIds);
    regionWriters.push(w);
    chunks.push(w.bytes);
    w.u32(12, articulationChain(r.articulations));
    w.u32(20, addExtensions(chunks, r.unknown));
  }
  regionWriters.forEach((w, i) => {
    w.u32(16, i + 1 < regionIdx.length ? regionIdx[i + 1] : 0);
  });
  const copyright = copyrightChunk(ins.info);
  let copyrightIdx = 0;
  if (copyright) {
    copyrightIdx = chunks.length;
    chunks.push(copyright);
  }
  const extIdx = addExtensions(chunks, ins.unknown);
  chunks[0] = new ByteWriter(SIZEOF.DMUS_INSTRUMENT)
    .u32(0, patchOf(options.patch ?? ins.locale))
    .u32(4, regionIdx[0] ?? 0)
    .u32(8, globalArtIdx)
    .u32(12, extIdx)
    .u32(16, copyrightIdx)
    .u32(20, options.gmInstrument ? DMUS_INSTRUMENT_GM_INSTRUMENT : 0).bytes;
  return packDownload(dlType, dlId, chunks);
}

/** DMUS_REGION with its WSMP and WLOOPs; ulRegionArtIdx/ulNextRegionIdx/ulFirstExtCkIdx patched later. */
function regionChunk(col: DlsCollection, r: DlsRegion, waveDlIds: ReadonlyArray<number | undefined>): ByteWriter {
  const cue = r.wlnk.ulTableIndex;
  const waveIndex = cue < col.ptbl.length ? col.ptbl[cue] : -1;
  const waveId = waveIndex >= 0 ? waveDlIds[waveIndex] : undefined;
  if (waveId === undefined) throw new DmusError('BADWAVELINK', `region wave link ${cue} names a wave that was not downloaded`);
  const ws: WaveSample = r.wsmp ?? col.waves[waveIndex].wsmp ?? defaultWaveSample();
  const vel = effectiveVelocityRange(r.rgnh);
  const w = new ByteWriter(regionSize(ws.loops.length))
    .u16(0, r.rgnh.RangeKey.usLow)
    .u16(2, r.rgnh.RangeKey.usHigh)
    .u16(4, vel.usLow)
    .u16(6, vel.usHigh)
    .u16(8, r.rgnh.fusOptions)
    .u16(10, r.rgnh.usKeyGroup)
    .u16(24, r.wlnk.fusOptions)
    .u16(26, r.wlnk.usPhaseGroup)
    .u32(28, r.wlnk.ulChannel)
    .u32(32, waveId)
    .u32(36, SIZEOF.WSMPL)
    .u16(40, ws.usUnityNote)
    .i16(42, ws.sFineTune)
    .i32(44, ws.lAttenuation)
    .u32(48, ws.fulOptions)
    .u32(52, ws.loops.length);
  ws.loops.forEach((l, i) => {
    w.u32(56 + 16 * i, SIZEOF.WLOOP).u32(60 + 16 * i, l.ulType).u32(64 + 16 * i, l.ulStart).u32(68 + 16 * i, l.ulLength);
  });
  return w;
}

/** DLS1 defaults for DMUS_ARTICPARAMS fields no connection sets (reference §6.6, §5.4). */
const ARTICPARAMS_DEFAULTS: Partial<Record<ArticParamsField, number>> = {
  LFO_pcFrequency: -55791972, // 5 Hz
  LFO_tcDelay: -522494111, // 10 ms
  VolEG_tcAttack: TIMECENTS_ZERO,
  VolEG_tcDecay: TIMECENTS_ZERO,
  VolEG_ptSustain: 1000 * 65536, // 0.1 % units, as the file stores it (reference §9.1 item 9)
  VolEG_tcRelease: TIMECENTS_ZERO,
  PitchEG_tcAttack: TIMECENTS_ZERO,
  PitchEG_tcDecay: TIMECENTS_ZERO,
  PitchEG_ptSustain: 1000 * 65536,
  PitchEG_tcRelease: TIMECENTS_ZERO,
};

/** (source, control, destination) -> DMUS_ARTICPARAMS field (reference §5.4). */
const ART1_FIELDS: Array<[number, number, number, ArticParamsField]> = [
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.LFO_FREQUENCY, 'LFO_pcFrequency'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.LFO_STARTDELAY, 'LFO_tcDelay'],
  [CONN_SRC.LFO, CONN_SRC.NONE, CONN_DST.ATTENUATION, 'LFO_gcVolumeScale'],
  [CONN_SRC.LFO, CONN_SRC.NONE, CONN_DST.PITCH, 'LFO_pcPitchScale'],
  [CONN_SRC.LFO, CONN_SRC.CC1, CONN_DST.ATTENUATION, 'LFO_gcMWToVolume'],
  [CONN_SRC.LFO, CONN_SRC.CC1, CONN_DST.PITCH, 'LFO_pcMWToPitch'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_ATTACKTIME, 'VolEG_tcAttack'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_DECAYTIME, 'VolEG_tcDecay'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_SUSTAINLEVEL, 'VolEG_ptSustain'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG1_RELEASETIME, 'VolEG_tcRelease'],
  [CONN_SRC.KEYONVELOCITY, CONN_SRC.NONE, CONN_DST.EG1_ATTACKTIME, 'VolEG_tcVel2Attack'],
  [CONN_SRC.KEYNUMBER, CONN_SRC.NONE, CONN_DST.EG1_DECAYTIME, 'VolEG_tcKey2Decay'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG2_ATTACKTIME, 'PitchEG_tcAttack'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG2_DECAYTIME, 'PitchEG_tcDecay'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG2_SUSTAINLEVEL, 'PitchEG_ptSustain'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.EG2_RELEASETIME, 'PitchEG_tcRelease'],
  [CONN_SRC.KEYONVELOCITY, CONN_SRC.NONE, CONN_DST.EG2_ATTACKTIME, 'PitchEG_tcVel2Attack'],
  [CONN_SRC.KEYNUMBER, CONN_SRC.NONE, CONN_DST.EG2_DECAYTIME, 'PitchEG_tcKey2Decay'],
  [CONN_SRC.EG2, CONN_SRC.NONE, CONN_DST.PITCH, 'PitchEG_pcRange'],
  [CONN_SRC.NONE, CONN_SRC.NONE, CONN_DST.PAN, 'Misc_ptDefaultPan'],
];

/** The fixed DLS1 model: connections that fit a field set it; others cannot be expressed and are dropped. */
export function articParams(connections: ConnectionBlock[]): Uint8Array {
  const w = new ByteWriter(SIZEOF.DMUS_ARTICPARAMS);
  for (const [field, v] of Object.entries(ARTICPARAMS_DEFAULTS)) w.i32(ARTICPARAMS[field as ArticParamsField], v);
  for (const k of connections) {
    const hit = ART1_FIELDS.find(([s, c, d]) => s === k.usSource && c === k.usControl && d === k.usDestination);
    if (hit) w.i32(ARTICPARAMS[hit[3]], k.lScale);
  }
  return w.bytes;
}

export interface CollectionDownloads {
  /** One per collection wave, in wave order: waves go first (reference §5.9). */
  waves: Array<{ waveIndex: number; dlId: number; buffer: Uint8Array }>;
  instruments: Array<{ instrumentIndex: number; dlId: number; buffer: Uint8Array }>;
}

/**
 * Every wave, then every instrument, as downloads (reference §5.9). Unload in the reverse order.
 * `select` limits the instruments; `patchFor` remaps an instrument's bank/program.
 */
export function buildCollectionDownloads(
  col: DlsCollection,
  ids: DownloadIdAllocator,
  options: InstrumentDownloadOptions & WaveDownloadOptions & { select?: (ins: DlsInstrument, index: number) => boolean; patchFor?: (ins: DlsInstrument) => MidiLocale | undefined } = {},
): CollectionDownloads {
  const waveDlIds: number[] = [];
  const waves = col.waves.map((w, waveIndex) => {
    const dlId = ids.getDLId();
    waveDlIds[waveIndex] = dlId;
    return { waveIndex, dlId, buffer: packWaveDownload(w, dlId, options) };
  });
  const instruments: CollectionDownloads['instruments'] = [];
  col.instruments.forEach((ins, instrumentIndex) => {
    if (options.select && !options.select(ins, instrumentIndex)) return;
    const dlId = ids.getDLId();
    const patch = options.patchFor?.(ins) ?? options.patch;
    instruments.push({ instrumentIndex, dlId, buffer: packInstrumentDownload(col, ins, dlId, waveDlIds, { ...options, patch }) });
  });
  return { waves, instruments };
}
