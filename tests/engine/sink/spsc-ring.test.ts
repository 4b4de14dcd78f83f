import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SpscRing } from '../../../engine/sink/spsc-ring.js';
import { measureAllocations } from '../../helpers/no-alloc.js';
import { buildForWorker } from './build-for-worker.js';
import { expectedLength, patternByte } from './ring-pattern.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('SpscRing', () => {
  it('round-trips variable-length records in order, including empty ones', () => {
    const ring = SpscRing.create(256);
    expect(ring.capacity).toBe(256);
    expect(ring.push(bytes(1, 2, 3))).toBe(true);
    expect(ring.push(bytes())).toBe(true);
    expect(ring.push(bytes(9, 8, 7, 6, 5))).toBe(true);
    const dst = new Uint8Array(64);
    expect(ring.peekLength()).toBe(3);
    expect(ring.pop(dst)).toBe(3);
    expect(Array.from(dst.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(ring.pop(dst)).toBe(0);
    expect(ring.pop(dst, 10)).toBe(5);
    expect(Array.from(dst.subarray(10, 15))).toEqual([9, 8, 7, 6, 5]);
    expect(ring.pop(dst)).toBe(-1);
    expect(ring.usedBytes).toBe(0);
  });

  it('wraps records that do not fit before the end (never split), over many laps', () => {
    // 128 bytes: two records of up to 32 bytes plus a wrap filler always fit; the offsets still
    // move through every position, so records often meet the end.
    const ring = SpscRing.create(128);
    const dst = new Uint8Array(64);
    for (let seq = 0; seq < 5000; seq++) {
      const len = (seq * 5) % 27;
      const src = new Uint8Array(len).map((_, i) => (seq + i) & 0xff);
      expect(ring.push(src)).toBe(true);
      if (seq % 3 === 0) expect(ring.push(src)).toBe(true);
      for (let k = 0; k < (seq % 3 === 0 ? 2 : 1); k++) {
        expect(ring.pop(dst)).toBe(len);
        for (let i = 0; i < len; i++) expect(dst[i]).toBe((seq + i) & 0xff);
      }
    }
    expect(ring.dropped).toBe(0);
  });

  it('refuses a push when full (counting the drop) and accepts again after a pop', () => {
    const ring = SpscRing.create(64);
    const rec = new Uint8Array(12); // 16 bytes per record
    let n = 0;
    while (ring.push(rec)) n++;
    expect(n).toBe(4);
    expect(ring.dropped).toBe(1);
    expect(ring.skip()).toBe(true);
    expect(ring.push(rec)).toBe(true);
  });

  it('throws for a record larger than maxRecordBytes or a destination too small, leaving the record', () => {
    const ring = SpscRing.create(64);
    expect(ring.maxRecordBytes).toBe(28);
    expect(() => ring.push(new Uint8Array(29))).toThrow(/exceeds/);
    ring.push(new Uint8Array(20).fill(3));
    expect(() => ring.pop(new Uint8Array(10))).toThrow(/does not fit/);
    expect(ring.pop(new Uint8Array(20))).toBe(20);
  });

  it('pushParts + popSplit carry a head and a payload without joining them', () => {
    const ring = SpscRing.create(128);
    const head = bytes(1, 2, 3, 4);
    const payload = bytes(10, 11, 12, 13, 14, 15);
    expect(ring.pushParts(head, 0, 4, payload, 2, 3)).toBe(true);
    const h = new Uint8Array(4);
    const b = new Uint8Array(16);
    expect(ring.popSplit(h, b)).toBe(3);
    expect(Array.from(h)).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.subarray(0, 3))).toEqual([12, 13, 14]);
  });

  it('attaches to the same memory from a second view (as another thread does)', () => {
    const a = SpscRing.create(128);
    const b = new SpscRing(a.buffer);
    a.push(bytes(42));
    const dst = new Uint8Array(4);
    expect(b.pop(dst)).toBe(1);
    expect(dst[0]).toBe(42);
    expect(() => new SpscRing(new SharedArrayBuffer(100))).toThrow(/not a ring/);
  });

  it('push and pop allocate nothing', async () => {
    const ring = SpscRing.create(4096);
    const src = new Uint8Array(100).fill(5);
    const head = new Uint8Array(16);
    const dst = new Uint8Array(ring.maxRecordBytes);
    const step = () => {
      ring.push(src, 3, 50);
      ring.pushParts(head, 0, 16, src, 0, 100);
      ring.pop(dst);
      ring.popSplit(head, dst);
    };
    // Exact method (tests/helpers/no-alloc.ts): every allocation below step() over 100,000 steps.
    // Under half a byte a step (50 KB in all: sampling noise and a late JIT compilation or two,
    // seen up to 13 KB once); 4 bytes a step would be 400 KB. The sites say where, should it fail.
    const report = await measureAllocations(step, 20_000, 100_000);
    expect(report.bytes / report.iterations < 0.5 ? [] : report.sites).toEqual([]);
  });

  it('two threads: 200,000 records through a small ring arrive complete and in order', async () => {
    const dir = buildForWorker(['tests/engine/sink/ring-stress-worker.ts']);
    const ring = SpscRing.create(4096);
    const count = 200_000;
    const worker = new Worker(join(dir, 'tests/engine/sink/ring-stress-worker.js'), { workerData: { buffer: ring.buffer, count } });
    const result = new Promise<{ seen: number; errors: number; firstError: string }>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    const src = new Uint8Array(301);
    let full = 0;
    for (let seq = 0; seq < count; seq++) {
      const len = expectedLength(seq);
      for (let i = 0; i < len; i++) src[i] = patternByte(seq, i);
      while (!ring.push(src, 0, len)) {
        full++;
        ring.notify();
        // Ring full: let the consumer run.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0.05);
      }
      if ((seq & 63) === 0) ring.notify();
    }
    ring.notify();
    const r = await result;
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
    expect(r.firstError).toBe('');
    expect(r.errors).toBe(0);
    expect(r.seen).toBe(count);
    expect(ring.dropped).toBe(full);
  }, 60_000);
});
