/**
 * The session's open instrument collections (DLS Level 1/2 and SoundFont 2 files), parsed once and
 * kept as views onto their file bytes; the source of every download (reference §5.9).
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { type DlsCollection, type DlsInstrument, decodeLocale, effectiveVelocityRange, infoText, midiBank } from '../dls/collection.js';
import { loadBank } from '../dls/load-bank.js';
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

/**
 * A whole file as one Uint8Array, read with as few calls as the OS allows and never copied: the
 * collection's waves are views onto these bytes (fs.readFile reads in 512 KB pieces, and
 * `new Uint8Array(buffer)` would copy 150 MB once more).
 */
async function readWhole(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(bytes, done, size - done, done);
      if (bytesRead === 0) throw new Error(`${path}: the file ended at byte ${done} of ${size} while it was being read`);
      done += bytesRead;
    }
    return bytes;
  } finally {
    await fh.close();
  }
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
  async loadFile(path: string, builtIn = false, programs: ReadonlySet<number> | null = null, onProgress?: LoadProgress): Promise<OpenCollection> {
    const existing = programs === null ? [...this.open.values()].find((c) => c.path === path && !c.partial) : undefined;
    if (existing) return existing;
    const bytes = await readWhole(path);
    return this.add(basename(path), path, bytes, builtIn, programs, onProgress);
  }

  loadData(name: string, bytes: Uint8Array, path: string | null = null, onProgress?: LoadProgress): Promise<OpenCollection> {
    return this.add(name, path, bytes, false, null, onProgress);
  }

  private async add(
    name: string,
    path: string | null,
    bytes: Uint8Array,
    builtIn: boolean,
    programs: ReadonlySet<number> | null = null,
    onProgress?: LoadProgress,
  ): Promise<OpenCollection> {
    const { format, collection } = await loadBank(bytes, programs, onProgress);
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
