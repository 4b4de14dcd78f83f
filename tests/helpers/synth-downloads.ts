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
