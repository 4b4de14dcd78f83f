/**
 * Seed concept: loading an instrument collection from a file (reference §6; SF2 import).
 * Purpose: one entry point that recognises a DLS ('RIFF' 'DLS ') or SoundFont 2 ('RIFF' 'sfbk')
 * file by its form type and returns a DlsCollection plus the source format, for the CLI and host.
 */
import type { ProgramFilter } from './program-filter.js';
import { readFileSync } from 'node:fs';
import { collectionLevel, type DlsCollection } from './collection.js';
import { DlsError } from './dls-error.js';
import { readDls } from './dls-reader.js';
import { fourcc } from './riff.js';
import { type FillBytes, readSf2AsDls, readSf2OrSf3AsDls } from './sf2/sf2-to-dls.js';
import type { DecodeProgress } from './sf2/sf3-decode.js';

export type BankFormat = 'DLS1' | 'DLS2' | 'SF2' | 'SF3';

export interface LoadedBank {
  format: BankFormat;
  collection: DlsCollection;
  /** File size in bytes. */
  size: number;
}

/**
 * `programs` (SF2 only): convert just the presets it takes, by program number and kind
 * (ProgramFilter, readSf2AsDls). A DLS
 * file is read whole either way: its waves are views onto the bytes and cost nothing to keep.
 */
export function loadBankBytes(bytes: Uint8Array, programs: ProgramFilter | null = null): LoadedBank {
  const form = bytes.length >= 12 && fourcc(bytes, 0) === 'RIFF' ? fourcc(bytes, 8) : '';
  if (form === 'sfbk') return { format: 'SF2', collection: readSf2AsDls(bytes, programs).collection, size: bytes.length };
  if (form === 'DLS ') {
    const collection = readDls(bytes);
    return { format: collectionLevel(collection) === 2 ? 'DLS2' : 'DLS1', collection, size: bytes.length };
  }
  throw new DlsError('NOTADLSCOL', `not a DLS or SoundFont 2 file (form type '${form.replace(/[^\x20-\x7e]/g, '?')}')`, '', 0);
}

/** Reads the file once; wave data stay views onto that one buffer. SF3 needs loadBankFileAsync. */
export function loadBankFile(path: string): LoadedBank {
  return loadBankBytes(readFileSync(path));
}

/**
 * loadBankBytes for every format, SF3 included: a SoundFont's Ogg Vorbis samples are decoded into
 * 16-bit PCM first (engine/dls/sf2/sf3-decode.ts), which is why this one is asynchronous.
 * `fill`: a SoundFont read without its sample data, see readSf2OrSf3AsDls.
 */
export async function loadBank(
  bytes: Uint8Array,
  programs: ProgramFilter | null = null,
  onProgress?: DecodeProgress,
  fill?: FillBytes,
): Promise<LoadedBank> {
  const form = bytes.length >= 12 && fourcc(bytes, 0) === 'RIFF' ? fourcc(bytes, 8) : '';
  if (form !== 'sfbk') return loadBankBytes(bytes, programs);
  const r = await readSf2OrSf3AsDls(bytes, programs, onProgress, fill);
  return { format: r.compressed ? 'SF3' : 'SF2', collection: r.collection, size: bytes.length };
}

export async function loadBankFileAsync(path: string): Promise<LoadedBank> {
  return loadBank(readFileSync(path));
}
