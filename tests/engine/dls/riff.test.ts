/** RIFF framing (reference §6.1): writer layout, zero-copy reader, chunk-path errors, bounds. */
import { describe, expect, it } from 'vitest';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { chunkPath, type RiffChunk, readRiff, riffChunk, riffForm, riffList, writeRiff } from '../../../engine/dls/riff.js';
import { readSf2AsDls } from '../../../engine/dls/sf2/sf2-to-dls.js';
import { fixtureCollection } from '../../helpers/dls-fixtures.js';
import { buildSf2, ramp } from '../../helpers/dls-sf2-builder.js';

const bytes = (...v: number[]) => new Uint8Array(v);

describe('RIFF framing (reference §6.1)', () => {
  it('writes FOURCC + LE size + data + pad byte, and lists with their type', () => {
    const out = writeRiff(riffForm('TEST', [riffChunk('abcd', bytes(1, 2, 3)), riffList('lst ', [riffChunk('xy  ', bytes(9))])]));
    const v = new DataView(out.buffer);
    expect(String.fromCharCode(...out.subarray(0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(out.length - 8);
    expect(String.fromCharCode(...out.subarray(8, 12))).toBe('TEST');
    expect(String.fromCharCode(...out.subarray(12, 16))).toBe('abcd');
    expect(v.getUint32(16, true)).toBe(3);
    expect([...out.subarray(20, 24)]).toEqual([1, 2, 3, 0]); // odd size: one pad byte
    expect(String.fromCharCode(...out.subarray(24, 28))).toBe('LIST');
    expect(v.getUint32(28, true)).toBe(4 + 8 + 1 + 1); // the child's pad byte counts in the list size
    expect(String.fromCharCode(...out.subarray(32, 36))).toBe('lst ');
  });

  it('reads back the tree with offsets, types and zero-copy data views', () => {
    const out = writeRiff(riffForm('TEST', [riffChunk('abcd', bytes(1, 2, 3)), riffList('lst ', [riffChunk('xy  ', bytes(9, 8))])]));
    const root = readRiff(out, { formType: 'TEST' });
    expect(root.listType).toBe('TEST');
    const [a, l] = root.children!;
    expect(a.id).toBe('abcd');
    expect(a.offset).toBe(12);
    expect([...a.data]).toEqual([1, 2, 3]);
    expect(a.data.buffer).toBe(out.buffer);
    expect(l.listType).toBe('lst ');
    expect(l.children![0].offset).toBe(36);
    expect(chunkPath(l.children![0])).toBe('RIFF:TEST/LIST:lst /xy  ');
  });

  it('names the chunk path and offset when a size runs past its parent', () => {
    const good = writeRiff(riffForm('TEST', [riffList('lst ', [riffChunk('abcd', bytes(1, 2, 3, 4))])]));
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(28, 1000, true); // abcd's size
    const err = (() => {
      try {
        readRiff(bad);
      } catch (e) {
        return e;
      }
    })() as DlsError;
    expect(err).toBeInstanceOf(DlsError);
    expect(err.code).toBe('NOTADLSCOL');
    expect(err.chunkPath).toBe('RIFF:TEST/LIST:lst /abcd');
    expect(err.offset).toBe(24);
    expect(err.message).toContain('runs past the end of its parent');
  });

  it('rejects a wrong form type, a non-RIFF file, a truncated file and absurd nesting', () => {
    const good = writeRiff(riffForm('TEST', [riffChunk('abcd', bytes(1))]));
    expect(() => readRiff(good, { formType: 'DLS ' })).toThrow(/wrong form type 'TEST'/);
    expect(() => readRiff(bytes(1, 2, 3))).toThrow(DlsError);
    const notRiff = good.slice();
    notRiff[0] = 0x58;
    expect(() => readRiff(notRiff)).toThrow(/not a RIFF file/);
    expect(() => readRiff(good.subarray(0, good.length - 4))).toThrow(/truncated/);
    let node = riffList('deep', []);
    for (let i = 0; i < 40; i++) node = riffList('deep', [node]);
    expect(() => readRiff(writeRiff(riffForm('TEST', [node])), { maxDepth: 16 })).toThrow(/nested deeper than 16/);
  });

  it('tolerates a missing final pad byte with no error', () => {
    const out = writeRiff(riffForm('TEST', [riffChunk('abcd', bytes(7))]));
    const cut = out.slice(0, out.length - 1);
    new DataView(cut.buffer).setUint32(4, cut.length - 8, true);
    const root = readRiff(cut);
    expect(root.children![0].data[0]).toBe(7);
  });

  it('a truncated file names the innermost chunk where it was cut and that chunk\'s offset', () => {
    const file = writeDls(fixtureCollection());
    const tree = readRiff(file);
    const find = (c: RiffChunk, key: string): RiffChunk => c.children!.find((x) => (x.listType ?? x.id) === key)!;
    const cutAt = (length: number): DlsError => {
      try {
        readDls(file.subarray(0, length));
      } catch (e) {
        expect(e).toBeInstanceOf(DlsError);
        expect((e as DlsError).message).toMatch(/truncated/);
        return e as DlsError;
      }
      throw new Error(`a file cut at ${length} bytes was read`);
    };
    const wvpl = find(tree, 'wvpl');
    const wave1 = wvpl.children![1];
    const data = find(wave1, 'data');
    // Cut in the middle of the second wave's PCM data.
    const inData = cutAt(data.offset + 8 + 20);
    expect(inData.chunkPath).toBe('RIFF:DLS /LIST:wvpl/LIST:wave[1]/data');
    expect(inData.offset).toBe(data.offset);
    expect(inData.message).toMatch(new RegExp(`ends at byte ${data.offset + 28}, ${data.size - 20} bytes short of the end of 'data'`));
    // Cut in the middle of that chunk's 8-byte header: the innermost whole chunk is the wave list.
    const inHeader = cutAt(data.offset + 3);
    expect(inHeader.chunkPath).toBe('RIFF:DLS /LIST:wvpl/LIST:wave[1]');
    expect(inHeader.offset).toBe(data.offset);
    expect(inHeader.message).toMatch(/inside the header of a chunk of 'wave'/);
    // Cut exactly between two waves: what is missing is the rest of the pool.
    const between = cutAt(wvpl.children![2].offset);
    expect(between.chunkPath).toBe('RIFF:DLS /LIST:wvpl');
    expect(between.offset).toBe(wvpl.offset);
    // Cut inside an instrument's region header.
    const lins = find(tree, 'lins');
    const rgnh = find(find(lins.children![1], 'lrgn').children![1], 'rgnh');
    const inRegion = cutAt(rgnh.offset + 10);
    expect(inRegion.chunkPath).toBe('RIFF:DLS /LIST:lins/LIST:ins [1]/LIST:lrgn/LIST:rgn2[1]/rgnh');
    expect(inRegion.offset).toBe(rgnh.offset);
    // A RIFF size that is merely too large (nothing inside runs past the end) names the RIFF chunk.
    const big = file.slice();
    new DataView(big.buffer).setUint32(4, file.length, true);
    expect(() => readRiff(big)).toThrow(/RIFF size \d+ runs past the end of the file/);
    // SoundFonts go through the same reader.
    const sf2 = buildSf2({ samples: [{ name: 's', frames: ramp(400) }], instruments: [{ name: 'I', zones: [{ gens: [{ oper: 53, amount: 0 }] }] }], presets: [{ name: 'P', preset: 0, bank: 0, zones: [{ gens: [{ oper: 41, amount: 0 }] }] }] });
    const smpl = Buffer.from(sf2).indexOf('smpl');
    try {
      readSf2AsDls(sf2.subarray(0, smpl + 100));
      throw new Error('read');
    } catch (e) {
      expect((e as DlsError).chunkPath).toBe('RIFF:sfbk/LIST:sdta/smpl');
      expect((e as DlsError).offset).toBe(smpl);
    }
  });
});
