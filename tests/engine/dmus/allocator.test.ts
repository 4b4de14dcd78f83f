import { describe, expect, it } from 'vitest';
import { Allocator, AllocatorMisuseError } from '../../../engine/dmus/allocator.js';
import {
  DMUS_KEF,
  isCompleteEvent,
  isIncompleteEvent,
  isPackageEvent,
  isShortEvent,
  KERNEL_EVENT_CBSTRUCT,
  NO_BUFFER,
  NULL_EVENT,
} from '../../../engine/dmus/kernel-event.js';

describe('Allocator (IAllocatorMXF)', () => {
  it('starts full and hands out zeroed events', () => {
    const a = new Allocator({ initialEvents: 8 });
    expect(a.freeEventsCount).toBe(8);
    const e = a.getMessage();
    const f = a.fields;
    // Dirty it, return it, get it back: it must come back zeroed.
    f.cbEvent[e] = 3;
    f.usChannelGroup[e] = 7;
    f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
    f.ullPresTime100ns[e] = 12345;
    f.ullBytePosition[e] = 99;
    f.abData.fill(0xaa, e * 8, e * 8 + 8);
    a.putMessage(e);
    const g = a.getMessage();
    expect(g).toBe(e); // LIFO free list: the same record comes back
    expect(f.bReserved[g]).toBe(0);
    expect(f.cbStruct[g]).toBe(KERNEL_EVENT_CBSTRUCT);
    expect(f.cbEvent[g]).toBe(0);
    expect(f.usChannelGroup[g]).toBe(0);
    expect(f.usFlags[g]).toBe(DMUS_KEF.EVENT_COMPLETE);
    expect(f.ullPresTime100ns[g]).toBe(0);
    expect(f.ullBytePosition[g]).toBe(0);
    expect(f.pNextEvt[g]).toBe(NULL_EVENT);
    expect([...f.abData.subarray(g * 8, g * 8 + 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('takes back whole chains, package chains and their buffers', () => {
    const a = new Allocator({ initialEvents: 16, initialBuffers: 4, bufferSize: 32 });
    const events = [a.getMessage(), a.getMessage(), a.getMessage()];
    const f = a.fields;
    f.pNextEvt[events[0]] = events[1];
    f.pNextEvt[events[1]] = events[2];
    // events[1] carries a long payload in a buffer
    const long = Uint8Array.from({ length: 20 }, (_, i) => i);
    expect(a.setData(events[1], long, 0, 20)).toBe(true);
    expect(a.stats.buffersInUse).toBe(1);
    // events[2] is a package holding a chain of two
    const inner1 = a.getMessage();
    const inner2 = a.getMessage();
    f.pNextEvt[inner1] = inner2;
    f.usFlags[events[2]] = DMUS_KEF.PACKAGE_EVENT;
    f.pPackageEvt[events[2]] = inner1;
    expect(a.stats.eventsInUse).toBe(5);
    a.putMessage(events[0]);
    expect(a.stats.eventsInUse).toBe(0);
    expect(a.stats.buffersInUse).toBe(0);
  });

  it('chooses inline bytes up to 8, a buffer beyond (the uData union)', () => {
    const a = new Allocator({ initialEvents: 4, initialBuffers: 2, bufferSize: 64 });
    const f = a.fields;
    const short = a.getMessage();
    a.setData(short, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, 8);
    expect(isShortEvent(f, short)).toBe(true);
    expect(f.pbData[short]).toBe(NO_BUFFER);
    const long = a.getMessage();
    const bytes = Uint8Array.from({ length: 9 }, (_, i) => 0x10 + i);
    a.setData(long, bytes, 0, 9);
    expect(isShortEvent(f, long)).toBe(false);
    expect(f.pbData[long]).not.toBe(NO_BUFFER);
    const out = new Uint8Array(9);
    expect(a.copyData(long, out, 0)).toBe(9);
    expect([...out]).toEqual([...bytes]);
    expect(a.byteAt(long, 8)).toBe(0x18);
    expect(a.getBufferSize()).toBe(64);
  });

  it('flag helpers follow the WDK values, with COMPLETE_EVT written correctly', () => {
    const a = new Allocator({ initialEvents: 2 });
    const f = a.fields;
    const e = a.getMessage();
    expect(isCompleteEvent(f, e)).toBe(true);
    f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE | DMUS_KEF.PACKAGE_EVENT;
    expect(DMUS_KEF.EVENT_INCOMPLETE).toBe(1);
    expect(DMUS_KEF.PACKAGE_EVENT).toBe(2);
    expect(isIncompleteEvent(f, e)).toBe(true);
    expect(isPackageEvent(f, e)).toBe(true);
    // The official macro, (usFlags & INCOMPLETE == 0), would read 3 & (1 == 0) = 0 -> "complete".
    expect(isCompleteEvent(f, e)).toBe(false);
  });

  it('reports exhaustion instead of dropping silently, and grows only through reserve()', () => {
    const reports: string[] = [];
    const a = new Allocator({ initialEvents: 2, initialBuffers: 1, bufferSize: 16, onExhausted: (w) => reports.push(w) });
    a.getMessage();
    a.getMessage();
    expect(a.getMessage()).toBe(NULL_EVENT);
    expect(a.stats.eventExhaustions).toBe(1);
    expect(a.getBuffer()).not.toBe(NO_BUFFER);
    expect(a.getBuffer()).toBe(NO_BUFFER);
    expect(a.stats.bufferExhaustions).toBe(1);
    expect(reports).toEqual(['event', 'buffer']);
    // Growing keeps the events already handed out intact.
    const grownTo: number[] = [];
    a.onGrow((c) => grownTo.push(c));
    a.fields.ullPresTime100ns[0] = 42;
    a.reserve(10, 3);
    expect(a.capacity).toBeGreaterThanOrEqual(12);
    expect(grownTo).toEqual([a.capacity]);
    expect(a.fields.ullPresTime100ns[0]).toBe(42);
    expect(a.isInUse(0)).toBe(true);
    expect(a.freeEventsCount).toBeGreaterThanOrEqual(10);
    expect(a.freeBuffersCount).toBeGreaterThanOrEqual(3);
    // No handle is handed out twice.
    const seen = new Set<number>([0, 1]);
    for (let i = 0; i < 10; i++) {
      const e = a.getMessage();
      expect(seen.has(e)).toBe(false);
      seen.add(e);
    }
  });

  it('refuses a double free or a foreign handle', () => {
    const a = new Allocator({ initialEvents: 2 });
    const e = a.getMessage();
    a.putMessage(e);
    expect(() => a.putMessage(e)).toThrow(AllocatorMisuseError);
    expect(() => a.putMessage(77)).toThrow(/not in use/);
  });
});
