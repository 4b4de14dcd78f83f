/**
 * Seed concept: the DirectMusic download buffer, DMUS_DOWNLOADINFO + DMUS_OFFSETTABLE + chunks
 * (reference §5.1-5.7). Parses and validates one buffer into a WaveSample or an Instrument.
 *
 * Every error is a DmusError naming the byte offset of the field that was wrong. Parsing builds new
 * objects only and never touches what is already loaded, so a bad download disturbs nothing.
 * Bytes that are kept are copied (the caller's buffer is not ours); samples become Float32 once.
 * Control half only.
 */
import { DmusError } from '../dmus/errors.js';
import { type Connection, articParamsToConnections, compileArticulation } from './articulation.js';
import { DL_SIZE, DMUS_DOWNLOADINFO, WAVE_FORMAT_PCM, WLOOP_TYPE } from './constants.js';
import {
  type CompiledArticulation,
  Instrument,
  LOOP_KIND,
  Region,
  WAVE_GUARD_AFTER,
  WAVE_GUARD_BEFORE,
  WaveSample,
} from './download-model.js';

const hex = (n: number) => `0x${n.toString(16)}`;

/** Int16Array views read little-endian PCM as is only on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The DMUS_DOWNLOADINFO header. */
export interface DownloadInfo {
  dwDLType: number;
  dwDLId: number;
  dwNumOffsetTableEntries: number;
  cbSize: number;
}

/** Reads and checks the header and offset table; chunk(i) gives a checked chunk offset. */
class DownloadReader {
  readonly view: DataView;
  readonly info: DownloadInfo;
  readonly offsets: Uint32Array;
  constructor(buf: Uint8Array) {
    if (buf.byteLength < DL_SIZE.DOWNLOADINFO + 4) {
      throw new DmusError('BADOFFSETTABLE', `download of ${buf.byteLength} bytes is smaller than DMUS_DOWNLOADINFO + one offset`, 'byte 0');
    }
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const v = this.view;
    this.info = {
      dwDLType: v.getUint32(0, true),
      dwDLId: v.getUint32(4, true),
      dwNumOffsetTableEntries: v.getUint32(8, true),
      cbSize: v.getUint32(12, true),
    };
    const { dwNumOffsetTableEntries: n, cbSize } = this.info;
    if (cbSize > buf.byteLength) {
      throw new DmusError('BADOFFSETTABLE', `cbSize ${cbSize} exceeds the ${buf.byteLength} bytes given`, 'byte 12 (cbSize)');
    }
    if (n < 1) throw new DmusError('BADOFFSETTABLE', 'dwNumOffsetTableEntries is 0', 'byte 8');
    const tableEnd = DL_SIZE.DOWNLOADINFO + 4 * n;
    if (tableEnd > cbSize) {
      throw new DmusError('BADOFFSETTABLE', `an offset table of ${n} entries does not fit in cbSize ${cbSize}`, 'byte 8');
    }
    this.offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const o = v.getUint32(DL_SIZE.DOWNLOADINFO + 4 * i, true);
      if (o < tableEnd || o >= cbSize) {
        throw new DmusError(
          'BADOFFSETTABLE',
          `ulOffsetTable[${i}] = ${o} is outside the chunk area [${tableEnd}, ${cbSize})`,
          `byte ${DL_SIZE.DOWNLOADINFO + 4 * i}`,
        );
      }
      this.offsets[i] = o;
    }
    if (this.offsets[0] !== tableEnd) {
      throw new DmusError('BADOFFSETTABLE', `ulOffsetTable[0] = ${this.offsets[0]} must point right after the table (${tableEnd})`, 'byte 16');
    }
  }

  /** Offset of chunk `idx`, checked to be a valid index with `size` bytes available. */
  chunk(idx: number, size: number, what: string, where: number, code: 'BADOFFSETTABLE' | 'BADINSTRUMENT' | 'BADARTICULATION' | 'BADWAVE' = 'BADOFFSETTABLE'): number {
    if (idx >= this.offsets.length) {
      throw new DmusError(code, `${what} index ${idx} is not in the offset table (${this.offsets.length} entries)`, `byte ${where}`);
    }
    const o = this.offsets[idx];
    if (o + size > this.info.cbSize) {
      throw new DmusError(code, `${what} (chunk ${idx} at byte ${o}) needs ${size} bytes but the buffer ends at ${this.info.cbSize}`, `byte ${o}`);
    }
    return o;
  }
}

export type ParsedDownload = { kind: 'wave'; info: DownloadInfo; wave: WaveSample } | { kind: 'instrument'; info: DownloadInfo; instrument: Instrument };

/** What the parser needs to know about the stream's current downloads. */
export interface DownloadContext {
  /** A loaded (not unloading) wave by its dwDLId, for region wave links. */
  waveByDlId(dlId: number): WaveSample | undefined;
}

/** Reads just the header (for the ALREADY_DOWNLOADED check before parsing). */
export function readDownloadInfo(buf: Uint8Array): DownloadInfo {
  return new DownloadReader(buf).info;
}

/** Parses one download buffer. Throws DmusError; never mutates `ctx`. */
export function parseDownload(buf: Uint8Array, handle: number, ctx: DownloadContext): ParsedDownload {
  const r = new DownloadReader(buf);
  const t = r.info.dwDLType;
  switch (t) {
    case DMUS_DOWNLOADINFO.WAVE:
      return { kind: 'wave', info: r.info, wave: parseWave(r, handle) };
    case DMUS_DOWNLOADINFO.INSTRUMENT:
    case DMUS_DOWNLOADINFO.INSTRUMENT2:
      return { kind: 'instrument', info: r.info, instrument: parseInstrument(r, handle, ctx, t === DMUS_DOWNLOADINFO.INSTRUMENT2) };
    case DMUS_DOWNLOADINFO.WAVEARTICULATION:
    case DMUS_DOWNLOADINFO.STREAMINGWAVE:
    case DMUS_DOWNLOADINFO.ONESHOTWAVE:
      throw new DmusError('E_NOTIMPL', `download type ${t} (DX8 wave objects) is not supported by this synth`, 'byte 0 (dwDLType)');
    default:
      throw new DmusError('UNKNOWNDOWNLOAD', `unknown dwDLType ${t}`, 'byte 0 (dwDLType)');
  }
}

function parseWave(r: DownloadReader, handle: number): WaveSample {
  const v = r.view;
  const w = r.chunk(0, DL_SIZE.WAVE - 2, 'DMUS_WAVE', 16, 'BADWAVE');
  const dataIdx = v.getUint32(w + 8, true);
  const fmt = w + 12;
  const formatTag = v.getUint16(fmt, true);
  const channels = v.getUint16(fmt + 2, true);
  const rate = v.getUint32(fmt + 4, true);
  const blockAlign = v.getUint16(fmt + 12, true);
  const bits = v.getUint16(fmt + 14, true);
  if (formatTag !== WAVE_FORMAT_PCM) {
    throw new DmusError('NOTPCM', `wFormatTag ${formatTag} is not WAVE_FORMAT_PCM`, `byte ${fmt} (WAVEFORMATEX.wFormatTag)`);
  }
  if (channels !== 1) throw new DmusError('NOTMONO', `nChannels ${channels}: only mono waves are accepted`, `byte ${fmt + 2}`);
  if (bits !== 8 && bits !== 16) throw new DmusError('BADWAVE', `wBitsPerSample ${bits}: only 8 and 16 bits are accepted`, `byte ${fmt + 14}`);
  if (blockAlign !== bits / 8) {
    throw new DmusError('BADWAVE', `nBlockAlign ${blockAlign} does not match ${bits}-bit mono`, `byte ${fmt + 12}`);
  }
  if (rate < 1 || rate > 1_000_000) throw new DmusError('BADWAVE', `nSamplesPerSec ${rate} is out of range`, `byte ${fmt + 4}`);
  if (dataIdx === 0) throw new DmusError('BADWAVE', 'ulWaveDataIdx is 0 (no DMUS_WAVEDATA)', `byte ${w + 8}`);
  const d = r.chunk(dataIdx, 4, 'DMUS_WAVEDATA', w + 8, 'BADWAVE');
  const cb = v.getUint32(d, true);
  if (d + 4 + cb > r.info.cbSize) {
    throw new DmusError('BADWAVE', `DMUS_WAVEDATA.cbSize ${cb} runs past the end of the buffer (${r.info.cbSize})`, `byte ${d}`);
  }
  // cbSize counts PCM bytes (§5.7); the append frames the caller may include are guard space that
  // this synth fills itself, so a few extra frames of padding at the end are harmless.
  const frames = Math.floor(cb / blockAlign);
  if (frames < 1) throw new DmusError('BADWAVE', 'the wave has no sample frames', `byte ${d}`);
  const out = new Int16Array(WAVE_GUARD_BEFORE + frames + WAVE_GUARD_AFTER);
  const p = d + 4;
  const at = v.byteOffset + p;
  if (bits === 8) {
    const pcm = new Uint8Array(v.buffer, at, frames);
    for (let i = 0; i < frames; i++) out[WAVE_GUARD_BEFORE + i] = (pcm[i] - 128) * 256;
  } else if (LITTLE_ENDIAN && (at & 1) === 0) {
    // One native copy of the 16-bit samples (the voices scale by WAVE_SCALE), for the ~10 M
    // frames a big SoundFont's piano holds.
    out.set(new Int16Array(v.buffer, at, frames), WAVE_GUARD_BEFORE);
  } else {
    for (let i = 0; i < frames; i++) out[WAVE_GUARD_BEFORE + i] = v.getInt16(p + 2 * i, true);
  }
  // Guard before: repeat the first frame (a one-shot start interpolates against itself).
  out[0] = out[WAVE_GUARD_BEFORE];
  return new WaveSample(handle, r.info.dwDLId, out, frames, rate, bits);
}

/**
 * Work limits of one instrument parse. In a well-formed buffer every articulation chunk belongs to
 * one chain and every connection list to one articulation, so a chain is walked once and a list
 * compiled once; a hostile buffer could make chains and lists share and cost O(n^2) time or
 * memory. The caps are twice what a well-formed buffer can need.
 */
class ParseBudget {
  private chunks: number;
  private connections: number;
  constructor(r: DownloadReader) {
    this.chunks = 2 * r.offsets.length + 16;
    this.connections = 2 * Math.floor(r.info.cbSize / DL_SIZE.CONNECTION) + 64;
  }
  chunk(where: number): void {
    if (--this.chunks < 0) throw new DmusError('BADARTICULATION', 'articulation chains share chunks: more chunk visits than twice the offset table', `byte ${where}`);
  }
  compile(lists: readonly Connection[][], where: number): void {
    for (const l of lists) this.connections -= l.length;
    if (this.connections < 0) throw new DmusError('BADARTICULATION', 'articulations share connection lists: more connections than twice the buffer holds', `byte ${where}`);
  }
}

function readConnectionList(r: DownloadReader, idx: number, where: number, cache: Map<number, Connection[]>): Connection[] {
  const hit = cache.get(idx);
  if (hit) return hit;
  const v = r.view;
  const o = r.chunk(idx, DL_SIZE.CONNECTIONLIST, 'CONNECTIONLIST', where, 'BADARTICULATION');
  const cbSize = v.getUint32(o, true);
  const n = v.getUint32(o + 4, true);
  if (cbSize !== DL_SIZE.CONNECTIONLIST) {
    throw new DmusError('BADARTICULATION', `CONNECTIONLIST.cbSize ${cbSize} must be ${DL_SIZE.CONNECTIONLIST}`, `byte ${o}`);
  }
  if (o + DL_SIZE.CONNECTIONLIST + n * DL_SIZE.CONNECTION > r.info.cbSize) {
    throw new DmusError('BADARTICULATION', `${n} connections run past the end of the buffer (${r.info.cbSize})`, `byte ${o + 4}`);
  }
  const out: Connection[] = [];
  for (let i = 0; i < n; i++) {
    const k = o + DL_SIZE.CONNECTIONLIST + i * DL_SIZE.CONNECTION;
    out.push({
      src: v.getUint16(k, true),
      ctl: v.getUint16(k + 2, true),
      dst: v.getUint16(k + 4, true),
      trn: v.getUint16(k + 6, true),
      lScale: v.getInt32(k + 8, true),
    });
  }
  cache.set(idx, out);
  return out;
}

/** An articulation chain (type 3: DMUS_ARTICULATION2 list; type 1: DMUS_ARTICULATION). */
function readArticulation(r: DownloadReader, idx: number, where: number, dls2: boolean, budget: ParseBudget, lists: Map<number, Connection[]>): Connection[][] {
  const v = r.view;
  const chain: Connection[][] = [];
  if (!dls2) {
    const a = r.chunk(idx, DL_SIZE.ARTICULATION, 'DMUS_ARTICULATION', where, 'BADARTICULATION');
    const art1 = v.getUint32(a, true);
    if (art1 === 0) return chain;
    const p = r.chunk(art1, DL_SIZE.ARTICPARAMS, 'DMUS_ARTICPARAMS', a, 'BADARTICULATION');
    chain.push(articParamsToConnections(v, p));
    return chain;
  }
  const seen = new Set<number>();
  let at = where;
  while (idx !== 0) {
    if (seen.has(idx)) throw new DmusError('BADARTICULATION', `DMUS_ARTICULATION2 chain loops back to index ${idx}`, `byte ${at}`);
    seen.add(idx);
    budget.chunk(at);
    const a = r.chunk(idx, DL_SIZE.ARTICULATION2, 'DMUS_ARTICULATION2', at, 'BADARTICULATION');
    const artIdx = v.getUint32(a, true);
    if (artIdx !== 0) chain.push(readConnectionList(r, artIdx, a, lists));
    idx = v.getUint32(a + 8, true);
    at = a + 8;
  }
  return chain;
}

function parseInstrument(r: DownloadReader, handle: number, ctx: DownloadContext, dls2: boolean): Instrument {
  const v = r.view;
  const ins = r.chunk(0, DL_SIZE.INSTRUMENT, 'DMUS_INSTRUMENT', 16, 'BADINSTRUMENT');
  const patch = v.getUint32(ins, true);
  if ((patch & 0x7f808080) !== 0) {
    throw new DmusError('BADINSTRUMENT', `ulPatch ${hex(patch)} has reserved bits set`, `byte ${ins}`);
  }
  const firstRegion = v.getUint32(ins + 4, true);
  const globalArtIdx = v.getUint32(ins + 8, true);
  const flags = v.getUint32(ins + 20, true);
  const budget = new ParseBudget(r);
  const connectionLists = new Map<number, Connection[]>();
  // One compiled articulation per chain start (0 = the instrument's global articulation).
  const artCache = new Map<number, CompiledArticulation>();
  const compiled = (artIdx: number, where: number) => {
    let a = artCache.get(artIdx);
    if (!a) {
      const lists = artIdx !== 0 ? readArticulation(r, artIdx, where, dls2, budget, connectionLists) : [];
      budget.compile(lists, where);
      a = compileArticulation(lists);
      artCache.set(artIdx, a);
    }
    return a;
  };
  const globalArt = compiled(globalArtIdx, ins + 8);
  const regions: Region[] = [];
  const waves: WaveSample[] = [];
  const seen = new Set<number>();
  let idx = firstRegion;
  let at = ins + 4;
  if (idx === 0) throw new DmusError('BADINSTRUMENT', 'the instrument has no regions (ulFirstRegionIdx 0)', `byte ${at}`);
  while (idx !== 0) {
    if (seen.has(idx)) throw new DmusError('BADINSTRUMENT', `region list loops back to index ${idx}`, `byte ${at}`);
    seen.add(idx);
    const g = r.chunk(idx, DL_SIZE.REGION_FIXED, 'DMUS_REGION', at, 'BADINSTRUMENT');
    const keyLow = v.getUint16(g, true);
    const keyHigh = v.getUint16(g + 2, true);
    let velLow = v.getUint16(g + 4, true);
    let velHigh = v.getUint16(g + 6, true);
    if (keyLow > keyHigh || keyHigh > 127) {
      throw new DmusError('BADINSTRUMENT', `RangeKey ${keyLow}..${keyHigh} is not a key range`, `byte ${g}`);
    }
    if (velLow === 0 && velHigh === 0) velHigh = 127; // quirk §6.12: 0-0 means all velocities
    if (velLow > velHigh || velHigh > 127) {
      throw new DmusError('BADINSTRUMENT', `RangeVelocity ${velLow}..${velHigh} is not a velocity range`, `byte ${g + 4}`);
    }
    velLow = Math.min(velLow, 127);
    const options = v.getUint16(g + 8, true);
    const keyGroup = v.getUint16(g + 10, true);
    const regionArtIdx = v.getUint32(g + 12, true);
    const next = v.getUint32(g + 16, true);
    const waveDlId = v.getUint32(g + 24 + 8, true);
    const wave = ctx.waveByDlId(waveDlId);
    if (!wave) {
      throw new DmusError('BADWAVELINK', `WaveLink.ulTableIndex names wave download id ${waveDlId}, which is not loaded`, `byte ${g + 32}`);
    }
    const wsmp = g + 36;
    const unityNote = v.getUint16(wsmp + 4, true);
    const fineTune = v.getInt16(wsmp + 6, true);
    const attenuation = v.getInt32(wsmp + 8, true) / 65536;
    const cLoops = v.getUint32(wsmp + 16, true);
    if (unityNote > 127) throw new DmusError('BADINSTRUMENT', `usUnityNote ${unityNote} > 127`, `byte ${wsmp + 4}`);
    let loopKind: number = LOOP_KIND.NONE;
    let loopStart = 0;
    let loopLength = 0;
    if (cLoops > 0) {
      const loopsEnd = g + DL_SIZE.REGION_FIXED + cLoops * DL_SIZE.WLOOP;
      if (cLoops > 64 || loopsEnd > r.info.cbSize) {
        throw new DmusError('BADINSTRUMENT', `cSampleLoops ${cLoops} runs past the end of the buffer`, `byte ${wsmp + 16}`);
      }
      const lp = g + DL_SIZE.REGION_FIXED;
      const type = v.getUint32(lp + 4, true);
      loopStart = v.getUint32(lp + 8, true);
      loopLength = v.getUint32(lp + 12, true);
      if (type !== WLOOP_TYPE.FORWARD && type !== WLOOP_TYPE.RELEASE && type !== WLOOP_TYPE.RELEASE_WIN2000) {
        throw new DmusError('BADINSTRUMENT', `WLOOP.ulType ${type} is unknown`, `byte ${lp + 4}`);
      }
      if (loopStart >= wave.frames) {
        throw new DmusError('BADINSTRUMENT', `loop start ${loopStart} is past the wave's ${wave.frames} frames`, `byte ${lp + 8}`);
      }
      // Real files sometimes overrun the data by a frame or two: clamp rather than refuse.
      loopLength = Math.min(loopLength, wave.frames - loopStart);
      if (loopLength >= 1) loopKind = type === WLOOP_TYPE.FORWARD ? LOOP_KIND.FORWARD : LOOP_KIND.RELEASE;
    }
    const art = regionArtIdx !== 0 ? compiled(regionArtIdx, g + 12) : globalArt;
    regions.push(
      new Region({
        keyLow,
        keyHigh,
        velLow,
        velHigh,
        options,
        keyGroup,
        wave,
        unityNote,
        fineTune,
        attenuation,
        loopKind,
        loopStart,
        loopLength,
        art,
      }),
    );
    if (!waves.includes(wave)) waves.push(wave);
    at = g + 16;
    idx = next;
  }
  return new Instrument(handle, r.info.dwDLId, patch >>> 0, flags, regions, waves);
}
