/**
 * Seed concept: an IMXF MIDI transform filter on a render pin: channel mute and solo, as a mixer's
 * channel strip does, without touching the synth. Note-ons on a muted (group, channel) are dropped
 * (returned to the allocator); everything else passes, so controllers and program changes keep the
 * channel's state current and unmuting sounds right at once. Notes already sounding are ended by
 * the host with an all-notes-off when it mutes a channel.
 *
 * The mask is a Uint8Array indexed by group × 16 + channel (group 1..N; index 0..15 unused).
 * Events for group 0 (every group) are judged per group by the synth, so they pass.
 */
import type { Allocator } from '../allocator.js';
import { INLINE_DATA_BYTES, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { MxfFilter } from '../mxf.js';

export class ChannelMute extends MxfFilter {
  /** 1 = muted. Grown on the control side when the pin gets more channel groups. */
  mask: Uint8Array;
  dropped = 0;

  constructor(allocator: Allocator, groups = 16) {
    super(allocator);
    this.mask = new Uint8Array((groups + 1) * 16);
  }

  /** Replaces the mask (control side). */
  setMask(mask: Uint8Array): void {
    this.mask = mask;
  }

  putMessage(e: KernelEvent): void {
    const f = this.allocator.fields;
    while (e !== NULL_EVENT) {
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      const d = e * INLINE_DATA_BYTES;
      const status = f.abData[d];
      const group = f.usChannelGroup[e];
      const i = group * 16 + (status & 0x0f);
      if (
        f.cbEvent[e] === 3 &&
        (status & 0xf0) === 0x90 &&
        f.abData[d + 2] !== 0 &&
        group !== 0 &&
        i < this.mask.length &&
        this.mask[i] === 1
      ) {
        this.dropped++;
        this.allocator.putMessage(e);
      } else {
        this.forward(e);
      }
      e = next;
    }
  }
}
