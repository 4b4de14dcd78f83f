/**
 * engine/host/collections.ts: a partial collection of a SoundFont file (the offline render) is read
 * without its sample data, and the import then reads only the bytes of the waves it converts.
 * Checked against the import of the whole file's bytes: the same waves, byte for byte, and for
 * damaged files the same error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LoadedBank, loadBank } from '../../../engine/dls/load-bank.js';
import { CollectionStore } from '../../../engine/host/collections.js';
import { mutate, rng, sizeFieldOffsets } from '../../helpers/dls-fuzz.js';
import { buildSf2, ramp } from '../../helpers/dls-sf2-builder.js';

/** Programs 0 and 5 use samples 'a' and 'c'; sample 'b' (program 3) is never read. */
function sf2(): Uint8Array {
  return buildSf2({
    samples: [
      { name: 'a', frames: ramp(300), loop: [10, 250] },
      { name: 'b', frames: ramp(5000) },
      { name: 'c', frames: Int16Array.from({ length: 700 }, (_, i) => (i * 97) % 20000) },
    ],
    instruments: [
      { name: 'A', zones: [{ gens: [{ oper: 54, amount: 1 }, { oper: 53, amount: 0 }] }] },
      { name: 'B', zones: [{ gens: [{ oper: 53, amount: 1 }] }] },
      { name: 'C', zones: [{ gens: [{ oper: 53, amount: 2 }] }] },
    ],
    presets: [
      { name: 'P0', preset: 0, bank: 0, zones: [{ gens: [{ oper: 41, amount: 0 }] }] },
      { name: 'P3', preset: 3, bank: 0, zones: [{ gens: [{ oper: 41, amount: 1 }] }] },
      { name: 'P5', preset: 5, bank: 8, zones: [{ gens: [{ oper: 41, amount: 2 }] }] },
      { name: 'Kit', preset: 0, bank: 128, zones: [{ gens: [{ oper: 41, amount: 2 }] }] },
    ],
  });
}

type Outcome = { error: string } | { format: string; waves: number[][]; instruments: number; warnings: string[] };

function outcome(b: LoadedBank): Outcome {
  const c = b.collection;
  return { format: b.format, waves: c.waves.map((w) => Array.from(w.data)), instruments: c.instruments.length, warnings: c.warnings };
}

async function settle(p: Promise<LoadedBank>): Promise<Outcome> {
  try {
    return outcome(await p);
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

describe('CollectionStore.loadFile with programs (a SoundFont read without its samples)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmus-collections-'));
  const programs = new Set([0, 5]);

  it('gives the waves the whole file gives', async () => {
    const bytes = sf2();
    const path = join(dir, 'bank.sf2');
    writeFileSync(path, bytes);
    const c = await new CollectionStore().loadFile(path, false, programs);
    const whole = await loadBank(bytes, programs);
    expect(outcome({ format: c.format, collection: c.collection, size: c.bytes })).toEqual(outcome(whole));
    expect(c.collection.waves.length).toBe(2);
    expect(c.partial).toBe(true);
  });

  it('damaged files: the same collection or the same error as the whole bytes give', async () => {
    const src = sf2();
    const sizes = sizeFieldOffsets(src);
    const r = rng(0xc011);
    let rejected = 0;
    for (let i = 0; i < 120; i++) {
      const { bytes, kind } = mutate(src, sizes, r);
      const path = join(dir, `case-${i}.sf2`);
      writeFileSync(path, bytes);
      const store = new CollectionStore();
      const got = await settle(store.loadFile(path, false, programs).then((c) => ({ format: c.format, collection: c.collection, size: c.bytes })));
      const want = await settle(loadBank(bytes, programs));
      expect(got, `case ${i} (${kind})`).toEqual(want);
      if ('error' in want) rejected++;
    }
    expect(rejected).toBeGreaterThan(10);
  });
});
