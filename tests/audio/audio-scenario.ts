/**
 * Real-time audio scenarios for the wave sink (run by tests/audio/run-audio-tests.sh and
 * tests/bench/audio-latency.bench.sh against jackd's dummy driver; never by `npm test`).
 *
 * The render side is the worked example of engine/sink/render-thread.ts: a worker runs PortDMus +
 * a fake sine miniport + WaveSink + RenderLoop + PortAudioOutput; this (main) thread sends
 * DirectMusic buffers through the command ring and reads the telemetry block. With --main-thread
 * the same objects run on this thread instead (the control case for the stall scenario).
 *
 *   node audio-scenario.js <sine|latency|stall> --block N --seconds S --out result.json
 *        [--queue BLOCKS (default: the backend's, about 5 ms)] [--stall-ms 300] [--main-thread]
 *
 * sine:    a continuous 440 Hz sine, amplitude 0.5.
 * latency: every 500 ms a note-on stamped "now" (time 0: already due) is written to the ring and
 *          its process.hrtime (µs, CLOCK_MONOTONIC) recorded; a note-off 30 ms later. jack-tap prints
 *          the CLOCK_MONOTONIC time each onset passed the JACK graph. Also recorded: the pickup
 *          time, from the write until the render thread took the IRP (seen in the telemetry).
 * stall:   the sine, while this thread busy-waits --stall-ms every 2 s (at 1 s, 3 s, ...).
 *
 * Results go to the --out JSON file; stdout belongs to naudiodon's printf's (the runner captures it
 * and counts its "output underflow" lines).
 */
import { writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DirectMusicBuffer } from '../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../engine/dmus/mxf.js';
import { PortDMus } from '../../engine/dmus/port.js';
import { PortAudioOutput } from '../../engine/sink/portaudio-output.js';
import { attachControlSide, attachRenderSide, createRenderChannels, RenderLoop } from '../../engine/sink/render-thread.js';
import { TELEMETRY } from '../../engine/sink/telemetry.js';
import { WaveSink } from '../../engine/sink/wave-sink.rt.js';
import type { RenderWorkerData } from '../engine/sink/render-worker.js';
import { SineMiniport, type SineMiniportOptions } from '../engine/sink/sine-miniport.js';

const RATE = 48000;
const args = process.argv.slice(2);
const scenario = args[0];
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const block = Number(opt('block', '128'));
const seconds = Number(opt('seconds', '10'));
const queueArg = opt('queue', '');
const queueBlocks = queueArg === '' ? undefined : Number(queueArg);
const stallMs = Number(opt('stall-ms', '300'));
const outPath = opt('out', 'result.json');
const mainThread = args.includes('--main-thread');
if (!['sine', 'latency', 'stall'].includes(scenario)) {
  process.stderr.write('usage: audio-scenario <sine|latency|stall> --block N --seconds S --out file.json [--queue B] [--stall-ms MS] [--main-thread]\n');
  process.exit(2);
}

const miniport: SineMiniportOptions = scenario === 'latency' ? { noteAmplitude: 0.5 } : { continuous: { freq: 440, amp: 0.5 } };
const channels = createRenderChannels({ commandBytes: 1 << 16, maxPins: 4 });
const control = attachControlSide(channels);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms);
};
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Session {
  pinId: number;
  format: unknown;
  stop(): Promise<Record<string, number>>;
}

async function startWorker(): Promise<Session> {
  const data: RenderWorkerData = { channels, sampleRate: RATE, framesPerBuffer: block, pins: 1, miniport, output: { kind: 'portaudio', queueBlocks } };
  const worker = new Worker(new URL('../engine/sink/render-worker.js', import.meta.url), { workerData: data });
  const first = await new Promise<{ type: string; [k: string]: unknown }>((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  });
  if (first.type !== 'ready') throw new Error(`worker: ${first.code}: ${first.message}`);
  return {
    pinId: (first.pinIds as number[])[0],
    format: first.format,
    stop: async () => {
      const stopped = new Promise<{ stats: Record<string, number> }>((res) => worker.on('message', (m) => m.type === 'stopped' && res(m)));
      worker.postMessage({ type: 'stop' });
      const m = await stopped;
      await worker.terminate();
      return m.stats;
    },
  };
}

async function startHere(): Promise<Session> {
  const port = new PortDMus(new SineMiniport(miniport), { sampleRate: RATE, maxFramesPerBlock: block });
  const pin = port.createRenderPin();
  pin.setState(KSSTATE.RUN);
  const sink = new WaveSink(port);
  const { commands, telemetry } = attachRenderSide(channels);
  const loop = new RenderLoop({ port, sink, commands, telemetry });
  const output = new PortAudioOutput({ queueBlocks });
  const format = await output.open({ sampleRate: RATE, framesPerBuffer: block, pull: loop.pull });
  loop.output = output;
  output.start();
  return {
    pinId: pin.id,
    format,
    stop: async () => {
      await output.stop();
      return { ...output.stats };
    },
  };
}

const result: Record<string, unknown> = { scenario, block, seconds, queueBlocks, mode: mainThread ? 'main-thread' : 'worker' };
try {
  const s = mainThread ? await startHere() : await startWorker();
  result.format = s.format;
  const t0 = performance.now();
  const notesUs: number[] = [];
  const pickupUs: number[] = [];
  const tsnap = control.telemetry.snapshotArray();
  const commandsTaken = () => (control.telemetry.read(tsnap) ? tsnap[TELEMETRY.COMMANDS] : -1);
  const stalls: number[] = [];
  const noteOn = new DirectMusicBuffer(64);
  const noteOff = new DirectMusicBuffer(64);
  noteOn.packStructured(0, 1, 0x7f5190); // A5 (880 Hz), velocity 127: amplitude 0.5
  noteOff.packStructured(0, 1, 0x005180);
  await sleep(300); // let the stream settle before the first note
  let nextNote = performance.now();
  let nextStall = t0 + 1000;
  while (performance.now() - t0 < seconds * 1000) {
    const now = performance.now();
    if (scenario === 'latency' && now >= nextNote) {
      const before = commandsTaken();
      const noteUs = nowUs();
      notesUs.push(noteUs);
      control.commands.sendIrp(s.pinId, 0, noteOn.bytes, noteOn.usedBytes);
      // Engine pickup: spin on the telemetry until the render thread has taken the IRP (it then
      // renders the block holding the note and hands it to naudiodon within one pull).
      while (commandsTaken() === before && nowUs() - noteUs < 50_000);
      pickupUs.push(nowUs() - noteUs);
      setTimeout(() => control.commands.sendIrp(s.pinId, 0, noteOff.bytes, noteOff.usedBytes), 30);
      nextNote += 500;
    }
    if (scenario === 'stall' && now >= nextStall) {
      busy(stallMs);
      stalls.push(Math.round(now - t0));
      nextStall += 2000;
    }
    await sleep(scenario === 'latency' ? 1 : 20);
  }
  const snap = control.telemetry.snapshotArray();
  control.telemetry.read(snap);
  result.telemetry = {
    samplePosition: snap[TELEMETRY.SAMPLE_POSITION],
    underruns: snap[TELEMETRY.UNDERRUNS],
    renderMaxUs: snap[TELEMETRY.RENDER_MAX_US],
    outputLatencyFrames: snap[TELEMETRY.OUTPUT_LATENCY_FRAMES],
    commands: snap[TELEMETRY.COMMANDS],
  };
  result.wallSeconds = (performance.now() - t0) / 1000;
  result.stats = await s.stop();
  result.notesUs = notesUs;
  result.pickupUs = pickupUs;
  result.stalls = stalls;
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = (e as Error).message;
}
writeFileSync(outPath, `${JSON.stringify(result, null, 1)}\n`);
process.exit(result.ok ? 0 : 1);
