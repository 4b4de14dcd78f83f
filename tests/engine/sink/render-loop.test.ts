import { describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { RenderCommandWriter, RenderLoop } from '../../../engine/sink/render-thread.js';
import { SpscRing } from '../../../engine/sink/spsc-ring.js';
import { TELEMETRY, TelemetryBlock } from '../../../engine/sink/telemetry.js';
import { WaveSink } from '../../../engine/sink/wave-sink.rt.js';
import { measureAllocations, smiClock } from '../../helpers/no-alloc.js';
import { SineMiniport } from './sine-miniport.js';

const RATE = 48000;
const B = 128;

function session(clock?: () => number) {
  const port = new PortDMus(new SineMiniport({ noteAmplitude: 0.5 }), { sampleRate: RATE, maxFramesPerBlock: B });
  const pin = port.createRenderPin();
  pin.setState(KSSTATE.RUN);
  const sink = new WaveSink(port);
  const ring = SpscRing.create(1 << 14);
  const telemetry = TelemetryBlock.create(4);
  const loop = new RenderLoop({ port, sink, commands: ring, telemetry, maxCommandsPerBlock: 4, clock });
  return { port, pin, sink, ring, telemetry, loop, writer: new RenderCommandWriter(ring) };
}

describe('RenderLoop (same thread)', () => {
  it('takes at most maxCommandsPerBlock records per block and rejects bad IRPs without stopping', () => {
    const s = session();
    for (let i = 0; i < 10; i++) s.writer.setGain(s.pin.id, 1);
    s.writer.sendIrp(s.pin.id, 0, Uint8Array.from([1, 2, 3])); // not a DirectMusic buffer
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    s.loop.pull(l, r, B);
    expect(s.loop.commandsTaken).toBe(4);
    s.loop.pull(l, r, B);
    s.loop.pull(l, r, B);
    expect(s.loop.commandsTaken).toBe(11);
    expect(s.loop.commandErrors).toBe(1);
    const snap = s.telemetry.snapshotArray();
    s.telemetry.read(snap);
    expect(snap[TELEMETRY.SAMPLE_POSITION]).toBe(3 * B);
    expect(snap[TELEMETRY.BLOCKS]).toBe(3);
  });

  it('allocates nothing per block, with an IRP (note on/off) taken every block', async () => {
    const s = session(smiClock());
    const buf = new DirectMusicBuffer(64);
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    let k = 0;
    const step = () => {
      buf.flush();
      buf.packStructured(0, 1, (k & 1) === 0 ? 0x7f4590 : 0x004580);
      k++;
      s.writer.sendIrp(s.pin.id, 0, buf.bytes, buf.usedBytes);
      s.loop.pull(l, r, B);
    };
    // The exact method (tests/helpers/no-alloc.ts: V8's sampling heap profiler, every allocation
    // below step() counted, collected or not). heapUsed before/after was too coarse here: under the
    // whole suite's load it once read 20 bytes a block, the baseline JIT's boxing before TurboFan
    // had installed its code, and failed CI. Under 1 byte a block (20 KB in all: sampling noise and
    // a late JIT compilation or two, once); 16 bytes a block would be 320 KB.
    const report = await measureAllocations(step, 20_000, 20_000);
    expect(s.loop.commandErrors).toBe(0);
    expect(s.loop.commandsTaken).toBe(report.stepsRun);
    expect(report.bytes / report.iterations < 1 ? [] : report.sites).toEqual([]);
  });

  it('with the default clock (performance.now() on one block in 8), about 5 bytes a block at most', async () => {
    const s = session();
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    const report = await measureAllocations(() => s.loop.pull(l, r, B), 20_000, 20_000);
    expect(report.bytes / report.iterations).toBeLessThan(8);
    // The render times it read reach the telemetry.
    const snap = s.telemetry.snapshotArray();
    s.telemetry.read(snap);
    expect(snap[TELEMETRY.RENDER_MAX_US]).toBeGreaterThan(0);
    expect(snap[TELEMETRY.RENDER_MAX_US]).toBeGreaterThanOrEqual(snap[TELEMETRY.RENDER_LAST_US]);
  });
});
