import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { type CaptureError, CaptureSink } from '../../../../engine/dmus/capture/capture-sink.js';
import { DMUS_KEF, NULL_EVENT } from '../../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { RecordingSink } from '../../../helpers/mxf-recorder.js';

function setup(bufferSize = 32) {
  const allocator = new Allocator({ initialEvents: 256, initialBuffers: 32, bufferSize });
  const sink = new CaptureSink(allocator);
  const out = new RecordingSink(allocator);
  const errors: CaptureError[] = [];
  sink.onError = (e) => errors.push(e);
  sink.connectOutput(out);
  sink.setState(KSSTATE.RUN);
  /** Feeds raw bytes as INCOMPLETE events of at most 8 bytes, one time per event. */
  const feed = (bytes: number[], time: number, group = 1, chunk = 8) => {
    for (let i = 0; i < bytes.length; i += chunk) {
      const e = allocator.getMessage();
      const part = bytes.slice(i, i + chunk);
      allocator.setData(e, Uint8Array.from(part), 0, part.length);
      allocator.fields.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
      allocator.fields.ullPresTime100ns[e] = time;
      allocator.fields.usChannelGroup[e] = group;
      sink.putMessage(e);
    }
  };
  /** Messages as [time, bytes] with SysEx chains joined (a chain = one message). */
  const messages = () => {
    const list: Array<[number, number[]]> = [];
    let pending: number[] | null = null;
    for (const e of out.events) {
      if (pending) pending.push(...e.bytes);
      else pending = [...e.bytes];
      if ((e.flags & DMUS_KEF.EVENT_INCOMPLETE) === 0) {
        list.push([e.time, pending]);
        pending = null;
      }
    }
    return list;
  };
  return { allocator, sink, out, errors, feed, messages };
}

describe('CaptureSink (raw MIDI bytes -> one time-stamped message per event)', () => {
  it('parses running status and time-stamps each message with its first byte', () => {
    const { feed, messages, allocator } = setup();
    feed([0x90, 60, 100], 10);
    feed([62], 20); // running status, first data byte at 20
    feed([90, 0x80], 30); // completes the 2nd note-on at 30; 0x80 starts a note-off
    feed([60, 0], 40);
    expect(messages()).toEqual([
      [10, [0x90, 60, 100]],
      [20, [0x90, 62, 90]],
      [30, [0x80, 60, 0]],
    ]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('lets real-time bytes through at once, even inside a message or a SysEx', () => {
    const { feed, messages } = setup();
    feed([0x90, 60, 0xf8, 100], 10);
    feed([0xf0, 0x7e, 0xfe, 0x7f, 0x09, 0x01, 0xf7], 20);
    expect(messages()).toEqual([
      [10, [0xf8]],
      [10, [0x90, 60, 100]],
      [20, [0xfe]],
      [20, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
    ]);
  });

  it('assembles a SysEx split over many INCOMPLETE events into one message (a chain past one buffer)', () => {
    const { feed, messages, out, allocator } = setup(32);
    const body = Array.from({ length: 100 }, (_, i) => i & 0x7f);
    const sysex = [0xf0, ...body, 0xf7];
    feed(sysex.slice(0, 40), 1000, 1, 8);
    feed(sysex.slice(40), 2000, 1, 3);
    expect(messages()).toEqual([[1000, sysex]]);
    // 102 bytes in 32-byte buffers: a chain of 4 events, INCOMPLETE on all but the last.
    expect(out.events.map((e) => e.flags)).toEqual([1, 1, 1, 0]);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.buffersInUse).toBe(0);
  });

  it('reports stray data bytes and interrupted SysEx, and keeps going', () => {
    const { feed, messages, errors, sink } = setup();
    feed([0x45, 0x46], 1); // no running status yet
    feed([0xf0, 1, 2, 0x90, 60, 100], 2); // SysEx cut short by a note-on
    feed([0xf7], 3); // stray end of SysEx
    expect(messages()).toEqual([
      [2, [0xf0, 1, 2]],
      [2, [0x90, 60, 100]],
    ]);
    expect(sink.stats.strayBytes).toBe(3);
    expect(sink.stats.unterminatedSysex).toBe(1);
    expect(errors.map((e) => e.byteIndex)).toEqual([0, 1, 5, 8]);
    expect(errors[0].message).toMatch(/0x45.*no running status/);
  });

  it('system common messages cancel running status', () => {
    const { feed, messages, sink } = setup();
    feed([0x90, 60, 100, 0xf3, 5, 61, 100], 1);
    expect(messages()).toEqual([
      [1, [0x90, 60, 100]],
      [1, [0xf3, 5]],
    ]);
    expect(sink.stats.strayBytes).toBe(2);
  });

  it('keeps one parser per source group', () => {
    const { feed, messages } = setup();
    feed([0x90, 60], 1, 1);
    feed([0xc0, 5], 2, 2);
    feed([100], 3, 1);
    expect(messages()).toEqual([
      [2, [0xc0, 5]],
      [1, [0x90, 60, 100]],
    ]);
  });

  it('passes COMPLETE events straight through, discards everything in STOP/ACQUIRE', () => {
    const { allocator, sink, out } = setup();
    const e = allocator.getMessage();
    allocator.setShortMessage(e, 0xb0, 7, 100, 3);
    sink.putMessage(e);
    expect(out.events).toHaveLength(1);
    sink.setState(KSSTATE.ACQUIRE);
    const g = allocator.getMessage();
    allocator.setShortMessage(g, 0xb0, 7, 100, 3);
    sink.putMessage(g);
    expect(out.events).toHaveLength(1);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(NULL_EVENT).toBe(-1);
  });

  it('property: however the byte stream is cut into events, the same messages come out', () => {
    // A random well-formed stream: channel messages (some with running status), real-time bytes, SysEx.
    const chunk = fc.oneof(
      fc.tuple(fc.integer({ min: 0x80, max: 0xef }), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })).map(([s, a, b]) =>
        (s & 0xf0) === 0xc0 || (s & 0xf0) === 0xd0 ? [s, a] : [s, a, b],
      ),
      fc.constantFrom([0xf8], [0xfa], [0xfe]),
      fc.array(fc.integer({ min: 0, max: 127 }), { maxLength: 80 }).map((b) => [0xf0, ...b, 0xf7]),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }), (parts, cuts) => {
        const stream = parts.flat();
        const a = setup(16);
        a.feed(stream, 0, 1, 8);
        const b = setup(16);
        let i = 0;
        let k = 0;
        while (i < stream.length) {
          const n = cuts[k++ % cuts.length];
          b.feed(stream.slice(i, i + n), 0, 1, 8);
          i += n;
        }
        expect(b.messages()).toEqual(a.messages());
        expect(a.messages().flatMap(([, m]) => m).length).toBe(stream.length);
        expect(a.allocator.stats.eventsInUse).toBe(0);
        expect(b.allocator.stats.eventsInUse).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
