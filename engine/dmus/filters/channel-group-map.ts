/**
 * Seed concept: an IMXF MIDI transform filter (the "MXF" of IMXF): a node that sits in a pin's
 * chain and rewrites events as they pass. This one remaps channel groups, e.g. to route a MIDI
 * input (captured as group 1) to group 3 of a synth pin, or to fold every group onto one.
 *
 * A map entry `from -> to` rewrites usChannelGroup; groups without an entry pass unchanged, or
 * are dropped (returned to the allocator) when `dropUnmapped` is set. Never allocates on putMessage.
 */
import type { Allocator } from '../allocator.js';
import { type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { MxfFilter } from '../mxf.js';

export class ChannelGroupMap extends MxfFilter {
  /** to[group] = target group, or -1 for "no entry". Sized for every USHORT group. */
  private readonly to = new Int32Array(0x10000).fill(-1);
  dropUnmapped: boolean;
  dropped = 0;

  constructor(allocator: Allocator, map: Record<number, number> = {}, dropUnmapped = false) {
    super(allocator);
    this.dropUnmapped = dropUnmapped;
    for (const [from, to] of Object.entries(map)) this.set(Number(from), to);
  }

  set(from: number, to: number): void {
    if (!Number.isInteger(from) || from < 0 || from > 0xffff) throw new RangeError(`channel group ${from} outside 0..65535`);
    if (!Number.isInteger(to) || to < 0 || to > 0xffff) throw new RangeError(`channel group ${to} outside 0..65535`);
    this.to[from] = to;
  }

  clear(from: number): void {
    this.to[from] = -1;
  }

  putMessage(e: KernelEvent): void {
    const f = this.allocator.fields;
    while (e !== NULL_EVENT) {
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      const target = this.to[f.usChannelGroup[e]];
      if (target >= 0) f.usChannelGroup[e] = target;
      if (target < 0 && this.dropUnmapped) {
        this.dropped++;
        this.allocator.putMessage(e);
      } else {
        this.forward(e);
      }
      e = next;
    }
  }
}
