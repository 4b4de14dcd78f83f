/**
 * Seed concept: reading a DLS Level 1 / Level 2 collection (reference §6).
 * Purpose: turn a RIFF 'DLS ' file into a DlsCollection. Wave data stay views onto the input
 * buffer (one copy at most: the caller's file read). Quirks of real files (§6.12) become warnings;
 * broken structure becomes a DlsError naming the chunk path and byte offset.
 */
import type { DmusErrorName } from '../dmus/errors.js';
import type {
  ArticulationList,
  Articulator,
  ConnectionBlock,
  DlsCollection,
  DlsInstrument,
  DlsRegion,
  DlsWave,
  RegionHeader,
  UnknownChunk,
  WaveFormat,
  WaveLink,
  WaveSample,
} from './collection.js';
import { validateCondition, readDlsId } from './conditions.js';
import { CONN_DST, CONN_SRC, CONN_TRN, CONN_TRN_SOURCE_INVERT, POOL_CUE_NULL, WAVE_FORMAT_PCM, WLOOP_TYPE } from './constants.js';
import { readInfo } from './info.js';
import { chunkPath, fail, type RiffChunk, readRiff, viewOf } from './riff.js';

/** List types that have a fixed place in the DLS tree; found anywhere else they are an error. */
const DLS_LISTS = new Set(['lins', 'ins ', 'lrgn', 'rgn ', 'rgn2', 'lart', 'lar2', 'wvpl', 'wave']);

export function readDls(bytes: Uint8Array): DlsCollection {
  const warnings: string[] = [];
  const root = readRiff(bytes, { formType: 'DLS ', code: 'NOTADLSCOL', warnings, maxDepth: 8 });
  const warn = (c: RiffChunk, msg: string) => warnings.push(`${chunkPath(c)} @ offset ${c.offset}: ${msg}`);
  const col: DlsCollection = { instruments: [], ptbl: [], waves: [], info: [], unknown: [], warnings };

  let colh: RiffChunk | undefined;
  let lins: RiffChunk | undefined;
  let ptbl: RiffChunk | undefined;
  let wvpl: RiffChunk | undefined;
  for (const c of root.children!) {
    switch (c.listType ?? c.id) {
      case 'vers':
        need(c, 8, 'NOTADLSCOL');
        col.vers = { dwVersionMS: viewOf(c.data).getUint32(0, true), dwVersionLS: viewOf(c.data).getUint32(4, true) };
        break;
      case 'dlid':
        need(c, 16, 'NOTADLSCOL');
        col.dlid = readDlsId(c.data, 0);
        break;
      case 'colh':
        need(c, 4, 'NOTADLSCOL');
        colh = c;
        break;
      case 'lins':
        lins = c;
        break;
      case 'ptbl':
        ptbl = c;
        break;
      case 'wvpl':
        wvpl = c;
        break;
      case 'INFO':
        col.info = readInfo(c);
        break;
      default:
        unknownOrFail(c, col.unknown);
    }
  }
  if (!lins) fail('NOTADLSCOL', root, "no LIST 'lins' (instrument list)");

  // Waves first: regions validate their loops against the wave they link to.
  const waveAt = new Map<number, number>();
  if (wvpl) {
    const base = wvpl.data.byteOffset - bytes.byteOffset;
    for (const c of wvpl.children!) {
      if (c.listType !== 'wave') {
        expectOnly(c, "LIST 'wave'");
        continue;
      }
      waveAt.set(c.offset - base, col.waves.length);
      col.waves.push(readWave(c));
    }
  } else if (ptbl) warn(ptbl, "a pool table but no LIST 'wvpl'");

  if (ptbl) {
    need(ptbl, 8, 'NOTADLSCOL');
    const v = viewOf(ptbl.data);
    const cbSize = v.getUint32(0, true);
    const cCues = v.getUint32(4, true);
    if (cbSize < 8) fail('NOTADLSCOL', ptbl, `POOLTABLE cbSize ${cbSize} < 8`);
    if (cbSize > 8) warn(ptbl, `POOLTABLE cbSize ${cbSize} > 8; skipped ${cbSize - 8} bytes`);
    if (cbSize > ptbl.data.length || cCues > (ptbl.data.length - cbSize) / 4) {
      fail('NOTADLSCOL', ptbl, `${cCues} pool cues do not fit in ${ptbl.data.length} bytes`);
    }
    for (let i = 0; i < cCues; i++) {
      const off = v.getUint32(cbSize + 4 * i, true);
      if (off === POOL_CUE_NULL) {
        col.ptbl.push(-1);
        continue;
      }
      const w = waveAt.get(off);
      if (w === undefined) fail('BADWAVELINK', ptbl, `pool cue ${i} offset ${off} does not point at a LIST 'wave'`);
      col.ptbl.push(w);
    }
  } else if (col.waves.length > 0) {
    warnings.push("no 'ptbl' chunk: pool cues taken in wave order");
    col.ptbl = col.waves.map((_, i) => i);
  }

  for (const c of lins.children!) {
    if (c.listType !== 'ins ') {
      expectOnly(c, "LIST 'ins '");
      continue;
    }
    col.instruments.push(readInstrument(c));
  }
  if (!colh) warn(root, "no 'colh' chunk");
  else {
    const n = viewOf(colh.data).getUint32(0, true);
    if (n !== col.instruments.length) warn(colh, `cInstruments ${n} but ${col.instruments.length} instruments present`);
  }
  return col;

  // --------------------------------------------------------------------------------------------

  function unknownOrFail(c: RiffChunk, into: UnknownChunk[]): void {
    if (c.listType !== undefined && DLS_LISTS.has(c.listType)) {
      fail('NOTADLSCOL', c, `LIST '${c.listType}' inside the wrong parent '${c.parent?.listType ?? c.parent?.id}'`);
    }
    if (c.id === 'RIFF') fail('NOTADLSCOL', c, 'nested RIFF chunk');
    into.push({ id: c.listType !== undefined ? `LIST:${c.listType}` : c.id, data: c.data });
  }

  function expectOnly(c: RiffChunk, what: string): void {
    if (c.listType !== undefined && DLS_LISTS.has(c.listType)) fail('NOTADLSCOL', c, `expected ${what} here`);
    warn(c, `unexpected chunk where ${what} was expected; skipped`);
  }

  function readWave(list: RiffChunk): DlsWave {
    let fmt: WaveFormat | undefined;
    let data: Uint8Array | undefined;
    const wave: Partial<DlsWave> & { info: DlsWave['info']; unknown: UnknownChunk[] } = { info: [], unknown: [] };
    let wsmpChunk: RiffChunk | undefined;
    for (const c of list.children!) {
      switch (c.listType ?? c.id) {
        case 'fmt ': {
          need(c, 14, 'BADWAVE');
          const v = viewOf(c.data);
          fmt = {
            wFormatTag: v.getUint16(0, true),
            nChannels: v.getUint16(2, true),
            nSamplesPerSec: v.getUint32(4, true),
            nAvgBytesPerSec: v.getUint32(8, true),
            nBlockAlign: v.getUint16(12, true),
            wBitsPerSample: c.data.length >= 16 ? v.getUint16(14, true) : 8 * (v.getUint16(12, true) / Math.max(1, v.getUint16(2, true))),
          };
          if (c.data.length > 16) {
            const cb = c.data.length >= 18 ? v.getUint16(16, true) : 0;
            if (18 + cb > c.data.length) fail('BADWAVE', c, `WAVEFORMATEX cbSize ${cb} runs past the chunk`);
            if (c.data.length > 16) fmt.extra = c.data.subarray(16);
          }
          if (fmt.nBlockAlign === 0) fail('BADWAVE', c, 'nBlockAlign is 0');
          if (fmt.wFormatTag !== WAVE_FORMAT_PCM) warn(c, `wave format 0x${fmt.wFormatTag.toString(16)} is not PCM; it cannot be downloaded`);
          else if (fmt.wBitsPerSample !== 8 && fmt.wBitsPerSample !== 16) warn(c, `${fmt.wBitsPerSample}-bit PCM; DLS uses 8 or 16 bits`);
          if (fmt.nChannels !== 1) warn(c, `${fmt.nChannels} channels; DLS waves are mono`);
          break;
        }
        case 'data':
          data = c.data;
          break;
        case 'wsmp':
          wsmpChunk = c;
          wave.wsmp = readWsmp(c);
          break;
        case 'dlid':
          need(c, 16, 'BADWAVE');
          wave.dlid = readDlsId(c.data, 0);
          break;
        case 'INFO':
          wave.info = readInfo(c);
          break;
        default:
          unknownOrFail(c, wave.unknown);
      }
    }
    if (!fmt) fail('BADWAVE', list, "wave without a 'fmt ' chunk");
    if (!data) fail('BADWAVE', list, "wave without a 'data' chunk");
    const w: DlsWave = { fmt, data, info: wave.info, unknown: wave.unknown };
    if (wave.dlid !== undefined) w.dlid = wave.dlid;
    if (wave.wsmp) {
      w.wsmp = wave.wsmp;
      checkLoops(wsmpChunk!, wave.wsmp, Math.floor(data.length / fmt.nBlockAlign));
    }
    return w;
  }

  function readInstrument(list: RiffChunk): DlsInstrument {
    const ins: DlsInstrument = { locale: { ulBank: 0, ulInstrument: 0 }, regions: [], articulations: [], info: [], unknown: [] };
    let insh: RiffChunk | undefined;
    let cRegions = 0;
    for (const c of list.children!) {
      switch (c.listType ?? c.id) {
        case 'insh': {
          need(c, 12, 'BADINSTRUMENT');
          const v = viewOf(c.data);
          insh = c;
          cRegions = v.getUint32(0, true);
          ins.locale = { ulBank: v.getUint32(4, true), ulInstrument: v.getUint32(8, true) };
          if (ins.locale.ulInstrument > 0x7f) warn(c, `ulInstrument ${ins.locale.ulInstrument} > 127; program ${ins.locale.ulInstrument & 0x7f} used`);
          if ((ins.locale.ulBank & 0x7fff8080) !== 0) warn(c, `reserved bits set in ulBank 0x${ins.locale.ulBank.toString(16)}`);
          break;
        }
        case 'dlid':
          need(c, 16, 'BADINSTRUMENT');
          ins.dlid = readDlsId(c.data, 0);
          break;
        case 'lrgn':
          for (const r of c.children!) {
            if (r.listType !== 'rgn ' && r.listType !== 'rgn2') {
              expectOnly(r, "LIST 'rgn ' or 'rgn2'");
              continue;
            }
            ins.regions.push(readRegion(r));
          }
          break;
        case 'lart':
        case 'lar2':
          ins.articulations.push(readArticulation(c));
          break;
        case 'INFO':
          ins.info = readInfo(c);
          break;
        default:
          unknownOrFail(c, ins.unknown);
      }
    }
    if (!insh) fail('BADINSTRUMENT', list, "instrument without an 'insh' chunk");
    if (cRegions !== ins.regions.length) warn(insh, `cRegions ${cRegions} but ${ins.regions.length} regions present`);
    return ins;
  }

  function readRegion(list: RiffChunk): DlsRegion {
    let rgnh: RegionHeader | undefined;
    let wlnk: WaveLink | undefined;
    let wlnkChunk: RiffChunk | undefined;
    let wsmpChunk: RiffChunk | undefined;
    const region: Partial<DlsRegion> = {};
    const articulations: ArticulationList[] = [];
    const unknown: UnknownChunk[] = [];
    for (const c of list.children!) {
      switch (c.listType ?? c.id) {
        case 'cdl ':
          region.cdl = readCdl(c);
          break;
        case 'rgnh': {
          need(c, 12, 'BADINSTRUMENT');
          const v = viewOf(c.data);
          rgnh = {
            RangeKey: { usLow: v.getUint16(0, true), usHigh: v.getUint16(2, true) },
            RangeVelocity: { usLow: v.getUint16(4, true), usHigh: v.getUint16(6, true) },
            fusOptions: v.getUint16(8, true),
            usKeyGroup: v.getUint16(10, true),
          };
          if (c.data.length >= 14) rgnh.usLayer = v.getUint16(12, true);
          if (rgnh.RangeKey.usLow > rgnh.RangeKey.usHigh || rgnh.RangeKey.usHigh > 127) warn(c, `key range ${rgnh.RangeKey.usLow}-${rgnh.RangeKey.usHigh} is not within 0-127`);
          if (rgnh.RangeVelocity.usLow === 0 && rgnh.RangeVelocity.usHigh === 0) warn(c, 'velocity range 0-0 read as 0-127');
          break;
        }
        case 'wsmp':
          wsmpChunk = c;
          region.wsmp = readWsmp(c);
          break;
        case 'wlnk': {
          need(c, 12, 'BADWAVELINK');
          const v = viewOf(c.data);
          wlnkChunk = c;
          wlnk = { fusOptions: v.getUint16(0, true), usPhaseGroup: v.getUint16(2, true), ulChannel: v.getUint32(4, true), ulTableIndex: v.getUint32(8, true) };
          break;
        }
        case 'lart':
        case 'lar2':
          articulations.push(readArticulation(c));
          break;
        default:
          unknownOrFail(c, unknown);
      }
    }
    if (!rgnh) fail('BADINSTRUMENT', list, "region without an 'rgnh' chunk");
    if (!wlnk || !wlnkChunk) fail('BADWAVELINK', list, "region without a 'wlnk' chunk");
    if (wlnk.ulTableIndex >= col.ptbl.length) {
      fail('BADWAVELINK', wlnkChunk, `wave link ${wlnk.ulTableIndex} is past the pool table (${col.ptbl.length} cues)`);
    }
    const waveIndex = col.ptbl[wlnk.ulTableIndex];
    if (waveIndex < 0) fail('BADWAVELINK', wlnkChunk, `wave link ${wlnk.ulTableIndex} names an empty pool cue`);
    const wave = col.waves[waveIndex];
    if (region.wsmp) checkLoops(wsmpChunk!, region.wsmp, Math.floor(wave.data.length / wave.fmt.nBlockAlign));
    else if (!wave.wsmp) warn(list, 'neither the region nor its wave has a wsmp: unity note 60, no loop');
    const r: DlsRegion = { listType: list.listType as DlsRegion['listType'], rgnh, wlnk, articulations, unknown };
    if (region.cdl) r.cdl = region.cdl;
    if (region.wsmp) r.wsmp = region.wsmp;
    return r;
  }

  function readCdl(c: RiffChunk): Uint8Array {
    const problem = validateCondition(c.data);
    if (problem) fail('NOTADLSCOL', c, `bad conditional expression: ${problem}`);
    return c.data;
  }

  function readArticulation(list: RiffChunk): ArticulationList {
    const out: ArticulationList = { listType: list.listType as ArticulationList['listType'], articulators: [] };
    for (const c of list.children!) {
      switch (c.listType ?? c.id) {
        case 'cdl ':
          if (list.listType === 'lart') warn(c, "'cdl ' inside a DLS1 'lart' list");
          out.cdl = readCdl(c);
          break;
        case 'art1':
        case 'art2': {
          const expected = list.listType === 'lart' ? 'art1' : 'art2';
          if (c.id !== expected) warn(c, `'${c.id}' inside '${list.listType}': read by its chunk id`);
          out.articulators.push(readConnections(c));
          break;
        }
        default:
          if (c.listType !== undefined && DLS_LISTS.has(c.listType)) fail('NOTADLSCOL', c, `LIST '${c.listType}' inside an articulation list`);
          warn(c, `unknown chunk in '${list.listType}' skipped`);
      }
    }
    return out;
  }

  function readConnections(c: RiffChunk): Articulator {
    need(c, 8, 'BADARTICULATION');
    const v = viewOf(c.data);
    const cbSize = v.getUint32(0, true);
    const n = v.getUint32(4, true);
    if (cbSize < 8) fail('BADARTICULATION', c, `CONNECTIONLIST cbSize ${cbSize} < 8`);
    if (cbSize > c.data.length || n > (c.data.length - cbSize) / 12) fail('BADARTICULATION', c, `${n} connections do not fit in ${c.data.length} bytes`);
    if (cbSize > 8) warn(c, `CONNECTIONLIST cbSize ${cbSize} > 8; extra bytes skipped`);
    const connections: ConnectionBlock[] = new Array(n);
    for (let i = 0, at = cbSize; i < n; i++, at += 12) {
      const k: ConnectionBlock = {
        usSource: v.getUint16(at, true),
        usControl: v.getUint16(at + 2, true),
        usDestination: v.getUint16(at + 4, true),
        usTransform: v.getUint16(at + 6, true),
        lScale: v.getInt32(at + 8, true),
      };
      if (
        c.id === 'art2' &&
        k.usSource === CONN_SRC.KEYONVELOCITY &&
        k.usDestination === CONN_DST.GAIN &&
        ((k.usTransform >> 10) & 0xf) === CONN_TRN.CONCAVE &&
        (k.usTransform & CONN_TRN_SOURCE_INVERT) === 0
      ) {
        warn(c, 'velocity -> gain is concave without the invert bit (the synth treats it as inverted, reference §9.1 item 17)');
      }
      connections[i] = k;
    }
    return { kind: c.id as Articulator['kind'], connections };
  }

  function readWsmp(c: RiffChunk): WaveSample {
    need(c, 20, 'BADWAVE');
    const v = viewOf(c.data);
    const cbSize = v.getUint32(0, true);
    if (cbSize < 20 || cbSize > c.data.length) fail('BADWAVE', c, `WSMPL cbSize ${cbSize} is not within 20..${c.data.length}`);
    const n = v.getUint32(16, true);
    const ws: WaveSample = {
      usUnityNote: v.getUint16(4, true),
      sFineTune: v.getInt16(6, true),
      lAttenuation: v.getInt32(8, true),
      fulOptions: v.getUint32(12, true),
      loops: [],
    };
    let at = cbSize;
    if (n > (c.data.length - cbSize) / 16) fail('BADWAVE', c, `${n} loops do not fit in ${c.data.length} bytes`);
    for (let i = 0; i < n; i++) {
      const size = v.getUint32(at, true);
      if (size < 16 || at + size > c.data.length) fail('BADWAVE', c, `WLOOP ${i} cbSize ${size} is invalid`);
      const loop = { ulType: v.getUint32(at + 4, true), ulStart: v.getUint32(at + 8, true), ulLength: v.getUint32(at + 12, true) };
      if (loop.ulType > WLOOP_TYPE.RELEASE_WIN2000) warn(c, `unknown loop type ${loop.ulType}`);
      ws.loops.push(loop);
      at += size;
    }
    if (ws.usUnityNote > 127) warn(c, `unity note ${ws.usUnityNote} > 127`);
    return ws;
  }

  function checkLoops(c: RiffChunk, ws: WaveSample, frames: number): void {
    ws.loops.forEach((l, i) => {
      if (l.ulStart + l.ulLength > frames) fail('BADWAVE', c, `loop ${i} (${l.ulStart}+${l.ulLength}) runs past the wave's ${frames} frames`);
    });
  }

  function need(c: RiffChunk, n: number, code: DmusErrorName): void {
    if (c.data.length < n) fail(code, c, `'${c.id}' is ${c.data.length} bytes, needs at least ${n}`);
  }
}
