/**
 * The synth core's event queue when it is full (engine/synth/synth-core.rt.ts insert()): more
 * events than its 8192 slots arrive ahead of time. The earliest queued event is played at once
 * (counted as dropped from the queue) to make room, so nothing is written past the queue's end, no
 * event is lost to the allocator, and the rest still play at their own times.
 */
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../engine/dmus/allocator.js';
import { makeHarness, renderFrames, send, timeOfSample } from '../../helpers/synth-harness.js';

const QUEUE = 8192;

describe('a full event queue', () => {
  it('plays the earliest event early to make room, keeps the rest in order and returns every event', () => {
    const allocator = new Allocator({ initialEvents: 20000, initialBuffers: 16 });
    const h = makeHarness({ allocator });
    const extra = 500;
    // CC 7 changes one sample apart from 1 s on: all in the future, so all queued.
    for (let i = 0; i < QUEUE + extra; i++) send(h, timeOfSample(h, 48000 + i), 1, 0xb0, 7, i % 128);
    const core = h.stream.core;
    expect(core.stats.droppedEvents).toBe(extra);
    expect(allocator.stats.eventsInUse).toBe(QUEUE);
    // Render past the last one: every queued event plays and goes back to the allocator.
    renderFrames(h, 48000 + QUEUE + extra + 256);
    expect(allocator.stats.eventsInUse).toBe(0);
    // The last change applied last: channel 1's CC 7 holds the value of the last event.
    expect(core.channels.cc[7]).toBe((QUEUE + extra - 1) % 128);
  });
});
