/**
 * The render side on a worker thread: the session drives it through the same API as in-process
 * (pins, downloads, properties as synchronous requests; IRPs through the shared ring), clocks and
 * meters come back through shared memory, and a stalled main thread does not stop the audio.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KSPROPERTY_SYNTH, KSPROPERTY_TYPE, KSPROPSETID } from '../../../engine/dmus/properties.js';
import type { Session } from '../../../engine/host/session.js';
import { startWorkerSession, type WorkerSession } from './worker-session.js';

const initialPolicy = process.platform === 'linux' ? Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[41 - 3]) : 0;
let session: Session;
let live: WorkerSession | undefined;

beforeAll(async () => {
  live = await startWorkerSession();
  session = live.session;
}, 60_000);

afterAll(async () => {
  await live?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('render worker', () => {
  it('runs the defaults (a pin with the built-in bank) on the worker, with a running clock', async () => {
    const state = session.getState();
    expect(state.pins).toHaveLength(1);
    expect(state.audio.output).toBe('null');
    expect(state.pins[0].downloads.length).toBeGreaterThanOrEqual(129);
    const t0 = session.engine.masterTime();
    await sleep(200);
    const t1 = session.engine.masterTime();
    expect(t1 - t0).toBeGreaterThan(1_000_000); // > 100 ms of clock in 200 ms of wall time
    expect(session.engine.latencyTime()).toBeGreaterThan(t1);
    // The render thread asked for real-time priority for itself; the session reports the outcome.
    const rt = session.audioStatus().renderThread;
    if (rt.realtime) {
      expect(rt.priority).toBeGreaterThanOrEqual(30);
      expect(rt.detail).toMatch(/real-time \(SCHED_FIFO \d+\)/);
      // Only that thread: this one (the session's) is not real time unless it was started so.
      expect(Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[41 - 3])).toBe(initialPolicy);
    } else {
      expect(rt.detail).toMatch(/normal priority: |only on Linux|DMUS_RT_PRIORITY=0/);
    }
  });

  it('plays a note sent through the ring and reports its voice; properties answer synchronously', async () => {
    const pinId = session.getState().pins[0].id;
    session.stats(); // RUNNINGSTATS voices are an average since the last query: start a new window
    session.sendMidi({ pinId, group: 1, bytes: [0x90, 60, 110, 0x90, 64, 110] });
    await sleep(150);
    const stats = session.stats();
    expect(stats.pins[0].voices).toBeGreaterThanOrEqual(2);
    expect(stats.pins[0].peakLeft).toBeGreaterThan(0.01);
    const r = session.property({ pinId, set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CHANNELGROUPS, flags: KSPROPERTY_TYPE.GET });
    expect(r.statusName).toBe('STATUS_SUCCESS');
    expect(() => session.setChannelGroups({ pinId, groups: 5000 })).toThrow(/5000/);
    session.sendMidi({ pinId, group: 1, bytes: [0x80, 60, 0, 0x80, 64, 0] });
  });

  it('keeps rendering while the main thread is blocked', async () => {
    const before = session.engine.samplePosition;
    const t = Date.now();
    while (Date.now() - t < 300) {
      // a busy main thread (IPC flood, a big file parse, GC)
    }
    const during = session.engine.samplePosition - before;
    // The worker went on producing audio (the null sink paces it at the sample rate).
    expect(during).toBeGreaterThan(0.2 * 48000);
  });
});
