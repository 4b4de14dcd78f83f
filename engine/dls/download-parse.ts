/**
 * Seed concept: the synth side of KSPROPERTY_SYNTH_DLS_DOWNLOAD (reference §5.1-§5.8): reading a
 * DMUS_DOWNLOADINFO buffer packed by anyone (this project or a real DirectMusic application).
 * Purpose: validate the offset table and every index, bound every read by cbSize, and return a
 * typed description. PCM data stay a view onto the buffer. Errors are DlsErrors whose chunk path
 * names the struct (e.g. `DMUS_DOWNLOADINFO/ulOffsetTable[2]:DMUS_REGION`) and its byte offset.
 *
 * Validation follows Wine/native: at least one offset-table entry, ulOffsetTable[0] exactly after
 * the table (DMUS_E_BADOFFSETTABLE), non-PCM waves (DMUS_E_NOTPCM), CONNECTIONLIST.cbSize != 8
 * (DMUS_E_BADARTICULATION), types 4-6 (E_NOTIMPL), unknown types (DMUS_E_UNKNOWNDOWNLOAD).
 */
import type { DmusErrorName, HRESULT } from '../dmus/errors.js';
import type { ConnectionBlock, RegionRange, WaveFormat, WaveLink, WaveSample } from './collection.js';
import { DlsError } from './dls-error.js';
import { ARTICPARAMS, type ArticParamsField, DMUS_DOWNLOADINFO, SIZEOF } from './download-layout.js';

export interface ParsedExtension {
  id: string;
  data: Uint8Array;
}

export type ParsedArticulation =
  | { kind: 'DMUS_ARTICULATION2'; connectionLists: ConnectionBlock[][]; extensions: ParsedExtension[] }
  | { kind: 'DMUS_ARTICULATION'; params: Record<ArticParamsField, number>; extensions: ParsedExtension[] };

export interface ParsedRegion {
  RangeKey: RegionRange;
  RangeVelocity: RegionRange;
  fusOptions: number;
  usKeyGroup: number;
  /** null: use the instrument's global articulation. */
  articulation: ParsedArticulation | null;
  /** ulTableIndex holds the dwDLId of the wave download. */
  WaveLink: WaveLink;
  WSMP: WaveSample;
  extensions: ParsedExtension[];
}

export interface ParsedInstrument {
  ulPatch: number;
  ulFlags: number;
  globalArticulation: ParsedArticulation | null;
  regions: ParsedRegion[];
  copyright?: string;
  extensions: ParsedExtension[];
}

export interface ParsedWave {
  format: WaveFormat;
  /** The PCM bytes (DMUS_WAVEDATA.cbSize of them): a view onto the buffer. */
  data: Uint8Array;
  /** Bytes after the PCM data inside the chunk (room for the append guard samples). */
  guardBytes: number;
  copyright?: string;
  extensions: ParsedExtension[];
}

interface ParsedHeader {
  dwDLType: number;
  dwDLId: number;
  cbSize: number;
  ulOffsetTable: number[];
}
export type ParsedDownload =
  | (ParsedHeader & { kind: 'instrument'; instrument: ParsedInstrument })
  | (ParsedHeader & { kind: 'wave'; wave: ParsedWave });

/** Parses and validates one download buffer. Time is O(cbSize); nothing is allocated past it. */
export function parseDownload(buffer: Uint8Array): ParsedDownload {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const err = (code: DmusErrorName | keyof typeof HRESULT, msg: string, path: string, offset: number): never => {
    throw new DlsError(code, msg, `DMUS_DOWNLOADINFO${path}`, offset);
  };
  if (buffer.length < SIZEOF.DMUS_DOWNLOADINFO + 4) err('BADOFFSETTABLE', `buffer of ${buffer.length} bytes is too small`, '', 0);
  const dwDLType = view.getUint32(0, true);
  const dwDLId = view.getUint32(4, true);
  const n = view.getUint32(8, true);
  const cbSize = view.getUint32(12, true);
  if (cbSize > buffer.length) err('BADOFFSETTABLE', `cbSize ${cbSize} is larger than the buffer (${buffer.length} bytes)`, '', 12);
  if (n < 1) err('BADOFFSETTABLE', 'dwNumOffsetTableEntries is 0', '', 8);
  if (n > (cbSize - SIZEOF.DMUS_DOWNLOADINFO) / 4) err('BADOFFSETTABLE', `${n} offset-table entries do not fit in cbSize ${cbSize}`, '', 8);
  const tableEnd = SIZEOF.DMUS_DOWNLOADINFO + 4 * n;
  const ulOffsetTable: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = view.getUint32(16 + 4 * i, true);
    if (i === 0 && o !== tableEnd) err('BADOFFSETTABLE', `ulOffsetTable[0] is ${o}, must be ${tableEnd} (right after the table)`, '/ulOffsetTable[0]', 16);
    if (o < tableEnd || o >= cbSize) err('BADOFFSETTABLE', `ulOffsetTable[${i}] = ${o} is outside ${tableEnd}..${cbSize - 1}`, `/ulOffsetTable[${i}]`, 16 + 4 * i);
    ulOffsetTable.push(o);
  }
  const header = { dwDLType, dwDLId, cbSize, ulOffsetTable };

  // Each chunk is referenced once in a well-formed buffer; a hostile one could make lists share a
  // long chain and cost O(n^2). Cap the total number of struct visits at a small multiple of n.
  let visits = 0;
  const maxVisits = 2 * n + 16;
  /** Offset of chunk `idx` holding a struct of `size` bytes; 0 is never a valid reference. */
  const chunk = (idx: number, size: number, what: string, from: string, fieldAt: number): number => {
    if (++visits > maxVisits) err('INVALIDOFFSET', `chunks referenced more than twice over (${visits} visits for ${n} chunks)`, `/${what}`, fieldAt);
    if (idx === 0 || idx >= n) err('INVALIDOFFSET', `${from} index ${idx} is not in 1..${n - 1}`, `/${what}`, fieldAt);
    const o = ulOffsetTable[idx];
    if (o + size > cbSize) err('INVALIDOFFSET', `${what} of ${size} bytes at ${o} runs past cbSize ${cbSize}`, `/ulOffsetTable[${idx}]:${what}`, o);
    return o;
  };
  const text = (o: number, len: number) => {
    let s = '';
    for (let i = 0; i < len && buffer[o + i] !== 0; i++) s += String.fromCharCode(buffer[o + i]);
    return s;
  };
  const copyright = (idx: number, fieldAt: number): string | undefined => {
    if (idx === 0) return undefined;
    const o = chunk(idx, SIZEOF.DMUS_COPYRIGHT_HEADER, 'DMUS_COPYRIGHT', 'ulCopyrightIdx', fieldAt);
    const len = view.getUint32(o, true);
    if (len > cbSize - o - 4) err('INVALIDOFFSET', `copyright cbSize ${len} runs past the buffer`, `/ulOffsetTable[${idx}]:DMUS_COPYRIGHT`, o);
    return text(o + 4, len);
  };
  const extensions = (first: number, fieldAt: number): ParsedExtension[] => {
    const out: ParsedExtension[] = [];
    const seen = new Set<number>();
    for (let idx = first, at = fieldAt; idx !== 0; ) {
      if (seen.has(idx)) err('INVALIDOFFSET', `extension chunk list loops back to ${idx}`, '/DMUS_EXTENSIONCHUNK', at);
      seen.add(idx);
      const o = chunk(idx, SIZEOF.DMUS_EXTENSIONCHUNK_HEADER, 'DMUS_EXTENSIONCHUNK', 'ulFirstExtCkIdx', at);
      const len = view.getUint32(o, true);
      if (len > cbSize - o - 12) err('INVALIDOFFSET', `extension cbSize ${len} runs past the buffer`, `/ulOffsetTable[${idx}]:DMUS_EXTENSIONCHUNK`, o);
      out.push({ id: text(o + 8, 4).padEnd(4, ' '), data: buffer.subarray(o + 12, o + 12 + len) });
      at = o + 4;
      idx = view.getUint32(o + 4, true);
    }
    return out;
  };

  switch (dwDLType) {
    case DMUS_DOWNLOADINFO.WAVE:
      return { ...header, kind: 'wave', wave: parseWave() };
    case DMUS_DOWNLOADINFO.INSTRUMENT:
    case DMUS_DOWNLOADINFO.INSTRUMENT2:
      return { ...header, kind: 'instrument', instrument: parseInstrument(dwDLType === DMUS_DOWNLOADINFO.INSTRUMENT) };
    case DMUS_DOWNLOADINFO.WAVEARTICULATION:
    case DMUS_DOWNLOADINFO.STREAMINGWAVE:
    case DMUS_DOWNLOADINFO.ONESHOTWAVE:
      return err('E_NOTIMPL', `download type ${dwDLType} (DX8 wave objects) is not supported`, '', 0);
    default:
      return err('UNKNOWNDOWNLOAD', `unknown download type ${dwDLType}`, '', 0);
  }

  function parseWave(): ParsedWave {
    const o = ulOffsetTable[0];
    if (o + SIZEOF.DMUS_WAVE > cbSize) err('BADWAVE', 'DMUS_WAVE runs past cbSize', '/ulOffsetTable[0]:DMUS_WAVE', o);
    const format: WaveFormat = {
      wFormatTag: view.getUint16(o + 12, true),
      nChannels: view.getUint16(o + 14, true),
      nSamplesPerSec: view.getUint32(o + 16, true),
      nAvgBytesPerSec: view.getUint32(o + 20, true),
      nBlockAlign: view.getUint16(o + 24, true),
      wBitsPerSample: view.getUint16(o + 26, true),
    };
    if (format.wFormatTag !== 1) err('NOTPCM', `wave format 0x${format.wFormatTag.toString(16)} is not PCM`, '/ulOffsetTable[0]:DMUS_WAVE', o + 12);
    if (format.nBlockAlign === 0) err('BADWAVE', 'nBlockAlign is 0', '/ulOffsetTable[0]:DMUS_WAVE', o + 24);
    const dataIdx = view.getUint32(o + 8, true);
    const d = chunk(dataIdx, SIZEOF.DMUS_WAVEDATA_HEADER, 'DMUS_WAVEDATA', 'ulWaveDataIdx', o + 8);
    const len = view.getUint32(d, true);
    if (len > cbSize - d - 4) err('BADWAVE', `DMUS_WAVEDATA cbSize ${len} runs past the buffer`, `/ulOffsetTable[${dataIdx}]:DMUS_WAVEDATA`, d);
    const chunkEnd = ulOffsetTable.filter((x) => x > d).reduce((a, b) => Math.min(a, b), cbSize);
    const wave: ParsedWave = {
      format,
      data: buffer.subarray(d + 4, d + 4 + len),
      guardBytes: Math.max(0, chunkEnd - (d + 4 + len)),
      extensions: extensions(view.getUint32(o, true), o),
    };
    const c = copyright(view.getUint32(o + 4, true), o + 4);
    if (c !== undefined) wave.copyright = c;
    return wave;
  }

  function parseArticulation(first: number, fieldAt: number, dls1: boolean): ParsedArticulation | null {
    if (first === 0) return null;
    if (dls1) {
      const o = chunk(first, SIZEOF.DMUS_ARTICULATION, 'DMUS_ARTICULATION', 'articulation', fieldAt);
      const pIdx = view.getUint32(o, true);
      const p = chunk(pIdx, SIZEOF.DMUS_ARTICPARAMS, 'DMUS_ARTICPARAMS', 'ulArt1Idx', o);
      const params = {} as Record<ArticParamsField, number>;
      for (const [k, off] of Object.entries(ARTICPARAMS)) params[k as ArticParamsField] = view.getInt32(p + off, true);
      return { kind: 'DMUS_ARTICULATION', params, extensions: extensions(view.getUint32(o + 4, true), o + 4) };
    }
    const lists: ConnectionBlock[][] = [];
    const ext: ParsedExtension[] = [];
    const seen = new Set<number>();
    for (let idx = first, at = fieldAt; idx !== 0; ) {
      if (seen.has(idx)) err('BADARTICULATION', `articulation list loops back to ${idx}`, '/DMUS_ARTICULATION2', at);
      seen.add(idx);
      const o = chunk(idx, SIZEOF.DMUS_ARTICULATION2, 'DMUS_ARTICULATION2', 'articulation', at);
      const cIdx = view.getUint32(o, true);
      const c = chunk(cIdx, SIZEOF.CONNECTIONLIST, 'CONNECTIONLIST', 'ulArtIdx', o);
      const cb = view.getUint32(c, true);
      const count = view.getUint32(c + 4, true);
      const where = `/ulOffsetTable[${cIdx}]:CONNECTIONLIST`;
      if (cb !== SIZEOF.CONNECTIONLIST) err('BADARTICULATION', `CONNECTIONLIST cbSize ${cb} is not 8`, where, c);
      if (count > (cbSize - c - 8) / 12) err('BADARTICULATION', `${count} connections run past the buffer`, where, c + 4);
      const list: ConnectionBlock[] = new Array(count);
      for (let i = 0, k = c + 8; i < count; i++, k += 12) {
        list[i] = {
          usSource: view.getUint16(k, true),
          usControl: view.getUint16(k + 2, true),
          usDestination: view.getUint16(k + 4, true),
          usTransform: view.getUint16(k + 6, true),
          lScale: view.getInt32(k + 8, true),
        };
      }
      lists.push(list);
      ext.push(...extensions(view.getUint32(o + 4, true), o + 4));
      at = o + 8;
      idx = view.getUint32(o + 8, true);
    }
    return { kind: 'DMUS_ARTICULATION2', connectionLists: lists, extensions: ext };
  }

  function parseInstrument(dls1: boolean): ParsedInstrument {
    const o = ulOffsetTable[0];
    if (o + SIZEOF.DMUS_INSTRUMENT > cbSize) err('BADINSTRUMENT', 'DMUS_INSTRUMENT runs past cbSize', '/ulOffsetTable[0]:DMUS_INSTRUMENT', o);
    const ins: ParsedInstrument = {
      ulPatch: view.getUint32(o, true),
      ulFlags: view.getUint32(o + 20, true),
      globalArticulation: parseArticulation(view.getUint32(o + 8, true), o + 8, dls1),
      regions: [],
      extensions: extensions(view.getUint32(o + 12, true), o + 12),
    };
    const c = copyright(view.getUint32(o + 16, true), o + 16);
    if (c !== undefined) ins.copyright = c;
    const seen = new Set<number>();
    for (let idx = view.getUint32(o + 4, true), at = o + 4; idx !== 0; ) {
      if (seen.has(idx)) err('BADINSTRUMENT', `region list loops back to ${idx}`, '/DMUS_REGION', at);
      seen.add(idx);
      const r = chunk(idx, SIZEOF.DMUS_REGION_HEADER + SIZEOF.WLOOP, 'DMUS_REGION', 'region', at);
      const where = `/ulOffsetTable[${idx}]:DMUS_REGION`;
      const loops = view.getUint32(r + 52, true);
      if (loops > (cbSize - r - SIZEOF.DMUS_REGION_HEADER) / SIZEOF.WLOOP) err('BADINSTRUMENT', `${loops} loops run past the buffer`, where, r + 52);
      const WSMP: WaveSample = {
        usUnityNote: view.getUint16(r + 40, true),
        sFineTune: view.getInt16(r + 42, true),
        lAttenuation: view.getInt32(r + 44, true),
        fulOptions: view.getUint32(r + 48, true),
        loops: [],
      };
      for (let i = 0; i < loops; i++) {
        const l = r + 56 + 16 * i;
        WSMP.loops.push({ ulType: view.getUint32(l + 4, true), ulStart: view.getUint32(l + 8, true), ulLength: view.getUint32(l + 12, true) });
      }
      ins.regions.push({
        RangeKey: { usLow: view.getUint16(r, true), usHigh: view.getUint16(r + 2, true) },
        RangeVelocity: { usLow: view.getUint16(r + 4, true), usHigh: view.getUint16(r + 6, true) },
        fusOptions: view.getUint16(r + 8, true),
        usKeyGroup: view.getUint16(r + 10, true),
        articulation: parseArticulation(view.getUint32(r + 12, true), r + 12, dls1),
        WaveLink: {
          fusOptions: view.getUint16(r + 24, true),
          usPhaseGroup: view.getUint16(r + 26, true),
          ulChannel: view.getUint32(r + 28, true),
          ulTableIndex: view.getUint32(r + 32, true),
        },
        WSMP,
        extensions: extensions(view.getUint32(r + 20, true), r + 20),
      });
      at = r + 16;
      idx = view.getUint32(r + 16, true);
    }
    return ins;
  }
}
