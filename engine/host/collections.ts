/**
 * The session's open instrument collections (DLS Level 1/2 and SoundFont 2 files), parsed once and
 * kept as views onto their file bytes; the source of every download (reference §5.9).
 */
import type { ProgramFilter } from '../dls/program-filter.js';
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { type DlsCollection, type DlsInstrument, decodeLocale, effectiveVelocityRange, infoText, midiBank } from '../dls/collection.js';
import { loadBank } from '../dls/load-bank.js';
import { fourcc } from '../dls/riff.js';
import type { FillBytes } from '../dls/sf2/sf2-to-dls.js';
import { DmusError } from '../dmus/errors.js';
import type { CollectionInfo, CollectionSummary, InstrumentInfo } from '../protocol/messages.js';

export interface OpenCollection {
  id: number;
  name: string;
  path: string | null;
  format: 'DLS1' | 'DLS2' | 'SF2' | 'SF3';
  collection: DlsCollection;
  bytes: number;
  builtIn: boolean;
  /** Only some presets were converted (loadFile with `programs`). */
  partial: boolean;
}

export function instrumentInfo(ins: DlsInstrument): InstrumentInfo {
  const a = decodeLocale(ins.locale);
  return {
    bank: midiBank(ins.locale),
    program: a.program,
    drum: a.drum,
    name: infoText(ins.info, 'INAM') || `Program ${a.program + 1}`,
    regions: ins.regions.map((r) => {
      const v = effectiveVelocityRange(r.rgnh);
      return { keyLow: r.rgnh.RangeKey.usLow & 127, keyHigh: r.rgnh.RangeKey.usHigh & 127, velLow: v.usLow & 127, velHigh: v.usHigh & 127 };
    }),
  };
}

/**
 * The instrument list of a collection, built once: a collection does not change after it is read,
 * and the list (every region of every instrument: 17,000 for FluidR3_GM) is asked for by every
 * state snapshot and download.
 */
const instrumentLists = new WeakMap<DlsCollection, InstrumentInfo[]>();
export function instrumentInfos(col: DlsCollection): InstrumentInfo[] {
  let list = instrumentLists.get(col);
  if (list === undefined) {
    list = col.instruments.map(instrumentInfo);
    instrumentLists.set(col, list);
  }
  return list;
}

export function collectionInfo(c: OpenCollection): CollectionInfo {
  return {
    id: c.id,
    name: c.name,
    path: c.path,
    format: c.format,
    instruments: instrumentInfos(c.collection),
    waves: c.collection.waves.length,
    bytes: c.bytes,
    warnings: c.collection.warnings.slice(0, 200),
    builtIn: c.builtIn,
  };
}

/** Reads bytes [start, end) of the file into the same place of `bytes`. */
async function readRange(fh: FileHandle, path: string, bytes: Uint8Array, start: number, end: number): Promise<void> {
  let done = start;
  while (done < end) {
    const { bytesRead } = await fh.read(bytes, done, end - done, done);
    if (bytesRead === 0) throw new Error(`${path}: the file ended at byte ${done} of ${bytes.length} while it was being read`);
    done += bytesRead;
  }
}

/**
 * A whole file as one Uint8Array, read with as few calls as the OS allows and never copied: the
 * collection's waves are views onto these bytes (fs.readFile reads in 512 KB pieces, and
 * `new Uint8Array(buffer)` would copy 150 MB once more).
 */
async function readWhole(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const bytes = new Uint8Array((await fh.stat()).size);
    await readRange(fh, path, bytes, 0, bytes.length);
    return bytes;
  } finally {
    await fh.close();
  }
}

/**
 * A SoundFont read into a buffer of the file's size without the data of the sub-chunks of its
 * LIST 'sdta' (the samples: almost all of the file), which the import reads later for the waves
 * it converts (`fill`, readSf2OrSf3AsDls). The pages never read are never touched, so they cost
 * neither reading nor memory. null when the file is not a RIFF 'sfbk' whose chunk sizes all fit:
 * the caller then reads it whole, and the parser reports what is wrong exactly as it always does.
 */
async function readSoundFontWithoutSamples(fh: FileHandle, path: string, size: number): Promise<Uint8Array | null> {
  if (size < 12) return null;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const read = (start: number, end: number) => readRange(fh, path, bytes, start, end);
  await read(0, 12);
  if (fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'sfbk') return null;
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd < 12 || riffEnd > size) return null;
  let at = 12;
  while (at < riffEnd) {
    if (riffEnd - at < 12) {
      // Too short for a list header: stray bytes (or a last small chunk) the parser looks at.
      await read(at, riffEnd);
      break;
    }
    await read(at, at + 12);
    const chunkEnd = at + 8 + view.getUint32(at + 4, true);
    if (chunkEnd > riffEnd) return null;
    if (fourcc(bytes, at) === 'LIST' && fourcc(bytes, at + 8) === 'sdta') {
      // Only the headers of smpl and sm24.
      let sub = at + 12;
      while (chunkEnd - sub >= 8) {
        await read(sub, sub + 8);
        const subEnd = sub + 8 + view.getUint32(sub + 4, true);
        if (subEnd > chunkEnd) return null;
        sub = subEnd + (subEnd & 1);
      }
    } else await read(at + 12, chunkEnd);
    at = chunkEnd + (chunkEnd & 1);
  }
  return bytes;
}

/** What a state snapshot says of a collection (CollectionSummary in the protocol). */
export function collectionSummary(c: OpenCollection): CollectionSummary {
  const { instruments, ...rest } = collectionInfo(c);
  return { ...rest, instrumentCount: instruments.length };
}

/** Progress of opening a bank (an SF3's samples decoded so far). */
export type LoadProgress = (done: number, total: number) => void;

export class CollectionStore {
  private readonly open = new Map<number, OpenCollection>();
  private nextId = 1;

  /**
   * Opens a bank file once (a second open of the same path returns the first). `programs`: a
   * partial collection for a caller that knows what it will play (loadBankBytes); it is never
   * shared with a later whole open of the same file.
   */
  async loadFile(path: string, builtIn = false, programs: ProgramFilter | null = null, onProgress?: LoadProgress): Promise<OpenCollection> {
    const existing = programs === null ? [...this.open.values()].find((c) => c.path === path && !c.partial) : undefined;
    if (existing) return existing;
    if (programs === null) return this.add(basename(path), path, await readWhole(path), builtIn, programs, onProgress);
    // A partial collection of a SoundFont needs only the samples of the presets it converts.
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const partial = await readSoundFontWithoutSamples(fh, path, size);
      if (partial === null) {
        const bytes = new Uint8Array(size);
        await readRange(fh, path, bytes, 0, size);
        return await this.add(basename(path), path, bytes, builtIn, programs, onProgress);
      }
      const fill = (start: number, end: number) => readRange(fh, path, partial, start, end);
      return await this.add(basename(path), path, partial, builtIn, programs, onProgress, fill);
    } finally {
      await fh.close();
    }
  }

  loadData(name: string, bytes: Uint8Array, path: string | null = null, onProgress?: LoadProgress): Promise<OpenCollection> {
    return this.add(name, path, bytes, false, null, onProgress);
  }

  private async add(
    name: string,
    path: string | null,
    bytes: Uint8Array,
    builtIn: boolean,
    programs: ProgramFilter | null = null,
    onProgress?: LoadProgress,
    fill?: FillBytes,
  ): Promise<OpenCollection> {
    const { format, collection } = await loadBank(bytes, programs, onProgress, fill);
    const partial = programs !== null && (format === 'SF2' || format === 'SF3');
    const c: OpenCollection = { id: this.nextId++, name: infoText(collection.info, 'INAM') || name, path, format, collection, bytes: bytes.byteLength, builtIn, partial };
    this.open.set(c.id, c);
    return c;
  }

  get(id: number): OpenCollection {
    const c = this.open.get(id);
    if (!c) throw new DmusError('NOTADLSCOL', `no open collection ${id}`);
    return c;
  }

  close(id: number): void {
    if (!this.open.delete(id)) throw new DmusError('NOTADLSCOL', `no open collection ${id}`);
  }

  list(): OpenCollection[] {
    return [...this.open.values()];
  }

  /** The instrument with this patch, or a DMUS_E_BADINSTRUMENT naming what was asked. */
  findInstrument(c: OpenCollection, bank: number, program: number, drum: boolean): { ins: DlsInstrument; index: number } {
    const index = c.collection.instruments.findIndex((i) => {
      const a = decodeLocale(i.locale);
      return midiBank(i.locale) === bank && a.program === program && a.drum === drum;
    });
    if (index < 0) throw new DmusError('BADINSTRUMENT', `${c.name} has no ${drum ? 'drum kit' : 'instrument'} at bank ${bank} program ${program}`);
    return { ins: c.collection.instruments[index], index };
  }
}
