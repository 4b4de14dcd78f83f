import { describe, expect, it } from 'vitest';
import { LatencyClock, refTimeToSample, SampleClock, SynthSinkClock, sampleToRefTime } from '../../../engine/dmus/clocks.js';

describe('clocks', () => {
  it('converts 100 ns reference time and sample frames in one place, rounding', () => {
    expect(refTimeToSample(10_000_000, 48_000)).toBe(48_000);
    expect(sampleToRefTime(48_000, 48_000)).toBe(10_000_000);
    expect(refTimeToSample(10_000, 44_100)).toBe(44); // 1 ms = 44.1 frames
    expect(sampleToRefTime(1, 44_100)).toBe(227); // 226.757 -> 227
    for (let s = 0; s < 5000; s += 7) expect(refTimeToSample(sampleToRefTime(s, 44_100), 44_100)).toBe(s);
  });

  it('master clock follows the sink position; latency clock = master + output latency', () => {
    const master = new SampleClock(48_000, 5_000_000);
    expect(master.getTime()).toBe(5_000_000);
    master.advance(480); // 10 ms
    expect(master.getTime()).toBe(5_100_000);
    expect(master.sampleOfTime(5_100_000)).toBe(480);
    const latency = new LatencyClock(master, 250_000); // the docs' example: 25 on top of 50 -> 75, in ms here
    expect(latency.getTime()).toBe(5_350_000);
    latency.setLatency(1_000_000);
    expect(latency.getTime() - master.getTime()).toBe(1_000_000);
    expect(() => latency.setLatency(-1)).toThrow(RangeError);
    master.reset(0);
    expect(master.samplePosition).toBe(0);
  });

  it('SyncToMaster: starts exactly, then corrects 1% of the drift per call (DDKSynth PLL)', () => {
    const c = new SynthSinkClock(48_000);
    c.syncToMaster(1_000_000, 0, true);
    expect(c.sampleToRefTime(0)).toBe(1_000_000);
    expect(c.refTimeToSample(1_000_000 + 10_000_000)).toBe(48_000);
    // The master runs 0.1% fast compared with the sample clock.
    let slave = 0;
    let master = 1_000_000;
    const errors: number[] = [];
    for (let i = 0; i < 2000; i++) {
      slave += 480;
      master += 100_100; // 10.01 ms per 10 ms block
      c.syncToMaster(master, slave, false);
      errors.push(Math.abs(c.sampleToRefTime(slave) - master));
    }
    // The error converges to the steady state of a first-order loop (drift/0.01 = 100 * 100 units).
    expect(errors[1999]).toBeLessThan(10_100);
    // Without the loop the error would be 2000 blocks × 100 units = 200,000 by now.
    expect(errors[1999]).toBeLessThan(200_000 / 15);
    // And it has settled: the last 100 errors vary by less than 1%.
    const tail = errors.slice(-100);
    expect(Math.max(...tail) - Math.min(...tail)).toBeLessThan(100);
  });
});
