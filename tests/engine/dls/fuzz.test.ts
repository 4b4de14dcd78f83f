/** Bad input (issue 3): mutated banks and download buffers fail with typed errors, in bounded time and memory. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DlsCollection } from '../../../engine/dls/collection.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { buildCollectionDownloads, DownloadIdAllocator } from '../../../engine/dls/download.js';
import { makeGmBank } from '../../../engine/dls/gm-bank/make-gm-bank.js';
import { fixtureCollection, have, TIMGM6MB_DLS } from '../../helpers/dls-fixtures.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import {
  downloadFieldOffsets,
  fuzzDownloadCase,
  fuzzFileCase,
  fuzzFileCaseAsync,
  fuzzPinDownloadCase,
  mutate,
  mutateDownload,
  newStats,
  pinFuzzTarget,
  pinSnapshot,
  rng,
  sizeFieldOffsets,
} from '../../helpers/dls-fuzz.js';
import { peak, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';
import { buildSf2, ramp } from '../../helpers/dls-sf2-builder.js';

/** A short, deterministic run (~3 s); tests/bench/dls-fuzz.ts runs the same cases for as long as asked. */
describe('fuzz: mutated banks and download buffers', () => {
  const sf2 = buildSf2({
    samples: [
      { name: 'a', frames: ramp(300), loop: [10, 250] },
      { name: 'l', frames: ramp(100), link: 2, type: 4 },
      { name: 'r', frames: ramp(100), link: 1, type: 2 },
    ],
    instruments: [
      { name: 'A', zones: [{ gens: [{ oper: 54, amount: 1 }, { oper: 53, amount: 0 }], mods: [{ src: 0x81, dest: 6, amount: 20 }] }] },
      { name: 'S', zones: [{ gens: [{ oper: 53, amount: 1 }] }, { gens: [{ oper: 53, amount: 2 }] }] },
    ],
    presets: [
      { name: 'P', preset: 1, bank: 0, zones: [{ gens: [{ oper: 41, amount: 0 }] }, { gens: [{ oper: 41, amount: 1 }] }] },
      { name: 'K', preset: 0, bank: 128, zones: [{ gens: [{ oper: 41, amount: 1 }] }] },
    ],
  });
  const gm = makeGmBank();
  gm.instruments = gm.instruments.filter((_, i) => i % 16 === 0 || i === 128); // keep cases fast
  const corpora: Array<[string, Uint8Array, number]> = [
    ['fixture.dls', writeDls(fixtureCollection()), 1400],
    ['gm-subset.dls', writeDls(gm), 120],
    ['tiny.sf2', sf2, 1200],
  ];
  if (have(TIMGM6MB_DLS)) corpora.push(['TimGM6mb.dls', new Uint8Array(readFileSync(TIMGM6MB_DLS)), 25]);

  for (const [name, bytes, cases] of corpora) {
    it(`${name}: ${cases} mutations give typed errors with chunk paths, no hang`, () => {
      const r = rng(0x5eed + bytes.length);
      const sizes = sizeFieldOffsets(bytes);
      const stats = newStats();
      const kinds: Record<string, number> = {};
      for (let i = 0; i < cases; i++) {
        const m = mutate(bytes, sizes, r);
        kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
        fuzzFileCase(m.bytes, stats, `${name} case ${i} (${m.kind})`);
      }
      expect(stats.findings).toEqual([]);
      expect(stats.cases).toBe(cases);
      expect(stats.rejected).toBeGreaterThan(cases / 10); // the mutations do reach the validators
      expect(Object.keys(kinds).sort()).toEqual(['bitflip', 'size', 'truncate', 'u32']);
      expect(stats.slowestMs).toBeLessThan(2000);
    });
  }

  it('tiny.sf3: 150 mutations (Ogg Vorbis data included) give typed errors with chunk paths, no hang', async () => {
    const ogg = new Uint8Array(readFileSync(new URL('../../fixtures/tone-440hz-22050.ogg', import.meta.url)));
    const sf3 = buildSf2({
      version: [3, 1],
      samples: [
        { name: 'tone', frames: new Int16Array(0), ogg, loop: [100, 9000], pitch: 69 },
        { name: 'a', frames: ramp(300), loop: [10, 250] },
      ],
      instruments: [{ name: 'T', zones: [{ gens: [{ oper: 54, amount: 1 }, { oper: 53, amount: 0 }] }, { gens: [{ oper: 53, amount: 1 }] }] }],
      presets: [{ name: 'P', preset: 0, bank: 0, zones: [{ gens: [{ oper: 41, amount: 0 }] }] }],
    });
    const r = rng(0x5f3);
    const sizes = sizeFieldOffsets(sf3);
    const stats = newStats();
    for (let i = 0; i < 150; i++) {
      const m = mutate(sf3, sizes, r);
      await fuzzFileCaseAsync(m.bytes, stats, `tiny.sf3 case ${i} (${m.kind})`);
    }
    expect(stats.findings).toEqual([]);
    expect(stats.cases).toBe(150);
    expect(stats.rejected).toBeGreaterThan(15);
    expect(stats.accepted).toBeGreaterThan(15);
    expect(stats.slowestMs).toBeLessThan(2000);
  });

  it('download buffers: 3000 mutations give typed DMUS_E errors only', () => {
    const d = buildCollectionDownloads(fixtureCollection(), new DownloadIdAllocator());
    const bufs = [...d.waves, ...d.instruments].map((x) => x.buffer);
    const r = rng(42);
    const stats = newStats();
    for (let i = 0; i < 3000; i++) {
      const src = bufs[i % bufs.length];
      const b = src.slice();
      const v = new DataView(b.buffer);
      if (r() < 0.5) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      else v.setUint32(Math.floor(r() * (b.length / 4)) * 4, r() < 0.5 ? Math.floor(r() * 64) : Math.floor(r() * 0xffffffff), true);
      fuzzDownloadCase(r() < 0.1 ? b.subarray(0, Math.floor(r() * b.length)) : b, stats, `download case ${i}`);
    }
    expect(stats.findings).toEqual([]);
    expect(stats.rejected).toBeGreaterThan(300);
    expect(stats.byCode.BADOFFSETTABLE).toBeGreaterThan(0);
  });

  // The pin's own parser (engine/synth/download-parser.ts), through a pin's download set holding a
  // collection: mutated real buffers of types 1, 2 and 3 give typed errors or load (and are
  // unloaded again), and the pin ends each case holding exactly what it held.
  const pinCorpora: Array<[string, () => DlsCollection, number, number]> = [
    ['fixture.dls', fixtureCollection, 3, 1500],
    ['gm-subset.dls', () => gm, 4, 600],
  ];
  if (have(TIMGM6MB_DLS)) pinCorpora.push(['TimGM6mb.dls', () => readDls(new Uint8Array(readFileSync(TIMGM6MB_DLS))), 6, 600]);
  for (const [name, collection, instruments, cases] of pinCorpora) {
    it(`the pin's parser, ${name}: ${cases} mutated downloads (types 1, 2, 3): typed errors only, the pin keeps what it had`, () => {
      const { set, sources } = pinFuzzTarget(collection(), instruments);
      expect(new Set(sources.map((x) => new DataView(x.buffer.buffer).getUint32(0, true)))).toEqual(new Set([1, 2, 3]));
      const fields = sources.map((x) => downloadFieldOffsets(x.buffer));
      const before = pinSnapshot(set);
      const r = rng(0xd1 + cases);
      const stats = newStats();
      const kinds: Record<string, number> = {};
      for (let i = 0; i < cases; i++) {
        const k = i % sources.length;
        const m = mutateDownload(sources[k].buffer, fields[k], r);
        kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
        fuzzPinDownloadCase(set, m.bytes, before, stats, `${name} ${sources[k].what} case ${i} (${m.kind})`);
      }
      expect(stats.findings).toEqual([]);
      expect(stats.cases).toBe(cases);
      expect(stats.rejected).toBeGreaterThan(cases / 5);
      expect(stats.accepted).toBeGreaterThan(cases / 20); // mutations that still describe a download load
      expect(Object.keys(kinds).sort()).toEqual(['bitflip', 'cut', 'size', 'truncate', 'u32']);
      expect(stats.slowestMs).toBeLessThan(1000);
      // Every unmutated source still loads afterwards (the pin's tables were not left half-changed).
      for (const x of sources) set.unload(set.download(x.buffer).downloadHandle);
      expect(pinSnapshot(set)).toBe(before);
    });
  }

  it("the pin's parser: a pin that is playing keeps playing through 1000 rejected and accepted downloads", () => {
    const h = makeHarness();
    const { sources } = pinFuzzTarget(fixtureCollection(), 3, h.stream.downloads);
    const fields = sources.map((x) => downloadFieldOffsets(x.buffer));
    send(h, 0, 1, 0x90, 69, 100); // Sine Piano's upper region: a looped wave, held
    renderFrames(h, 2400);
    const pitch = zeroCrossingFrequency(renderFrames(h, 4800).L, 48000);
    expect(pitch).toBeGreaterThan(100);
    const before = pinSnapshot(h.stream.downloads); // with the held voice's reference on its wave
    const r = rng(7);
    const stats = newStats();
    const arrayBuffers = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) {
      const k = i % sources.length;
      fuzzPinDownloadCase(h.stream.downloads, mutateDownload(sources[k].buffer, fields[k], r).bytes, before, stats, `playing pin case ${i}`);
      if (i % 100 === 0) renderFrames(h, 256);
    }
    expect(stats.findings).toEqual([]);
    expect(process.memoryUsage().arrayBuffers - arrayBuffers).toBeLessThan(32 * 1024 * 1024);
    const { L } = renderFrames(h, 4800);
    expect(peak(L)).toBeGreaterThan(0.05);
    expect(zeroCrossingFrequency(L, 48000)).toBeCloseTo(pitch, 0); // still the held note
    expect(h.stream.downloads.downloadCount).toBe(JSON.parse(before).count);
  });

  it('bounded memory: an absurd size or count costs no allocation proportional to it', () => {
    const bytes = writeDls(fixtureCollection());
    const sizes = sizeFieldOffsets(bytes);
    const before = process.memoryUsage().arrayBuffers;
    const stats = newStats();
    for (const at of sizes) {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(at, 0xfffffff0, true);
      fuzzFileCase(b, stats, `size@${at}`);
    }
    expect(stats.findings).toEqual([]);
    expect(stats.rejected).toBe(sizes.length);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
});
