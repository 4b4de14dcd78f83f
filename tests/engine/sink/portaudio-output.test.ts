/**
 * PortAudioOutput against a fake naudiodon that behaves like the real one where it matters: a
 * Writable whose native side holds `maxQueue` chunks and only accepts the next one when the
 * "device" (a timer at the block rate, started by start()) takes one out. The real device is
 * tested in tests/audio (JACK).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AudioOutputError } from '../../../engine/sink/audio-output.js';
import { countUnderflowReports, PortAudioOutput } from '../../../engine/sink/portaudio-output.js';

const RATE = 48000;
const B = 256;
const blockMs = (B * 1000) / RATE;

function fakeNaudiodon(opts: { devices?: number; throwOnCreate?: string; deviceStopsAfterMs?: number } = {}) {
  const log = { created: [] as Record<string, unknown>[], startedAfterWrites: -1, chunks: [] as Float32Array[], maxOutstanding: 0, aborted: false, ended: false };
  const devices = Array.from({ length: opts.devices ?? 1 }, (_, i) => ({
    id: i,
    name: `dev${i}`,
    maxInputChannels: 0,
    maxOutputChannels: 2,
    defaultSampleRate: 48000,
    defaultLowOutputLatency: 0,
    defaultHighOutputLatency: 0,
    hostAPIName: 'ALSA',
  }));
  const mod = {
    SampleFormatFloat32: 1 as const,
    getDevices: () => devices,
    getHostAPIs: () => ({ defaultHostAPI: 0, HostAPIs: [{ id: 0, name: 'ALSA', type: 'ALSA', deviceCount: devices.length, defaultInput: 0, defaultOutput: 0 }] }),
    AudioIO(o: { outOptions: Record<string, unknown> }) {
      if (opts.throwOnCreate) throw new Error(opts.throwOnCreate);
      log.created.push(o.outOptions);
      const maxQueue = o.outOptions.maxQueue as number;
      const queue: Buffer[] = [];
      let pendingCb: (() => void) | undefined;
      let writes = 0;
      let timer: ReturnType<typeof setInterval> | undefined;
      const t0 = { v: 0 };
      const w = new Writable({
        highWaterMark: o.outOptions.highwaterMark as number,
        write(chunk: Buffer, _enc, cb) {
          writes++;
          // naudiodon copies the chunk on write.
          log.chunks.push(new Float32Array(new Uint8Array(chunk).buffer));
          if (queue.length < maxQueue) {
            queue.push(chunk);
            setImmediate(cb);
          } else {
            pendingCb = () => {
              queue.push(chunk);
              cb();
            };
          }
          log.maxOutstanding = Math.max(log.maxOutstanding, queue.length + (pendingCb ? 1 : 0));
        },
      }) as Writable & { start(): void; abort(cb?: () => void): void };
      w.start = () => {
        log.startedAfterWrites = writes;
        t0.v = performance.now();
        // The device reads on its own clock: whatever this thread does, by time t it wants
        // t / blockMs blocks; when the queue is empty it waits (its timeline slips), as PortAudio's
        // blocking callback does.
        let taken = 0;
        timer = setInterval(() => {
          const now = performance.now();
          if (opts.deviceStopsAfterMs !== undefined && now - t0.v > opts.deviceStopsAfterMs) return;
          const due = Math.floor((now - t0.v) / blockMs);
          while (taken < due) {
            if (queue.length === 0) {
              taken = due;
              break;
            }
            queue.shift();
            taken++;
            const p = pendingCb;
            pendingCb = undefined;
            p?.();
          }
        }, 1);
      };
      w.abort = (cb) => {
        log.aborted = true;
        clearInterval(timer);
        cb?.();
      };
      w.on('finish', () => {
        log.ended = true;
        setTimeout(() => {
          clearInterval(timer);
          w.emit('finished');
        }, 5);
      });
      return w;
    },
  };
  return { mod, log };
}

function counterPull() {
  let n = 0;
  return (l: Float32Array, r: Float32Array, frames: number) => {
    for (let i = 0; i < frames; i++) {
      l[i] = n + i;
      r[i] = -(n + i);
    }
    n += frames;
  };
}

describe('PortAudioOutput (fake naudiodon)', () => {
  it('opens with closeOnError false, a one-block highwaterMark and the queue size; prefills before start', async () => {
    const { mod, log } = fakeNaudiodon();
    const out = new PortAudioOutput({ queueBlocks: 2, load: async () => mod as never });
    const fmt = await out.open({ sampleRate: RATE, framesPerBuffer: B, pull: counterPull() });
    expect(log.created[0]).toMatchObject({ closeOnError: false, highwaterMark: B * 8, maxQueue: 2, framesPerBuffer: B, channelCount: 2, sampleFormat: 1, deviceId: -1 });
    expect(fmt.outputLatencyFrames).toBe((2 + 2) * B + 480);
    out.start();
    await new Promise((r) => setTimeout(r, 200));
    // Start came after the queue was filled (2 queued + 1 pending).
    expect(log.startedAfterWrites).toBeGreaterThanOrEqual(3);
    expect(log.maxOutstanding).toBeLessThanOrEqual(3);
    await out.stop();
    // Interleaved, in order, rendered blocks then the silence tail.
    const all = log.chunks;
    const rendered = out.stats.pulls;
    for (let b = 0; b < rendered; b++) {
      expect(all[b][0]).toBe(b * B);
      expect(all[b][1]).toBe(-b * B);
      expect(all[b][2 * B - 2]).toBe(b * B + B - 1);
    }
    const tail = all.slice(rendered);
    expect(tail.length).toBe(2048 / B);
    expect(tail.every((c) => c.every((x) => x === 0))).toBe(true);
    expect(log.ended).toBe(true);
    // About 200 ms of blocks were pulled (paced by the device, not free-running).
    expect(out.stats.pulls * blockMs).toBeGreaterThan(120);
    expect(out.stats.pulls * blockMs).toBeLessThan(320);
    expect(out.stats.underruns).toBe(0);
  });

  it('counts an underrun when the writer stalls longer than its queue, once per stall', async () => {
    const { mod } = fakeNaudiodon();
    const out = new PortAudioOutput({ queueBlocks: 1, load: async () => mod as never });
    await out.open({ sampleRate: RATE, framesPerBuffer: B, pull: counterPull() });
    out.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(out.stats.underruns).toBe(0);
    const t = performance.now();
    while (performance.now() - t < 150);
    await new Promise((r) => setTimeout(r, 100));
    expect(out.stats.underruns).toBe(1);
    expect(out.stats.minHeadroomFrames).toBeLessThan(-B);
    // Stamped: when (wall clock, after the stall began) and how late (most of the 150 ms stall).
    expect(out.stats.lastUnderrunAtMs).toBeGreaterThan(performance.timeOrigin + t + 100);
    expect(out.stats.lastUnderrunAtMs).toBeLessThan(performance.timeOrigin + performance.now());
    expect(out.stats.lastUnderrunLateMs).toBeGreaterThan(100);
    expect(out.stats.lastUnderrunLateMs).toBeLessThan(400);
    await out.stop();
  });

  it('stamps when a sound onset is handed to the device: the first loud sample after 50 ms of quiet', async () => {
    const { mod } = fakeNaudiodon();
    const out = new PortAudioOutput({ queueBlocks: 1, load: async () => mod as never });
    // By frame index: loud at L1 for a block, 20 ms quiet, loud at L2 for a block (not an onset:
    // too little quiet before it), 80 ms quiet, loud from L3 on (an onset).
    const L1 = 9600 + 100;
    const L2 = L1 + B + 960;
    const L3 = L2 + B + 3840;
    const loud = (f: number) => (f >= L1 && f < L1 + B) || (f >= L2 && f < L2 + B) || f >= L3;
    let n = 0;
    const renderedAt = new Map<number, number>();
    const stamps: number[] = [];
    const pull = (l: Float32Array, r: Float32Array, frames: number) => {
      const seen = out.stats.lastOnsetAtMs;
      if (seen > 0 && stamps[stamps.length - 1] !== seen) stamps.push(seen);
      for (const L of [L1, L2, L3]) if (L >= n && L < n + frames) renderedAt.set(L, performance.timeOrigin + performance.now());
      for (let i = 0; i < frames; i++) {
        l[i] = loud(n + i) ? 0.5 : 0.001;
        r[i] = 0;
      }
      n += frames;
    };
    await out.open({ sampleRate: RATE, framesPerBuffer: B, pull });
    out.start();
    while (n < L3 + 4 * B) await new Promise((r) => setTimeout(r, 10));
    await out.stop();
    expect(stamps).toHaveLength(2);
    // Each: handed over right after it was rendered, plus the sample's place in its block.
    const place = (L: number) => ((L % B) * 1000) / RATE;
    expect(stamps[0] - renderedAt.get(L1)!).toBeGreaterThanOrEqual(place(L1) - 0.5);
    expect(stamps[0] - renderedAt.get(L1)!).toBeLessThan(place(L1) + 20);
    expect(stamps[1] - renderedAt.get(L3)!).toBeGreaterThanOrEqual(place(L3) - 0.5);
    expect(stamps[1] - renderedAt.get(L3)!).toBeLessThan(place(L3) + 20);
  });

  it('reports DEVICE_LOST when the device stops taking blocks', async () => {
    const { mod, log } = fakeNaudiodon({ deviceStopsAfterMs: 50 });
    const out = new PortAudioOutput({ lostAfterMs: 150, load: async () => mod as never });
    const errors: AudioOutputError[] = [];
    out.onError = (e) => errors.push(e);
    await out.open({ sampleRate: RATE, framesPerBuffer: B, pull: counterPull() });
    out.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(errors.map((e) => e.code)).toEqual(['DEVICE_LOST']);
    expect(log.aborted).toBe(true);
    await out.stop();
  });

  it('throws typed errors: NO_DEVICE with no devices, OPEN_FAILED on a bad id or a refused format', async () => {
    const none = new PortAudioOutput({ load: async () => fakeNaudiodon({ devices: 0 }).mod as never });
    await expect(none.open({ sampleRate: RATE, framesPerBuffer: B, pull: () => {} })).rejects.toMatchObject({ code: 'NO_DEVICE', kind: 'portaudio' });
    const bad = new PortAudioOutput({ deviceId: 7, load: async () => fakeNaudiodon().mod as never });
    await expect(bad.open({ sampleRate: RATE, framesPerBuffer: B, pull: () => {} })).rejects.toMatchObject({ code: 'OPEN_FAILED' });
    const refused = new PortAudioOutput({ load: async () => fakeNaudiodon({ throwOnCreate: 'Format not supported: Unanticipated host error' }).mod as never });
    const err = await refused.open({ sampleRate: RATE, framesPerBuffer: B, pull: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AudioOutputError);
    expect((err as AudioOutputError).code).toBe('OPEN_FAILED');
    expect((err as AudioOutputError).message).toMatch(/Format not supported/);
  });

  it('counts naudiodon underflow lines in captured stdout', () => {
    const text = 'PortAudio V19\nAudioIO: portAudio status - output underflow \nx\nAudioIO: portAudio status - output underflow \n';
    expect(countUnderflowReports(text)).toBe(2);
    expect(countUnderflowReports('')).toBe(0);
  });
});
