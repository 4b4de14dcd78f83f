/**
 * Mutation fuzzing of the DLS/SF2 readers and of both download parsers (issue 3, "Bad input"):
 * the host-side one (engine/dls/download-parse.ts) and the pin's own (engine/synth/
 * download-parser.ts, through a pin's DownloadSet). Shared by the short test
 * (tests/engine/dls/fuzz.test.ts) and the long script (tests/bench/dls-fuzz.ts).
 * Every outcome must be a success or a typed DmusError (a DlsError with a chunk path and offset
 * for file input): any other exception is a finding, and so is a pin that does not keep exactly
 * what it had, or a download that keeps more than a small multiple of its buffer.
 */
import type { DlsCollection } from '../../engine/dls/collection.js';
import { DmusError } from '../../engine/dmus/errors.js';
import { DlsError } from '../../engine/dls/dls-error.js';
import { writeDls } from '../../engine/dls/dls-writer.js';
import { buildCollectionDownloads, DownloadIdAllocator, packInstrumentDownload, packWaveDownload } from '../../engine/dls/download.js';
import { parseDownload } from '../../engine/dls/download-parse.js';
import { type LoadedBank, loadBank, loadBankBytes } from '../../engine/dls/load-bank.js';
import { DownloadSet } from '../../engine/synth/downloads.js';

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of the size fields of every chunk in a RIFF buffer (walked without our reader). */
export function sizeFieldOffsets(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [4];
  const walk = (start: number, end: number, depth: number) => {
    for (let at = start; at + 8 <= end && depth < 8; ) {
      const size = v.getUint32(at + 4, true);
      out.push(at + 4);
      const id = String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
      if ((id === 'LIST' || id === 'RIFF') && size >= 4 && at + 8 + size <= end) walk(at + 12, at + 8 + size, depth + 1);
      at += 8 + size + (size & 1);
    }
  };
  walk(12, bytes.length, 0);
  return out;
}

export type Mutation = 'bitflip' | 'truncate' | 'size' | 'u32';

export function mutate(src: Uint8Array, sizes: number[], r: () => number): { bytes: Uint8Array; kind: Mutation } {
  const pick = r();
  if (pick < 0.3) {
    const b = src.slice();
    const flips = 1 + Math.floor(r() * 8);
    for (let i = 0; i < flips; i++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
    return { bytes: b, kind: 'bitflip' };
  }
  if (pick < 0.45) return { bytes: src.slice(0, Math.floor(r() * src.length)), kind: 'truncate' };
  const b = src.slice();
  const v = new DataView(b.buffer);
  const values = [0, 1, 3, 7, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, b.length, Math.floor(r() * 0xffffffff)];
  const value = (x: number) => (r() < 0.5 ? values[Math.floor(r() * values.length)] : (x + Math.floor(r() * 64) - 32) >>> 0);
  if (pick < 0.8) {
    const at = sizes[Math.floor(r() * sizes.length)];
    v.setUint32(at, value(v.getUint32(at, true)), true);
    return { bytes: b, kind: 'size' };
  }
  // A count or index field somewhere: any aligned u32.
  const at = Math.floor((r() * (b.length - 4)) / 2) * 2;
  v.setUint32(at, value(v.getUint32(at, true)), true);
  return { bytes: b, kind: 'u32' };
}

export interface FuzzStats {
  cases: number;
  accepted: number;
  rejected: number;
  byCode: Record<string, number>;
  slowestMs: number;
  /** Untyped exceptions: each is a bug. */
  findings: string[];
}

export const newStats = (): FuzzStats => ({ cases: 0, accepted: 0, rejected: 0, byCode: {}, slowestMs: 0, findings: [] });

function record(stats: FuzzStats, e: unknown, what: string, requirePath: boolean): void {
  if (e instanceof DlsError && (!requirePath || typeof e.chunkPath === 'string') && Number.isInteger(e.offset) && e.offset >= 0) {
    stats.rejected++;
    stats.byCode[e.code] = (stats.byCode[e.code] ?? 0) + 1;
  } else if (e instanceof DmusError && !requirePath) {
    stats.rejected++;
    stats.byCode[e.code] = (stats.byCode[e.code] ?? 0) + 1;
  } else if (stats.findings.length < 20) {
    stats.findings.push(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  }
}

/** One file case: load; when it loads, write it back and build + parse its downloads. */
export function fuzzFileCase(bytes: Uint8Array, stats: FuzzStats, label: string): void {
  const t0 = performance.now();
  stats.cases++;
  try {
    afterLoad(loadBankBytes(bytes), stats, label);
  } catch (e) {
    record(stats, e, label, true);
  }
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
}

/** fuzzFileCase through the asynchronous loader (SF3: Ogg Vorbis samples decoded first). */
export async function fuzzFileCaseAsync(bytes: Uint8Array, stats: FuzzStats, label: string): Promise<void> {
  const t0 = performance.now();
  stats.cases++;
  try {
    afterLoad(await loadBank(bytes), stats, label);
  } catch (e) {
    record(stats, e, label, true);
  }
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
}

/** A bank that loaded: write it back, build and parse its downloads. */
function afterLoad(bank: LoadedBank, stats: FuzzStats, label: string): void {
  stats.accepted++;
  try {
    writeDls(bank.collection);
    const d = buildCollectionDownloads(bank.collection, new DownloadIdAllocator(), { select: (_, i) => i < 8 });
    for (const x of [...d.waves.slice(0, 8), ...d.instruments]) parseDownload(x.buffer);
  } catch (e) {
    // Downloads may refuse what a file may hold (non-PCM, stereo): typed errors only.
    if (!(e instanceof DmusError)) record(stats, e, `${label} (after load)`, false);
  }
}

export function fuzzDownloadCase(bytes: Uint8Array, stats: FuzzStats, label: string): void {
  const t0 = performance.now();
  stats.cases++;
  try {
    parseDownload(bytes);
    stats.accepted++;
  } catch (e) {
    record(stats, e, label, false);
  }
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
}

// ----- the pin's own parser

/**
 * Offsets of the struct fields of a download buffer, walked without either parser: the header,
 * the offset table, and the first 20 DWORDs of each chunk (the heads that hold sizes, counts and
 * indexes; PCM past them is left to the random mutations).
 */
export function downloadFieldOffsets(buf: Uint8Array): number[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = [0, 4, 8, 12];
  if (buf.length < 20) return out;
  const n = Math.min(v.getUint32(8, true), Math.floor((buf.length - 16) / 4));
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(16 + 4 * i);
    const o = v.getUint32(16 + 4 * i, true);
    if (o + 4 <= buf.length && o % 4 === 0) starts.push(o);
  }
  starts.sort((a, b) => a - b);
  starts.forEach((o, i) => {
    const end = Math.min(o + 80, i + 1 < starts.length ? starts[i + 1] : buf.length, buf.length - 3);
    for (let at = o; at < end; at += 4) out.push(at);
  });
  return out;
}

export type DownloadMutation = Mutation | 'cut';

/** mutate(), plus a cut whose cbSize is made to agree (so the cut reaches the chunk checks). */
export function mutateDownload(src: Uint8Array, fields: number[], r: () => number): { bytes: Uint8Array; kind: DownloadMutation } {
  if (r() < 0.1 && src.length > 20) {
    const b = src.slice(0, 20 + Math.floor(r() * (src.length - 20)));
    new DataView(b.buffer).setUint32(12, b.length, true);
    return { bytes: b, kind: 'cut' };
  }
  return mutate(src, fields, r);
}

/** Real download buffers (types 1, 2, 3) of a collection, and a pin that has the collection loaded. */
export interface PinFuzzTarget {
  /** The pin's download set, holding `loaded` downloads of the collection. */
  set: DownloadSet;
  /** Buffers to mutate: waves and instruments (types 3 and 1) under ids the pin does not hold. */
  sources: Array<{ what: string; buffer: Uint8Array }>;
}

/** The dwDLId every source is packed under (a mutated download that is accepted is unloaded again). */
const FUZZ_DLID = 0x7000_0000;

/**
 * Loads up to `maxInstruments` instruments of `col` (and every wave) into `set` (a new one when not
 * given), and packs the sources: each wave again, each of those instruments as type 3 and type 1,
 * linking to the waves the pin holds.
 */
export function pinFuzzTarget(col: DlsCollection, maxInstruments: number, set: DownloadSet = new DownloadSet()): PinFuzzTarget {
  const ids = new DownloadIdAllocator();
  const select = (_: unknown, i: number) => i < maxInstruments;
  const d = buildCollectionDownloads(col, ids, { select });
  for (const x of [...d.waves, ...d.instruments]) set.download(x.buffer);
  const waveDlIds = d.waves.map((w) => w.dlId);
  const sources: PinFuzzTarget['sources'] = [];
  for (const w of d.waves.slice(0, 2 * maxInstruments)) sources.push({ what: `wave ${w.waveIndex}`, buffer: packWaveDownload(col.waves[w.waveIndex], FUZZ_DLID) });
  for (const i of d.instruments) {
    const ins = col.instruments[i.instrumentIndex];
    sources.push({ what: `instrument ${i.instrumentIndex} (type 3)`, buffer: packInstrumentDownload(col, ins, FUZZ_DLID, waveDlIds) });
    sources.push({ what: `instrument ${i.instrumentIndex} (type 1)`, buffer: packInstrumentDownload(col, ins, FUZZ_DLID, waveDlIds, { dlType: 1 }) });
  }
  return { set, sources };
}

/** What a pin holds, to compare before and after a case: counts, bytes, the patch table and wave references. */
export function pinSnapshot(set: DownloadSet): string {
  const patches = [...set.instrumentsByPatch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, ins]) => [key, ins.handle, ins.unloaded, ins.waves.map((w) => [w.handle, w.instrumentRefs, w.voiceRefs, w.freed, w.data.length])]);
  return JSON.stringify({ count: set.downloadCount, sampleBytes: set.sampleBytes, patches });
}

/**
 * One case through the pin's own parser: download; a success is unloaded again at once. The pin
 * must end holding exactly what it held (`before`, from pinSnapshot), and an accepted download may
 * keep at most 4 bytes of samples per buffer byte (8-bit PCM as Float32) plus the guard frames.
 */
export function fuzzPinDownloadCase(set: DownloadSet, bytes: Uint8Array, before: string, stats: FuzzStats, label: string): void {
  const t0 = performance.now();
  stats.cases++;
  const bytesBefore = set.sampleBytes;
  try {
    const { downloadHandle } = set.download(bytes);
    stats.accepted++;
    const kept = set.sampleBytes - bytesBefore;
    if (kept > 4 * bytes.length + 64 && stats.findings.length < 20) stats.findings.push(`${label}: a ${bytes.length}-byte download keeps ${kept} bytes of samples`);
    set.unload(downloadHandle);
    set.collectPending();
  } catch (e) {
    // The pin's errors are DmusErrors that name the byte offset (or field) they are about.
    if (e instanceof DmusError && typeof e.where === 'string' && e.where.length > 0) {
      stats.rejected++;
      stats.byCode[e.code] = (stats.byCode[e.code] ?? 0) + 1;
    } else if (stats.findings.length < 20) {
      stats.findings.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
  }
  const after = pinSnapshot(set);
  if (after !== before && stats.findings.length < 20) stats.findings.push(`${label}: the pin changed: ${before} -> ${after}`);
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
}
