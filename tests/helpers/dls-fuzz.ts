/**
 * Mutation fuzzing of the DLS/SF2 readers and the download parser (issue 3, "Bad input"), shared
 * by the short test (tests/engine/dls/fuzz.test.ts) and the long script (tests/bench/dls-fuzz.ts).
 * Every outcome must be a success or a typed DmusError (a DlsError with a chunk path and offset
 * for file input): any other exception is a finding.
 */
import { DmusError } from '../../engine/dmus/errors.js';
import { DlsError } from '../../engine/dls/dls-error.js';
import { writeDls } from '../../engine/dls/dls-writer.js';
import { buildCollectionDownloads, DownloadIdAllocator } from '../../engine/dls/download.js';
import { parseDownload } from '../../engine/dls/download-parse.js';
import { type LoadedBank, loadBank, loadBankBytes } from '../../engine/dls/load-bank.js';

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
