/**
 * Consumer side of the SPSC ring stress test: pops records until it has seen `count`, checking that
 * each one is the next in sequence with the expected length and bytes. Posts the verdict.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SpscRing } from '../../../engine/sink/spsc-ring.js';
import { expectedLength, patternByte } from './ring-pattern.js';

const { buffer, count } = workerData as { buffer: SharedArrayBuffer; count: number };
const ring = new SpscRing(buffer);
const dst = new Uint8Array(ring.maxRecordBytes);
let seen = 0;
let errors = 0;
let firstError = '';
let emptyPolls = 0;
while (seen < count) {
  const len = ring.pop(dst);
  if (len < 0) {
    emptyPolls++;
    if ((emptyPolls & 1023) === 0) ring.waitForData(1);
    continue;
  }
  const want = expectedLength(seen);
  let ok = len === want;
  for (let i = 0; ok && i < len; i++) ok = dst[i] === patternByte(seen, i);
  if (!ok) {
    errors++;
    if (!firstError) firstError = `record ${seen}: length ${len} (want ${want})`;
  }
  seen++;
}
parentPort?.postMessage({ seen, errors, firstError, emptyPolls });
