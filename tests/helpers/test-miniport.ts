/**
 * A test miniport: its render streams record every event the sequencer releases to them (and
 * when), count events, and return them to the allocator. It implements the property items it can
 * answer honestly (channel groups, volume) so the dispatcher's routing can be tested; the synth's
 * real miniport lives in engine/synth.
 */
import type { Allocator } from '../../engine/dmus/allocator.js';
import type { MasterClock } from '../../engine/dmus/clocks.js';
import { NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import type { IMiniportDMus, MiniportStream, NewStreamArgs, SynthNode } from '../../engine/dmus/miniport.js';
import { KSSTATE, type KsState, MxfFilter } from '../../engine/dmus/mxf.js';
import { eventBytes } from './mxf-recorder.js';

export interface Released {
  bytes: number[];
  time: number;
  group: number;
  /** Master time when the stream got the event. */
  at: number;
}

export class RecordingStream extends MxfFilter {
  readonly released: Released[] = [];
  count = 0;
  record = true;
  states: KsState[] = [];
  private readonly clock: MasterClock;
  constructor(allocator: Allocator, clock: MasterClock) {
    super(allocator);
    this.clock = clock;
  }
  override setState(state: KsState): void {
    super.setState(state);
    this.states.push(state);
  }
  putMessage(e: number): void {
    const a = this.allocator;
    let x = e;
    while (x !== NULL_EVENT) {
      const f = a.fields;
      this.count++;
      if (this.record) this.released.push({ bytes: eventBytes(a, x), time: f.ullPresTime100ns[x], group: f.usChannelGroup[x], at: this.clock.getTime() });
      x = f.pNextEvt[x];
    }
    a.putMessage(e);
  }
}

export class TestMiniport implements IMiniportDMus {
  readonly name = 'test miniport';
  readonly streams: RecordingStream[] = [];
  readonly prefetch: number;
  constructor(prefetch = 0) {
    this.prefetch = prefetch;
  }
  newStream(args: NewStreamArgs): MiniportStream {
    const mxf = new RecordingStream(args.allocator, args.masterClock);
    this.streams.push(mxf);
    let groups = 2;
    let volume = 0;
    const node: Partial<SynthNode> = {
      getChannelGroups: () => groups,
      setChannelGroups: (n) => {
        if (n < 1 || n > 1000) throw new RangeError(`channel groups ${n} outside 1..1000`);
        groups = n;
      },
      getVolume: () => volume,
      setVolume: (v) => {
        volume = v;
      },
    };
    return { mxf, schedulePreFetch: this.prefetch, node, close: () => mxf.setState(KSSTATE.STOP) };
  }
}
