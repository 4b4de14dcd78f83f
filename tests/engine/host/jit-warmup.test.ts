/**
 * The render worker's JIT warm-up (engine/host/jit-warmup.ts) must really play notes through the
 * render path (a silent warm-up would leave the voice code without type feedback), and must not
 * touch anything but its own private engine.
 */
import { describe, expect, it } from 'vitest';
import { warmUpRenderPath } from '../../../engine/host/jit-warmup.js';

describe('JIT warm-up of the render path', () => {
  it('renders two seconds of audible notes at the device block size', () => {
    const r = warmUpRenderPath(48000, 128);
    expect(r.frames).toBeGreaterThanOrEqual(2 * 48000);
    expect(r.peak).toBeGreaterThan(0.01);
    expect(r.peak).toBeLessThanOrEqual(1);
  });
});
