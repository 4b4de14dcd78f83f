/**
 * Seed concept: RIFF framing of DLS files (reference §6.1) and of SoundFont 2 banks.
 * Purpose: a bounded, zero-copy RIFF reader (chunk data are subarray views onto the input) whose
 * errors name the chunk path and byte offset, and a writer that packs a node tree into one buffer.
 *
 * A chunk is FOURCC + little-endian size + data + one pad byte when the size is odd. RIFF and LIST
 * chunks start their data with a list type FOURCC, then the sub-chunks follow.
 */
import type { DmusErrorName } from '../dmus/errors.js';
import { DlsError } from './dls-error.js';

export interface RiffChunk {
  /** FOURCC, e.g. 'LIST', 'fmt ', 'wsmp'. */
  id: string;
  /** For RIFF and LIST chunks, the list type ('DLS ', 'ins ', 'wave', ...). */
  listType?: string;
  /** Byte offset of the chunk header (the FOURCC) in the input buffer. */
  offset: number;
  /** Declared data size (for lists: includes the 4-byte list type). */
  size: number;
  /** View of the data; for lists, the bytes after the list type. Never a copy. */
  data: Uint8Array;
  children?: RiffChunk[];
  parent?: RiffChunk;
  /**
   * Position among the siblings with the same id and list type (shown in paths for repeats).
   * -1 until asked for (siblingIndex): counting at parse time cost a Map per list.
   */
  index: number;
}

/** The chunk's position among its same-kind siblings, computed on demand (errors, warnings). */
export function siblingIndex(c: RiffChunk): number {
  if (c.index >= 0 || !c.parent?.children) return Math.max(0, c.index);
  const key = c.listType ?? c.id;
  let n = 0;
  for (const s of c.parent.children) {
    if (s === c) break;
    if ((s.listType ?? s.id) === key) n++;
  }
  c.index = n;
  return n;
}

export interface RiffReadOptions {
  /** Expected form type of the RIFF chunk ('DLS ', 'sfbk'). */
  formType?: string;
  /** DMUS_E_* code for structural errors. */
  code?: DmusErrorName;
  /** Nesting limit; DLS needs 6, SF2 3. Deeper input is hostile. */
  maxDepth?: number;
  /** Non-fatal oddities (stray bytes, missing final pad byte) are appended here. */
  warnings?: string[];
  /** Lists whose children are not parsed (their data stays a raw view), e.g. SF2 'sdta'. */
  opaqueLists?: ReadonlySet<string>;
}

/** Chunk types whose path elements carry a sibling index, because they repeat. */
const INDEXED = new Set(['ins ', 'rgn ', 'rgn2', 'wave', 'art1', 'art2', 'lart', 'lar2', 'cdl ']);

export function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function pathElement(c: RiffChunk): string {
  const key = c.listType ?? c.id;
  const base = c.listType !== undefined ? `${c.id}:${c.listType}` : c.id;
  return INDEXED.has(key) ? `${base}[${siblingIndex(c)}]` : base;
}

/** `RIFF:DLS /LIST:lins/LIST:ins [3]/LIST:lrgn/LIST:rgn [0]/wlnk` */
export function chunkPath(c: RiffChunk | undefined, leaf?: string): string {
  const parts: string[] = [];
  for (let n = c; n; n = n.parent) parts.push(pathElement(n));
  parts.reverse();
  if (leaf) parts.push(leaf);
  return parts.join('/');
}

/** Throws a DlsError for `chunk` (path + offset). */
export function fail(code: DmusErrorName, chunk: RiffChunk | undefined, message: string, leaf?: string): never {
  throw new DlsError(code, message, chunkPath(chunk, leaf), chunk ? chunk.offset : 0);
}

/**
 * Parses a whole RIFF file. Time and memory are O(input size): every chunk costs at least 8 input
 * bytes, sizes are checked against the parent before anything is read, nesting is capped.
 */
export function readRiff(bytes: Uint8Array, options: RiffReadOptions = {}): RiffChunk {
  // A plain Uint8Array view (not a Buffer) so chunk data compare equal whatever the caller passed.
  if (bytes.constructor !== Uint8Array) bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = options.code ?? 'NOTADLSCOL';
  const maxDepth = options.maxDepth ?? 16;
  const opaque = options.opaqueLists;
  if (bytes.length < 12) throw new DlsError(code, `file too short for a RIFF header (${bytes.length} bytes)`, '', 0);
  const id = fourcc(bytes, 0);
  if (id !== 'RIFF') throw new DlsError(code, `not a RIFF file (starts with '${printable(id)}')`, '', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(4, true);
  const formType = fourcc(bytes, 8);
  const root: RiffChunk = { id, listType: formType, offset: 0, size, data: bytes.subarray(12, 12), index: 0 };
  if (options.formType !== undefined && formType !== options.formType) {
    throw new DlsError(code, `wrong form type '${printable(formType)}', expected '${options.formType}'`, chunkPath(root), 0);
  }
  if (size < 4) throw new DlsError(code, `RIFF size ${size} is smaller than its form type`, chunkPath(root), 0);
  if (8 + size > bytes.length) {
    // Name where the file was cut: the innermost chunk that runs past its end.
    const cut = truncationPoint(bytes, view, root, maxDepth);
    if (cut) throw new DlsError(code, cut.message, cut.path, cut.offset);
    throw new DlsError(code, `RIFF size ${size} runs past the end of the file (${bytes.length} bytes): truncated`, chunkPath(root), 0);
  }
  if (8 + size + 1 < bytes.length) options.warnings?.push(`${bytes.length - 8 - size} bytes after the RIFF chunk ignored`);
  root.data = bytes.subarray(12, 8 + size);
  parseChildren(root, 1);
  return root;

  function parseChildren(parent: RiffChunk, depth: number): void {
    if (depth > maxDepth) fail(code, parent, `lists nested deeper than ${maxDepth}`);
    const start = parent.data.byteOffset - bytes.byteOffset;
    const end = start + parent.data.length;
    const children: RiffChunk[] = [];
    // The partly built list is visible to error paths (sibling indexes) through parent.children.
    parent.children = children;
    let at = start;
    while (at < end) {
      if (end - at < 8) {
        // A missing final pad byte, or junk: harmless, but say so.
        if (end - at > 1) options.warnings?.push(`${chunkPath(parent)}: ${end - at} stray bytes at offset ${at} ignored`);
        break;
      }
      const cid = fourcc(bytes, at);
      const size = view.getUint32(at + 4, true);
      const dataStart = at + 8;
      const c: RiffChunk = { id: cid, offset: at, size, data: EMPTY, parent, index: -1 };
      if (size > end - dataStart) {
        children.push(c);
        fail(code, c, `chunk size ${size} runs past the end of its parent (${end - dataStart} bytes left)`);
      }
      if (cid === 'LIST' || cid === 'RIFF') {
        if (size < 4) {
          children.push(c);
          fail(code, c, `list size ${size} is smaller than its list type`);
        }
        c.listType = fourcc(bytes, dataStart);
        c.data = bytes.subarray(dataStart + 4, dataStart + size);
      } else {
        c.data = bytes.subarray(dataStart, dataStart + size);
      }
      children.push(c);
      if (c.listType !== undefined && !opaque?.has(c.listType)) parseChildren(c, depth + 1);
      at = dataStart + size + (size & 1);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * For a file shorter than its RIFF size says: walks the chunk headers that are present, following
 * each chunk that runs past the end of the file into its sub-chunks, and names the innermost one
 * (or the chunk header that was cut in two). null when no chunk runs past the end (the RIFF size
 * alone is wrong). Reads only headers: O(number of chunks), nesting capped at maxDepth.
 */
function truncationPoint(bytes: Uint8Array, view: DataView, root: RiffChunk, maxDepth: number): { message: string; path: string; offset: number } | null {
  const fileEnd = bytes.length;
  const cutBy = (c: RiffChunk) => `the file ends at byte ${fileEnd}, ${c.offset + 8 + c.size - fileEnd} bytes short of the end of '${c.listType ?? c.id}' (declared ${c.size} bytes at offset ${c.offset}): truncated`;
  let parent = root;
  let at = 12;
  for (let depth = 1; depth <= maxDepth; depth++) {
    const children: RiffChunk[] = [];
    parent.children = children;
    let descended = false;
    while (at < fileEnd) {
      if (fileEnd - at < 8) {
        return { message: `the file ends at byte ${fileEnd}, inside the header of a chunk of '${parent.listType ?? parent.id}' at offset ${at}: truncated`, path: chunkPath(parent), offset: at };
      }
      const size = view.getUint32(at + 4, true);
      const c: RiffChunk = { id: fourcc(bytes, at), offset: at, size, data: EMPTY, parent, index: -1 };
      children.push(c);
      const isList = (c.id === 'LIST' || c.id === 'RIFF') && size >= 4 && at + 12 <= fileEnd;
      if (isList) c.listType = fourcc(bytes, at + 8); // for the sibling indexes in paths
      if (at + 8 + size <= fileEnd) {
        at += 8 + size + (size & 1);
        continue;
      }
      if (isList) {
        parent = c;
        at += 12;
        descended = true;
        break;
      }
      return { message: cutBy(c), path: chunkPath(c), offset: at };
    }
    if (!descended) return parent === root ? null : { message: cutBy(parent), path: chunkPath(parent), offset: parent.offset };
  }
  return { message: cutBy(parent), path: chunkPath(parent), offset: parent.offset };
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

// ---------------------------------------------------------------------------------------------
// Writer

export type RiffNode = RiffLeaf | RiffListNode;
export interface RiffLeaf {
  id: string;
  data: Uint8Array;
}
export interface RiffListNode {
  id: 'LIST' | 'RIFF';
  listType: string;
  children: RiffNode[];
}

export const riffChunk = (id: string, data: Uint8Array): RiffLeaf => ({ id, data });
export const riffList = (listType: string, children: RiffNode[]): RiffListNode => ({ id: 'LIST', listType, children });
export const riffForm = (listType: string, children: RiffNode[]): RiffListNode => ({ id: 'RIFF', listType, children });

/** Any four byte-sized characters: ids read from a file (even odd ones) must write back as read. */
function checkFourcc(id: string): void {
  if (id.length !== 4 || /[^\x00-\xff]/.test(id)) throw new RangeError(`invalid FOURCC '${id}'`);
}

/** Data size of a node (no header, no pad). Sizes are cached per write to keep it O(n). */
function dataSize(node: RiffNode, cache: Map<RiffNode, number>): number {
  const hit = cache.get(node);
  if (hit !== undefined) return hit;
  let size: number;
  if ('children' in node) {
    size = 4;
    for (const c of node.children) {
      const s = dataSize(c, cache);
      size += 8 + s + (s & 1);
    }
  } else size = node.data.length;
  if (size > 0xffffffff) throw new RangeError('RIFF chunk larger than 4 GiB');
  cache.set(node, size);
  return size;
}

/** Size of a node in its parent: header + data + pad byte. */
export function riffNodeSize(node: RiffNode): number {
  const s = dataSize(node, new Map());
  return 8 + s + (s & 1);
}

/** Packs a node tree into one new buffer: this is the only copy of the wave data on write. */
export function writeRiff(root: RiffNode): Uint8Array {
  const cache = new Map<RiffNode, number>();
  const total = dataSize(root, cache);
  const out = new Uint8Array(8 + total + (total & 1));
  const view = new DataView(out.buffer);
  let at = 0;
  const put = (node: RiffNode): void => {
    checkFourcc(node.id);
    const size = cache.get(node)!;
    for (let i = 0; i < 4; i++) out[at + i] = node.id.charCodeAt(i);
    view.setUint32(at + 4, size, true);
    at += 8;
    if ('children' in node) {
      checkFourcc(node.listType);
      for (let i = 0; i < 4; i++) out[at + i] = node.listType.charCodeAt(i);
      at += 4;
      for (const c of node.children) put(c);
    } else {
      out.set(node.data, at);
      at += size;
      if (size & 1) out[at++] = 0;
    }
  };
  put(root);
  return out;
}

/** Little-endian field writer used to build chunk bodies. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** A new zeroed buffer of `size` bytes, or writes into `into` (offsets relative to its start). */
  constructor(size: number, into?: Uint8Array) {
    this.bytes = into ?? new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }
  u8(at: number, v: number): this {
    this.view.setUint8(at, v);
    return this;
  }
  u16(at: number, v: number): this {
    this.view.setUint16(at, v, true);
    return this;
  }
  i16(at: number, v: number): this {
    this.view.setInt16(at, v, true);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  i32(at: number, v: number): this {
    this.view.setInt32(at, v | 0, true);
    return this;
  }
}

/** A DataView over a chunk's data (no copy). */
export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}
