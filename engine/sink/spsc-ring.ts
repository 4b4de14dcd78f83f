/**
 * Seed concept: the IRP path from the control thread to the render thread (reference §1.8: the
 * port receives DirectMusic buffers as IRPs and the render side consumes them). In the kernel the
 * I/O manager queues IRPs; here a fixed-size single-producer / single-consumer ring over a
 * SharedArrayBuffer carries them (and commands) between threads, lock-free, so the render thread
 * never waits for the control thread and neither side allocates per record.
 *
 * Layout of the SharedArrayBuffer:
 *   bytes [0, 128)      header, Int32: WRITE counter at [0], READ counter at [16] (separate cache
 *                       lines, so producer and consumer do not false-share), DROPPED at [8]
 *   bytes [128, 128+C)  data, C a power of two
 * The counters are free-running uint32 byte counts; used = (write − read) mod 2^32, and the offset
 * in the data is counter & (C − 1). A record is a uint32 length L, then L bytes, padded to 4.
 * A record never wraps: if it does not fit before the end, a WRAP marker (0xFFFFFFFF) fills the
 * rest and the record starts at offset 0.
 *
 * Memory order: the producer writes the bytes, then Atomics.store(WRITE); the consumer
 * Atomics.load(WRITE), then reads the bytes. The Atomics are sequentially consistent, so the bytes
 * are visible before the counter that publishes them (and symmetrically for READ → reuse).
 */

const HEADER_BYTES = 128;
const WRITE = 0;
const DROPPED = 8;
const READ = 16;
const WRAP = 0xffffffff;

export class SpscRingError extends Error {
  override name = 'SpscRingError';
}

export class SpscRing {
  /** The shared memory; post it to the other thread and attach with `new SpscRing(buffer)`. */
  readonly buffer: SharedArrayBuffer;
  /** Data capacity in bytes (a power of two). */
  readonly capacity: number;
  /** Largest payload one record may carry. */
  readonly maxRecordBytes: number;
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  private readonly mask: number;

  /** Allocates a ring of `capacity` data bytes (rounded up to a power of two, at least 64). */
  static create(capacity: number): SpscRing {
    let c = 64;
    while (c < capacity) c *= 2;
    if (c > 2 ** 30) throw new SpscRingError(`ring of ${capacity} bytes is too large`);
    return new SpscRing(new SharedArrayBuffer(HEADER_BYTES + c));
  }

  constructor(buffer: SharedArrayBuffer) {
    const c = buffer.byteLength - HEADER_BYTES;
    if (!(c >= 64 && (c & (c - 1)) === 0)) throw new SpscRingError(`not a ring buffer: ${buffer.byteLength} bytes`);
    this.buffer = buffer;
    this.capacity = c;
    this.mask = c - 1;
    // Half the ring: a record plus a worst-case wrap marker always fits an empty ring.
    this.maxRecordBytes = c / 2 - 4;
    this.ctl = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(buffer, HEADER_BYTES, c);
    this.dv = new DataView(buffer, HEADER_BYTES, c);
  }

  /** Bytes in use (records, headers, padding, wrap filler). Either thread may read it. */
  get usedBytes(): number {
    return (Atomics.load(this.ctl, WRITE) - Atomics.load(this.ctl, READ)) >>> 0;
  }

  /** Pushes that failed because the ring was full (counted by the producer). */
  get dropped(): number {
    return Atomics.load(this.ctl, DROPPED);
  }

  /**
   * Producer: appends one record (a copy of src[off, off+len)). Returns false, and counts a drop,
   * when the ring has no room now; throws if the record can never fit. Never allocates.
   */
  push(src: Uint8Array, off = 0, len = src.length - off): boolean {
    return this.pushParts(src, off, len, EMPTY, 0, 0);
  }

  /** Producer: one record made of two parts (a header and a payload), without joining them first. */
  pushParts(a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number): boolean {
    const len = aLen + bLen;
    if (len > this.maxRecordBytes) throw new SpscRingError(`record of ${len} bytes exceeds the ring's maximum of ${this.maxRecordBytes}`);
    const need = 4 + ((len + 3) & ~3);
    const w = Atomics.load(this.ctl, WRITE) >>> 0;
    const r = Atomics.load(this.ctl, READ) >>> 0;
    const free = this.capacity - ((w - r) >>> 0);
    let pos = w & this.mask;
    const toEnd = this.capacity - pos;
    const skip = toEnd < need ? toEnd : 0;
    if (skip + need > free) {
      Atomics.add(this.ctl, DROPPED, 1);
      return false;
    }
    if (skip > 0) {
      this.dv.setUint32(pos, WRAP, true);
      pos = 0;
    }
    this.dv.setUint32(pos, len, true);
    const d = this.data;
    // Whole arrays go through set() (a memcpy); parts through a loop, since subarray() allocates.
    if (aLen === a.length && aOff === 0) d.set(a, pos + 4);
    else copyBytes(a, aOff, d, pos + 4, aLen);
    if (bLen === b.length && bOff === 0) d.set(b, pos + 4 + aLen);
    else copyBytes(b, bOff, d, pos + 4 + aLen, bLen);
    Atomics.store(this.ctl, WRITE, (w + skip + need) | 0);
    return true;
  }

  /** Consumer: length of the next record, or -1 if the ring is empty. */
  peekLength(): number {
    const pos = this.nextPos();
    return pos < 0 ? -1 : this.dv.getUint32(pos, true);
  }

  /**
   * Consumer: copies the next record into dst[dstOff, ...) and removes it. Returns its length, or
   * -1 if the ring is empty. Throws (and leaves the record) if dst is too small.
   */
  pop(dst: Uint8Array, dstOff = 0): number {
    const pos = this.nextPos();
    if (pos < 0) return -1;
    const len = this.dv.getUint32(pos, true);
    if (dstOff + len > dst.length) throw new SpscRingError(`record of ${len} bytes does not fit the ${dst.length - dstOff} bytes given`);
    copyBytes(this.data, pos + 4, dst, dstOff, len);
    this.release(pos, len);
    return len;
  }

  /**
   * Consumer: copies the first head.length bytes of the next record into `head` and the rest into
   * `body` (from 0). Returns the body length, or -1 if empty. For records that are a fixed header
   * followed by a payload (an IRP: pin, start time, then the DirectMusic buffer bytes).
   */
  popSplit(head: Uint8Array, body: Uint8Array): number {
    const pos = this.nextPos();
    if (pos < 0) return -1;
    const len = this.dv.getUint32(pos, true);
    const h = head.length;
    if (len < h || len - h > body.length) throw new SpscRingError(`record of ${len} bytes does not fit a ${h}-byte head and ${body.length}-byte body`);
    copyBytes(this.data, pos + 4, head, 0, h);
    copyBytes(this.data, pos + 4 + h, body, 0, len - h);
    this.release(pos, len);
    return len - h;
  }

  /** Consumer: skips the next record. Returns false if empty. */
  skip(): boolean {
    const pos = this.nextPos();
    if (pos < 0) return false;
    this.release(pos, this.dv.getUint32(pos, true));
    return true;
  }

  /**
   * Consumer (not the render thread: it blocks): waits until a record is there or `timeoutMs`
   * passed. Returns true if a record is available.
   */
  waitForData(timeoutMs: number): boolean {
    const w = Atomics.load(this.ctl, WRITE);
    if (w !== Atomics.load(this.ctl, READ)) return true;
    Atomics.wait(this.ctl, WRITE, w, timeoutMs);
    return Atomics.load(this.ctl, WRITE) !== Atomics.load(this.ctl, READ);
  }

  /** Producer: wakes a consumer blocked in waitForData (call after a batch of pushes). */
  notify(): void {
    Atomics.notify(this.ctl, WRITE);
  }

  /** Position of the next record's length word, skipping a wrap marker; -1 when empty. */
  private nextPos(): number {
    const r = Atomics.load(this.ctl, READ) >>> 0;
    const w = Atomics.load(this.ctl, WRITE) >>> 0;
    if (r === w) return -1;
    const pos = r & this.mask;
    if (this.dv.getUint32(pos, true) === WRAP) {
      // The filler runs to the end of the data; the record is at 0.
      Atomics.store(this.ctl, READ, (r + this.capacity - pos) | 0);
      return this.nextPos();
    }
    return pos;
  }

  private release(_pos: number, len: number): void {
    const r = Atomics.load(this.ctl, READ) >>> 0;
    Atomics.store(this.ctl, READ, (r + 4 + ((len + 3) & ~3)) | 0);
  }
}

const EMPTY = new Uint8Array(0);

function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, dOff: number, n: number): void {
  // A plain loop: subarray()+set() would allocate a view per call on the render thread.
  for (let i = 0; i < n; i++) dst[dOff + i] = src[so + i];
}
