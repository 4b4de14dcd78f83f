import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { DONT_HOLD_FOR_SEQUENCING } from '../../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { SAME_TIME_ROW, Sequencer, sameTimeRow } from '../../../../engine/dmus/render/sequencer.js';
import { RecordingSink, shortEvent } from '../../../helpers/mxf-recorder.js';

function setup(prefetch = 0) {
  const allocator = new Allocator({ initialEvents: 64 });
  const seq = new Sequencer(allocator, prefetch);
  const sink = new RecordingSink(allocator);
  seq.connectOutput(sink);
  seq.setState(KSSTATE.RUN);
  return { allocator, seq, sink };
}

/** A random MIDI message: [status, d1, d2] of every kind the rule distinguishes. */
const message = fc.oneof(
  fc.tuple(fc.constantFrom(0x90, 0x91), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })),
  fc.tuple(fc.constantFrom(0x80, 0x8f), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })),
  fc.tuple(fc.constantFrom(0xb0, 0xb5), fc.constantFrom(0, 1, 7, 32, 64, 100, 101, 6), fc.integer({ min: 0, max: 127 })),
  fc.tuple(fc.constant(0xc0), fc.integer({ min: 0, max: 127 }), fc.constant(0)),
  fc.tuple(fc.constant(0xe0), fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 127 })),
  fc.tuple(fc.constantFrom(0xf8, 0xfe, 0xff), fc.constant(0), fc.constant(0)),
);

describe('Sequencer', () => {
  it('releases events when due minus the prefetch, in time order', () => {
    const { allocator, seq, sink } = setup(1000);
    for (const t of [5000, 2000, 9000, 3000]) seq.putMessage(shortEvent(allocator, t, [0x90, t / 1000, 1]));
    expect(seq.service(999)).toBe(0); // 2000 - 1000 = 1000 > 999
    expect(seq.service(1000)).toBe(1);
    expect(seq.service(4000)).toBe(2);
    expect(sink.events.map((e) => e.time)).toEqual([2000, 3000, 5000]);
    expect(seq.length).toBe(1);
    expect(seq.peekTime()).toBe(9000);
    seq.service(1e12);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('holds in PAUSE, throws the queue back to the allocator in STOP', () => {
    const { allocator, seq, sink } = setup();
    seq.putMessage(shortEvent(allocator, 10, [0x90, 60, 1]));
    seq.setState(KSSTATE.PAUSE);
    expect(seq.service(1e9)).toBe(0);
    seq.putMessage(shortEvent(allocator, 20, [0x90, 61, 1]));
    seq.setState(KSSTATE.STOP);
    expect(seq.length).toBe(0);
    expect(seq.stats.flushedByStop).toBe(2);
    expect(sink.events).toHaveLength(0);
    // Arriving in STOP: straight back to the allocator, counted.
    seq.putMessage(shortEvent(allocator, 30, [0x90, 62, 1]));
    expect(seq.stats.discardedInStop).toBe(1);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('DONT_HOLD_FOR_SEQUENCING passes events on at once, in arrival order', () => {
    const { allocator, seq, sink } = setup(DONT_HOLD_FOR_SEQUENCING);
    seq.putMessage(shortEvent(allocator, 9e9, [0x90, 1, 1]));
    seq.putMessage(shortEvent(allocator, 1, [0x90, 2, 1]));
    expect(sink.events.map((e) => e.bytes[1])).toEqual([1, 2]);
  });

  it('the same-time table: system, patch, controllers, note-off, note-on', () => {
    expect(sameTimeRow(0xf0, 0, 0)).toBe(SAME_TIME_ROW.SYSTEM);
    expect(sameTimeRow(0xb3, 0, 5)).toBe(SAME_TIME_ROW.PATCH);
    expect(sameTimeRow(0xb3, 32, 5)).toBe(SAME_TIME_ROW.PATCH);
    expect(sameTimeRow(0xc3, 5, 0)).toBe(SAME_TIME_ROW.PATCH);
    expect(sameTimeRow(0xb3, 7, 5)).toBe(SAME_TIME_ROW.CONTROL);
    expect(sameTimeRow(0xe3, 0, 64)).toBe(SAME_TIME_ROW.CONTROL);
    expect(sameTimeRow(0x83, 60, 64)).toBe(SAME_TIME_ROW.NOTE_OFF);
    expect(sameTimeRow(0x93, 60, 0)).toBe(SAME_TIME_ROW.NOTE_OFF);
    expect(sameTimeRow(0x93, 60, 1)).toBe(SAME_TIME_ROW.NOTE_ON);
    const { allocator, seq, sink } = setup();
    // A retrigger: note-on then note-off of the same key, both at t=100, sent in the "wrong" order.
    seq.putMessage(shortEvent(allocator, 100, [0x90, 60, 100]));
    seq.putMessage(shortEvent(allocator, 100, [0x80, 60, 0]));
    seq.putMessage(shortEvent(allocator, 100, [0xc0, 5, 0]));
    seq.putMessage(shortEvent(allocator, 100, [0xb0, 7, 90]));
    seq.putMessage(shortEvent(allocator, 100, [0xff, 0, 0]));
    seq.service(100);
    expect(sink.events.map((e) => e.bytes[0])).toEqual([0xff, 0xc0, 0xb0, 0x80, 0x90]);
  });

  it('property: output is sorted by (time, row) and stable within a row; nothing is lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), message), { minLength: 1, maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 25 }), { maxLength: 10 }),
        (events, serviceTimes) => {
          const allocator = new Allocator({ initialEvents: 8 }); // grows: tests growth under load too
          allocator.reserve(events.length);
          const seq = new Sequencer(allocator, 0);
          const out: Array<{ time: number; row: number; idx: number }> = [];
          const idxOf = new Map<number, number>();
          seq.connectOutput({
            putMessage: (e: number) => {
              const f = allocator.fields;
              const d = e * 8;
              out.push({ time: f.ullPresTime100ns[e], row: sameTimeRow(f.abData[d], f.abData[d + 1], f.abData[d + 2]), idx: idxOf.get(e)! });
              allocator.putMessage(e);
            },
            setState() {},
            connectOutput() {},
            disconnectOutput() {},
          });
          seq.setState(KSSTATE.RUN);
          events.forEach(([t, [s, d1, d2]], idx) => {
            const len = s >= 0xf8 ? 1 : s >= 0xc0 && s < 0xe0 ? 2 : 3;
            const e = shortEvent(allocator, t, [s, d1, d2].slice(0, len));
            idxOf.set(e, idx);
            seq.putMessage(e);
          });
          let lastService = -1;
          for (const now of [...serviceTimes].sort((a, b) => a - b)) {
            seq.service(now);
            // Nothing due later than `now` has left; everything due by `now` has.
            expect(out.every((o) => o.time <= now)).toBe(true);
            expect(seq.peekTime()).toBeGreaterThan(now);
            lastService = now;
          }
          seq.service(Math.max(lastService, 21));
          expect(out).toHaveLength(events.length);
          expect(allocator.stats.eventsInUse).toBe(0);
          // Within each service batch, order is by (time, row, arrival); across batches time grows.
          for (let i = 1; i < out.length; i++) {
            const a = out[i - 1];
            const b = out[i];
            if (a.time === b.time && a.row === b.row) expect(a.idx).toBeLessThan(b.idx);
            if (a.time === b.time) expect(a.row).toBeLessThanOrEqual(b.row);
            else expect(a.time).toBeLessThan(b.time);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: each event leaves at the first service whose time reaches its time minus the prefetch, never earlier, in order', () => {
    fc.assert(
      fc.property(
        // Small ranges, so that times land exactly on a service's time plus the prefetch (the
        // boundary the rule is about) and equal times are common.
        fc.integer({ min: 0, max: 60 }),
        // Steps: an event arriving (its time, its message) or a service call (the clock moving by dt).
        fc.array(fc.oneof(fc.tuple(fc.constant('event' as const), fc.integer({ min: 0, max: 300 }), message), fc.tuple(fc.constant('service' as const), fc.integer({ min: 0, max: 25 }))), { minLength: 1, maxLength: 300 }),
        (prefetch, steps) => {
          const allocator = new Allocator({ initialEvents: 512 });
          const seq = new Sequencer(allocator, prefetch);
          const released: Array<{ time: number; row: number; idx: number; at: number; call: number }> = [];
          const idxOf = new Map<number, number>();
          const arrivedAtCall: number[] = [];
          let call = 0;
          let now = 0;
          const nowAt: number[] = [];
          seq.connectOutput({
            putMessage: (e: number) => {
              const f = allocator.fields;
              const d = e * 8;
              released.push({ time: f.ullPresTime100ns[e], row: sameTimeRow(f.abData[d], f.abData[d + 1], f.abData[d + 2]), idx: idxOf.get(e)!, at: now, call });
              allocator.putMessage(e);
            },
            setState() {},
            connectOutput() {},
            disconnectOutput() {},
          });
          seq.setState(KSSTATE.RUN);
          const times: number[] = [];
          for (const step of steps) {
            if (step[0] === 'event') {
              const [, t, [st, d1, d2]] = step;
              const len = st >= 0xf8 ? 1 : st >= 0xc0 && st < 0xe0 ? 2 : 3;
              const e = shortEvent(allocator, t, [st, d1, d2].slice(0, len));
              idxOf.set(e, times.length);
              arrivedAtCall.push(call);
              times.push(t);
              seq.putMessage(e);
            } else {
              now += step[1];
              call++;
              nowAt[call] = now;
              seq.service(now);
            }
          }
          // Never early: a released event was due (time - prefetch <= the service's time).
          for (const r of released) expect(r.time - prefetch).toBeLessThanOrEqual(r.at);
          // Never late: an event leaves at the first service after its arrival that reaches it,
          // and one that no service reached is still queued.
          const callOf = new Map(released.map((r) => [r.idx, r.call]));
          times.forEach((t, idx) => {
            let first = -1;
            for (let c = arrivedAtCall[idx] + 1; c <= call; c++) {
              if (t - prefetch <= nowAt[c]) {
                first = c;
                break;
              }
            }
            expect(callOf.get(idx) ?? -1).toBe(first);
          });
          expect(seq.length).toBe(times.length - released.length);
          // Order: within one service call by (time, row, arrival).
          for (let i = 1; i < released.length; i++) {
            const a = released[i - 1];
            const b = released[i];
            if (a.call !== b.call) continue;
            if (a.time !== b.time) expect(a.time).toBeLessThan(b.time);
            else if (a.row !== b.row) expect(a.row).toBeLessThan(b.row);
            else expect(a.idx).toBeLessThan(b.idx);
          }
          seq.setState(KSSTATE.STOP);
          expect(allocator.stats.eventsInUse).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
