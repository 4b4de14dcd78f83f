/** dmus inspect / dmus convert through main() with a captured io. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { fixtureCollection } from '../../helpers/dls-fixtures.js';
import { buildSf2, ramp } from '../../helpers/dls-sf2-builder.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  // The writers return true like process.stdout.write, which main's default io is typed after.
  const io = {
    out: (s: string) => {
      out += s;
      return true;
    },
    err: (s: string) => {
      err += s;
      return true;
    },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'dmus-dls-cli-'));
const dlsPath = join(dir, 'fixture.dls');
writeFileSync(dlsPath, writeDls(fixtureCollection()));
const sf2Path = join(dir, 'tiny.sf2');
writeFileSync(
  sf2Path,
  buildSf2({
    samples: [{ name: 's', frames: ramp(100), loop: [10, 90] }],
    instruments: [{ name: 'I', zones: [{ gens: [{ oper: 54, amount: 1 }, { oper: 53, amount: 0 }] }] }],
    presets: [
      { name: 'Lead', preset: 80, bank: 1, zones: [{ gens: [{ oper: 41, amount: 0 }] }] },
      { name: 'Kit', preset: 0, bank: 128, zones: [{ gens: [{ oper: 41, amount: 0 }] }] },
    ],
  }),
);

describe('dmus inspect / dmus convert', () => {
  it('inspect --json prints one JSON object describing a DLS2 bank', async () => {
    const r = await run('inspect', dlsPath, '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const j = JSON.parse(r.out);
    expect(j.format).toBe('DLS2');
    expect(j.waves).toBe(3);
    expect(j.warnings).toEqual([]);
    expect(j.instruments).toEqual([
      { bank: 0, program: 0, drum: false, name: 'Sine Piano', regions: 2 },
      { bank: 8 * 128 + 1, program: 81, drum: false, name: 'Sine Lead', regions: 2 },
      { bank: 0, program: 0, drum: true, name: 'Hats', regions: 3 },
    ]);
  });

  it('inspect reports DLS1 for a collection without DLS2 constructs, and SF2 for SoundFonts', async () => {
    const c = fixtureCollection();
    c.instruments = [c.instruments[0]];
    const p = join(dir, 'dls1.dls');
    writeFileSync(p, writeDls(c));
    expect(JSON.parse((await run('inspect', p, '--json')).out).format).toBe('DLS1');
    const s = JSON.parse((await run('inspect', sf2Path, '--json')).out);
    expect(s.format).toBe('SF2');
    expect(s.instruments).toEqual([
      { bank: 128, program: 80, drum: false, name: 'Lead', regions: 1 },
      { bank: 0, program: 0, drum: true, name: 'Kit', regions: 1 },
    ]);
  });

  it('inspect without --json prints a table', async () => {
    const r = await run('inspect', dlsPath);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/DLS2/);
    expect(r.out).toMatch(/Sine Lead/);
  });

  it('exits non-zero with the error on stderr for a file it cannot read', async () => {
    const bad = join(dir, 'bad.dls');
    const bytes = writeDls(fixtureCollection());
    writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
    const r = await run('inspect', bad, '--json');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/NOTADLSCOL.*truncated/);
    const missing = await run('inspect', join(dir, 'nope.dls'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
    expect((await run('inspect')).code).toBe(2);
  });

  it('convert writes a DLS file that reads back with the SF2 instruments', async () => {
    const out = join(dir, 'out.dls');
    const r = await run('convert', sf2Path, out);
    expect(r.code).toBe(0);
    const c = readDls(readFileSync(out));
    expect(c.instruments.length).toBe(2);
    expect(c.warnings).toEqual([]);
    expect((await run('convert', sf2Path)).code).toBe(2);
  });
});
