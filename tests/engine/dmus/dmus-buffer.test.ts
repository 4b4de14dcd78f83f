import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../engine/dmus/allocator.js';
import {
  checkRecord,
  DirectMusicBuffer,
  DMUS_EVENT_STRUCTURED,
  dmusEventSize,
  RECORD,
  readDirectMusicBuffer,
  recordDataEnd,
  writeI64,
  writeU32,
} from '../../../engine/dmus/dmus-buffer.js';
import { DmusError } from '../../../engine/dmus/errors.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { Unpacker } from '../../../engine/dmus/render/unpacker.js';
import { RecordingSink } from '../../helpers/mxf-recorder.js';

/** Builds a record by hand, byte for byte from reference §2.1, independent of the packer. */
function record(cb: number, group: number, rtDelta: number, flags: number, data: number[], pad = true): number[] {
  const size = pad ? dmusEventSize(cb) : 20 + data.length;
  const b = new Uint8Array(size);
  writeU32(b, 0, cb);
  writeU32(b, 4, group);
  writeI64(b, 8, rtDelta);
  writeU32(b, 16, flags);
  b.set(data, 20);
  return [...b];
}

describe('DirectMusic buffers (DMUS_EVENTHEADER records)', () => {
  it('record sizes: 20-byte header plus data, padded to 8', () => {
    expect(dmusEventSize(3)).toBe(24); // note-on
    expect(dmusEventSize(2)).toBe(24); // program change
    expect(dmusEventSize(6)).toBe(32);
    expect(dmusEventSize(12)).toBe(32);
    expect(dmusEventSize(13)).toBe(40);
  });

  it('packs structured and unstructured events byte for byte', () => {
    const buf = new DirectMusicBuffer(1023);
    expect(buf.maxBytes).toBe(1024); // rounded up to 8, as native does
    buf.packStructured(20, 1, 0x00643c90); // note-on key 60 vel 100 at t=20
    buf.packStructured(30, 2, 0x000005c0); // program change 5 at t=30
    const sysex = [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
    buf.packUnstructured(35, 0, Uint8Array.from(sysex));
    const expected = [
      ...record(3, 1, 0, DMUS_EVENT_STRUCTURED, [0x90, 0x3c, 0x64]),
      ...record(2, 2, 10, DMUS_EVENT_STRUCTURED, [0xc0, 0x05]),
      ...record(6, 0, 15, 0, sysex),
    ];
    expect([...buf.raw()]).toEqual(expected);
    expect(buf.usedBytes).toBe(24 + 24 + 32);
    expect(buf.getStartTime()).toBe(20);
    expect(buf.totalTime()).toBe(15);
  });

  it('reads back what it packed, and SetStartTime shifts every event', () => {
    const buf = new DirectMusicBuffer(256);
    buf.packStructured(1000, 3, 0x7f4090);
    buf.packStructured(1500, 3, 0x004080);
    buf.setStartTime(5000);
    const { events, error } = readDirectMusicBuffer(buf.raw(), 5000);
    expect(error).toBeUndefined();
    expect(events.map((e) => [e.time, e.channelGroup, e.structured, [...e.data]])).toEqual([
      [5000, 3, true, [0x90, 0x40, 0x7f]],
      [5500, 3, true, [0x80, 0x40, 0x00]],
    ]);
    buf.resetReadPtr();
    expect(buf.getNextEvent()?.time).toBe(5000);
    expect(buf.getNextEvent()?.time).toBe(5500);
    expect(buf.getNextEvent()).toBeNull();
  });

  it('has no start time while empty, even after SetStartTime', () => {
    const buf = new DirectMusicBuffer(64);
    buf.setStartTime(10);
    expect(() => buf.getStartTime()).toThrow(/BUFFER_EMPTY/);
    buf.packStructured(10, 1, 0x90);
    buf.flush();
    expect(buf.usedBytes).toBe(0);
    expect(() => buf.getStartTime()).toThrow(DmusError);
  });

  it('refuses messages without a status and reports a full buffer', () => {
    const buf = new DirectMusicBuffer(48);
    expect(() => buf.packStructured(0, 1, 0)).toThrow(/INVALID_EVENT/);
    expect(() => buf.packStructured(0, 1, 0xf0)).toThrow(/INVALID_EVENT/);
    buf.packStructured(0, 1, 0x403c90);
    buf.packStructured(0, 1, 0x403c90);
    expect(() => buf.packStructured(0, 1, 0x403c90)).toThrow(/BUFFER_FULL/);
  });

  const good = [...record(3, 1, 0, 1, [0x90, 60, 100]), ...record(3, 1, 100, 1, [0x80, 60, 0])];
  const cases: Array<[string, number[], number, RegExp]> = [
    ['truncated record header', [...good, ...record(3, 1, 200, 1, [0x90, 61, 1]).slice(0, 12)], 48, /truncated record/],
    ['cbEvent past the end', [...good, ...record(3, 1, 200, 1, [0x90, 61, 1]).map((x, i) => (i === 0 ? 200 : x))], 48, /cbEvent 200 runs past the end/],
    ['zero status byte', [...good, ...record(3, 1, 200, 1, [0x00, 61, 1])], 48, /zero status byte/],
    ['misaligned (unpadded) last record', [...good, ...record(3, 1, 200, 1, [0x90, 61, 1], false)], 48, /not padded to 24/],
    ['empty event', [...good, ...record(0, 1, 200, 0, [])], 48, /cbEvent is 0/],
  ];
  for (const [name, bytes, offset, message] of cases) {
    it(`rejects a ${name} with the offset, keeping the records before it`, () => {
      const { events, error } = readDirectMusicBuffer(Uint8Array.from(bytes), 0);
      expect(events).toHaveLength(2);
      expect(error).toBeInstanceOf(DmusError);
      expect(error!.message).toMatch(message);
      expect(error!.message).toContain(`byte offset ${offset}`);
    });
  }

  // A misaligned record in the MIDDLE: the writer padded the record before it short (not at all,
  // or to 4 bytes as the SDK pages say, reference §2.1), so the next record starts inside that
  // padding and the reader, stepping by DMUS_EVENT_SIZE, lands in the middle of its header.
  const unpaddedNote = record(3, 1, 200, 1, [0x90, 61, 1], false); // 23 bytes, not 24
  const sysex6 = [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7];
  const sysexPaddedTo4 = [...record(6, 1, 150, 0, sysex6, false), 0, 0]; // 28 bytes, not 32
  const after = record(3, 1, 300, 1, [0x80, 61, 0]);
  const middle: Array<[string, number[], number[], number, number]> = [
    ['an unpadded record', [...good, ...unpaddedNote, ...after, ...after], [0x90, 61, 1], 200, 48 + 23],
    ['a record padded to 4 bytes, not 8', [...good, ...sysexPaddedTo4, ...after], sysex6, 150, 48 + 28],
  ];
  for (const [name, bytes, thirdData, thirdDelta, offset] of middle) {
    it(`rejects the misaligned record after ${name} in the middle of a buffer, keeping every record before it`, () => {
      const raw = Uint8Array.from(bytes);
      const { events, error } = readDirectMusicBuffer(raw, 0);
      // The short-padded record itself is whole: it is kept with the two before it.
      expect(events.map((e) => e.offset)).toEqual([0, 24, 48]);
      expect([...events[2].data]).toEqual(thirdData);
      expect(error).toBeInstanceOf(DmusError);
      expect(error!.message).toMatch(/not aligned to 8 bytes/);
      expect(error!.message).toContain(`byte offset ${offset}`);
      const next = 48 + dmusEventSize(thirdData.length); // where a reader looks for the next record
      expect(checkRecord(raw, raw.length, next, recordDataEnd(raw, 48))).toBe(RECORD.MISALIGNED);
      // The buffer object refuses it the same way; the unpacker delivers what is before it.
      const buf = new DirectMusicBuffer(256);
      buf.bytes.set(raw);
      expect(() => buf.setUsedBytes(raw.length)).toThrow(/not aligned to 8 bytes.*byte offset \d+/);
      const allocator = new Allocator({ initialEvents: 16 });
      const unpacker = new Unpacker(allocator);
      const sink = new RecordingSink(allocator);
      unpacker.connectOutput(sink);
      unpacker.setState(KSSTATE.RUN);
      const r = unpacker.unpack(raw, 1000);
      expect(r.records).toBe(3);
      expect(r.bytesConsumed).toBe(next);
      expect(r.error?.message).toContain(`byte offset ${offset}`);
      expect(sink.events.map((e) => e.time)).toEqual([1000, 1100, 1000 + thirdDelta]);
      expect(allocator.stats.eventsInUse).toBe(0);
    });
  }

  it('does not call zero padding a misaligned record: a bad record after well-padded ones keeps its own error', () => {
    const raw = Uint8Array.from([...good, ...record(3, 1, 200, 1, [0x00, 61, 1])]);
    expect(checkRecord(raw, raw.length, 48, recordDataEnd(raw, 24))).toBe(RECORD.ZERO_STATUS);
    // A valid buffer checked record by record never meets MISALIGNED.
    const ok = Uint8Array.from([...good, ...record(6, 1, 150, 0, sysex6), ...after]);
    expect(readDirectMusicBuffer(ok, 0).error).toBeUndefined();
  });

  it('property: any sequence of packed events reads back identically', () => {
    const ev = fc.oneof(
      fc.record({
        kind: fc.constant('short' as const),
        status: fc.integer({ min: 0x80, max: 0xef }),
        d1: fc.integer({ min: 0, max: 127 }),
        d2: fc.integer({ min: 0, max: 127 }),
        group: fc.integer({ min: 0, max: 1000 }),
        dt: fc.integer({ min: -1e6, max: 1e9 }),
      }),
      fc.record({
        kind: fc.constant('sysex' as const),
        body: fc.uint8Array({ minLength: 1, maxLength: 300 }),
        group: fc.integer({ min: 0, max: 1000 }),
        dt: fc.integer({ min: -1e6, max: 1e9 }),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(ev, { maxLength: 40 }), (start, list) => {
        const buf = new DirectMusicBuffer(64 * 1024);
        const expected: Array<[number, number, number[]]> = [];
        for (const e of list) {
          if (e.kind === 'short') {
            const len = (e.status & 0xf0) === 0xc0 || (e.status & 0xf0) === 0xd0 ? 2 : 3;
            buf.packStructured(start + e.dt, e.group, e.status | (e.d1 << 8) | (e.d2 << 16));
            expected.push([start + e.dt, e.group, [e.status, e.d1, e.d2].slice(0, len)]);
          } else {
            buf.packUnstructured(start + e.dt, e.group, e.body);
            expected.push([start + e.dt, e.group, [...e.body]]);
          }
        }
        const first = list.length ? start + list[0].dt : 0;
        const { events, error } = readDirectMusicBuffer(buf.raw(), first);
        expect(error).toBeUndefined();
        expect(events.map((x) => [x.time, x.channelGroup, [...x.data]])).toEqual(expected);
        expect(buf.usedBytes % 8).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('REFERENCE_TIME is whole 100 ns', () => {
  it('a buffer straddling 2^27 x 100 ns keeps every event at its (rounded) time', () => {
    // Found live: the latency clock was master + 26,666.67; a buffer starting just below 13.4 s
    // with an event just above read that event back 100 ns early, ahead of the next buffer's
    // event of the same time. Every fractional start below and event above the power of two:
    let checked = 0;
    for (let k = 0; k < 2000; k++) {
      const anchor = 2 ** 27 - 50 + k * 0.0513 + 1 / 3;
      const b = new DirectMusicBuffer(64);
      b.packStructured(anchor, 1, 0x90 | (60 << 8) | (100 << 16));
      b.packStructured(anchor + 100, 1, 0x80 | (60 << 8));
      const { events } = readDirectMusicBuffer(b.raw().slice(), b.getStartTime());
      expect(events.map((e) => e.time)).toEqual([Math.round(anchor), Math.round(anchor + 100)]);
      checked++;
    }
    expect(checked).toBe(2000);
  });

  it('setStartTime rounds too', () => {
    const b = new DirectMusicBuffer(32);
    b.packStructured(10, 1, 0x90 | (60 << 8) | (100 << 16));
    b.setStartTime(1000.6);
    expect(readDirectMusicBuffer(b.raw().slice(), b.getStartTime()).events[0].time).toBe(1001);
  });
});
