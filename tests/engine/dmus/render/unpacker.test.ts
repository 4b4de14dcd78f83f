import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { DirectMusicBuffer, writeU32 } from '../../../../engine/dmus/dmus-buffer.js';
import { DMUS_KEF } from '../../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { POOL_GROWTH, Unpacker } from '../../../../engine/dmus/render/unpacker.js';
import { RecordingSink } from '../../../helpers/mxf-recorder.js';

function setup(bufferSize = 16, initialEvents = 4) {
  const allocator = new Allocator({ initialEvents, initialBuffers: 1, bufferSize });
  const unpacker = new Unpacker(allocator);
  const sink = new RecordingSink(allocator);
  unpacker.connectOutput(sink);
  unpacker.setState(KSSTATE.RUN);
  return { allocator, unpacker, sink };
}

describe('Unpacker (IRP -> DMUS_KERNEL_EVENTs)', () => {
  it('turns each record into a kernel event at start time + rtDelta, group as given', () => {
    const { allocator, unpacker, sink } = setup();
    const buf = new DirectMusicBuffer(256);
    buf.packStructured(1_000, 1, 0x643c90);
    buf.packStructured(1_250, 0, 0x0a07b0); // group 0: broadcast, kept as 0
    buf.packStructured(1_500, 17, 0x003c80);
    // The IRP's start time (the KS stream header's presentation time) is the buffer's start time.
    const r = unpacker.unpack(buf.raw(), buf.getStartTime());
    expect(r.error).toBeNull();
    expect(r.records).toBe(3);
    expect(sink.events).toEqual([
      { time: 1_000, group: 1, flags: 0, bytes: [0x90, 0x3c, 0x64] },
      { time: 1_250, group: 0, flags: 0, bytes: [0xb0, 0x07, 0x0a] },
      { time: 1_500, group: 17, flags: 0, bytes: [0x80, 0x3c, 0x00] },
    ]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('splits a long SysEx over buffer-sized events, INCOMPLETE on all but the last', () => {
    const { allocator, unpacker, sink } = setup(16);
    const sysex = Uint8Array.from({ length: 40 }, (_, i) => (i === 0 ? 0xf0 : i === 39 ? 0xf7 : i));
    const buf = new DirectMusicBuffer(256);
    buf.packUnstructured(500, 2, sysex);
    unpacker.unpack(buf.raw(), 500);
    expect(sink.events.map((e) => e.bytes.length)).toEqual([16, 16, 8]);
    expect(sink.events.map((e) => e.flags)).toEqual([DMUS_KEF.EVENT_INCOMPLETE, DMUS_KEF.EVENT_INCOMPLETE, DMUS_KEF.EVENT_COMPLETE]);
    expect(sink.events.flatMap((e) => e.bytes)).toEqual([...sysex]);
    expect(sink.events.every((e) => e.time === 500 && e.group === 2)).toBe(true);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.buffersInUse).toBe(0);
  });

  it('grows the pool ahead of a large IRP instead of losing events (control side)', () => {
    const { allocator, unpacker, sink } = setup(16, 4);
    sink.record = false;
    // Hold the events downstream so the pool really runs dry without growth.
    const held: number[] = [];
    unpacker.disconnectOutput(sink);
    unpacker.connectOutput({ putMessage: (e: number) => held.push(e), setState() {}, connectOutput() {}, disconnectOutput() {} });
    const buf = new DirectMusicBuffer(24 * 100);
    for (let i = 0; i < 100; i++) buf.packStructured(i, 1, 0x403c90);
    const r = unpacker.unpack(buf.raw(), 0);
    expect(r.events).toBe(100);
    expect(held).toHaveLength(100);
    expect(allocator.stats.eventExhaustions).toBe(0);
    expect(allocator.capacity).toBeGreaterThanOrEqual(100);
    for (const e of held) allocator.putMessage(e);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('never grows the pool on the render thread (FIXED): delivers the records that fit, in order, and counts the rest', () => {
    const allocator = new Allocator({ initialEvents: 5, initialBuffers: 2, bufferSize: 16 });
    const unpacker = new Unpacker(allocator);
    unpacker.setState(KSSTATE.RUN);
    const held: number[] = [];
    unpacker.connectOutput({ putMessage: (e: number) => held.push(e), setState() {}, connectOutput() {}, disconnectOutput() {} } as never);
    const buf = new DirectMusicBuffer(1024);
    buf.packStructured(0, 1, 0x403c90);
    buf.packStructured(10, 1, 0x403d90);
    buf.packStructured(20, 1, 0x403e90);
    // A 40-byte SysEx takes 3 events (16 + 16 + 8 bytes) and 2 buffers: 3 events are needed,
    // 2 are free, so it is dropped whole (never a cut SysEx) and so is everything after it
    // (what is delivered is a prefix of the IRP: no later event overtakes a lost one).
    buf.packUnstructured(30, 1, Uint8Array.from({ length: 40 }, (_, i) => (i === 0 ? 0xf0 : i === 39 ? 0xf7 : 1)));
    buf.packStructured(40, 1, 0x403f90);
    const capacity = allocator.capacity;
    const r = unpacker.unpack(buf.raw(), 1000, buf.usedBytes, POOL_GROWTH.FIXED);
    expect(r.error).toBeNull();
    expect(r.records).toBe(3);
    expect(r.events).toBe(3);
    expect(r.recordsDropped).toBe(2);
    expect(r.eventsDropped).toBe(4);
    expect(r.bytesConsumed).toBe(buf.usedBytes);
    expect(held.map((e) => allocator.fields.ullPresTime100ns[e])).toEqual([1000, 1010, 1020]);
    expect(held.map((e) => allocator.byteAt(e, 1))).toEqual([0x3c, 0x3d, 0x3e]);
    expect(allocator.capacity).toBe(capacity);
    expect(allocator.stats.grows).toBe(0);
    // The pool did not run dry under a stage that could not cope: nothing asked it in vain.
    expect(allocator.stats.eventExhaustions).toBe(0);
    expect(unpacker.stats).toMatchObject({ recordsDropped: 2, eventsDropped: 4, irpsCut: 1 });
    // Full pool: the next IRP loses every record, and the count goes on.
    held.push(allocator.getMessage(), allocator.getMessage());
    const r2 = unpacker.unpack(buf.raw(), 2000, buf.usedBytes, POOL_GROWTH.FIXED);
    expect(r2.records).toBe(0);
    expect(r2.recordsDropped).toBe(5);
    expect(unpacker.stats).toMatchObject({ recordsDropped: 7, eventsDropped: 11, irpsCut: 2 });
    for (const e of held.splice(0)) allocator.putMessage(e);
    expect(allocator.stats.eventsInUse).toBe(0);
    // Events enough but one buffer short: the SysEx is dropped for want of a buffer.
    const b = allocator.getBuffer();
    const r3 = unpacker.unpack(buf.raw().subarray(72), 3000, buf.usedBytes - 72, POOL_GROWTH.FIXED);
    expect(r3.records).toBe(0);
    expect(r3.recordsDropped).toBe(2);
    allocator.putBuffer(b);
    // The control side (GROW) takes the same IRP whole, growing the pool ahead of it.
    const r4 = unpacker.unpack(buf.raw(), 4000, buf.usedBytes, POOL_GROWTH.GROW);
    expect(r4.records).toBe(5);
    expect(r4.recordsDropped).toBe(0);
    expect(allocator.stats.grows).toBeGreaterThan(0);
    for (const e of held) allocator.putMessage(e);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.buffersInUse).toBe(0);
  });

  it('delivers the records before a bad one and names the bad offset', () => {
    const { allocator, unpacker, sink } = setup();
    const buf = new DirectMusicBuffer(256);
    buf.packStructured(0, 1, 0x643c90);
    buf.packStructured(10, 1, 0x643e90);
    buf.packStructured(20, 1, 0x644090);
    const raw = Uint8Array.from(buf.raw());
    raw[48 + 20] = 0x00; // zero the third record's status byte
    const r = unpacker.unpack(raw, 0);
    expect(r.records).toBe(2);
    expect(r.bytesConsumed).toBe(48);
    expect(r.error?.message).toMatch(/zero status byte.*byte offset 48/);
    expect(sink.events.map((e) => e.bytes[1])).toEqual([0x3c, 0x3e]);
    expect(unpacker.stats.rejectedIrps).toBe(1);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('rejects a channel group that does not fit usChannelGroup', () => {
    const { unpacker, sink } = setup();
    const buf = new DirectMusicBuffer(64);
    buf.packStructured(0, 1, 0x643c90);
    buf.packStructured(0, 1, 0x643c90);
    const raw = Uint8Array.from(buf.raw());
    writeU32(raw, 24 + 4, 70_000);
    const r = unpacker.unpack(raw, 0);
    expect(r.records).toBe(1);
    expect(sink.events).toHaveLength(1);
    expect(r.error?.message).toMatch(/channel group 70000 .*byte offset 24/);
  });
});
