/**
 * Test doubles for the DMus graph: a recording IMXF sink and event builders.
 */
import type { Allocator } from '../../engine/dmus/allocator.js';
import { type KernelEvent, NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import type { IMXF, KsState } from '../../engine/dmus/mxf.js';

export interface Recorded {
  time: number;
  group: number;
  flags: number;
  bytes: number[];
}

/** The payload bytes of one event (inline or in an allocator buffer). */
export function eventBytes(a: Allocator, e: KernelEvent): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < a.fields.cbEvent[e]; i++) bytes.push(a.byteAt(e, i));
  return bytes;
}

/** An IMXF that records every event it gets (its bytes, time, group) and returns it to the allocator. */
export class RecordingSink implements IMXF {
  readonly events: Recorded[] = [];
  count = 0;
  states: KsState[] = [];
  record = true;
  private readonly allocator: Allocator;
  constructor(allocator: Allocator) {
    this.allocator = allocator;
  }
  setState(state: KsState): void {
    this.states.push(state);
  }
  putMessage(e: KernelEvent): void {
    const a = this.allocator;
    let x = e;
    while (x !== NULL_EVENT) {
      const f = a.fields;
      this.count++;
      if (this.record) this.events.push({ time: f.ullPresTime100ns[x], group: f.usChannelGroup[x], flags: f.usFlags[x], bytes: eventBytes(a, x) });
      x = f.pNextEvt[x];
    }
    a.putMessage(e);
  }
  connectOutput(): void {}
  disconnectOutput(): void {}
}

/** A zeroed event from the allocator holding a short message. */
export function shortEvent(a: Allocator, time: number, bytes: number[], group = 1): KernelEvent {
  const e = a.getMessage();
  if (e === NULL_EVENT) throw new Error('allocator empty');
  const f = a.fields;
  f.ullPresTime100ns[e] = time;
  f.usChannelGroup[e] = group;
  a.setData(e, Uint8Array.from(bytes), 0, bytes.length);
  return e;
}
