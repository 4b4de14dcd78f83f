import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Canary, machineLossMs, readCanary, starvedReason, tooStarvedToJudge, unexplainedUnderruns } from './machine-stalls.js';

const T = 1_796_400_000_000;
const canary = (stalls: Canary['stalls']): Canary => ({ rt: 1, cpus: 2, lostMs: stalls.reduce((n, s) => n + s[2], 0), stalls });
const quiet = { stealMs: 0, stealBurstMs: 0 };

describe('machine stalls: which underruns the machine explains', () => {
  it('an underrun right after a CPU stood still longer than it was late is the machine', () => {
    // As seen in a run here: 10 ms of steal in all, but CPU 1 stood still 27 ms just before.
    const u = { atMs: T, lateMs: 14.7, count: 1 };
    const c = canary([
      [T - 28, 0, 14.8],
      [T - 27, 1, 26.8],
    ]);
    expect(machineLossMs(u, c)).toBeCloseTo(26.8, 3);
    expect(unexplainedUnderruns([u], c)).toEqual([]);
  });

  it('many short stalls of one CPU add up', () => {
    const u = { atMs: T, lateMs: 6.7, count: 1 };
    const c = canary([
      [T - 13, 0, 2.8],
      [T - 9, 0, 1.3],
      [T - 2, 0, 2.2],
      [T - 11, 1, 1.5],
    ]);
    expect(machineLossMs(u, c)).toBeCloseTo(6.3, 3);
    expect(unexplainedUnderruns([u], c)).toEqual([]);
  });

  it('an underrun with no stall beside it, a tiny one, or one far away is the engine', () => {
    const u = { atMs: T, lateMs: 8, count: 1 };
    expect(unexplainedUnderruns([u], canary([]))).toEqual([u]);
    expect(unexplainedUnderruns([u], canary([[T - 5, 0, 1]]))).toEqual([u]);
    expect(unexplainedUnderruns([u], canary([[T - 1000, 0, 40]]))).toEqual([u]);
    expect(unexplainedUnderruns([u], canary([[T + 50, 1, 40]]))).toEqual([u]);
  });

  it('a long stall of the engine is not excused by a short stall of the machine', () => {
    // 60 ms late (a garbage collection, say): the machine must have lost at least half of it.
    const u = { atMs: T, lateMs: 60, count: 1 };
    expect(unexplainedUnderruns([u], canary([[T - 40, 0, 6]]))).toEqual([u]);
    expect(unexplainedUnderruns([u], canary([[T - 70, 0, 35]]))).toEqual([]);
  });

  it('only the part of a stall inside the stretch counts', () => {
    const u = { atMs: T, lateMs: 10, count: 1 };
    // The stretch is [T - 30, T + 5]: a 100 ms stall that ended at T - 25 overlaps it by 5 ms.
    expect(machineLossMs(u, canary([[T - 125, 0, 100]]))).toBeCloseTo(5, 3);
  });

  it('a run is starved when a CPU stood still longer than the output queue', () => {
    expect(starvedReason(0, quiet, canary([[T, 0, 4]]))).toBeNull();
    expect(starvedReason(0, quiet, canary([[T, 1, 6]]))).toMatch(/longest stall of a CPU was 6\.0 ms/);
    // A canary refused real-time priority is no witness.
    expect(starvedReason(0, quiet, { ...canary([[T, 1, 60]]), rt: 0 })).toBeNull();
    expect(starvedReason(2, quiet)).toMatch(/2 xruns/);
    expect(starvedReason(0, { stealMs: 140, stealBurstMs: 10 })).toMatch(/140 ms of CPU/);
  });

  it('a run the host took over a second of CPU from is not judged underrun by underrun', () => {
    expect(tooStarvedToJudge({ stealMs: 1000, stealBurstMs: 20 })).toBeNull();
    expect(tooStarvedToJudge({ stealMs: 4720, stealBurstMs: 80 })).toMatch(/4720 ms of CPU \(over 1000 ms/);
  });

  it('reads the canary file, and no file is no witness', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, '{"cpus":2,"rt":1,"thresholdMs":0.5,"lostMs":3.1,"stalls":[[1796400000000.5,1,3.10]]}\n');
    expect(readCanary(f)?.stalls).toEqual([[1796400000000.5, 1, 3.1]]);
    expect(readCanary(join(dir, 'missing.json'))).toBeNull();
  });
});
