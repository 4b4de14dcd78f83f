/**
 * Test fixtures for the miniport synth: DirectMusic download buffers (DMUS_DOWNLOADINFO + offset
 * table + chunks, reference §5) built byte by byte, independent of engine/dls, so they also prove
 * that buffers packed by anyone else are accepted. Tiny synthetic waves: sine, saw, noise.
 */

export const DL = { INSTRUMENT: 1, WAVE: 2, INSTRUMENT2: 3 } as const;

/** Raw connection: lScale given in real units (× 65536 here) unless `raw` is set. */
export interface ConnSpec {
  src: number;
  ctl?: number;
  dst: number;
  trn?: number;
  scale?: number;
  raw?: number;
}

export interface RegionSpec {
  keyLow?: number;
  keyHigh?: number;
  velLow?: number;
  velHigh?: number;
  options?: number;
  keyGroup?: number;
  waveDlId: number;
  unityNote?: number;
  fineTune?: number;
  /** WSMP lAttenuation in cB. */
  attenuationCb?: number;
  loop?: { type?: number; start: number; length: number };
  /** Region articulation (DMUS_ARTICULATION2 chain, one connection list per entry). */
  art?: ConnSpec[][];
}

export interface InstrumentSpec {
  dlId: number;
  patch: number;
  regions: RegionSpec[];
  globalArt?: ConnSpec[][];
  /** Download type 1 with a DMUS_ARTICPARAMS (20 LONGs, raw 16.16) as global articulation. */
  articParams?: number[];
  flags?: number;
}

const align4 = (n: number) => (n + 3) & ~3;

/** Assembles DMUS_DOWNLOADINFO + offset table + chunks (chunk 0 is the root), 4-byte aligned. */
export function assembleDownload(type: number, dlId: number, chunks: Uint8Array[]): Uint8Array {
  const n = chunks.length;
  let off = 16 + 4 * n;
  const offsets: number[] = [];
  for (const c of chunks) {
    offsets.push(off);
    off = align4(off + c.length);
  }
  const buf = new Uint8Array(off);
  const v = new DataView(buf.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, dlId, true);
  v.setUint32(8, n, true);
  v.setUint32(12, off, true);
  for (let i = 0; i < n; i++) {
    v.setUint32(16 + 4 * i, offsets[i], true);
    buf.set(chunks[i], offsets[i]);
  }
  return buf;
}

/** A type-2 wave download: [0] DMUS_WAVE, [1] DMUS_WAVEDATA. 16-bit when given Int16Array. */
export function waveDownload(dlId: number, samples: Int16Array | Uint8Array, sampleRate: number, opts: { formatTag?: number; channels?: number } = {}): Uint8Array {
  const bits = samples instanceof Int16Array ? 16 : 8;
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const wave = new Uint8Array(32);
  const w = new DataView(wave.buffer);
  w.setUint32(0, 0, true); // ulFirstExtCkIdx
  w.setUint32(4, 0, true); // ulCopyrightIdx
  w.setUint32(8, 1, true); // ulWaveDataIdx
  const channels = opts.channels ?? 1;
  w.setUint16(12, opts.formatTag ?? 1, true);
  w.setUint16(14, channels, true);
  w.setUint32(16, sampleRate, true);
  w.setUint32(20, (sampleRate * bits * channels) / 8, true);
  w.setUint16(24, (bits * channels) / 8, true);
  w.setUint16(26, bits, true);
  w.setUint16(28, 0, true);
  const data = new Uint8Array(4 + bytes.length);
  new DataView(data.buffer).setUint32(0, bytes.length, true);
  data.set(bytes, 4);
  return assembleDownload(DL.WAVE, dlId, [wave, data]);
}

function connectionList(conns: ConnSpec[]): Uint8Array {
  const b = new Uint8Array(8 + 12 * conns.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 8, true);
  v.setUint32(4, conns.length, true);
  conns.forEach((c, i) => {
    const o = 8 + 12 * i;
    v.setUint16(o, c.src, true);
    v.setUint16(o + 2, c.ctl ?? 0, true);
    v.setUint16(o + 4, c.dst, true);
    v.setUint16(o + 6, c.trn ?? 0, true);
    v.setInt32(o + 8, c.raw ?? Math.round((c.scale ?? 0) * 65536), true);
  });
  return b;
}

/** A type-3 (DLS2 connection lists) or type-1 (DMUS_ARTICPARAMS) instrument download. */
export function instrumentDownload(spec: InstrumentSpec): Uint8Array {
  const chunks: Uint8Array[] = [new Uint8Array(24)];
  const add = (c: Uint8Array) => chunks.push(c) - 1;
  const ins = new DataView(chunks[0].buffer);
  const type = spec.articParams ? DL.INSTRUMENT : DL.INSTRUMENT2;

  /** Adds an articulation chain; returns the index of its first chunk. */
  const addArt2 = (lists: ConnSpec[][]): number => {
    const artIdx: number[] = [];
    for (let i = 0; i < lists.length; i++) artIdx.push(add(new Uint8Array(12)));
    lists.forEach((l, i) => {
      const listIdx = add(connectionList(l));
      const a = new DataView(chunks[artIdx[i]].buffer);
      a.setUint32(0, listIdx, true);
      a.setUint32(4, 0, true);
      a.setUint32(8, i + 1 < lists.length ? artIdx[i + 1] : 0, true);
    });
    return artIdx[0];
  };

  ins.setUint32(0, spec.patch >>> 0, true);
  if (spec.articParams) {
    const art = add(new Uint8Array(8));
    const params = new Uint8Array(80);
    const pv = new DataView(params.buffer);
    for (let i = 0; i < spec.articParams.length; i++) pv.setInt32(i * 4, spec.articParams[i], true);
    const p = add(params);
    new DataView(chunks[art].buffer).setUint32(0, p, true);
    ins.setUint32(8, art, true);
  } else if (spec.globalArt && spec.globalArt.length > 0) {
    ins.setUint32(8, addArt2(spec.globalArt), true);
  }
  ins.setUint32(20, spec.flags ?? 0, true);

  const regionIdx = spec.regions.map((r) => add(new Uint8Array(r.loop ? 72 : 56)));
  spec.regions.forEach((r, i) => {
    const g = new DataView(chunks[regionIdx[i]].buffer);
    g.setUint16(0, r.keyLow ?? 0, true);
    g.setUint16(2, r.keyHigh ?? 127, true);
    g.setUint16(4, r.velLow ?? 0, true);
    g.setUint16(6, r.velHigh ?? 127, true);
    g.setUint16(8, r.options ?? 0, true);
    g.setUint16(10, r.keyGroup ?? 0, true);
    g.setUint32(12, r.art && r.art.length > 0 ? addArt2(r.art) : 0, true);
    g.setUint32(16, i + 1 < regionIdx.length ? regionIdx[i + 1] : 0, true);
    g.setUint32(20, 0, true);
    // WAVELINK
    g.setUint16(24, 0, true);
    g.setUint16(26, 0, true);
    g.setUint32(28, 1, true);
    g.setUint32(32, r.waveDlId, true);
    // WSMPL
    g.setUint32(36, 20, true);
    g.setUint16(40, r.unityNote ?? 60, true);
    g.setInt16(42, r.fineTune ?? 0, true);
    g.setInt32(44, Math.round((r.attenuationCb ?? 0) * 65536), true);
    g.setUint32(48, 0, true);
    g.setUint32(52, r.loop ? 1 : 0, true);
    if (r.loop) {
      g.setUint32(56, 16, true);
      g.setUint32(60, r.loop.type ?? 0, true);
      g.setUint32(64, r.loop.start, true);
      g.setUint32(68, r.loop.length, true);
    }
  });
  ins.setUint32(4, regionIdx[0] ?? 0, true);
  return assembleDownload(type, spec.dlId, chunks);
}

// ----- synthetic waves

/** `cycles` whole sine cycles in `frames` frames (a seamless loop of the whole wave). */
export function sineWave(frames: number, cycles: number, amplitude = 0.8): Int16Array {
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) out[i] = Math.round(Math.sin((2 * Math.PI * cycles * i) / frames) * amplitude * 32767);
  return out;
}

/** `cycles` saw cycles in `frames` frames (rich in harmonics: the filter test's source). */
export function sawWave(frames: number, cycles: number, amplitude = 0.5): Int16Array {
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    const ph = ((cycles * i) / frames) % 1;
    out[i] = Math.round((2 * ph - 1) * amplitude * 32767);
  }
  return out;
}

/** Deterministic white noise (xorshift32). */
export function noiseWave(frames: number, seed = 1, amplitude = 0.5): Int16Array {
  const out = new Int16Array(frames);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < frames; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = Math.round(((s / 0x100000000) * 2 - 1) * amplitude * 32767);
  }
  return out;
}

/** 8-bit unsigned version of a 16-bit wave. */
export function to8bit(x: Int16Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(x[i] / 256) + 128));
  return out;
}

/** DLS time cents for a duration in seconds, as a raw 16.16 lScale. */
export function tcRaw(seconds: number): number {
  return Math.round(1200 * Math.log2(seconds) * 65536);
}

// ----- buffers as Wine's dmusic.dll packs them

/**
 * Wine's dmusic.dll, the one open implementation of the DirectMusic client side, packs downloads
 * into a buffer from IDirectMusicPortDownload::AllocateBuffer, which is malloc'd and never cleared
 * (dlls/dmusic/download.c download_create). The builders below lay buffers out as
 *   wine-mirror/wine dlls/dmusic/wave.c        wave_download_to_port        (type 2, read at 4a7a8a7e)
 *   wine-mirror/wine dlls/dmusic/instrument.c  instrument_download_to_port  (type 3, read at 0ca55c5d)
 * do, written from reading that code (not copied). Where Wine writes nothing, the bytes get
 * `unset` (0xCD by default: whatever the heap held). How this differs from engine/dls/download.ts:
 * - waves: no append guard bytes and no rounding: cbSize = 60 + the PCM bytes, odd for an odd
 *   8-bit wave; WAVEFORMATEX is the file's 18 bytes as they are (its cbSize and the 2 bytes of
 *   DMUS_WAVE's tail padding are not ours to trust);
 * - instruments: always type 3, even though Wine reads only DLS1 'lart'/'art1' lists: DLS1
 *   connections travel as DMUS_ARTICULATION2 + CONNECTIONLIST; chunks packed back to back in the
 *   order instrument, global articulation chain, then each region followed by its own chain;
 *   DMUS_INSTRUMENT.ulFirstExtCkIdx and .ulFlags never written; DMUS_REGION always 72 bytes with
 *   WLOOP[0] copied whether or not there is a loop (unset bytes when cSampleLoops is 0); RangeVelocity
 *   copied as the file has it (0-0 stays 0-0); the instrument's dwDLId is reserved before those of
 *   the waves it downloads on the way (so its id is the lowest).
 */
export const WINE_UNSET = 0xcd;

export interface WineFormat {
  formatTag?: number;
  channels?: number;
  samplesPerSec: number;
  avgBytesPerSec?: number;
  blockAlign?: number;
  bitsPerSample: 8 | 16;
  /** WAVEFORMATEX.cbSize as copied: for a 16-byte 'fmt ' chunk, the 2 heap bytes past it. */
  cbSize?: number;
}

/** wave_download_to_port: DMUS_DOWNLOADINFO, ulOffsetTable[2] = {24, 56}, DMUS_WAVE, DMUS_WAVEDATA. */
export function wineWaveDownload(dlId: number, fmt: WineFormat, pcm: Uint8Array, unset = WINE_UNSET): Uint8Array {
  const size = 60 + pcm.length; // offsetof(struct download_buffer, data.byData[data_size])
  const b = new Uint8Array(size).fill(unset);
  const v = new DataView(b.buffer);
  v.setUint32(0, DL.WAVE, true);
  v.setUint32(4, dlId, true);
  v.setUint32(8, 2, true);
  v.setUint32(12, size, true);
  v.setUint32(16, 24, true);
  v.setUint32(20, 56, true);
  v.setUint32(24, 0, true); // ulFirstExtCkIdx
  v.setUint32(28, 0, true); // ulCopyrightIdx
  v.setUint32(32, 1, true); // ulWaveDataIdx
  const blockAlign = fmt.blockAlign ?? ((fmt.channels ?? 1) * fmt.bitsPerSample) / 8;
  v.setUint16(36, fmt.formatTag ?? 1, true);
  v.setUint16(38, fmt.channels ?? 1, true);
  v.setUint32(40, fmt.samplesPerSec, true);
  v.setUint32(44, fmt.avgBytesPerSec ?? fmt.samplesPerSec * blockAlign, true);
  v.setUint16(48, blockAlign, true);
  v.setUint16(50, fmt.bitsPerSample, true);
  v.setUint16(52, fmt.cbSize ?? unset * 0x101, true);
  // 54..55: DMUS_WAVE's tail padding, unwritten.
  v.setUint32(56, pcm.length, true);
  b.set(pcm, 60);
  return b;
}

export interface WineRegion {
  keyLow: number;
  keyHigh: number;
  /** As in the file's rgnh: 0-0 is passed on as 0-0. */
  velLow: number;
  velHigh: number;
  options?: number;
  keyGroup?: number;
  /** WAVELINK as in the file; ulTableIndex becomes the wave's dwDLId. */
  waveDlId: number;
  channel?: number;
  /** The region's wsmp (Wine copies the region's own; it has no fallback to the wave's). */
  unityNote: number;
  fineTune?: number;
  attenuation?: number;
  loop?: { type: number; start: number; length: number };
  /** The region's lart lists: one DMUS_ARTICULATION2 + CONNECTIONLIST per art1 chunk. */
  art?: ConnSpec[][];
}

/** instrument_download_to_port: type 3, chunks back to back (every size is a multiple of 4). */
export function wineInstrumentDownload(
  dlId: number,
  locale: { ulBank: number; ulInstrument: number },
  regions: WineRegion[],
  globalArt: ConnSpec[][] = [],
  unset = WINE_UNSET,
): Uint8Array {
  const artBytes = (lists: ConnSpec[][]) => lists.reduce((n, l) => n + 4 + 12 + 4 + 8 + 12 * l.length, 0);
  const count = 1 + 2 * globalArt.length + regions.reduce((n, r) => n + 1 + 2 * (r.art?.length ?? 0), 0);
  const size = 16 + 4 + 24 + artBytes(globalArt) + regions.reduce((n, r) => n + 4 + 72 + artBytes(r.art ?? []), 0);
  const b = new Uint8Array(size).fill(unset);
  const v = new DataView(b.buffer);
  v.setUint32(0, DL.INSTRUMENT2, true);
  v.setUint32(4, dlId, true);
  v.setUint32(8, count, true);
  v.setUint32(12, size, true);
  let ptr = 16 + 4 * count;
  let index = 0;
  /** Places the next chunk: its offset-table entry, then its bytes at `ptr`. */
  const place = (bytes: number) => {
    v.setUint32(16 + 4 * index, ptr, true);
    const at = ptr;
    ptr += bytes;
    index++;
    return at;
  };
  /** write_articulation_download: ART2 at k, its list at k + 1; returns the first ART2's index (0: none). */
  const articulations = (lists: ConnSpec[][]): number => {
    let first = 0;
    let prev = -1;
    for (const l of lists) {
      const artIndex = index;
      if (prev >= 0) v.setUint32(prev + 8, artIndex, true);
      else first = artIndex;
      const a = place(12);
      v.setUint32(a, artIndex + 1, true); // ulArtIdx
      v.setUint32(a + 4, 0, true); // ulFirstExtCkIdx
      v.setUint32(a + 8, 0, true); // ulNextArtIdx (set when another follows)
      const c = place(8 + 12 * l.length);
      v.setUint32(c, 8, true);
      v.setUint32(c + 4, l.length, true);
      l.forEach((k, i) => {
        const o = c + 8 + 12 * i;
        v.setUint16(o, k.src, true);
        v.setUint16(o + 2, k.ctl ?? 0, true);
        v.setUint16(o + 4, k.dst, true);
        v.setUint16(o + 6, k.trn ?? 0, true);
        v.setInt32(o + 8, k.raw ?? Math.round((k.scale ?? 0) * 65536), true);
      });
      prev = a;
    }
    return first;
  };
  const ins = place(24);
  const patch = (locale.ulBank & 0x80000000) | ((locale.ulBank & 0x7f7f) << 8) | (locale.ulInstrument & 0x7f); // MIDILOCALE2Patch
  v.setUint32(ins, patch >>> 0, true);
  v.setUint32(ins + 4, 0, true); // ulFirstRegionIdx
  v.setUint32(ins + 16, 0, true); // ulCopyrightIdx
  v.setUint32(ins + 8, articulations(globalArt), true); // ulGlobalArtIdx
  // ins + 12 (ulFirstExtCkIdx) and ins + 20 (ulFlags): never written.
  let prevRegion = -1;
  for (const r of regions) {
    const regionIndex = index;
    if (prevRegion >= 0) v.setUint32(prevRegion + 16, regionIndex, true);
    else v.setUint32(ins + 4, regionIndex, true);
    const g = place(72);
    v.setUint16(g, r.keyLow, true);
    v.setUint16(g + 2, r.keyHigh, true);
    v.setUint16(g + 4, r.velLow, true);
    v.setUint16(g + 6, r.velHigh, true);
    v.setUint16(g + 8, r.options ?? 0, true);
    v.setUint16(g + 10, r.keyGroup ?? 0, true);
    v.setUint32(g + 12, 0, true); // ulRegionArtIdx
    v.setUint32(g + 16, 0, true); // ulNextRegionIdx
    v.setUint32(g + 20, 0, true); // ulFirstExtCkIdx
    v.setUint16(g + 24, 0, true); // WaveLink: fusOptions, usPhaseGroup, ulChannel, ulTableIndex
    v.setUint16(g + 26, 0, true);
    v.setUint32(g + 28, r.channel ?? 1, true);
    v.setUint32(g + 32, r.waveDlId, true);
    v.setUint32(g + 36, 20, true); // WSMP: the file's WSMPL
    v.setUint16(g + 40, r.unityNote, true);
    v.setInt16(g + 42, r.fineTune ?? 0, true);
    v.setInt32(g + 44, r.attenuation ?? 0, true);
    v.setUint32(g + 48, 0, true);
    v.setUint32(g + 52, r.loop ? 1 : 0, true);
    if (r.loop) {
      // WLOOP[0]; without a loop these 16 bytes are the unset region struct's.
      v.setUint32(g + 56, 16, true);
      v.setUint32(g + 60, r.loop.type, true);
      v.setUint32(g + 64, r.loop.start, true);
      v.setUint32(g + 68, r.loop.length, true);
    }
    v.setUint32(g + 12, articulations(r.art ?? []), true);
    prevRegion = g;
  }
  if (ptr !== size || index !== count) throw new Error(`wineInstrumentDownload: laid out ${ptr} bytes / ${index} chunks, sized ${size} / ${count}`);
  return b;
}
