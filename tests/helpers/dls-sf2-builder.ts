/**
 * Builds small SoundFont 2 files in code for the SF2 import tests (RIFF 'sfbk', SF2.04 records),
 * with the project's own RIFF writer. Records are given as plain objects; terminal records
 * (EOP/EOI/EOS) and bag/generator indexes are computed here.
 */
import { ByteWriter, riffChunk, riffForm, riffList, writeRiff } from '../../engine/dls/riff.js';

export interface Gen {
  oper: number;
  amount: number;
}
export interface Mod {
  src: number;
  dest: number;
  amount: number;
  amtSrc?: number;
  trans?: number;
}
export interface Zone {
  gens: Gen[];
  mods?: Mod[];
}
export interface SampleSpec {
  name: string;
  frames: Int16Array;
  /**
   * SF3: the sample's Ogg Vorbis stream, written instead of `frames` (start/end then are byte
   * offsets into smpl, loop points frames from the decoded start, and sfSampleType gets 0x10).
   */
  ogg?: Uint8Array;
  loop?: [number, number];
  rate?: number;
  pitch?: number;
  correction?: number;
  link?: number;
  type?: number;
}
export interface Sf2Spec {
  version?: [number, number];
  presets: Array<{ name: string; preset: number; bank: number; zones: Zone[] }>;
  instruments: Array<{ name: string; zones: Zone[] }>;
  samples: SampleSpec[];
}

const range = (lo: number, hi: number) => lo | (hi << 8);
export const keyRange = (lo: number, hi: number): Gen => ({ oper: 43, amount: range(lo, hi) });
export const velRange = (lo: number, hi: number): Gen => ({ oper: 44, amount: range(lo, hi) });

function name20(w: ByteWriter, at: number, s: string) {
  for (let i = 0; i < Math.min(19, s.length); i++) w.bytes[at + i] = s.charCodeAt(i);
}

export function buildSf2(spec: Sf2Spec): Uint8Array {
  // smpl: each PCM sample followed by 46 zero frames, as SF2 requires; an SF3 sample's Ogg bytes
  // padded to an even length. `starts` are byte offsets.
  const starts: number[] = [];
  let total = 0;
  for (const s of spec.samples) {
    starts.push(total);
    total += s.ogg ? s.ogg.length + (s.ogg.length & 1) : 2 * (s.frames.length + 46);
  }
  const smpl = new ByteWriter(total);
  spec.samples.forEach((s, i) => {
    if (s.ogg) smpl.bytes.set(s.ogg, starts[i]);
    else
      s.frames.forEach((v, j) => {
        smpl.i16(starts[i] + 2 * j, v);
      });
  });

  const hydra = (items: Array<{ zones: Zone[] }>) => {
    const bags: Array<[number, number]> = [];
    const gens: Gen[] = [];
    const mods: Mod[] = [];
    const first: number[] = [];
    for (const it of items) {
      first.push(bags.length);
      for (const z of it.zones) {
        bags.push([gens.length, mods.length]);
        gens.push(...z.gens);
        mods.push(...(z.mods ?? []));
      }
    }
    first.push(bags.length);
    bags.push([gens.length, mods.length]);
    const bag = new ByteWriter(4 * bags.length);
    bags.forEach(([g, m], i) => {
      bag.u16(4 * i, g).u16(4 * i + 2, m);
    });
    const gen = new ByteWriter(4 * (gens.length + 1));
    gens.forEach((g, i) => {
      gen.u16(4 * i, g.oper).i16(4 * i + 2, (g.amount << 16) >> 16);
    });
    const mod = new ByteWriter(10 * (mods.length + 1));
    mods.forEach((m, i) => {
      mod.u16(10 * i, m.src).u16(10 * i + 2, m.dest).i16(10 * i + 4, m.amount).u16(10 * i + 6, m.amtSrc ?? 0).u16(10 * i + 8, m.trans ?? 0);
    });
    return { first, bag: bag.bytes, gen: gen.bytes, mod: mod.bytes };
  };
  const p = hydra(spec.presets);
  const ins = hydra(spec.instruments);
  const phdr = new ByteWriter(38 * (spec.presets.length + 1));
  spec.presets.forEach((pr, i) => {
    name20(phdr, 38 * i, pr.name);
    phdr.u16(38 * i + 20, pr.preset).u16(38 * i + 22, pr.bank).u16(38 * i + 24, p.first[i]);
  });
  name20(phdr, 38 * spec.presets.length, 'EOP');
  phdr.u16(38 * spec.presets.length + 24, p.first[spec.presets.length]);
  const inst = new ByteWriter(22 * (spec.instruments.length + 1));
  spec.instruments.forEach((it, i) => {
    name20(inst, 22 * i, it.name);
    inst.u16(22 * i + 20, ins.first[i]);
  });
  name20(inst, 22 * spec.instruments.length, 'EOI');
  inst.u16(22 * spec.instruments.length + 20, ins.first[spec.instruments.length]);
  const shdr = new ByteWriter(46 * (spec.samples.length + 1));
  spec.samples.forEach((s, i) => {
    const at = 46 * i;
    name20(shdr, at, s.name);
    const st = s.ogg ? starts[i] : starts[i] / 2;
    const loopBase = s.ogg ? 0 : st;
    shdr
      .u32(at + 20, st)
      .u32(at + 24, st + (s.ogg ? s.ogg.length : s.frames.length))
      .u32(at + 28, loopBase + (s.loop?.[0] ?? 0))
      .u32(at + 32, loopBase + (s.loop?.[1] ?? 0))
      .u32(at + 36, s.rate ?? 22050)
      .u8(at + 40, s.pitch ?? 60)
      .u8(at + 41, (s.correction ?? 0) & 0xff)
      .u16(at + 42, s.link ?? 0)
      .u16(at + 44, (s.type ?? 1) | (s.ogg ? 0x10 : 0));
  });
  name20(shdr, 46 * spec.samples.length, 'EOS');
  const [major, minor] = spec.version ?? [2, 1];
  return writeRiff(
    riffForm('sfbk', [
      riffList('INFO', [riffChunk('ifil', new ByteWriter(4).u16(0, major).u16(2, minor).bytes), riffChunk('INAM', new TextEncoder().encode('Test bank\0'))]),
      riffList('sdta', [riffChunk('smpl', smpl.bytes)]),
      riffList('pdta', [
        riffChunk('phdr', phdr.bytes),
        riffChunk('pbag', p.bag),
        riffChunk('pmod', p.mod),
        riffChunk('pgen', p.gen),
        riffChunk('inst', inst.bytes),
        riffChunk('ibag', ins.bag),
        riffChunk('imod', ins.mod),
        riffChunk('igen', ins.gen),
        riffChunk('shdr', shdr.bytes),
      ]),
    ]),
  );
}

export const ramp = (n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => (i * 997) % 30000);
