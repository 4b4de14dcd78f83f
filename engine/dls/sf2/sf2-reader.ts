/**
 * Seed concept: SoundFont 2 banks as a source of DLS collections (issue 3, "SoundFont 2 import").
 * Purpose: read RIFF 'sfbk' (INFO, sdta smpl, pdta phdr/pbag/pmod/pgen/inst/ibag/imod/igen/shdr)
 * into plain records, with every index and size checked so hostile files fail with a DlsError
 * naming the chunk path and offset. Sample data stay a view onto the input.
 */
import type { InfoEntry } from '../collection.js';
import { DlsError } from '../dls-error.js';
import { readInfo, readZstr } from '../info.js';
import { chunkPath, fail, type RiffChunk, readRiff, viewOf } from '../riff.js';

export interface Sf2Generator {
  oper: number;
  /** Signed 16-bit amount (or lo byte | hi byte << 8 for ranges). */
  amount: number;
}
export interface Sf2Modulator {
  srcOper: number;
  destOper: number;
  amount: number;
  amtSrcOper: number;
  transOper: number;
}
export interface Sf2Zone {
  generators: Sf2Generator[];
  modulators: Sf2Modulator[];
}
export interface Sf2Preset {
  name: string;
  preset: number;
  bank: number;
  zones: Sf2Zone[];
}
export interface Sf2Instrument {
  name: string;
  zones: Sf2Zone[];
}
export interface Sf2Sample {
  name: string;
  start: number;
  end: number;
  startLoop: number;
  endLoop: number;
  sampleRate: number;
  originalPitch: number;
  pitchCorrection: number;
  sampleLink: number;
  sampleType: number;
}
export interface Sf2Bank {
  version: { major: number; minor: number };
  info: InfoEntry[];
  /** 16-bit little-endian samples (smpl). */
  smpl: Uint8Array;
  hasSm24: boolean;
  presets: Sf2Preset[];
  instruments: Sf2Instrument[];
  samples: Sf2Sample[];
  warnings: string[];
  /**
   * SF3 (readSf2 with `compressed: 'keep'`): how many samples hold Ogg Vorbis data. Their start and
   * end are BYTE offsets into smpl and their loop points frames from the decoded sample's start
   * (MuseScore's SF3 layout); sf3-decode.ts turns them into PCM before conversion.
   */
  compressedSamples: number;
  /** Where things are in the file, for errors found after reading (sf3-decode.ts). */
  at: { smplPath: string; smplOffset: number; shdrPath: string; shdrOffset: number };
}

export interface Sf2ReadOptions {
  /** 'reject' (default): an SF3 file is a DlsError; 'keep': compressed samples are kept as they are. */
  compressed?: 'reject' | 'keep';
}

/**
 * A zone whose generator and modulator records are read from pgen/igen and pmod/imod when first
 * asked for (their ranges were checked when the bag was read). A SoundFont holds tens of thousands
 * of them (FluidR3_GM: 30,000 generators) and an offline render converts a few presets: reading
 * only those saves the start-up both the decoding and the garbage collector's copying of records
 * nobody reads.
 */
class ZoneRecords implements Sf2Zone {
  #generators: Sf2Generator[] | undefined;
  #modulators: Sf2Modulator[] | undefined;
  private readonly gv: DataView;
  private readonly g0: number;
  private readonly g1: number;
  private readonly mv: DataView;
  private readonly m0: number;
  private readonly m1: number;
  constructor(gv: DataView, g0: number, g1: number, mv: DataView, m0: number, m1: number) {
    this.gv = gv;
    this.g0 = g0;
    this.g1 = g1;
    this.mv = mv;
    this.m0 = m0;
    this.m1 = m1;
  }

  get generators(): Sf2Generator[] {
    if (this.#generators === undefined) {
      const out: Sf2Generator[] = [];
      for (let i = this.g0; i < this.g1; i++) out.push({ oper: this.gv.getUint16(4 * i, true), amount: this.gv.getInt16(4 * i + 2, true) });
      this.#generators = out;
    }
    return this.#generators;
  }

  get modulators(): Sf2Modulator[] {
    if (this.#modulators === undefined) {
      const out: Sf2Modulator[] = [];
      const v = this.mv;
      for (let i = this.m0; i < this.m1; i++) {
        const at = 10 * i;
        out.push({
          srcOper: v.getUint16(at, true),
          destOper: v.getUint16(at + 2, true),
          amount: v.getInt16(at + 4, true),
          amtSrcOper: v.getUint16(at + 6, true),
          transOper: v.getUint16(at + 8, true),
        });
      }
      this.#modulators = out;
    }
    return this.#modulators;
  }
}

export const SF3_ERROR = 'SF3 compressed samples are not supported';
/** shdr sfSampleType bits. */
export const SF2_SAMPLE = { MONO: 1, RIGHT: 2, LEFT: 4, LINKED: 8, COMPRESSED: 0x10, ROM: 0x8000 } as const;

export function readSf2(bytes: Uint8Array, options: Sf2ReadOptions = {}): Sf2Bank {
  const keep = options.compressed === 'keep';
  const warnings: string[] = [];
  const root = readRiff(bytes, { formType: 'sfbk', code: 'NOTADLSCOL', warnings, maxDepth: 3, opaqueLists: new Set(['sdta']) });
  const lists = new Map<string, RiffChunk>();
  for (const c of root.children!) if (c.listType) lists.set(c.listType, c);
  const infoList = lists.get('INFO');
  const sdta = lists.get('sdta');
  const pdta = lists.get('pdta');
  if (!infoList) fail('NOTADLSCOL', root, "no LIST 'INFO'");
  if (!sdta) fail('NOTADLSCOL', root, "no LIST 'sdta'");
  if (!pdta) fail('NOTADLSCOL', root, "no LIST 'pdta'");

  const info = readInfo(infoList).filter((e) => e.id !== 'ifil' && e.id !== 'iver');
  const ifil = infoList.children!.find((c) => c.id === 'ifil');
  const version = { major: 2, minor: 1 };
  if (ifil && ifil.data.length >= 4) {
    version.major = viewOf(ifil.data).getUint16(0, true);
    version.minor = viewOf(ifil.data).getUint16(2, true);
  } else warnings.push("no 'ifil' version chunk");
  if (version.major === 3 && !keep) throw new DlsError('NOTPCM', SF3_ERROR, chunkPath(ifil), ifil?.offset ?? 0);

  // sdta is opaque to the RIFF reader (its samples are large); walk its two chunks here.
  let smpl: Uint8Array = new Uint8Array(0);
  let smplOffset = 0;
  let hasSm24 = false;
  {
    const d = sdta.data;
    const v = viewOf(d);
    for (let at = 0; at + 8 <= d.length; ) {
      const id = String.fromCharCode(d[at], d[at + 1], d[at + 2], d[at + 3]);
      const size = v.getUint32(at + 4, true);
      if (size > d.length - at - 8) {
        throw new DlsError('NOTADLSCOL', `chunk size ${size} runs past the end of its parent`, `${chunkPath(sdta)}/${id}`, sdta.data.byteOffset - bytes.byteOffset + at);
      }
      if (id === 'smpl') {
        smpl = d.subarray(at + 8, at + 8 + size);
        smplOffset = d.byteOffset - bytes.byteOffset + at + 8;
      }
      else if (id === 'sm24') hasSm24 = true;
      at += 8 + size + (size & 1);
    }
  }
  if (hasSm24) warnings.push('sm24 (24-bit sample extension) ignored: DLS waves are 16-bit');

  const sub = (id: string, recordSize: number): { c: RiffChunk; v: DataView; n: number } => {
    const c = pdta.children!.find((x) => x.id === id);
    if (!c) fail('NOTADLSCOL', pdta, `no '${id}' chunk`);
    if (c.data.length % recordSize !== 0) fail('NOTADLSCOL', c, `size ${c.data.length} is not a multiple of ${recordSize}`);
    const n = c.data.length / recordSize;
    if (n < 1) fail('NOTADLSCOL', c, 'no terminal record');
    return { c, v: viewOf(c.data), n };
  };
  const phdr = sub('phdr', 38);
  const pbag = sub('pbag', 4);
  const pmod = sub('pmod', 10);
  const pgen = sub('pgen', 4);
  const inst = sub('inst', 22);
  const ibag = sub('ibag', 4);
  const imod = sub('imod', 10);
  const igen = sub('igen', 4);
  const shdr = sub('shdr', 46);

  /** Zones of bags [from, to): each bag's gens/mods run to the next bag's start (checked here). */
  const zones = (bag: typeof pbag, gen: typeof pgen, mod: typeof pmod, from: number, to: number, owner: string): Sf2Zone[] => {
    if (from > to || to >= bag.n) fail('NOTADLSCOL', bag.c, `${owner}: bag range ${from}..${to} outside ${bag.n} bags`);
    const out: Sf2Zone[] = [];
    for (let b = from; b < to; b++) {
      const g0 = bag.v.getUint16(4 * b, true);
      const m0 = bag.v.getUint16(4 * b + 2, true);
      const g1 = bag.v.getUint16(4 * b + 4, true);
      const m1 = bag.v.getUint16(4 * b + 6, true);
      if (g0 > g1 || g1 > gen.n) fail('NOTADLSCOL', bag.c, `bag ${b}: generator range ${g0}..${g1} outside ${gen.n}`);
      if (m0 > m1 || m1 > mod.n) fail('NOTADLSCOL', bag.c, `bag ${b}: modulator range ${m0}..${m1} outside ${mod.n}`);
      out.push(new ZoneRecords(gen.v, g0, g1, mod.v, m0, m1));
    }
    return out;
  };

  const presets: Sf2Preset[] = [];
  for (let i = 0; i + 1 < phdr.n; i++) {
    const at = 38 * i;
    const name = readZstr(phdr.c.data.subarray(at, at + 20));
    presets.push({
      name,
      preset: phdr.v.getUint16(at + 20, true),
      bank: phdr.v.getUint16(at + 22, true),
      zones: zones(pbag, pgen, pmod, phdr.v.getUint16(at + 24, true), phdr.v.getUint16(at + 38 + 24, true), `preset ${i} '${name}'`),
    });
  }
  const instruments: Sf2Instrument[] = [];
  for (let i = 0; i + 1 < inst.n; i++) {
    const at = 22 * i;
    const name = readZstr(inst.c.data.subarray(at, at + 20));
    instruments.push({ name, zones: zones(ibag, igen, imod, inst.v.getUint16(at + 20, true), inst.v.getUint16(at + 22 + 20, true), `instrument ${i} '${name}'`) });
  }
  const samples: Sf2Sample[] = [];
  const frames = smpl.length >> 1;
  let compressedSamples = 0;
  for (let i = 0; i + 1 < shdr.n; i++) {
    const at = 46 * i;
    const s: Sf2Sample = {
      name: readZstr(shdr.c.data.subarray(at, at + 20)),
      start: shdr.v.getUint32(at + 20, true),
      end: shdr.v.getUint32(at + 24, true),
      startLoop: shdr.v.getUint32(at + 28, true),
      endLoop: shdr.v.getUint32(at + 32, true),
      sampleRate: shdr.v.getUint32(at + 36, true),
      originalPitch: shdr.c.data[at + 40],
      pitchCorrection: shdr.v.getInt8(at + 41),
      sampleLink: shdr.v.getUint16(at + 42, true),
      sampleType: shdr.v.getUint16(at + 44, true),
    };
    if (s.sampleType & SF2_SAMPLE.COMPRESSED) {
      if (!keep) throw new DlsError('NOTPCM', SF3_ERROR, chunkPath(shdr.c), shdr.c.offset);
      if (s.start > s.end || s.end > smpl.length) {
        fail('BADWAVE', shdr.c, `compressed sample ${i} '${s.name}' spans bytes ${s.start}..${s.end}, outside smpl's ${smpl.length} bytes`);
      }
      compressedSamples++;
    } else if (!(s.sampleType & SF2_SAMPLE.ROM) && (s.start > s.end || s.end > frames)) {
      fail('BADWAVE', shdr.c, `sample ${i} '${s.name}' spans ${s.start}..${s.end}, outside smpl's ${frames} frames`);
    }
    samples.push(s);
  }
  const at = { smplPath: `${chunkPath(sdta)}/smpl`, smplOffset, shdrPath: chunkPath(shdr.c), shdrOffset: shdr.c.offset };
  return { version, info, smpl, hasSm24, presets, instruments, samples, warnings, compressedSamples, at };
}
