/**
 * Seed concept: the packer of the DMus port driver (seed "Allocator", reference §1.8): the last
 * capture stage. It pulls the data out of each time-stamped kernel event, packs it into the IRP
 * it is filling (a DirectMusic buffer of DMUS_EVENTHEADER records), returns the event to the
 * allocator, and completes the IRP to the host when it is full or when the service routine
 * flushes it. "The packer receives empty IRPs from dmusic.dll, fills them, and completes them.
 * More IRPs keep trickling down so that it always has one to fill."
 *
 * - One message may be a chain of events (a SysEx longer than one allocator buffer, INCOMPLETE on
 *   all but the last): it becomes one unstructured record.
 * - Channel messages become structured records (DMUS_EVENT_STRUCTURED); SysEx unstructured.
 * - With no empty IRP to fill, the message is dropped and counted (the host gave too few IRPs).
 * putMessage and flush do not allocate: IRPs are the host's DirectMusicBuffers, recycled by it.
 */
import type { Allocator } from '../allocator.js';
import type { DirectMusicBuffer } from '../dmus-buffer.js';
import { DMUS_KEF, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { messageLength } from '../midi-message.js';
import { KSSTATE, type KsState, MxfFilter } from '../mxf.js';

/** A filled IRP: the buffer (its start time and used bytes say what it holds). */
export type IrpCompletion = (irp: DirectMusicBuffer) => void;

export interface PackerStats {
  messages: number;
  irpsCompleted: number;
  /** Messages dropped because no empty IRP was queued. */
  lostNoIrp: number;
  /** Messages too large for any IRP. */
  lostTooLarge: number;
}

export class Packer extends MxfFilter {
  readonly stats: PackerStats = { messages: 0, irpsCompleted: 0, lostNoIrp: 0, lostTooLarge: 0 };
  onIrpComplete: IrpCompletion | undefined;

  private readonly queue: Array<DirectMusicBuffer | undefined>;
  private qHead = 0;
  private qCount = 0;
  private current: DirectMusicBuffer | undefined;
  private readonly scratch: Uint8Array;

  /** maxIrps: how many empty IRPs can wait; maxMessageBytes: the largest message packed. */
  constructor(allocator: Allocator, maxIrps = 64, maxMessageBytes = 65536) {
    super(allocator);
    this.queue = new Array<DirectMusicBuffer | undefined>(maxIrps).fill(undefined);
    this.scratch = new Uint8Array(maxMessageBytes);
  }

  /** IRPs waiting to be filled (the current one included). */
  get irpsAvailable(): number {
    return this.qCount + (this.current ? 1 : 0);
  }

  /** The host hands down an empty IRP. It is flushed first. */
  submitIrp(irp: DirectMusicBuffer): void {
    if (this.qCount === this.queue.length) throw new RangeError(`packer: more than ${this.queue.length} IRPs queued`);
    irp.flush();
    this.queue[(this.qHead + this.qCount++) % this.queue.length] = irp;
  }

  override setState(state: KsState): void {
    super.setState(state);
    if (state === KSSTATE.STOP || state === KSSTATE.ACQUIRE) this.current?.flush();
  }

  putMessage(e: KernelEvent): void {
    const a = this.allocator;
    while (e !== NULL_EVENT) {
      // Gather one message: events up to and including the first COMPLETE one.
      let f = a.fields;
      const head = e;
      let length = 0;
      let tooLarge = false;
      let last = e;
      while (true) {
        if ((f.usFlags[last] & DMUS_KEF.PACKAGE_EVENT) === 0) {
          const n = f.cbEvent[last];
          if (length + n > this.scratch.length) tooLarge = true;
          else a.copyData(last, this.scratch, length);
          length += n;
        }
        if ((f.usFlags[last] & DMUS_KEF.EVENT_INCOMPLETE) === 0 || f.pNextEvt[last] === NULL_EVENT) break;
        last = f.pNextEvt[last];
      }
      const next = f.pNextEvt[last];
      f.pNextEvt[last] = NULL_EVENT;
      const time = f.ullPresTime100ns[head];
      const group = f.usChannelGroup[head];
      a.putMessage(head); // the whole message chain goes back to the allocator
      f = a.fields;
      e = next;
      if (this.state === KSSTATE.STOP || this.state === KSSTATE.ACQUIRE || length === 0) continue;
      if (tooLarge) {
        this.stats.lostTooLarge++;
        continue;
      }
      this.pack(time, group, length);
    }
  }

  private pack(time: number, group: number, length: number): void {
    let irp = this.current;
    if (irp && !irp.fits(length)) {
      this.complete();
      irp = undefined;
    }
    irp ??= this.nextIrp();
    if (!irp) {
      this.stats.lostNoIrp++;
      return;
    }
    if (!irp.fits(length)) {
      this.stats.lostTooLarge++; // larger than an empty IRP: it can never be packed
      return;
    }
    const s = this.scratch;
    const status = s[0];
    const len = messageLength(status);
    if (len > 0 && len === length) {
      irp.packStructured(time, group, status | (len > 1 ? s[1] << 8 : 0) | (len > 2 ? s[2] << 16 : 0));
    } else {
      irp.packUnstructured(time, group, s, 0, length);
    }
    this.stats.messages++;
  }

  private nextIrp(): DirectMusicBuffer | undefined {
    if (this.qCount === 0) return undefined;
    const irp = this.queue[this.qHead];
    this.queue[this.qHead] = undefined;
    this.qHead = (this.qHead + 1) % this.queue.length;
    this.qCount--;
    this.current = irp;
    return irp;
  }

  private complete(): void {
    const irp = this.current;
    if (!irp) return;
    this.current = undefined;
    this.stats.irpsCompleted++;
    this.onIrpComplete?.(irp);
  }

  /** Service routine: completes the IRP being filled if it holds anything. */
  flush(): void {
    if (this.current && !this.current.isEmpty) this.complete();
  }
}
