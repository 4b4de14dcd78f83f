/**
 * The worked example of the render thread: a Worker runs PortDMus + a fake sine miniport +
 * WaveSink + RenderLoop + an output; this thread sends IRPs (DirectMusic buffers) through the
 * command ring and reads the telemetry block.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { attachControlSide, createRenderChannels, type RenderChannels } from '../../../engine/sink/render-thread.js';
import { PIN_FIELD, PIN_STRIDE, TELEMETRY } from '../../../engine/sink/telemetry.js';
import { buildForWorker } from './build-for-worker.js';
import type { RenderWorkerData } from './render-worker.js';

const RATE = 48000;
const B = 128;
let dir = '';
const tmp = mkdtempSync(join(tmpdir(), 'dmus-rt-'));
beforeAll(() => {
  dir = buildForWorker(['tests/engine/sink/render-worker.ts']);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Msg = { type: string; [k: string]: unknown };

function startWorker(data: RenderWorkerData) {
  const worker = new Worker(join(dir, 'tests/engine/sink/render-worker.js'), { workerData: data });
  const messages: Msg[] = [];
  const waiters: Array<{ type: string; res: (m: Msg) => void }> = [];
  worker.on('message', (m: Msg) => {
    messages.push(m);
    for (const w of waiters.splice(0)) {
      if (w.type === m.type) w.res(m);
      else waiters.push(w);
    }
  });
  const next = (type: string) =>
    new Promise<Msg>((res, rej) => {
      const had = messages.find((m) => m.type === type);
      if (had) return res(had);
      waiters.push({ type, res });
      worker.once('error', rej);
    });
  return { worker, next, messages };
}

function noteBuffer(events: Array<[sample: number, msg: number]>): { bytes: Uint8Array; start: number } {
  const buf = new DirectMusicBuffer(256);
  for (const [s, m] of events) buf.packStructured((s * 1e7) / RATE, 1, m);
  return { bytes: buf.raw().slice(), start: buf.getStartTime() };
}

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

describe('render thread (worker) with the command ring and telemetry', () => {
  it('null output: the worker keeps the clock in real time, takes IRPs and commands, and a 300 ms stall here does not stop it', async () => {
    const channels: RenderChannels = createRenderChannels({ commandBytes: 1 << 16, maxPins: 8 });
    const { commands, telemetry } = attachControlSide(channels);
    const w = startWorker({ channels, sampleRate: RATE, framesPerBuffer: B, pins: 2, miniport: { noteAmplitude: 0.5 }, output: { kind: 'null', reason: 'test' } });
    const ready = await w.next('ready');
    const pinIds = ready.pinIds as number[];
    const snap = telemetry.snapshotArray();
    await new Promise((r) => setTimeout(r, 100));
    expect(telemetry.read(snap)).toBe(true);
    expect(snap[TELEMETRY.STATE]).toBe(1);
    expect(snap[TELEMETRY.PIN_COUNT]).toBe(2);
    expect(snap[TELEMETRY.SAMPLE_RATE]).toBe(RATE);
    expect(snap[TELEMETRY.LATENCY_TIME] - snap[TELEMETRY.MASTER_TIME]).toBeCloseTo((B * 1e7) / RATE, 0);
    // A note "now" on pin 1 (time 0 is in the past: it plays at the next block).
    const irp = noteBuffer([[0, 0x7f4590]]);
    expect(commands.sendIrp(pinIds[0], irp.start, irp.bytes)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    telemetry.read(snap);
    const pin = (i: number, f: number) => snap[TELEMETRY.PIN_BASE + i * PIN_STRIDE + f];
    expect(pin(0, PIN_FIELD.ID)).toBe(pinIds[0]);
    expect(pin(0, PIN_FIELD.PEAK_L)).toBeGreaterThan(0.45);
    expect(pin(1, PIN_FIELD.PEAK_L)).toBe(0);
    expect(snap[TELEMETRY.MASTER_PEAK_L]).toBeGreaterThan(0.45);
    expect(snap[TELEMETRY.COMMANDS]).toBe(1);
    expect(snap[TELEMETRY.COMMAND_ERRORS]).toBe(0);
    // Gain over the ring.
    commands.setGain(pinIds[0], 0.5);
    await new Promise((r) => setTimeout(r, 50));
    telemetry.read(snap);
    expect(pin(0, PIN_FIELD.PEAK_L)).toBeGreaterThan(0.2);
    expect(pin(0, PIN_FIELD.PEAK_L)).toBeLessThan(0.26);
    // Stall this thread: the render thread's clock runs on.
    telemetry.read(snap);
    const before = snap[TELEMETRY.SAMPLE_POSITION];
    const underrunsBefore = snap[TELEMETRY.UNDERRUNS];
    const t = performance.now();
    busy(300);
    telemetry.read(snap);
    const ran = snap[TELEMETRY.SAMPLE_POSITION] - before;
    const wall = ((performance.now() - t) / 1000) * RATE;
    expect(ran).toBeGreaterThan(wall - 10 * B);
    expect(snap[TELEMETRY.UNDERRUNS]).toBe(underrunsBefore);
    // Mute and a pin state change, then a command for a pin that does not exist.
    commands.setMute(pinIds[0], true);
    commands.setPinState(pinIds[1], KSSTATE.PAUSE);
    commands.setGain(999, 1);
    await new Promise((r) => setTimeout(r, 50));
    telemetry.read(snap);
    expect(pin(0, PIN_FIELD.PEAK_L)).toBe(0);
    expect(snap[TELEMETRY.COMMAND_ERRORS]).toBe(1);
    w.worker.postMessage({ type: 'stop' });
    const stopped = await w.next('stopped');
    expect((stopped.stats as { pulls: number }).pulls).toBeGreaterThan(0);
    telemetry.read(snap);
    expect(snap[TELEMETRY.STATE]).toBe(0);
    await w.worker.terminate();
  });

  it('WAV output in the worker: IRPs queued before start land on their exact samples; identical bytes twice', async () => {
    const render = async (path: string) => {
      const channels = createRenderChannels({ commandBytes: 1 << 14, maxPins: 2 });
      const { commands } = attachControlSide(channels);
      // Pin ids start at 1 in a fresh port; the sine stream schedules events itself (prefetch ∞).
      const a = noteBuffer([
        [4800, 0x7f4590],
        [9600, 0x004580],
      ]);
      expect(commands.sendIrp(1, a.start, a.bytes)).toBe(true);
      const w = startWorker({
        channels,
        sampleRate: RATE,
        framesPerBuffer: B,
        pins: 1,
        miniport: { noteAmplitude: 0.5, schedulePreFetch: Number.POSITIVE_INFINITY },
        output: { kind: 'wav-file', path, format: 'float32', totalFrames: RATE / 2 },
      });
      await w.next('ready');
      w.worker.postMessage({ type: 'stop' });
      await w.next('stopped');
      await w.worker.terminate();
      return readFileSync(path);
    };
    const f1 = await render(join(tmp, 'a.wav'));
    const f2 = await render(join(tmp, 'b.wav'));
    expect(f1.equals(f2)).toBe(true);
    const data = f1.subarray(58);
    expect(data.length).toBe((RATE / 2) * 8);
    let first = -1;
    let last = -1;
    for (let i = 0; i < RATE / 2; i++) {
      if (data.readFloatLE(i * 8) !== 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    expect(first).toBe(4801);
    expect(last).toBe(9599);
  });
});
