/**
 * Benchmark: events per second through the render pipeline of one pin,
 * unpacker -> sequencer -> a counting sink (every event back to the allocator), on one core.
 * Not a test: it measures and prints; docs/performance.md keeps the dated results.
 *
 *   npm run bench:pipeline
 *
 * Each IRP holds 256 events (note-on, note-off, controller, pitch bend on 3 channel groups,
 * 2.5 ms apart, so the sequencer really sorts across IRPs); the service routine runs once per
 * IRP like a render block. Timing: process.hrtime.bigint() around the whole run, best of 5 runs
 * after a warm-up, so the JIT has compiled the path.
 */
import { Allocator } from '../../engine/dmus/allocator.js';
import { DirectMusicBuffer } from '../../engine/dmus/dmus-buffer.js';
import { NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import { type IMXF, KSSTATE } from '../../engine/dmus/mxf.js';
import { Sequencer } from '../../engine/dmus/render/sequencer.js';
import { Unpacker } from '../../engine/dmus/render/unpacker.js';

const PER_IRP = 256;
const IRPS = 64;

function makeIrps(): Array<{ bytes: Uint8Array; span: number }> {
  const out = [];
  for (let i = 0; i < IRPS; i++) {
    const buf = new DirectMusicBuffer(PER_IRP * 24);
    let t = 0;
    for (let j = 0; j < PER_IRP; j++) {
      const k = j % 4;
      const msg = k === 0 ? 0x643c90 : k === 1 ? 0x003c80 : k === 2 ? 0x4007b0 : 0x2000e0;
      // Interleave times inside the IRP a little so the heap does real work.
      buf.packStructured(t + ((j * 7919) % 13) * 1000, 1 + (j % 3), msg);
      t += 25_000;
    }
    out.push({ bytes: Uint8Array.from(buf.raw()), span: t });
  }
  return out;
}

function run(events: number): { seconds: number; delivered: number; inUse: number } {
  const allocator = new Allocator({ initialEvents: 8192 });
  const unpacker = new Unpacker(allocator);
  const sequencer = new Sequencer(allocator, 0);
  let delivered = 0;
  const sink: IMXF = {
    putMessage(e) {
      let x = e;
      while (x !== NULL_EVENT) {
        delivered++;
        x = allocator.fields.pNextEvt[x];
      }
      allocator.putMessage(e);
    },
    setState() {},
    connectOutput() {},
    disconnectOutput() {},
  };
  unpacker.connectOutput(sequencer);
  sequencer.connectOutput(sink);
  sequencer.setState(KSSTATE.RUN);
  unpacker.setState(KSSTATE.RUN);
  const irps = makeIrps();
  const rounds = Math.ceil(events / PER_IRP);
  let start = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const irp = irps[i % IRPS];
    unpacker.unpack(irp.bytes, start);
    start += irp.span;
    sequencer.service(start - 100_000); // leave a few events queued across blocks, as in real play
  }
  sequencer.service(Number.POSITIVE_INFINITY);
  const t1 = process.hrtime.bigint();
  return { seconds: Number(t1 - t0) / 1e9, delivered, inUse: allocator.stats.eventsInUse };
}

const N = Number(process.argv[2] ?? 5_000_000);
run(500_000); // warm-up
const results = [];
for (let i = 0; i < 5; i++) results.push(run(N));
const best = results.reduce((a, b) => (a.seconds < b.seconds ? a : b));
const median = [...results].sort((a, b) => a.seconds - b.seconds)[2];
if (results.some((r) => r.inUse !== 0)) throw new Error('events leaked');
console.log(
  JSON.stringify({
    events: best.delivered,
    bestSeconds: +best.seconds.toFixed(4),
    medianSeconds: +median.seconds.toFixed(4),
    bestEventsPerSecond: Math.round(best.delivered / best.seconds),
    medianEventsPerSecond: Math.round(median.delivered / median.seconds),
    node: process.version,
  }),
);
