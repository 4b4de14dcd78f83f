/**
 * The render thread and a pin's event pool (issue 2: "the allocator grows only off the render
 * path, or the caller gets a counted, reported failure"). A RenderLoop, as the render worker runs
 * it, is flooded through the command ring with more events than the pin's pool holds:
 *   (a) nothing grows and nothing is allocated on the render path (but its clock reading),
 *   (b) what did not fit is counted and published (telemetry: all pins and per pin),
 *   (c) what fitted plays, in time order, and every event returns to the allocator.
 */
import { describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { RenderCommandWriter, RenderLoop } from '../../../engine/sink/render-thread.js';
import { SpscRing } from '../../../engine/sink/spsc-ring.js';
import { PIN_FIELD, TELEMETRY, TelemetryBlock } from '../../../engine/sink/telemetry.js';
import { WaveSink } from '../../../engine/sink/wave-sink.rt.js';
import { measureAllocations, smiClock } from '../../helpers/no-alloc.js';
import { TestMiniport } from '../../helpers/test-miniport.js';

const RATE = 48000;
const B = 128;
const POOL = 64;
const SECOND = 10_000_000;

function renderSide(clock?: () => number) {
  const miniport = new TestMiniport(0);
  const port = new PortDMus(miniport, { sampleRate: RATE, maxFramesPerBlock: B });
  const pin = port.createRenderPin('flooded', { pool: { initialEvents: POOL, initialBuffers: 4 } });
  pin.setState(KSSTATE.RUN);
  const sink = new WaveSink(port);
  const ring = SpscRing.create(1 << 16);
  const telemetry = TelemetryBlock.create(4);
  const loop = new RenderLoop({ port, sink, commands: ring, telemetry, clock });
  const l = new Float32Array(B);
  const r = new Float32Array(B);
  return { port, pin, stream: miniport.streams[0], loop, telemetry, writer: new RenderCommandWriter(ring), pull: () => loop.pull(l, r, B) };
}

/** One IRP of `n` note-ons 1 ms apart from `start`, keys from `key` (the key says which event it is). */
function irp(start: number, key: number, n: number): DirectMusicBuffer {
  const buf = new DirectMusicBuffer(24 * n);
  for (let i = 0; i < n; i++) buf.packStructured(start + i * 10_000, 1, 0x400090 | (((key + i) & 0x7f) << 8));
  return buf;
}

describe('render thread: a flood larger than the pin pool', () => {
  it('refuses what does not fit with a published count, grows nothing, and plays what fitted in order', () => {
    const s = renderSide();
    // 10 IRPs of 20 events, due 1 s from now: they all wait in the sequencer, so the pool of 64
    // holds the first 64 and the remaining 136 have nowhere to go.
    const capacity = s.pin.allocator.capacity;
    for (let k = 0; k < 10; k++) {
      const buf = irp(SECOND + k * 200_000, k * 20, 20);
      expect(s.writer.sendIrp(s.pin.id, buf.getStartTime(), buf.bytes, buf.usedBytes)).toBe(true);
    }
    s.pull();
    expect(s.loop.commandsTaken).toBe(10);
    expect(s.loop.commandErrors).toBe(0);
    // (a) No growth on the render path.
    expect(s.pin.allocator.capacity).toBe(capacity);
    expect(s.pin.allocator.stats.grows).toBe(0);
    expect(s.pin.allocator.stats.eventsInUse).toBe(POOL);
    // (b) Counted and published.
    expect(s.loop.recordsDropped).toBe(200 - POOL);
    expect(s.pin.eventsLost).toBe(200 - POOL);
    expect(s.pin.eventStats()).toMatchObject({ eventsLost: 136, recordsDropped: 136, irpsCut: 7, grows: 0, poolEvents: POOL, eventsInUse: POOL });
    const snap = s.telemetry.snapshotArray();
    expect(s.telemetry.read(snap)).toBe(true);
    expect(snap[TELEMETRY.EVENTS_LOST]).toBe(136);
    expect(snap[TELEMETRY.PIN_BASE + PIN_FIELD.ID]).toBe(s.pin.id);
    expect(snap[TELEMETRY.PIN_BASE + PIN_FIELD.EVENTS_LOST]).toBe(136);
    // (c) Render past the last one: the 64 that fitted (IRPs 0-2 whole, 4 of IRP 3) play, in
    // time order, each when due; every event is back in the allocator.
    s.stream.released.length = 0;
    while (s.port.clock.getTime() < 2 * SECOND) s.pull();
    const played = s.stream.released;
    expect(played).toHaveLength(POOL);
    expect(played.map((e) => e.bytes[1])).toEqual(Array.from({ length: POOL }, (_, i) => i));
    for (let i = 1; i < played.length; i++) expect(played[i].time).toBeGreaterThan(played[i - 1].time);
    for (const e of played) expect(e.at).toBeGreaterThanOrEqual(e.time - (B * SECOND) / RATE);
    expect(s.pin.allocator.stats.eventsInUse).toBe(0);
    expect(s.pin.allocator.stats.grows).toBe(0);
    // With room again, the next IRP plays whole.
    const buf = irp(s.port.clock.getTime(), 100, 20);
    s.writer.sendIrp(s.pin.id, buf.getStartTime(), buf.bytes, buf.usedBytes);
    for (let i = 0; i < 100; i++) s.pull();
    expect(played).toHaveLength(POOL + 20);
    expect(s.pin.eventsLost).toBe(136);
    expect(s.pin.allocator.stats.eventsInUse).toBe(0);
  });

  it('allocates nothing per block while every IRP it takes is refused', async () => {
    const s = renderSide(smiClock());
    s.stream.record = false;
    // Fill the pool with events due far away (an hour), then keep sending IRPs that cannot fit.
    for (let k = 0; k < 4; k++) {
      const buf = irp(3600 * SECOND, k * 16, 16);
      s.writer.sendIrp(s.pin.id, buf.getStartTime(), buf.bytes, buf.usedBytes);
    }
    s.pull();
    expect(s.pin.allocator.freeEventsCount).toBe(0);
    const flood = irp(SECOND, 0, 20);
    const step = () => {
      s.writer.sendIrp(s.pin.id, SECOND, flood.bytes, flood.usedBytes);
      s.pull();
    };
    const report = await measureAllocations(step, 20_000, 20_000);
    expect(s.pin.eventsLost).toBe(report.stepsRun * 20);
    expect(s.pin.allocator.stats.grows).toBe(0);
    expect(s.pin.allocator.capacity).toBe(POOL);
    // The loop's clock allocates nothing here (smiClock; performance.now(), the default, costs
    // about 5 bytes a block: render-loop.test.ts), so taking and refusing 20 events a block must
    // allocate nothing at all: under 1 byte a block (20 KB in all: sampling noise and a late JIT
    // compilation, once), where 16 bytes a block would be 320 KB.
    expect(report.bytes / report.iterations < 1 ? [] : report.sites).toEqual([]);
  });
});
