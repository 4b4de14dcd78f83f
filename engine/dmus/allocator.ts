/**
 * Seed concept: the allocator (IAllocatorMXF, seed "Allocator"): the pool that recycles
 * DMUS_KERNEL_EVENT structures so that no stage allocates per event.
 *
 * - The pool starts full ("the allocator gets created with empty DMUS_KERNEL_EVENT structures in
 *   the pool so that it never starts out empty").
 * - getMessage hands out a zeroed event; putMessage takes back an event or a whole pNextEvt chain,
 *   including package chains and the pbData buffers attached to them.
 * - getBuffer/getBufferSize: fixed-size data buffers for events too big for the 8 inline bytes.
 * - getMessage/getBuffer never grow the pool (they may run on the render path). On exhaustion they
 *   return NULL_EVENT / NO_BUFFER, count the failure in `stats` and call `onExhausted`: a counted,
 *   reported failure, never a silent drop. The control side grows the pool ahead of need with
 *   reserve(), which allocates and is never called from the render loop: there the unpacker takes
 *   what fits the free pool and counts the rest (render/unpacker.ts, POOL_GROWTH.FIXED), and the
 *   pin reports both (port.ts, PinEventStats: "events lost" in the UI).
 *
 * Thread: one owner thread; the typed arrays may be replaced by reserve(), so callers read them
 * through `fields` on each call and never keep them across calls.
 */
import {
  DMUS_KEF,
  INLINE_DATA_BYTES,
  KERNEL_EVENT_CBSTRUCT,
  type KernelEvent,
  type KernelEventFields,
  NO_BUFFER,
  NULL_EVENT,
} from './kernel-event.js';
import type { IMXF, KsState } from './mxf.js';

/**
 * IAllocatorMXF::GetBufferSize. Microsoft's value is not documented (reference §9.2); 256 bytes
 * holds every GM/GS/XG SysEx in one buffer while keeping the pool small.
 */
export const DEFAULT_BUFFER_SIZE = 256;

export interface AllocatorOptions {
  /** Events in the pool at creation (it starts full). */
  initialEvents?: number;
  /** Data buffers in the pool at creation. */
  initialBuffers?: number;
  /** Bytes per data buffer (GetBufferSize). */
  bufferSize?: number;
  /** Called (on the calling thread) when getMessage/getBuffer find the pool empty. */
  onExhausted?: (what: 'event' | 'buffer') => void;
}

export interface AllocatorStats {
  /** Events handed out and not yet returned. */
  eventsInUse: number;
  buffersInUse: number;
  /** Highest eventsInUse seen. */
  peakEventsInUse: number;
  /** getMessage calls that found the pool empty. */
  eventExhaustions: number;
  /** getBuffer calls that found the buffer pool empty. */
  bufferExhaustions: number;
  /** Times reserve() grew the pool. */
  grows: number;
}

class Fields implements KernelEventFields {
  readonly bReserved: Uint8Array;
  readonly cbStruct: Uint8Array;
  readonly cbEvent: Uint16Array;
  readonly usChannelGroup: Uint16Array;
  readonly usFlags: Uint16Array;
  readonly ullPresTime100ns: Float64Array;
  readonly ullBytePosition: Float64Array;
  readonly pNextEvt: Int32Array;
  readonly abData: Uint8Array;
  readonly pbData: Int32Array;
  readonly pPackageEvt: Int32Array;
  readonly capacity: number;
  constructor(capacity: number, from?: Fields) {
    this.capacity = capacity;
    this.bReserved = new Uint8Array(capacity);
    this.cbStruct = new Uint8Array(capacity);
    this.cbEvent = new Uint16Array(capacity);
    this.usChannelGroup = new Uint16Array(capacity);
    this.usFlags = new Uint16Array(capacity);
    this.ullPresTime100ns = new Float64Array(capacity);
    this.ullBytePosition = new Float64Array(capacity);
    this.pNextEvt = new Int32Array(capacity).fill(NULL_EVENT);
    this.abData = new Uint8Array(capacity * INLINE_DATA_BYTES);
    this.pbData = new Int32Array(capacity).fill(NO_BUFFER);
    this.pPackageEvt = new Int32Array(capacity).fill(NULL_EVENT);
    if (from) {
      this.bReserved.set(from.bReserved);
      this.cbStruct.set(from.cbStruct);
      this.cbEvent.set(from.cbEvent);
      this.usChannelGroup.set(from.usChannelGroup);
      this.usFlags.set(from.usFlags);
      this.ullPresTime100ns.set(from.ullPresTime100ns);
      this.ullBytePosition.set(from.ullBytePosition);
      this.pNextEvt.set(from.pNextEvt);
      this.abData.set(from.abData);
      this.pbData.set(from.pbData);
      this.pPackageEvt.set(from.pPackageEvt);
    }
  }
}

/** Thrown for programming errors only (double free, foreign handle): never for input data. */
export class AllocatorMisuseError extends Error {
  override name = 'AllocatorMisuseError';
}

export class Allocator implements IMXF {
  /** The event records. May be replaced by reserve(): read through this property each call. */
  fields: KernelEventFields;
  /** Data buffers: buffer b occupies bytes [b*bufferSize, (b+1)*bufferSize). */
  buffers: Uint8Array;
  readonly bufferSize: number;
  readonly stats: AllocatorStats = {
    eventsInUse: 0,
    buffersInUse: 0,
    peakEventsInUse: 0,
    eventExhaustions: 0,
    bufferExhaustions: 0,
    grows: 0,
  };
  onExhausted: ((what: 'event' | 'buffer') => void) | undefined;

  private freeEvents: Int32Array;
  private freeEventCount: number;
  private eventInUse: Uint8Array;
  private freeBuffers: Int32Array;
  private freeBufferCount: number;
  private bufferInUse: Uint8Array;
  private bufferCapacity: number;
  private readonly growListeners: Array<(capacity: number) => void> = [];

  constructor(options: AllocatorOptions = {}) {
    const events = Math.max(1, options.initialEvents ?? 4096);
    const buffers = Math.max(1, options.initialBuffers ?? 64);
    this.bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (this.bufferSize <= INLINE_DATA_BYTES || this.bufferSize > 0xffff) {
      throw new RangeError(`allocator buffer size ${this.bufferSize} must be in ${INLINE_DATA_BYTES + 1}..65535`);
    }
    this.onExhausted = options.onExhausted;
    this.fields = new Fields(events);
    this.freeEvents = new Int32Array(events);
    this.eventInUse = new Uint8Array(events);
    // Free list as a stack; pop from the end. Fill so that low handles come out first.
    for (let i = 0; i < events; i++) this.freeEvents[i] = events - 1 - i;
    this.freeEventCount = events;
    this.bufferCapacity = buffers;
    this.buffers = new Uint8Array(buffers * this.bufferSize);
    this.freeBuffers = new Int32Array(buffers);
    this.bufferInUse = new Uint8Array(buffers);
    for (let i = 0; i < buffers; i++) this.freeBuffers[i] = buffers - 1 - i;
    this.freeBufferCount = buffers;
  }

  /** Events the pool can hold without growing. */
  get capacity(): number {
    return this.fields.capacity;
  }
  get freeEventsCount(): number {
    return this.freeEventCount;
  }
  get freeBuffersCount(): number {
    return this.freeBufferCount;
  }

  /** Called after reserve() grew the event arrays, with the new capacity (sequencer heaps resize). */
  onGrow(listener: (capacity: number) => void): void {
    this.growListeners.push(listener);
  }

  /**
   * IAllocatorMXF::GetMessage: a zeroed event (cbStruct set, no chain, no data), or NULL_EVENT
   * when the pool is empty (counted and reported). Does not allocate.
   */
  getMessage(): KernelEvent {
    if (this.freeEventCount === 0) {
      this.stats.eventExhaustions++;
      this.onExhausted?.('event');
      return NULL_EVENT;
    }
    const e = this.freeEvents[--this.freeEventCount];
    this.eventInUse[e] = 1;
    const f = this.fields;
    f.bReserved[e] = 0;
    f.cbStruct[e] = KERNEL_EVENT_CBSTRUCT;
    f.cbEvent[e] = 0;
    f.usChannelGroup[e] = 0;
    f.usFlags[e] = DMUS_KEF.EVENT_COMPLETE;
    f.ullPresTime100ns[e] = 0;
    f.ullBytePosition[e] = 0;
    f.pNextEvt[e] = NULL_EVENT;
    f.pbData[e] = NO_BUFFER;
    f.pPackageEvt[e] = NULL_EVENT;
    const d = e * INLINE_DATA_BYTES;
    for (let i = 0; i < INLINE_DATA_BYTES; i++) f.abData[d + i] = 0;
    const used = ++this.stats.eventsInUse;
    if (used > this.stats.peakEventsInUse) this.stats.peakEventsInUse = used;
    return e;
  }

  /** IAllocatorMXF::GetBufferSize. */
  getBufferSize(): number {
    return this.bufferSize;
  }

  /** IAllocatorMXF::GetBuffer: a buffer index, or NO_BUFFER when empty (counted, reported). */
  getBuffer(): number {
    if (this.freeBufferCount === 0) {
      this.stats.bufferExhaustions++;
      this.onExhausted?.('buffer');
      return NO_BUFFER;
    }
    const b = this.freeBuffers[--this.freeBufferCount];
    this.bufferInUse[b] = 1;
    this.stats.buffersInUse++;
    return b;
  }

  /** IAllocatorMXF::PutBuffer. Rarely needed: putMessage frees attached buffers itself. */
  putBuffer(b: number): void {
    if (b < 0 || b >= this.bufferCapacity || this.bufferInUse[b] === 0) {
      throw new AllocatorMisuseError(`putBuffer: buffer ${b} is not in use`);
    }
    this.bufferInUse[b] = 0;
    this.freeBuffers[this.freeBufferCount++] = b;
    this.stats.buffersInUse--;
  }

  /**
   * IMXF::PutMessage on the allocator: takes back an event or a whole pNextEvt chain, recursing
   * into package chains, and frees the pbData buffer of every long event. Does not allocate.
   */
  putMessage(e: KernelEvent): void {
    const f = this.fields;
    while (e !== NULL_EVENT) {
      if (e < 0 || e >= f.capacity || this.eventInUse[e] === 0) {
        throw new AllocatorMisuseError(`putMessage: event ${e} is not in use (double free or foreign handle)`);
      }
      const next = f.pNextEvt[e];
      if ((f.usFlags[e] & DMUS_KEF.PACKAGE_EVENT) !== 0) {
        const inner = f.pPackageEvt[e];
        if (inner !== NULL_EVENT) this.putMessage(inner);
      } else if (f.pbData[e] !== NO_BUFFER) {
        this.putBuffer(f.pbData[e]);
      }
      f.pNextEvt[e] = NULL_EVENT;
      f.pbData[e] = NO_BUFFER;
      f.pPackageEvt[e] = NULL_EVENT;
      this.eventInUse[e] = 0;
      this.freeEvents[this.freeEventCount++] = e;
      this.stats.eventsInUse--;
      e = next;
    }
  }

  /** True while the handle is handed out (tests and assertions). */
  isInUse(e: KernelEvent): boolean {
    return e >= 0 && e < this.fields.capacity && this.eventInUse[e] === 1;
  }

  /**
   * Makes sure at least `events` events and `buffers` buffers are free, growing the pool if
   * needed. ALLOCATES: control side only (the unpacker calls it before unpacking a buffer with
   * POOL_GROWTH.GROW; RenderPin.reservePool).
   */
  reserve(events: number, buffers = 0): void {
    if (this.freeEventCount < events) {
      const old = this.fields as Fields;
      const capacity = Math.max(old.capacity * 2, old.capacity + (events - this.freeEventCount));
      const grown = new Fields(capacity, old);
      const free = new Int32Array(capacity);
      free.set(this.freeEvents.subarray(0, this.freeEventCount));
      let n = this.freeEventCount;
      for (let i = capacity - 1; i >= old.capacity; i--) free[n++] = i;
      const inUse = new Uint8Array(capacity);
      inUse.set(this.eventInUse);
      this.fields = grown;
      this.freeEvents = free;
      this.freeEventCount = n;
      this.eventInUse = inUse;
      this.stats.grows++;
      for (const l of this.growListeners) l(capacity);
    }
    if (this.freeBufferCount < buffers) {
      const capacity = Math.max(this.bufferCapacity * 2, this.bufferCapacity + (buffers - this.freeBufferCount));
      const data = new Uint8Array(capacity * this.bufferSize);
      data.set(this.buffers);
      const free = new Int32Array(capacity);
      free.set(this.freeBuffers.subarray(0, this.freeBufferCount));
      let n = this.freeBufferCount;
      for (let i = capacity - 1; i >= this.bufferCapacity; i--) free[n++] = i;
      const inUse = new Uint8Array(capacity);
      inUse.set(this.bufferInUse);
      this.buffers = data;
      this.freeBuffers = free;
      this.freeBufferCount = n;
      this.bufferInUse = inUse;
      this.bufferCapacity = capacity;
      this.stats.grows++;
    }
  }

  // ----- payload helpers (the uData union, reference §1.3) -----

  /**
   * Stores `len` bytes of `src` from `off` as the event's payload and sets cbEvent: inline when
   * len <= 8, otherwise in a buffer from getBuffer(). len must be <= getBufferSize(); longer
   * messages are split over several events by the caller (INCOMPLETE on all but the last).
   * Returns false when no buffer was free (counted by getBuffer). Does not allocate.
   */
  setData(e: KernelEvent, src: Uint8Array, off: number, len: number): boolean {
    const f = this.fields;
    if (len > this.bufferSize) {
      throw new AllocatorMisuseError(`setData: ${len} bytes exceed the buffer size ${this.bufferSize}`);
    }
    if (f.pbData[e] !== NO_BUFFER) {
      this.putBuffer(f.pbData[e]);
      f.pbData[e] = NO_BUFFER;
    }
    if (len <= INLINE_DATA_BYTES) {
      const d = e * INLINE_DATA_BYTES;
      for (let i = 0; i < len; i++) f.abData[d + i] = src[off + i];
      for (let i = len; i < INLINE_DATA_BYTES; i++) f.abData[d + i] = 0;
    } else {
      const b = this.getBuffer();
      if (b === NO_BUFFER) return false;
      this.buffers.set(src.subarray(off, off + len), b * this.bufferSize);
      f.pbData[e] = b;
    }
    f.cbEvent[e] = len;
    return true;
  }

  /** Stores a 1..3 byte channel or system message inline. Does not allocate. */
  setShortMessage(e: KernelEvent, status: number, data1: number, data2: number, length: number): void {
    const f = this.fields;
    const d = e * INLINE_DATA_BYTES;
    f.abData[d] = status;
    f.abData[d + 1] = length > 1 ? data1 : 0;
    f.abData[d + 2] = length > 2 ? data2 : 0;
    f.cbEvent[e] = length;
  }

  /** Byte i of the event's payload (inline or buffer). */
  byteAt(e: KernelEvent, i: number): number {
    const f = this.fields;
    if (f.cbEvent[e] <= INLINE_DATA_BYTES) return f.abData[e * INLINE_DATA_BYTES + i];
    return this.buffers[f.pbData[e] * this.bufferSize + i];
  }

  /** Copies the payload into dst at dstOff; returns cbEvent. Does not allocate. */
  copyData(e: KernelEvent, dst: Uint8Array, dstOff: number): number {
    const f = this.fields;
    const n = f.cbEvent[e];
    if (n <= INLINE_DATA_BYTES) {
      const d = e * INLINE_DATA_BYTES;
      for (let i = 0; i < n; i++) dst[dstOff + i] = f.abData[d + i];
    } else {
      const s = f.pbData[e] * this.bufferSize;
      for (let i = 0; i < n; i++) dst[dstOff + i] = this.buffers[s + i];
    }
    return n;
  }

  /** Number of events in a pNextEvt chain. */
  chainLength(e: KernelEvent): number {
    let n = 0;
    const f = this.fields;
    while (e !== NULL_EVENT) {
      n++;
      e = f.pNextEvt[e];
    }
    return n;
  }

  // The allocator is the last node of every graph: it has a state but no output.
  setState(_state: KsState): void {}
  connectOutput(_sink: IMXF): void {
    throw new AllocatorMisuseError('the allocator is the end of the graph: it has no output');
  }
  disconnectOutput(_sink: IMXF): void {
    throw new AllocatorMisuseError('the allocator is the end of the graph: it has no output');
  }
}
