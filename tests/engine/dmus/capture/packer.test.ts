import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { Packer } from '../../../../engine/dmus/capture/packer.js';
import { DirectMusicBuffer, dmusEventSize, readDirectMusicBuffer } from '../../../../engine/dmus/dmus-buffer.js';
import { DMUS_KEF, NULL_EVENT } from '../../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { Unpacker } from '../../../../engine/dmus/render/unpacker.js';
import { RecordingSink, shortEvent } from '../../../helpers/mxf-recorder.js';

function setup() {
  const allocator = new Allocator({ initialEvents: 64, initialBuffers: 8, bufferSize: 16 });
  const packer = new Packer(allocator, 8);
  const done: DirectMusicBuffer[] = [];
  packer.onIrpComplete = (irp) => done.push(irp);
  packer.setState(KSSTATE.RUN);
  return { allocator, packer, done };
}

describe('Packer (events -> IRPs of DMUS_EVENTHEADER records)', () => {
  it('packs channel messages as structured records and completes the IRP on flush', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(256));
    packer.putMessage(shortEvent(allocator, 100, [0x90, 60, 100], 2));
    packer.putMessage(shortEvent(allocator, 150, [0xc1, 7], 2));
    expect(done).toHaveLength(0);
    packer.flush();
    expect(done).toHaveLength(1);
    const irp = done[0];
    const { events } = readDirectMusicBuffer(irp.raw(), irp.getStartTime());
    expect(events.map((e) => [e.time, e.channelGroup, e.structured, [...e.data]])).toEqual([
      [100, 2, true, [0x90, 60, 100]],
      [150, 2, true, [0xc1, 7]],
    ]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('packs a SysEx chain as one unstructured record', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(256));
    const sysex = Uint8Array.from({ length: 40 }, (_, i) => (i === 0 ? 0xf0 : i === 39 ? 0xf7 : i));
    const events = [0, 16, 32].map((off) => {
      const e = allocator.getMessage();
      allocator.setData(e, sysex, off, Math.min(16, 40 - off));
      allocator.fields.ullPresTime100ns[e] = 7;
      allocator.fields.usChannelGroup[e] = 1;
      return e;
    });
    const f = allocator.fields;
    f.usFlags[events[0]] = DMUS_KEF.EVENT_INCOMPLETE;
    f.usFlags[events[1]] = DMUS_KEF.EVENT_INCOMPLETE;
    f.pNextEvt[events[0]] = events[1];
    f.pNextEvt[events[1]] = events[2];
    packer.putMessage(events[0]);
    packer.flush();
    const { events: recs } = readDirectMusicBuffer(done[0].raw(), done[0].getStartTime());
    expect(recs).toHaveLength(1);
    expect(recs[0].structured).toBe(false);
    expect([...recs[0].data]).toEqual([...sysex]);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.buffersInUse).toBe(0);
  });

  it('moves to the next IRP when one is full, and counts messages with no IRP to fill', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(48)); // two 24-byte records
    packer.submitIrp(new DirectMusicBuffer(48));
    for (let i = 0; i < 5; i++) packer.putMessage(shortEvent(allocator, i, [0x90, 60 + i, 1]));
    // Both IRPs filled and completed as soon as they were full; the 5th message found no IRP.
    expect(done).toHaveLength(2);
    expect(packer.stats.lostNoIrp).toBe(1);
    packer.flush();
    expect(done).toHaveLength(2);
    const keys = done.flatMap((irp) => readDirectMusicBuffer(irp.raw(), irp.getStartTime()).events.map((e) => e.data[1]));
    expect(keys).toEqual([60, 61, 62, 63]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('property: events -> IRPs -> unpacked back are the same messages, and no IRP holds more than its capacity', () => {
    const message = fc.oneof(
      fc.record({
        kind: fc.constant('short' as const),
        bytes: fc.oneof(
          fc.tuple(fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })).map((m) => [...m]),
          fc.tuple(fc.integer({ min: 0xc0, max: 0xdf }), fc.integer({ min: 0, max: 127 })).map((m) => [...m]),
          fc.tuple(fc.integer({ min: 0xe0, max: 0xef }), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })).map((m) => [...m]),
          fc.constantFrom(0xf8, 0xfa, 0xfe).map((b) => [b]),
        ),
      }),
      // A SysEx, 2 to 120 bytes: longer than one allocator buffer (16 bytes) it is a chain of
      // INCOMPLETE events, as the capture sink makes it.
      fc.record({ kind: fc.constant('sysex' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 118, max: 0x7f }).map((b) => [0xf0, ...b, 0xf7]) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(message, fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 1, max: 16 })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        // IRP sizes in 8-byte units: 18 holds the largest message (20 + 120 bytes, padded to 144).
        fc.array(fc.integer({ min: 18, max: 60 }), { minLength: 1, maxLength: 8 }),
        (list, start, sizes) => {
          const allocator = new Allocator({ initialEvents: 64, initialBuffers: 64, bufferSize: 16 });
          const packer = new Packer(allocator, 64);
          const done: DirectMusicBuffer[] = [];
          packer.onIrpComplete = (irp) => done.push(irp);
          packer.setState(KSSTATE.RUN);
          // Enough IRPs for one message each, of sizes (in 8-byte units) cycling through `sizes`.
          for (let i = 0; i < list.length; i++) packer.submitIrp(new DirectMusicBuffer(8 * sizes[i % sizes.length]));
          let t = start;
          const sent: Array<{ time: number; group: number; bytes: number[] }> = [];
          for (const [m, dt, group] of list) {
            t += dt;
            const src = Uint8Array.from(m.bytes);
            let head = NULL_EVENT;
            let tail = NULL_EVENT;
            for (let off = 0; off < src.length; off += 16) {
              const e = allocator.getMessage();
              allocator.setData(e, src, off, Math.min(16, src.length - off));
              const f = allocator.fields;
              f.ullPresTime100ns[e] = t;
              f.usChannelGroup[e] = group;
              if (off + 16 < src.length) f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
              if (head === NULL_EVENT) head = e;
              else f.pNextEvt[tail] = e;
              tail = e;
            }
            sent.push({ time: t, group, bytes: m.bytes });
            packer.putMessage(head);
          }
          packer.flush();
          expect(allocator.stats.eventsInUse).toBe(0);
          expect(allocator.stats.buffersInUse).toBe(0);
          // Nothing lost: every message fits an empty IRP and there is an IRP per message.
          expect(packer.stats).toMatchObject({ messages: sent.length, lostTooLarge: 0, lostNoIrp: 0 });
          // Capacity: no IRP holds more than its size, and one is completed before the flush only
          // when the next message did not fit in what it had left.
          for (const irp of done) expect(irp.usedBytes).toBeLessThanOrEqual(irp.maxBytes);
          for (let i = 0; i + 1 < done.length; i++) {
            const next = readDirectMusicBuffer(done[i + 1].raw(), 0).events[0];
            expect(dmusEventSize(next.data.length)).toBeGreaterThan(done[i].maxBytes - done[i].usedBytes);
          }
          // Unpacked back (the render side's unpacker, SysEx chunks joined again): the same
          // messages, in order, at the same times and groups.
          const back = new Allocator({ initialEvents: 64, bufferSize: 16 });
          const unpacker = new Unpacker(back);
          const sink = new RecordingSink(back);
          unpacker.connectOutput(sink);
          unpacker.setState(KSSTATE.RUN);
          for (const irp of done) expect(unpacker.unpack(irp.raw(), irp.getStartTime()).error).toBeNull();
          const got: Array<{ time: number; group: number; bytes: number[] }> = [];
          let joining = false;
          for (const e of sink.events) {
            if (joining) got[got.length - 1].bytes.push(...e.bytes);
            else got.push({ time: e.time, group: e.group, bytes: [...e.bytes] });
            joining = (e.flags & DMUS_KEF.EVENT_INCOMPLETE) !== 0;
          }
          expect(got).toEqual(sent);
          expect(back.stats.eventsInUse).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
