/**
 * Seed concept: the unpacker (seed "Allocator", reference §1.8): the first node of a render pin.
 * It walks the DMUS_EVENTHEADER records of an IRP (a DirectMusic buffer plus its start time),
 * takes one zeroed DMUS_KERNEL_EVENT per MIDI event from the allocator (GetMessage), fills it, and
 * passes it to its output (the sequencer, through any transform filters) with PutMessage.
 *
 *   ullPresTime100ns = buffer start time + rtDelta
 *   usChannelGroup   = dwChannelGroup (1-based; 0 = every group, resolved by the synth)
 *   payload          = inline when cbEvent <= 8, else allocator buffers of GetBufferSize() bytes;
 *                      a longer message is split over several events, INCOMPLETE on all but the last
 *   ullBytePosition  = byte offset of the record in this pin's stream of IRPs (a diagnostic aid:
 *                      the kernel's own meaning of the field is undocumented, reference §9.2)
 *
 * A bad record stops the walk: the records before it have been delivered, the error names the
 * offset, nothing already queued is lost.
 *
 * The pool. A first pass counts the events and buffers the IRP needs, so a record is delivered
 * whole or not at all (a SysEx is never cut into a partial message). Then, by POOL_GROWTH:
 *   GROW   the control side (offline renders, tests, a pin fed in the calling thread between
 *          blocks): allocator.reserve() grows the pool ahead of the IRP, so a valid IRP is never
 *          cut short. Growing allocates typed arrays.
 *   FIXED  the render thread (RenderLoop, live play): the pool never grows there. The records that
 *          fit the free events and buffers are delivered, in order; from the first record that
 *          does not fit, the rest of the IRP is dropped, and counted (UnpackResult.recordsDropped,
 *          stats.recordsDropped), which the pin reports to the musician as "events lost". The
 *          pool is sized up front for live play (port.ts, RENDER_PIN_POOL) and grown by the
 *          control side (RenderPin.reservePool).
 *
 * The hot entry is unpackAt(), which reads the start time from a Float64Array slot: V8 passes a
 * double to a call it does not inline as a freshly boxed heap number (16 bytes per call), and a
 * REFERENCE_TIME past 2^31 (214 s) is always a double. unpack() is the convenient form.
 */
import {
  checkRecord,
  DMUS_EVENTHEADER_SIZE,
  dmusEventSize,
  RECORD,
  readI64,
  readU32,
  recordError,
} from '../dmus-buffer.js';
import { DmusError } from '../errors.js';
import { DMUS_KEF, INLINE_DATA_BYTES, NULL_EVENT } from '../kernel-event.js';
import { MxfFilter } from '../mxf.js';
import type { RefTime } from '../units.js';

/** Largest channel group a kernel event can carry (usChannelGroup is a USHORT). */
const MAX_CHANNEL_GROUP = 0xffff;

/** How unpack() may get the events an IRP needs (see the file comment). */
export const POOL_GROWTH = {
  /** Control side: grow the pool ahead of the IRP (allocates). */
  GROW: 0,
  /** Render thread: never grow; what does not fit is dropped and counted. */
  FIXED: 1,
} as const;
export type PoolGrowth = (typeof POOL_GROWTH)[keyof typeof POOL_GROWTH];

/** Result of one unpack() call. Reused between calls: copy what you keep. */
export interface UnpackResult {
  /** Records turned into events and delivered. */
  records: number;
  /** Kernel events delivered (a long SysEx takes several). */
  events: number;
  /** Valid records not delivered because the pool had no room for them (POOL_GROWTH.FIXED). */
  recordsDropped: number;
  /** The kernel events those records would have taken. */
  eventsDropped: number;
  /** Bytes of the IRP consumed (up to the bad record when there is one). */
  bytesConsumed: number;
  /** The first invalid record, or null. */
  error: DmusError | null;
}

export interface UnpackerStats {
  irps: number;
  records: number;
  events: number;
  rejectedIrps: number;
  /** Valid records dropped because the pool was full and could not grow (render thread). */
  recordsDropped: number;
  /** The kernel events those records would have taken. */
  eventsDropped: number;
  /** IRPs that lost at least one record that way. */
  irpsCut: number;
}

export class Unpacker extends MxfFilter {
  readonly stats: UnpackerStats = { irps: 0, records: 0, events: 0, rejectedIrps: 0, recordsDropped: 0, eventsDropped: 0, irpsCut: 0 };
  private readonly result: UnpackResult = { records: 0, events: 0, recordsDropped: 0, eventsDropped: 0, bytesConsumed: 0, error: null };
  /** unpack()'s start time, handed to unpackAt() in memory rather than as a double argument. */
  private readonly startTime = new Float64Array(1);
  private streamPosition = 0;

  /**
   * Unpacks one IRP. `length` is the buffer's used byte count. Returns a reused result object.
   * With POOL_GROWTH.GROW (the default) it allocates only when the pool must grow or on the
   * error path; with FIXED it never allocates but on the error path.
   */
  unpack(bytes: Uint8Array, startTime: RefTime, length = bytes.length, growth: PoolGrowth = POOL_GROWTH.GROW): UnpackResult {
    this.startTime[0] = startTime;
    return this.unpackAt(bytes, this.startTime, 0, length, growth);
  }

  /** unpack() with the IRP's start time in times[index] (the allocation-free entry, see the file comment). */
  unpackAt(bytes: Uint8Array, times: Float64Array, index: number, length = bytes.length, growth: PoolGrowth = POOL_GROWTH.GROW): UnpackResult {
    const r = this.result;
    r.records = 0;
    r.events = 0;
    r.recordsDropped = 0;
    r.eventsDropped = 0;
    r.bytesConsumed = 0;
    r.error = null;
    this.stats.irps++;
    if (length > bytes.length) length = bytes.length;

    // Pass 1: validate, and count the events and buffers this IRP needs. `fit` ends the records
    // the pool can take without growing: all of them when it may grow.
    const a = this.allocator;
    const bufferSize = a.getBufferSize();
    const fixed = growth === POOL_GROWTH.FIXED;
    const freeEvents = a.freeEventsCount;
    const freeBuffers = a.freeBuffersCount;
    let end = 0;
    let fit = 0;
    let full = false;
    let needEvents = 0;
    let needBuffers = 0;
    let padStart = 0;
    while (end < length) {
      let code = checkRecord(bytes, length, end, padStart);
      if (code === RECORD.OK && readU32(bytes, end + 4) > MAX_CHANNEL_GROUP) code = -1;
      if (code !== RECORD.OK) {
        r.error =
          code === -1
            ? new DmusError('INVALID_EVENT', `channel group ${readU32(bytes, end + 4)} is larger than ${MAX_CHANNEL_GROUP}`, `byte offset ${end} of the DirectMusic buffer`)
            : recordError(bytes, length, end, code, padStart);
        this.stats.rejectedIrps++;
        break;
      }
      const cb = readU32(bytes, end);
      padStart = end + DMUS_EVENTHEADER_SIZE + cb;
      const chunks = cb <= INLINE_DATA_BYTES ? 1 : Math.ceil(cb / bufferSize);
      // Every chunk takes a buffer but a last one short enough to sit inline (setData).
      const buffers = cb <= INLINE_DATA_BYTES ? 0 : cb - (chunks - 1) * bufferSize <= INLINE_DATA_BYTES ? chunks - 1 : chunks;
      // Records are taken in order: once one does not fit, the rest of the IRP is dropped too,
      // so what is delivered is a prefix of the IRP (no later event overtakes a lost one).
      if (fixed && (full || needEvents + chunks > freeEvents || needBuffers + buffers > freeBuffers)) {
        full = true;
        r.recordsDropped++;
        r.eventsDropped += chunks;
      } else {
        needEvents += chunks;
        needBuffers += buffers;
        fit = end + dmusEventSize(cb);
      }
      end += dmusEventSize(cb);
    }
    if (!fixed) a.reserve(needEvents, needBuffers);

    // Pass 2: deliver the valid records that fit, [0, fit).
    const startTime = times[index];
    let off = 0;
    while (off < fit) {
      const cb = readU32(bytes, off);
      const group = readU32(bytes, off + 4);
      const time = startTime + readI64(bytes, off + 8);
      const data = off + DMUS_EVENTHEADER_SIZE;
      let done = 0;
      // The kernel event has no 'structured' flag: the status byte says what the bytes are.
      // Payloads longer than one buffer (SysEx) are cut into buffer-sized INCOMPLETE chunks.
      do {
        const n = Math.min(bufferSize, cb - done);
        const e = a.getMessage();
        if (e === NULL_EVENT) break; // cannot happen: pass 1 counted what is free; counted by the allocator
        const f = a.fields;
        f.usChannelGroup[e] = group;
        f.ullPresTime100ns[e] = time;
        f.ullBytePosition[e] = this.streamPosition + off;
        a.setData(e, bytes, data + done, n);
        done += n;
        if (done < cb) f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
        r.events++;
        // forward: a stopped unpacker lets nothing through (its events go back to the allocator).
        this.forward(e);
      } while (done < cb);
      r.records++;
      off += dmusEventSize(cb);
    }
    r.bytesConsumed = end;
    this.streamPosition += end;
    this.stats.records += r.records;
    this.stats.events += r.events;
    if (r.recordsDropped > 0) {
      this.stats.recordsDropped += r.recordsDropped;
      this.stats.eventsDropped += r.eventsDropped;
      this.stats.irpsCut++;
    }
    return r;
  }

  /** Events put into the unpacker directly (not from an IRP) pass on unchanged. */
  putMessage(e: number): void {
    this.forward(e);
  }
}
