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
 * offset, nothing already queued is lost. Before delivering, the unpacker reserves enough events
 * and buffers (the allocator may grow here: the unpacker runs on the control side), so a valid
 * IRP is never cut short by an empty pool.
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
import { DMUS_KEF, NULL_EVENT } from '../kernel-event.js';
import { MxfFilter } from '../mxf.js';
import type { RefTime } from '../units.js';

/** Largest channel group a kernel event can carry (usChannelGroup is a USHORT). */
const MAX_CHANNEL_GROUP = 0xffff;

/** Result of one unpack() call. Reused between calls: copy what you keep. */
export interface UnpackResult {
  /** Records turned into events and delivered. */
  records: number;
  /** Kernel events delivered (a long SysEx takes several). */
  events: number;
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
}

export class Unpacker extends MxfFilter {
  readonly stats: UnpackerStats = { irps: 0, records: 0, events: 0, rejectedIrps: 0 };
  private readonly result: UnpackResult = { records: 0, events: 0, bytesConsumed: 0, error: null };
  private streamPosition = 0;

  /**
   * Unpacks one IRP. `length` is the buffer's used byte count. Returns a reused result object.
   * Allocates only when the pool must grow or on the error path.
   */
  unpack(bytes: Uint8Array, startTime: RefTime, length = bytes.length): UnpackResult {
    const r = this.result;
    r.records = 0;
    r.events = 0;
    r.bytesConsumed = 0;
    r.error = null;
    this.stats.irps++;
    if (length > bytes.length) length = bytes.length;

    // Pass 1: validate, and count the events and buffers this IRP needs.
    const bufferSize = this.allocator.getBufferSize();
    let end = 0;
    let needEvents = 0;
    let needBuffers = 0;
    while (end < length) {
      let code = checkRecord(bytes, length, end);
      if (code === RECORD.OK && readU32(bytes, end + 4) > MAX_CHANNEL_GROUP) code = -1;
      if (code !== RECORD.OK) {
        r.error =
          code === -1
            ? new DmusError('INVALID_EVENT', `channel group ${readU32(bytes, end + 4)} is larger than ${MAX_CHANNEL_GROUP}`, `byte offset ${end} of the DirectMusic buffer`)
            : recordError(bytes, length, end, code);
        this.stats.rejectedIrps++;
        break;
      }
      const cb = readU32(bytes, end);
      if (cb <= 8) needEvents++;
      else {
        const chunks = Math.ceil(cb / bufferSize);
        needEvents += chunks;
        needBuffers += chunks;
      }
      end += dmusEventSize(cb);
    }
    this.allocator.reserve(needEvents, needBuffers);

    // Pass 2: deliver the valid records [0, end).
    let off = 0;
    while (off < end) {
      const cb = readU32(bytes, off);
      const group = readU32(bytes, off + 4);
      const time = startTime + readI64(bytes, off + 8);
      const data = off + DMUS_EVENTHEADER_SIZE;
      let done = 0;
      // The kernel event has no 'structured' flag: the status byte says what the bytes are.
      // Payloads longer than one buffer (SysEx) are cut into buffer-sized INCOMPLETE chunks.
      do {
        const n = Math.min(bufferSize, cb - done);
        const e = this.allocator.getMessage();
        if (e === NULL_EVENT) break; // cannot happen after reserve(); counted by the allocator
        const f = this.allocator.fields;
        f.usChannelGroup[e] = group;
        f.ullPresTime100ns[e] = time;
        f.ullBytePosition[e] = this.streamPosition + off;
        this.allocator.setData(e, bytes, data + done, n);
        done += n;
        if (done < cb) f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
        r.events++;
        this.output.putMessage(e);
      } while (done < cb);
      r.records++;
      off += dmusEventSize(cb);
    }
    r.bytesConsumed = end;
    this.streamPosition += end;
    this.stats.records += r.records;
    this.stats.events += r.events;
    return r;
  }

  /** Events put into the unpacker directly (not from an IRP) pass on unchanged. */
  putMessage(e: number): void {
    this.forward(e);
  }
}
