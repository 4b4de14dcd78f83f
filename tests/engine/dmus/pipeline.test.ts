/**
 * The whole render path under load: unpacker -> sequencer -> a counting sink, one million events,
 * every event back in the allocator at the end; and the steady state allocates nothing, not even
 * a few bytes per block.
 */
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../engine/dmus/allocator.js';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { Sequencer } from '../../../engine/dmus/render/sequencer.js';
import { Unpacker } from '../../../engine/dmus/render/unpacker.js';
import { measureAllocations } from '../../helpers/no-alloc.js';
import { RecordingSink } from '../../helpers/mxf-recorder.js';

/** 1000 IRPs of 1000 events: note-on/off pairs plus controllers, 1 ms apart. */
function makeIrps(count: number, perIrp: number): Array<{ bytes: Uint8Array; start: number }> {
  const irps = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    const buf = new DirectMusicBuffer(perIrp * 24);
    for (let j = 0; j < perIrp; j++) {
      const k = j % 4;
      const msg = k === 0 ? 0x643c90 : k === 1 ? 0x003c80 : k === 2 ? 0x4007b0 : 0x2000e0;
      buf.packStructured(t, 1 + (j % 3), msg);
      t += 10_000 / 4;
    }
    irps.push({ bytes: Uint8Array.from(buf.raw()), start: buf.getStartTime() });
  }
  return irps;
}

function pipeline() {
  const allocator = new Allocator({ initialEvents: 4096 });
  const unpacker = new Unpacker(allocator);
  const sequencer = new Sequencer(allocator, 0);
  const sink = new RecordingSink(allocator);
  sink.record = false;
  unpacker.connectOutput(sequencer);
  sequencer.connectOutput(sink);
  for (const n of [sink, sequencer, unpacker]) n.setState(KSSTATE.RUN);
  return { allocator, unpacker, sequencer, sink };
}

/**
 * One audio block of the steady-state pipeline: an IRP arrives, the service routine releases what
 * is due. The times live in a Float64Array, as on the render path (the ring's IRP head, the port's
 * notify time): times[0] is the master time, times[1] the IRP's start time. Each IRP holds one
 * block of events from the current master time, so the queue stays at about one block and the
 * pool at its size (no growth while measuring). Started past 2^31 x 100 ns (214 s), where every
 * REFERENCE_TIME is a double. A double kept in a closure variable would itself allocate a heap
 * number on every write, and one handed to unpack() or service() is boxed (16 bytes) for the call:
 * the ~35 bytes per block the old test let through.
 */
function blockStep(unpacker: ReturnType<typeof pipeline>['unpacker'], sequencer: ReturnType<typeof pipeline>['sequencer']): () => void {
  const irps = makeIrps(50, 200);
  let i = 0;
  const times = new Float64Array(2);
  times[0] = 3e10;
  return () => {
    const irp = irps[i++ % irps.length];
    times[1] = times[0];
    unpacker.unpackAt(irp.bytes, times, 1, irp.bytes.length);
    times[0] += 500_000;
    sequencer.serviceAt(times, 0);
  };
}

describe('render pipeline', () => {
  it('pushes 1,000,000 events through unpacker -> sequencer -> sink and returns every one', () => {
    const { allocator, unpacker, sequencer, sink } = pipeline();
    const irps = makeIrps(1000, 1000);
    let now = 0;
    for (const irp of irps) {
      const r = unpacker.unpack(irp.bytes, irp.start);
      expect(r.error).toBeNull();
      now += 2_500_000; // service a quarter second at a time, as blocks would
      sequencer.service(now);
    }
    sequencer.service(Number.POSITIVE_INFINITY);
    expect(sink.count).toBe(1_000_000);
    expect(unpacker.stats.events).toBe(1_000_000);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.eventExhaustions).toBe(0);
  });

  it('allocates nothing per event or per block in steady state', async () => {
    const { allocator, unpacker, sequencer, sink } = pipeline();
    const step = blockStep(unpacker, sequencer);
    // Method (tests/helpers/no-alloc.ts): after 20,000 warm-up blocks, V8's sampling heap profiler
    // records every allocation made below step() for 20,000 blocks, including what a GC collected
    // in the meantime, one sample per 32 bytes on average. One boxed double per block would be
    // 320 KB, about 10,000 samples; zero allocation is zero samples. The next test shows the
    // method does see 16 bytes a block.
    const report = await measureAllocations(step, 20_000, 20_000);
    // 200 events a block went through, every block (warm-ups and measured windows) but the last few.
    expect(sink.count).toBeGreaterThan(report.stepsRun * 200 - 100_000);
    // Under 1 byte a block (20 KB in all): room for the sampling noise and a late compilation by
    // the JIT or two (a few hundred bytes to 13 KB, once, seen now and then on a loaded machine),
    // none for anything done per block (16 bytes x 20,000 = 320 KB) or once every 16 blocks. The
    // sites say where, should it fail.
    expect(report.bytes / report.iterations < 1 ? [] : report.sites).toEqual([]);
    sequencer.service(Number.POSITIVE_INFINITY);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.grows).toBe(0);
  });

  it('the measurement sees 16 bytes per block (the method is sensitive enough)', async () => {
    const { unpacker, sequencer } = pipeline();
    const block = blockStep(unpacker, sequencer);
    let i = 0;
    let last: { block: number } | undefined;
    // The same blocks, plus one small object per block that escapes (so V8 cannot elide it).
    const step = () => {
      block();
      last = { block: ++i };
    };
    const report = await measureAllocations(step, 10_000, 20_000);
    expect(last?.block).toBe(report.stepsRun);
    expect(report.bytes / report.iterations).toBeGreaterThan(8);
    expect(report.bytes / report.iterations).toBeLessThan(64);
  });
});
