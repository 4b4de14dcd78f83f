/**
 * Seed concept: the user-mode DirectMusic buffer (IDirectMusicBuffer, dmusbuff.h): the IRP payload
 * that carries time-stamped MIDI between dmusic.dll and the port. Reference §2.
 *
 * A buffer is a run of records, each a 20-byte DMUS_EVENTHEADER (packed to 4 bytes) followed by
 * cbEvent data bytes, padded to a multiple of 8:
 *
 *   off  DWORD           cbEvent          data bytes after the header (not rounded)
 *   4    DWORD           dwChannelGroup   1..N, 0 = every group
 *   8    REFERENCE_TIME  rtDelta          offset from the buffer's start time, 100 ns
 *   16   DWORD           dwFlags          DMUS_EVENT_STRUCTURED (1) for a parsable MIDI message
 *   20   BYTE[cbEvent]   data
 *
 * DMUS_EVENT_SIZE(cb) = (20 + cb + 7) & ~7: a 3-byte note-on takes 24 bytes, a 13-byte SysEx 40.
 * (The SDK's "28-byte header, 4-byte padding" pages are wrong; reference §9.1 item 3.)
 */
import { DmusError } from './errors.js';
import { messageLength } from './midi-message.js';
import type { RefTime } from './units.js';

export const DMUS_EVENTHEADER_SIZE = 20;
export const DMUS_EVENT_STRUCTURED = 0x1;

/** QWORD_ALIGN. */
export function qwordAlign(x: number): number {
  return (x + 7) & ~7;
}
/** DMUS_EVENT_SIZE(cb): bytes one record takes, header and padding included. */
export function dmusEventSize(cb: number): number {
  return qwordAlign(DMUS_EVENTHEADER_SIZE + cb);
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
/** Signed 64-bit little-endian as a number (exact to 2^53). */
export function readI64(b: Uint8Array, o: number): number {
  const lo = readU32(b, o);
  const hi = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24); // signed
  return hi * 4294967296 + lo;
}
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
export function writeI64(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  const lo = v - hi * 4294967296;
  writeU32(b, o, lo);
  writeU32(b, o + 4, hi);
}

/** Why a record is invalid. 0 = valid. Numbers so that the unpacker's hot loop does not allocate. */
export const RECORD = {
  OK: 0,
  TRUNCATED_HEADER: 1,
  DATA_PAST_END: 2,
  NOT_PADDED: 3,
  EMPTY_EVENT: 4,
  ZERO_STATUS: 5,
  BAD_STATUS: 6,
  LENGTH_MISMATCH: 7,
  MISALIGNED: 8,
} as const;

/**
 * Checks the record at `off` of a buffer whose used size is `length`. Returns a RECORD code.
 * A structured record must start with a status byte whose message length (PackStructured's
 * table) is at most cbEvent; an unstructured record (SysEx or raw bytes) may hold anything but
 * must not be empty.
 *
 * `padStart` is where the data of the record before `off` ended (its padding is [padStart, off)).
 * Readers step by DMUS_EVENT_SIZE, so `off` is always 8-aligned; a writer that padded less (the
 * SDK pages' "multiple of 4", reference §2.1, or no padding at all) put the next record inside that
 * padding, and at `off` a reader finds the middle of a header. So when the record at `off` is not
 * valid but a well-formed record starts in the padding (at padStart, or at padStart rounded up to
 * 4), the answer is MISALIGNED, and misalignedRecord() says where it starts.
 */
export function checkRecord(b: Uint8Array, length: number, off: number, padStart = off): number {
  const code = checkAt(b, length, off);
  if (code === RECORD.OK || misalignedRecord(b, length, off, padStart) < 0) return code;
  return RECORD.MISALIGNED;
}

/** Where a well-formed record starts in the padding [padStart, off) before `off`, or -1. */
export function misalignedRecord(b: Uint8Array, length: number, off: number, padStart: number): number {
  if (padStart < off && wellFormedAt(b, length, padStart)) return padStart;
  const p4 = (padStart + 3) & ~3;
  if (p4 > padStart && p4 < off && wellFormedAt(b, length, p4)) return p4;
  return -1;
}

/** A record whose own bytes are valid (its padding may be missing: a writer that pads short). */
function wellFormedAt(b: Uint8Array, length: number, p: number): boolean {
  const code = checkAt(b, length, p);
  return code === RECORD.OK || code === RECORD.NOT_PADDED;
}

function checkAt(b: Uint8Array, length: number, off: number): number {
  if (off + DMUS_EVENTHEADER_SIZE > length) return RECORD.TRUNCATED_HEADER;
  const cb = readU32(b, off);
  if (cb > length - off - DMUS_EVENTHEADER_SIZE) return RECORD.DATA_PAST_END;
  if (off + dmusEventSize(cb) > length) return RECORD.NOT_PADDED;
  if (cb === 0) return RECORD.EMPTY_EVENT;
  const flags = readU32(b, off + 16);
  if ((flags & DMUS_EVENT_STRUCTURED) !== 0) {
    const status = b[off + DMUS_EVENTHEADER_SIZE];
    if (status === 0) return RECORD.ZERO_STATUS;
    const n = messageLength(status);
    if (n === 0) return RECORD.BAD_STATUS;
    if (n > cb) return RECORD.LENGTH_MISMATCH;
  }
  return RECORD.OK;
}

/** Where the data of the record at `off` ends: the next record's padStart. */
export function recordDataEnd(b: Uint8Array, off: number): number {
  return off + DMUS_EVENTHEADER_SIZE + readU32(b, off);
}

/** The error for a RECORD code (allocates: only on the error path). `padStart` as for checkRecord. */
export function recordError(b: Uint8Array, length: number, off: number, code: number, padStart = off): DmusError {
  if (code === RECORD.MISALIGNED) {
    const p = misalignedRecord(b, length, off, padStart);
    return new DmusError(
      'INVALID_EVENT',
      `record is not aligned to 8 bytes: it starts ${off - p} bytes early, in the padding of the record before it (each record is padded to DMUS_EVENT_SIZE, a multiple of 8)`,
      `byte offset ${p} of the DirectMusic buffer`,
    );
  }
  const where = `byte offset ${off} of the DirectMusic buffer`;
  const cb = off + 4 <= length ? readU32(b, off) : 0;
  switch (code) {
    case RECORD.TRUNCATED_HEADER:
      return new DmusError('INVALID_EVENT', `truncated record: ${length - off} bytes left, a DMUS_EVENTHEADER needs 20`, where);
    case RECORD.DATA_PAST_END:
      return new DmusError('INVALID_EVENT', `cbEvent ${cb} runs past the end of the buffer (${length} bytes used)`, where);
    case RECORD.NOT_PADDED:
      return new DmusError('INVALID_EVENT', `record of ${DMUS_EVENTHEADER_SIZE + cb} bytes is not padded to ${dmusEventSize(cb)} (the next record would be misaligned)`, where);
    case RECORD.EMPTY_EVENT:
      return new DmusError('INVALID_EVENT', 'cbEvent is 0', where);
    case RECORD.ZERO_STATUS:
      return new DmusError('INVALID_EVENT', 'structured event with a zero status byte', where);
    case RECORD.BAD_STATUS:
      return new DmusError('INVALID_EVENT', `structured event with status byte 0x${b[off + 20].toString(16).padStart(2, '0')}, which does not start a channel or system message`, where);
    case RECORD.LENGTH_MISMATCH:
      return new DmusError('INVALID_EVENT', `structured event of ${cb} bytes is shorter than its status byte 0x${b[off + 20].toString(16)} requires`, where);
    default:
      return new DmusError('INVALID_EVENT', `invalid record (code ${code})`, where);
  }
}

/** One record read back (allocating form, for tools, tests and the protocol). */
export interface BufferEvent {
  /** Absolute time: start time + rtDelta. */
  time: RefTime;
  rtDelta: RefTime;
  channelGroup: number;
  structured: boolean;
  data: Uint8Array;
  /** Byte offset of the record in the buffer. */
  offset: number;
}

/**
 * Reads every record of a raw buffer. Stops at the first invalid record: the records before it are
 * returned, and `error` names the offset of the bad one.
 */
export function readDirectMusicBuffer(
  bytes: Uint8Array,
  startTime: RefTime,
  length = bytes.length,
): { events: BufferEvent[]; error?: DmusError } {
  const events: BufferEvent[] = [];
  let off = 0;
  let padStart = 0;
  while (off < length) {
    const code = checkRecord(bytes, length, off, padStart);
    if (code !== RECORD.OK) return { events, error: recordError(bytes, length, off, code, padStart) };
    padStart = recordDataEnd(bytes, off);
    const cb = readU32(bytes, off);
    const rtDelta = readI64(bytes, off + 8);
    events.push({
      time: startTime + rtDelta,
      rtDelta,
      channelGroup: readU32(bytes, off + 4),
      structured: (readU32(bytes, off + 16) & DMUS_EVENT_STRUCTURED) !== 0,
      data: bytes.slice(off + DMUS_EVENTHEADER_SIZE, off + DMUS_EVENTHEADER_SIZE + cb),
      offset: off,
    });
    off += dmusEventSize(cb);
  }
  return { events };
}

/**
 * IDirectMusicBuffer: packs events into the raw record format. The storage is allocated once
 * (cbBuffer rounded up to 8, as native does: 1023 -> 1024); packing never allocates.
 */
export class DirectMusicBuffer {
  readonly bytes: Uint8Array;
  private used = 0;
  private startTime: RefTime = 0;
  private readPtr = 0;

  constructor(cbBuffer: number) {
    if (!(cbBuffer > 0)) throw new DmusError('E_INVALIDARG', `buffer size ${cbBuffer} must be positive`);
    this.bytes = new Uint8Array(qwordAlign(cbBuffer));
  }

  /** GetMaxBytes. */
  get maxBytes(): number {
    return this.bytes.length;
  }
  /** GetUsedBytes. */
  get usedBytes(): number {
    return this.used;
  }
  get isEmpty(): boolean {
    return this.used === 0;
  }
  /** Space left for a record with `cb` data bytes. */
  fits(cb: number): boolean {
    return this.used + dmusEventSize(cb) <= this.bytes.length;
  }

  /** Flush: used bytes 0, start time no longer valid. */
  flush(): void {
    this.used = 0;
    this.readPtr = 0;
    this.startTime = 0;
  }

  /** GetStartTime: DMUS_E_BUFFER_EMPTY while empty, even after setStartTime (native). */
  getStartTime(): RefTime {
    if (this.used === 0) throw new DmusError('BUFFER_EMPTY', 'the buffer holds no events, so it has no start time');
    return this.startTime;
  }
  /** SetStartTime: rtDelta values stay, so every event's absolute time shifts. */
  setStartTime(rt: RefTime): void {
    this.startTime = Math.round(rt);
  }

  /** TotalTime: span from the start time to the last event. */
  totalTime(): RefTime {
    let last = 0;
    for (let off = 0; off < this.used; off += dmusEventSize(readU32(this.bytes, off))) {
      last = Math.max(last, readI64(this.bytes, off + 8));
    }
    return last;
  }

  /**
   * PackStructured: `message` is a DWORD, status in the low byte, then data1, data2. The stored
   * length comes from the status byte. DMUS_E_INVALID_EVENT for SysEx or a missing status;
   * DMUS_E_BUFFER_FULL when there is no room (native returns E_OUTOFMEMORY; the DirectMusic
   * name is clearer to a caller of this port).
   */
  packStructured(rt: RefTime, channelGroup: number, message: number): void {
    const status = message & 0xff;
    const cb = messageLength(status);
    if (cb === 0) {
      throw new DmusError('INVALID_EVENT', `message 0x${(message >>> 0).toString(16)} has no structured status byte`);
    }
    const off = this.reserveRecord(rt, channelGroup, cb, DMUS_EVENT_STRUCTURED);
    this.bytes[off] = status;
    if (cb > 1) this.bytes[off + 1] = (message >>> 8) & 0x7f;
    if (cb > 2) this.bytes[off + 2] = (message >>> 16) & 0x7f;
  }

  /** PackUnstructured: raw bytes (a SysEx or anything else), flag clear. */
  packUnstructured(rt: RefTime, channelGroup: number, data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (length <= 0) throw new DmusError('INVALID_EVENT', 'an unstructured event needs at least one byte');
    const off = this.reserveRecord(rt, channelGroup, length, 0);
    this.bytes.set(data.subarray(offset, offset + length), off);
  }

  private reserveRecord(rt: RefTime, channelGroup: number, cb: number, flags: number): number {
    const size = dmusEventSize(cb);
    if (this.used + size > this.bytes.length) {
      throw new DmusError('BUFFER_FULL', `no room for a ${cb}-byte event (${this.bytes.length - this.used} of ${this.bytes.length} bytes free)`);
    }
    // REFERENCE_TIME is a whole count of 100 ns (a LONGLONG): a fractional time (a clock that adds
    // 26,666.67 for one 128-frame block) is rounded HERE, once. Packed as it was, `rt - startTime`
    // could come out a hair under a whole number when the two straddle a power of two (2^27 x
    // 100 ns = 13.4 s: the double loses a fraction bit), the 64-bit field truncated it, and the
    // event moved 100 ns earlier, before an event of the same time in the next buffer (a note-on
    // before the note-off of its key: the sequencer's same-time rule no longer saw them as equal).
    rt = Math.round(rt);
    if (this.used === 0) this.startTime = rt;
    const o = this.used;
    const b = this.bytes;
    writeU32(b, o, cb);
    writeU32(b, o + 4, channelGroup >>> 0);
    writeI64(b, o + 8, rt - this.startTime);
    writeU32(b, o + 16, flags);
    // Zero the padding so identical input packs to identical bytes.
    for (let i = o + DMUS_EVENTHEADER_SIZE; i < o + size; i++) b[i] = 0;
    this.used += size;
    return o + DMUS_EVENTHEADER_SIZE;
  }

  /** GetRawBufferPtr restricted to the used bytes (a view, no copy). */
  raw(): Uint8Array {
    return this.bytes.subarray(0, this.used);
  }

  /** SetUsedBytes, for a caller that filled the raw bytes directly. Validates the records. */
  setUsedBytes(n: number): void {
    if (n < 0 || n > this.bytes.length) throw new DmusError('E_INVALIDARG', `used bytes ${n} outside 0..${this.bytes.length}`);
    for (let off = 0, padStart = 0; off < n; ) {
      const code = checkRecord(this.bytes, n, off, padStart);
      if (code !== RECORD.OK) throw recordError(this.bytes, n, off, code, padStart);
      padStart = recordDataEnd(this.bytes, off);
      off += dmusEventSize(readU32(this.bytes, off));
    }
    this.used = n;
    this.readPtr = 0;
  }

  /** ResetReadPtr. */
  resetReadPtr(): void {
    this.readPtr = 0;
  }

  /** GetNextEvent: the next record, or null at the end (S_FALSE). Allocates the result. */
  getNextEvent(): BufferEvent | null {
    if (this.readPtr >= this.used) return null;
    const off = this.readPtr;
    const cb = readU32(this.bytes, off);
    const rtDelta = readI64(this.bytes, off + 8);
    this.readPtr += dmusEventSize(cb);
    return {
      time: this.startTime + rtDelta,
      rtDelta,
      channelGroup: readU32(this.bytes, off + 4),
      structured: (readU32(this.bytes, off + 16) & DMUS_EVENT_STRUCTURED) !== 0,
      data: this.bytes.subarray(off + DMUS_EVENTHEADER_SIZE, off + DMUS_EVENTHEADER_SIZE + cb),
      offset: off,
    };
  }
}
