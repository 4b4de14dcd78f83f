/**
 * Live play's event pool, end to end: the session writes IRPs to a pin on the render worker (the
 * shared ring -> RenderLoop -> RenderPin.writeFromRenderThread), more events than the pin's pool
 * (RENDER_PIN_POOL) holds. The worker never grows the pool on its render thread; the events that
 * did not fit are counted and reach the statistics the UI shows (Stats.pins[].eventsLost); the
 * events that fitted play and every one of them returns to the allocator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { RENDER_PIN_POOL } from '../../../engine/dmus/port.js';
import type { RenderWorkerClient } from '../../../engine/host/render-worker-client.js';
import type { Session } from '../../../engine/host/session.js';
import { Stats } from '../../../engine/protocol/messages.js';
import { startWorkerSession, type WorkerSession } from './worker-session.js';

let session: Session;
let client: RenderWorkerClient;
let live: WorkerSession | undefined;

beforeAll(async () => {
  live = await startWorkerSession();
  ({ session, client } = live);
}, 60_000);

afterAll(async () => {
  await live?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('render worker: a flood larger than the pin pool', () => {
  it('counts what did not fit into the pin statistics, grows nothing on the render thread, and returns every event', async () => {
    const pinId = session.getState().pins[0].id;
    const pool = RENDER_PIN_POOL.initialEvents as number;
    const before = client.meters().find((m) => m.id === pinId)!.events;
    expect(before).toMatchObject({ eventsLost: 0, grows: 0, poolEvents: pool, eventsInUse: 0 });
    // 40 IRPs of 1,000 controller events (CC 11, cheap for the synth), all due 4 s from now (room
    // for a slow machine): they wait in the sequencer together, and the pool holds 32,768 of them.
    const irps = 40;
    const perIrp = 1000;
    const due = session.engine.latencyTime() + 40_000_000;
    for (let k = 0; k < irps; k++) {
      const buf = new DirectMusicBuffer(24 * perIrp);
      for (let i = 0; i < perIrp; i++) buf.packStructured(due + (k * perIrp + i) * 10, 1, 0x0b_b0 | ((i & 0x7f) << 16));
      // The ring holds about 40 of these; the worker takes 256 records a block, so a short wait
      // now and then keeps it from filling.
      const r = session.engine.writeIrp(pinId, buf.raw(), buf.getStartTime());
      expect(r.error).toBeNull();
      if (k % 8 === 7) await sleep(20);
    }
    await sleep(200);
    expect(session.engine.masterTime()).toBeLessThan(due - 5_000_000);
    const queued = client.meters().find((m) => m.id === pinId)!.events;
    expect(queued.grows).toBe(0);
    expect(queued.poolEvents).toBe(pool);
    expect(queued.eventsInUse).toBe(pool);
    expect(queued.eventsLost).toBe(irps * perIrp - pool);
    expect(queued.recordsDropped).toBe(irps * perIrp - pool);
    // The statistics the UI gets (onStats), valid against the protocol's schema.
    const stats = Stats.parse(session.stats());
    expect(stats.pins.find((p) => p.id === pinId)?.eventsLost).toBe(irps * perIrp - pool);
    // Once due, the ones that fitted play and come back to the allocator.
    while (session.engine.masterTime() < due + 1_000_000) await sleep(100);
    await sleep(100);
    const after = client.meters().find((m) => m.id === pinId)!.events;
    expect(after.eventsInUse).toBe(0);
    expect(after.peakEventsInUse).toBe(pool);
    expect(after.grows).toBe(0);
    expect(after.eventsLost).toBe(irps * perIrp - pool);
    // The pin is fine afterwards: a note plays.
    session.sendMidi({ pinId, group: 1, bytes: [0x90, 60, 100] });
    await sleep(150);
    expect(session.stats().pins[0].voices).toBeGreaterThan(0);
    session.sendMidi({ pinId, group: 1, bytes: [0x80, 60, 0] });
  }, 30_000);
});
