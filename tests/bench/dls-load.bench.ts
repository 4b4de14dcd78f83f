/**
 * Benchmark (issue 3): DLS/SF2 load time and memory, ours (engine/dls) next to spessasynth_core
 * loading the same files. Each measurement runs in a fresh child process (node --expose-gc), so
 * RSS, heap and ArrayBuffer deltas are not polluted by earlier runs. Timing: process.hrtime.bigint() around
 * "read the file + parse it"; memory: process.memoryUsage() after a forced GC, minus the same
 * before the load, while the loaded bank is still referenced.
 *
 *   npm run build:engine
 *   node /work/shared/corpus/make-dls.mjs /usr/share/sounds/sf2/FluidR3_GM.sf2 /tmp/FluidR3_GM.dls
 *   node --expose-gc dist/tests/bench/dls-load.bench.js [--runs 5] [files...]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBankBytes } from '../../engine/dls/load-bank.js';

type Loader = 'dmus' | 'spessasynth';
interface Sample {
  ms: number;
  rssMB: number;
  heapMB: number;
  arrayBuffersMB: number;
  instruments: number;
  waves: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const MB = 1024 * 1024;

async function measureOnce(loader: Loader, file: string): Promise<Sample> {
  let spessa: { SoundBankLoader: { fromArrayBuffer(b: ArrayBuffer): { presets: unknown[]; samples: unknown[] } } } | undefined;
  if (loader === 'spessasynth') spessa = (await import('spessasynth_core')) as unknown as typeof spessa;
  gc();
  const m0 = process.memoryUsage();
  const t0 = process.hrtime.bigint();
  let instruments: number;
  let waves: number;
  let keep: unknown;
  if (loader === 'dmus') {
    const bank = loadBankBytes(readFileSync(file));
    instruments = bank.collection.instruments.length;
    waves = bank.collection.waves.length;
    keep = bank;
  } else {
    const bytes = readFileSync(file);
    // spessasynth takes an ArrayBuffer; a Buffer from readFileSync of a big file owns its buffer.
    const ab = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const bank = spessa!.SoundBankLoader.fromArrayBuffer(ab as ArrayBuffer);
    instruments = bank.presets.length;
    waves = bank.samples.length;
    keep = bank;
  }
  const t1 = process.hrtime.bigint();
  gc();
  const m1 = process.memoryUsage();
  void keep;
  return {
    ms: Number(t1 - t0) / 1e6,
    rssMB: (m1.rss - m0.rss) / MB,
    heapMB: (m1.heapUsed - m0.heapUsed) / MB,
    // `external` already includes `arrayBuffers`: count the ArrayBuffer memory once.
    arrayBuffersMB: (m1.arrayBuffers - m0.arrayBuffers) / MB,
    instruments,
    waves,
  };
}

function child(loader: Loader, file: string): Sample {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--one', loader, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function mainBench(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') {
    process.stdout.write(`${JSON.stringify(await measureOnce(args[1] as Loader, args[2]))}\n`);
    return;
  }
  let runs = 5;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else files.push(args[i]);
  }
  if (files.length === 0) {
    files.push(fileURLToPath(new URL('../../../../shared/corpus/banks/TimGM6mb.dls', import.meta.url)), '/tmp/FluidR3_GM.dls');
  }
  const rows: string[] = [
    `| File | Size | Loader | Load time, median of ${runs} (min–max) | RSS delta | JS heap delta | ArrayBuffer delta | Instruments / waves |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const file of files) {
    if (!existsSync(file)) {
      process.stderr.write(`skip ${file}: not found\n`);
      continue;
    }
    const size = readFileSync(file).length;
    for (const loader of ['dmus', 'spessasynth'] as Loader[]) {
      const samples = Array.from({ length: runs }, () => child(loader, file));
      const ms = samples.map((s) => s.ms);
      const s = samples[0];
      rows.push(
        `| ${file.split('/').pop()} | ${(size / MB).toFixed(1)} MB | ${loader === 'dmus' ? 'engine/dls' : 'spessasynth_core 4.3'} | ${median(ms).toFixed(0)} ms (${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}) | ${median(samples.map((x) => x.rssMB)).toFixed(1)} MB | ${median(samples.map((x) => x.heapMB)).toFixed(1)} MB | ${median(samples.map((x) => x.arrayBuffersMB)).toFixed(1)} MB | ${s.instruments} / ${s.waves} |`,
      );
      process.stderr.write(`${file} ${loader}: ${ms.map((x) => x.toFixed(0)).join(', ')} ms\n`);
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

await mainBench();
