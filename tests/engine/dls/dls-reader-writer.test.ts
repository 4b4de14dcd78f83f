/** DLS collection reader/writer (reference §6): round trips, spec fields, quirks as warnings (§6.12), typed errors. */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectionLevel, decodeLocale, type DlsCollection, midiBank, patchOf } from '../../../engine/dls/collection.js';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { dlsNode, writeDls } from '../../../engine/dls/dls-writer.js';
import { type RiffListNode, riffChunk, riffForm, riffList, writeRiff } from '../../../engine/dls/riff.js';
import { fixtureCollection, fluidR3Dls, have, TIMGM6MB_DLS } from '../../helpers/dls-fixtures.js';

const withoutWarnings = (c: DlsCollection) => ({ ...c, warnings: [] });
function catchDls(f: () => unknown): DlsError {
  try {
    f();
  } catch (e) {
    if (e instanceof DlsError) return e;
    throw e;
  }
  throw new Error('expected a DlsError');
}

describe('DLS collection reader and writer', () => {
  it('round-trips a generated DLS2 collection: read(write(c)) equals c, and bytes are stable', () => {
    const c = fixtureCollection();
    const bytes = writeDls(c);
    const back = readDls(bytes);
    expect(back.warnings).toEqual([]);
    expect(back).toEqual(c);
    expect(writeDls(back)).toEqual(bytes);
    expect(collectionLevel(back)).toBe(2);
  });

  it('reads the spec fields: 8/16-bit waves, both release-loop constants, key groups, options, locales', () => {
    const c = readDls(writeDls(fixtureCollection()));
    expect(c.waves.map((w) => w.fmt.wBitsPerSample)).toEqual([16, 8, 8]);
    expect(c.waves[1].data.length).toBe(101);
    expect(c.waves[1].wsmp!.loops[0].ulType).toBe(1);
    expect(c.instruments[0].regions[1].wsmp!.loops[0].ulType).toBe(2);
    expect(c.instruments[0].regions[1].rgnh.fusOptions).toBe(1);
    expect(c.instruments[2].regions.map((r) => r.rgnh.usKeyGroup)).toEqual([1, 1, 1]);
    const lead = c.instruments[1];
    expect(decodeLocale(lead.locale)).toEqual({ msb: 8, lsb: 1, drum: false, program: 81 });
    expect(midiBank(lead.locale)).toBe(8 * 128 + 1);
    expect(patchOf(lead.locale)).toBe(0x080151);
    expect(patchOf(c.instruments[2].locale)).toBe(0x80000000);
    expect(c.instruments[1].regions[0].cdl).toBeInstanceOf(Uint8Array);
    expect(c.waves[2].dlid).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(c.dlid).toBe('fedcba98-7654-3210-fedc-ba9876543210');
  });

  it('keeps wave data as views onto the input buffer (no copy)', () => {
    const bytes = writeDls(fixtureCollection());
    const c = readDls(bytes);
    for (const w of c.waves) expect(w.data.buffer).toBe(bytes.buffer);
  });

  it.skipIf(!have(TIMGM6MB_DLS))('reads TimGM6mb.dls (written by spessasynth) and writes it back byte for byte', () => {
    const file = readFileSync(TIMGM6MB_DLS);
    const c = readDls(file);
    expect(c.instruments.length).toBe(136);
    expect(c.waves.length).toBe(520);
    expect(c.instruments.reduce((n, i) => n + i.regions.length, 0)).toBe(2063);
    expect(collectionLevel(c)).toBe(2);
    const out = writeDls(c);
    // node's deep equality: vitest's toEqual is slow on 6 MB of typed arrays.
    expect(isDeepStrictEqual(withoutWarnings(readDls(out)), withoutWarnings(c))).toBe(true);
    expect(Buffer.compare(Buffer.from(out), file)).toBe(0);
  });

  // A 150 MB DLS written by spessasynth_core from FluidR3_GM.sf2 (tests/helpers/dls-fixtures.ts
  // makes it when it is not already at FLUIDR3_DLS).
  it('loads FluidR3_GM.dls (150 MB) well under 2 s, wave data as views onto the one file buffer, memory close to the wave bytes', (ctx) => {
    const bank = fluidR3Dls();
    if (bank.path === null) {
      console.warn(`skipped: ${bank.why}`);
      ctx.skip(bank.why);
      return;
    }
    try {
      loadsFluidR3(bank.path);
    } finally {
      bank.release();
    }
  }, 120_000);

  it('tolerates the quirks of real files with warnings (reference §6.12)', () => {
    const c = fixtureCollection();
    c.instruments[0].regions[0].rgnh.RangeVelocity = { usLow: 0, usHigh: 0 };
    c.instruments[0].articulations[0].listType = 'lar2'; // art1 inside lar2
    c.instruments[1].articulations[0].listType = 'lart'; // art2 + cdl inside lart
    c.instruments[1].regions[1].wsmp = undefined; // and its wave (index 2) has none either
    c.instruments[1].articulations[0].articulators[0].connections[0].usTransform = 0x0400; // concave, no invert
    const bytes = writeDls(c);
    // Grow ptbl.cbSize to 12 with 4 junk bytes: readers must skip cbSize bytes.
    const node = dlsNode(c) as RiffListNode;
    const ptblIndex = node.children.findIndex((n) => n.id === 'ptbl');
    const old = (node.children[ptblIndex] as { data: Uint8Array }).data;
    const grown = new Uint8Array(old.length + 4);
    grown.set(old.subarray(0, 8));
    grown.set(old.subarray(8), 12);
    new DataView(grown.buffer).setUint32(0, 12, true);
    node.children[ptblIndex] = riffChunk('ptbl', grown);
    const quirky = readDls(writeRiff(node));
    const text = quirky.warnings.join('\n');
    expect(text).toMatch(/velocity range 0-0 read as 0-127/);
    expect(text).toMatch(/'art1' inside 'lar2'/);
    expect(text).toMatch(/'art2' inside 'lart'/);
    expect(text).toMatch(/'cdl ' inside a DLS1 'lart'/);
    expect(text).toMatch(/neither the region nor its wave has a wsmp/);
    expect(text).toMatch(/concave without the invert bit/);
    expect(text).toMatch(/POOLTABLE cbSize 12 > 8/);
    expect(quirky.instruments[0].regions[0].rgnh.RangeVelocity).toEqual({ usLow: 0, usHigh: 0 });
    expect(readDls(bytes).ptbl).toEqual(quirky.ptbl);
  });

  it('rejects a wave link past the pool with BADWAVELINK naming the wlnk chunk', () => {
    const c = fixtureCollection();
    c.instruments[1].regions[0].wlnk.ulTableIndex = 7;
    const e = catchDls(() => readDls(writeDls(c)));
    expect(e.code).toBe('BADWAVELINK');
    expect(e.chunkPath).toBe('RIFF:DLS /LIST:lins/LIST:ins [1]/LIST:lrgn/LIST:rgn2[0]/wlnk');
    expect(e.offset).toBeGreaterThan(12);
  });

  it('rejects a loop outside the wave with BADWAVE', () => {
    const c = fixtureCollection();
    c.instruments[0].regions[1].wsmp!.loops[0].ulLength = 1000;
    const e = catchDls(() => readDls(writeDls(c)));
    expect(e.code).toBe('BADWAVE');
    expect(e.chunkPath).toBe('RIFF:DLS /LIST:lins/LIST:ins [0]/LIST:lrgn/LIST:rgn [1]/wsmp');
  });

  it('rejects absurd counts, lists in the wrong parent, wrong form types and missing chunks', () => {
    const c = fixtureCollection();
    const bytes = writeDls(c);
    // cConnections of the first art1 set to 0x10000000.
    const at = Buffer.from(bytes).indexOf('art1');
    const absurd = bytes.slice();
    new DataView(absurd.buffer).setUint32(at + 12, 0x10000000, true);
    const e1 = catchDls(() => readDls(absurd));
    expect(e1.code).toBe('BADARTICULATION');
    expect(e1.chunkPath).toBe('RIFF:DLS /LIST:lins/LIST:ins [0]/LIST:lart[0]/art1[0]');
    expect(e1.offset).toBe(at);

    const wrongParent = writeRiff(riffForm('DLS ', [riffChunk('colh', new Uint8Array(4)), riffList('lins', []), riffList('rgn ', [])]));
    const e2 = catchDls(() => readDls(wrongParent));
    expect(e2.message).toMatch(/inside the wrong parent/);
    expect(e2.chunkPath).toBe('RIFF:DLS /LIST:rgn [0]');

    const wrongForm = writeRiff(riffForm('WAVE', []));
    expect(catchDls(() => readDls(wrongForm)).code).toBe('NOTADLSCOL');

    const noInsh = writeRiff(riffForm('DLS ', [riffList('lins', [riffList('ins ', [])])]));
    const e3 = catchDls(() => readDls(noInsh));
    expect(e3.code).toBe('BADINSTRUMENT');
    expect(e3.chunkPath).toBe('RIFF:DLS /LIST:lins/LIST:ins [0]');
  });

  it('warns when colh and insh counts disagree with the content', () => {
    const node = dlsNode(fixtureCollection()) as RiffListNode;
    const colh = node.children.find((n) => n.id === 'colh') as { data: Uint8Array };
    new DataView(colh.data.buffer).setUint32(0, 9, true);
    const c = readDls(writeRiff(node));
    expect(c.warnings.join()).toMatch(/cInstruments 9 but 3 instruments present/);
  });
});

/** The FluidR3_GM.dls test's checks, on the file at `path`. */
function loadsFluidR3(path: string): void {
  // A real collection before each reading, so the figures are what is held, not garbage.
  v8.setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const file = readFileSync(path);
  const c = readDls(file);
  const ms = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  expect(c.instruments.length).toBe(189);
  expect(c.waves.length).toBe(1418);
  expect(ms).toBeLessThan(2000);
  let waveBytes = 0;
  for (const w of c.waves) {
    expect(w.data.buffer).toBe(file.buffer);
    waveBytes += w.data.length;
  }
  expect(waveBytes).toBeGreaterThan(0.9 * file.length); // the file is almost all wave data, held once
  // Memory held: the one file buffer, and nothing of its size besides (a copy would double it).
  const held = after.arrayBuffers - before.arrayBuffers;
  expect(held).toBeGreaterThan(0.9 * waveBytes);
  expect(held).toBeLessThan(1.2 * waveBytes);
  expect(after.external - before.external).toBeLessThan(1.2 * waveBytes);
  // The model's JS objects (17,000 regions, 118,000 connections: ~30 MB here) come on top, well
  // below the waves: everything held stays under 1.3 x the wave bytes.
  expect(held + (after.heapUsed - before.heapUsed)).toBeLessThan(1.3 * waveBytes);
}
