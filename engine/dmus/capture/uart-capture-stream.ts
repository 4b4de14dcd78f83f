/**
 * Seed concept: a capture miniport stream (the CLSID_MiniportDriverDMusUARTCapture role,
 * reference §1.5): raw MIDI input bytes arrive from the hardware (here RtMidi or a test), are
 * kept with the master-clock time they arrived at, and are handed to the capture sink as kernel
 * events flagged DMUS_KEF_EVENT_INCOMPLETE ("raw, unparsed bytes"), up to 8 bytes per event.
 *
 * As in the kernel, the stream only pushes its data out when the port's service routine calls
 * putMessage(NULL) ("calling PutMessage(NULL) on a capture miniport stream is how the port
 * driver's DPC tells the miniport to push out captured data"). receive() only writes a fixed ring,
 * so it is cheap enough to call from an input callback.
 */
import type { Allocator } from '../allocator.js';
import { DMUS_KEF, INLINE_DATA_BYTES, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { KSSTATE, MxfFilter } from '../mxf.js';
import type { RefTime } from '../units.js';

export interface UartCaptureStats {
  bytesReceived: number;
  /** Bytes dropped because the ring was full (the service routine ran too rarely). */
  bytesOverrun: number;
  eventsSent: number;
}

export class UartCaptureStream extends MxfFilter {
  readonly stats: UartCaptureStats = { bytesReceived: 0, bytesOverrun: 0, eventsSent: 0 };
  private readonly ringBytes: Uint8Array;
  private readonly ringTime: Float64Array;
  private readonly ringGroup: Uint16Array;
  private readonly mask: number;
  private head = 0;
  private tail = 0;

  /** ringSize: bytes buffered between two service calls (rounded up to a power of two). */
  constructor(allocator: Allocator, ringSize = 16384) {
    super(allocator);
    let n = 1;
    while (n < ringSize) n <<= 1;
    this.ringBytes = new Uint8Array(n);
    this.ringTime = new Float64Array(n);
    this.ringGroup = new Uint16Array(n);
    this.mask = n - 1;
  }

  /** Bytes waiting for the next service call. */
  get pending(): number {
    return this.head - this.tail;
  }

  /**
   * Raw bytes from input `channelGroup` (the input port number), received at master time `time`.
   * In STOP/ACQUIRE they are discarded. Never allocates.
   */
  receive(bytes: ArrayLike<number>, time: RefTime, channelGroup: number): void {
    if (this.state !== KSSTATE.RUN && this.state !== KSSTATE.PAUSE) return;
    const size = this.mask + 1;
    for (let i = 0; i < bytes.length; i++) {
      this.stats.bytesReceived++;
      if (this.head - this.tail >= size) {
        this.stats.bytesOverrun++;
        continue;
      }
      const j = this.head & this.mask;
      this.ringBytes[j] = bytes[i] & 0xff;
      this.ringTime[j] = time;
      this.ringGroup[j] = channelGroup;
      this.head++;
    }
  }

  /**
   * putMessage(NULL): push out what was captured, as INCOMPLETE raw events of up to 8 bytes that
   * share one time and one source. A real event handed in is passed on unchanged.
   */
  putMessage(e: KernelEvent): void {
    if (e !== NULL_EVENT) {
      this.forward(e);
      return;
    }
    const a = this.allocator;
    while (this.tail < this.head) {
      const first = this.tail & this.mask;
      const time = this.ringTime[first];
      const group = this.ringGroup[first];
      const ev = a.getMessage();
      if (ev === NULL_EVENT) return; // counted by the allocator; the bytes stay for the next call
      const f = a.fields;
      let n = 0;
      const d = ev * INLINE_DATA_BYTES;
      while (n < INLINE_DATA_BYTES && this.tail < this.head) {
        const j = this.tail & this.mask;
        if (this.ringTime[j] !== time || this.ringGroup[j] !== group) break;
        f.abData[d + n++] = this.ringBytes[j];
        this.tail++;
      }
      f.cbEvent[ev] = n;
      f.usChannelGroup[ev] = group;
      f.ullPresTime100ns[ev] = time;
      f.usFlags[ev] = DMUS_KEF.EVENT_INCOMPLETE;
      this.stats.eventsSent++;
      this.output.putMessage(ev);
    }
  }
}
