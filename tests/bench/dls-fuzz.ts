/**
 * Long-running fuzz of the DLS/SF2 readers and of both download parsers (issue 3, "Bad input"):
 * the same mutations as tests/engine/dls/fuzz.test.ts, for as long as asked, on the corpus banks,
 * the built-in GM bank and generated fixtures. Download buffers of types 1, 2 and 3 packed from
 * those banks are mutated and given to the host-side parser and to a pin's own parser (a
 * DownloadSet holding the bank, which must keep exactly what it held). Exits 1 on the first
 * finding: an untyped exception, a pin that changed, or a download keeping more than it carries.
 *
 *   npm run build:engine
 *   node dist/tests/bench/dls-fuzz.js [--seconds 300] [--seed 1] [extra bank files...]
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeDls } from '../../engine/dls/dls-writer.js';
import { buildCollectionDownloads, DownloadIdAllocator } from '../../engine/dls/download.js';
import { makeGmBank } from '../../engine/dls/gm-bank/make-gm-bank.js';
import { readDls } from '../../engine/dls/dls-reader.js';
import { fixtureCollection } from '../helpers/dls-fixtures.js';
import {
  downloadFieldOffsets,
  fuzzDownloadCase,
  fuzzFileCase,
  fuzzPinDownloadCase,
  mutate,
  mutateDownload,
  newStats,
  type PinFuzzTarget,
  pinFuzzTarget,
  pinSnapshot,
  rng,
  sizeFieldOffsets,
} from '../helpers/dls-fuzz.js';

const args = process.argv.slice(2);
let seconds = 60;
let seed = 1;
const extra: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') seconds = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else extra.push(args[i]);
}

const corpus: Array<[string, Uint8Array]> = [
  ['fixture.dls', writeDls(fixtureCollection())],
  ['dmus-gm.dls', writeDls(makeGmBank())],
];
for (const f of [
  fileURLToPath(new URL('../../../../shared/corpus/banks/TimGM6mb.dls', import.meta.url)),
  '/usr/share/sounds/sf2/TimGM6mb.sf2',
  ...extra,
]) {
  if (existsSync(f)) corpus.push([f.split('/').pop()!, new Uint8Array(readFileSync(f))]);
}
const downloads = buildCollectionDownloads(fixtureCollection(), new DownloadIdAllocator());
const buffers = [...downloads.waves, ...downloads.instruments].map((d) => d.buffer);
const sizes = corpus.map(([, b]) => sizeFieldOffsets(b));
// Pins holding a bank each, with that bank's downloads to mutate (the DLS corpus banks too).
const pins: Array<PinFuzzTarget & { name: string; before: string; fields: number[][] }> = [];
for (const [name, bytes] of [['fixture.dls', writeDls(fixtureCollection())] as const, ...corpus.filter(([n]) => n.endsWith('.dls'))]) {
  const t = pinFuzzTarget(readDls(bytes), 8);
  pins.push({ ...t, name, before: pinSnapshot(t.set), fields: t.sources.map((x) => downloadFieldOffsets(x.buffer)) });
}

const r = rng(seed);
const files = newStats();
const dl = newStats();
const pin = newStats();
const end = Date.now() + seconds * 1000;
let lastReport = Date.now();
while (Date.now() < end) {
  const i = Math.floor(r() * corpus.length);
  const m = mutate(corpus[i][1], sizes[i], r);
  fuzzFileCase(m.bytes, files, `${corpus[i][0]} seed ${seed} case ${files.cases} (${m.kind})`);
  const b = buffers[Math.floor(r() * buffers.length)].slice();
  b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
  fuzzDownloadCase(b, dl, `download case ${dl.cases}`);
  for (let k = 0; k < 4; k++) {
    const p = pins[Math.floor(r() * pins.length)];
    const s = Math.floor(r() * p.sources.length);
    const m = mutateDownload(p.sources[s].buffer, p.fields[s], r);
    fuzzPinDownloadCase(p.set, m.bytes, p.before, pin, `${p.name} ${p.sources[s].what} seed ${seed} pin case ${pin.cases} (${m.kind})`);
  }
  if (files.findings.length + dl.findings.length + pin.findings.length > 0) break;
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now();
    process.stderr.write(
      `${files.cases} file cases, ${dl.cases} download cases, ${pin.cases} pin download cases, slowest ${files.slowestMs.toFixed(0)} / ${pin.slowestMs.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB\n`,
    );
  }
}
const summary = { seconds, seed, files: { ...files, findings: files.findings.length }, downloads: { ...dl, findings: dl.findings.length }, pinDownloads: { ...pin, findings: pin.findings.length } };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
const findings = [...files.findings, ...dl.findings, ...pin.findings];
for (const f of findings) process.stderr.write(`FINDING: ${f}\n`);
process.exitCode = findings.length > 0 ? 1 : 0;
