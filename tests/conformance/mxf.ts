/**
 * The IMXF conformance suite (Tone.js BasicTests idea): every IMXF implementation of the engine
 * runs the same checks —
 *   1. every event put in comes back to the allocator (the conservation law of the pool),
 *   2. order is kept for events in time order,
 *   3. KS state transitions STOP -> ACQUIRE -> PAUSE -> RUN -> ... -> STOP leave nothing behind,
 *      and nothing reaches the output while the node is stopped,
 *   4. with no connection the output is the allocator; connect routes to the sink; connecting twice
 *      and disconnecting a foreign sink are refused; disconnect returns the output to the allocator.
 */
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../engine/dmus/allocator.js';
import { type KernelEvent, NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import { type IMXF, KSSTATE, MxfConnectionError, type MxfFilter } from '../../engine/dmus/mxf.js';
import { RecordingSink } from '../helpers/mxf-recorder.js';

export interface MxfSubject {
  name: string;
  /** Builds the node on this allocator. `flush(now)` pushes out whatever it holds (service routines). */
  create(allocator: Allocator): { node: MxfFilter; flush?: (now: number) => void };
  /** The i-th input event (times increase with i). */
  input(allocator: Allocator, i: number): KernelEvent;
  /**
   * How the i-th input enters the node (default: node.putMessage(input(allocator, i))). The
   * unpacker's real input is an IRP: its subject packs the event into a DirectMusic buffer and
   * calls unpack().
   */
  feed?(node: MxfFilter, allocator: Allocator, i: number): void;
  /** For nodes whose output is not a stream of events (the packer): read what reached the output. */
  terminal?: {
    connect(node: MxfFilter, collect: (id: number) => void): void;
  };
  /** How to read the identity of an output event (defaults to data1). */
  idOf?(allocator: Allocator, e: KernelEvent): number;
  /** Input ids expected out for N inputs (defaults to 0..N-1). */
  expectedIds?(n: number): number[];
}

function noteOn(a: Allocator, i: number, group = 1): KernelEvent {
  const e = a.getMessage();
  if (e === NULL_EVENT) throw new Error('pool empty');
  a.setShortMessage(e, 0x90, i & 0x7f, 100, 3);
  a.fields.ullPresTime100ns[e] = 1000 * (i + 1);
  a.fields.usChannelGroup[e] = group;
  return e;
}
export const defaultInput = noteOn;

export function runMxfConformance(subject: MxfSubject): void {
  const N = 100;
  const wire = (allocator: Allocator) => {
    const { node, flush } = subject.create(allocator);
    const ids: number[] = [];
    let sink: RecordingSink | undefined;
    if (subject.terminal) {
      subject.terminal.connect(node, (id) => ids.push(id));
    } else {
      sink = new RecordingSink(allocator);
      node.connectOutput(sink);
    }
    const outIds = () => (sink ? sink.events.map((e) => e.bytes[1]) : ids);
    const put = (i: number) => feed(node, allocator, i);
    return { node, flush: flush ?? (() => {}), outIds, sink, put };
  };
  const feed = (node: MxfFilter, allocator: Allocator, i: number) => {
    if (subject.feed) subject.feed(node, allocator, i);
    else node.putMessage(subject.input(allocator, i));
  };

  describe(`IMXF conformance: ${subject.name}`, () => {
    it('returns every event to the allocator and keeps order', () => {
      const allocator = new Allocator({ initialEvents: 16, initialBuffers: 8 });
      allocator.reserve(N * 2);
      const { node, flush, outIds, put } = wire(allocator);
      node.setState(KSSTATE.RUN);
      for (let i = 0; i < N; i++) put(i);
      flush(1e15);
      const expected = subject.expectedIds ? subject.expectedIds(N) : Array.from({ length: N }, (_, i) => i & 0x7f);
      expect(outIds()).toEqual(expected);
      expect(allocator.stats.eventsInUse).toBe(0);
      expect(allocator.stats.buffersInUse).toBe(0);
    });

    it('walks the KS states and leaves nothing behind in STOP', () => {
      const allocator = new Allocator({ initialEvents: 256 });
      const { node, flush, outIds, put } = wire(allocator);
      // STOP: nothing reaches the output.
      for (let i = 0; i < 5; i++) put(i);
      flush(1e15);
      expect(outIds()).toEqual([]);
      for (const s of [KSSTATE.ACQUIRE, KSSTATE.PAUSE, KSSTATE.RUN, KSSTATE.PAUSE, KSSTATE.ACQUIRE]) {
        node.setState(s);
        expect(node.ksState).toBe(s);
        put(10 + s);
      }
      node.setState(KSSTATE.STOP);
      flush(1e15);
      expect(allocator.stats.eventsInUse).toBe(0);
      // Back to RUN: it works again.
      node.setState(KSSTATE.ACQUIRE);
      node.setState(KSSTATE.PAUSE);
      node.setState(KSSTATE.RUN);
      const before = outIds().length;
      put(50);
      flush(1e15);
      expect(outIds().length).toBe(before + 1);
      expect(allocator.stats.eventsInUse).toBe(0);
    });

    if (!subject.terminal) {
      it('sends to the allocator when unconnected, refuses double connect and foreign disconnect', () => {
        const allocator = new Allocator({ initialEvents: 64 });
        const created = subject.create(allocator);
        const node = created.node;
        const flush = created.flush ?? (() => {});
        node.setState(KSSTATE.RUN);
        expect(node.isConnected).toBe(false);
        feed(node, allocator, 1);
        flush(1e15);
        expect(allocator.stats.eventsInUse).toBe(0);
        const a = new RecordingSink(allocator);
        const b = new RecordingSink(allocator);
        node.connectOutput(a);
        expect(() => node.connectOutput(b)).toThrow(MxfConnectionError);
        expect(() => node.disconnectOutput(b)).toThrow(MxfConnectionError);
        feed(node, allocator, 2);
        flush(1e15);
        expect(a.count).toBe(1);
        node.disconnectOutput(a);
        expect(node.isConnected).toBe(false);
        feed(node, allocator, 3);
        flush(1e15);
        expect(a.count).toBe(1);
        expect(b.count).toBe(0);
        expect(allocator.stats.eventsInUse).toBe(0);
        expect(() => node.connectOutput(node as IMXF)).toThrow(MxfConnectionError);
      });
    }
  });
}
