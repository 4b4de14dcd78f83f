import type { Allocator } from '../../engine/dmus/allocator.js';
import { CaptureSink } from '../../engine/dmus/capture/capture-sink.js';
import { Packer } from '../../engine/dmus/capture/packer.js';
import { UartCaptureStream } from '../../engine/dmus/capture/uart-capture-stream.js';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../engine/dmus/dmus-buffer.js';
import { ChannelGroupMap } from '../../engine/dmus/filters/channel-group-map.js';
import { ChannelMute } from '../../engine/dmus/filters/channel-mute.js';
import { Transpose } from '../../engine/dmus/filters/transpose.js';
import { DMUS_KEF, NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import type { MxfFilter } from '../../engine/dmus/mxf.js';
import { Sequencer } from '../../engine/dmus/render/sequencer.js';
import { POOL_GROWTH, type PoolGrowth, Unpacker } from '../../engine/dmus/render/unpacker.js';
import { SampleClock } from '../../engine/dmus/clocks.js';
import { SynthStream } from '../../engine/synth/stream.js';
import { defaultInput, runMxfConformance } from './mxf.js';

runMxfConformance({ name: 'Unpacker (events put in directly pass through)', create: (a) => ({ node: new Unpacker(a) }), input: defaultInput });

/**
 * The unpacker's own input: the i-th event is a note-on (key i) packed into a DirectMusic buffer
 * at time 1000·(i + 1), the IRP handed to unpack() on the control side (the pool may grow) and on
 * the render thread (it may not: every IRP here fits).
 */
const unpackIrp = (growth: PoolGrowth) => (node: MxfFilter, _a: Allocator, i: number) => {
  const buf = new DirectMusicBuffer(32);
  buf.packStructured(1000 * (i + 1), 1, 0x640090 | ((i & 0x7f) << 8));
  const r = (node as Unpacker).unpack(buf.bytes, buf.getStartTime(), buf.usedBytes, growth);
  if (r.error || r.records !== 1) throw new Error(`unpack: ${r.error?.message ?? `${r.records} records`}`);
};
for (const [name, growth] of [
  ['control side, POOL_GROWTH.GROW', POOL_GROWTH.GROW],
  ['render thread, POOL_GROWTH.FIXED', POOL_GROWTH.FIXED],
] as const) {
  runMxfConformance({ name: `Unpacker (unpack() of DirectMusic buffers, ${name})`, create: (a) => ({ node: new Unpacker(a) }), input: defaultInput, feed: unpackIrp(growth) });
}

/**
 * The synth's own IMXF (the miniport stream's, engine/synth/stream.ts): events wait in the synth
 * core until their sample, are played, and then go to its output. flush() renders one block far
 * past every input's time, so everything queued is due and played in that block.
 */
runMxfConformance({
  name: 'SynthMxf (the synth stream)',
  create: (a) => {
    const stream = new SynthStream({ allocator: a, masterClock: new SampleClock(48000), sampleRate: 48000, maxFramesPerBlock: 128, reverb: null, chorus: null });
    const l = new Float32Array(128);
    const r = new Float32Array(128);
    return { node: stream.mxf, flush: () => stream.render(l, r, 0, 128, 10_000_000) };
  },
  input: defaultInput,
});

runMxfConformance({
  name: 'Sequencer',
  create: (a) => {
    const node = new Sequencer(a, 0);
    return { node, flush: (now) => node.service(now) };
  },
  input: defaultInput,
});

runMxfConformance({ name: 'CaptureSink (COMPLETE events)', create: (a) => ({ node: new CaptureSink(a) }), input: defaultInput });

runMxfConformance({
  name: 'CaptureSink (raw INCOMPLETE bytes)',
  create: (a) => ({ node: new CaptureSink(a) }),
  input: (a, i) => {
    const e = defaultInput(a, i);
    a.fields.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
    return e;
  },
});

runMxfConformance({
  name: 'UartCaptureStream',
  create: (a) => {
    const node = new UartCaptureStream(a);
    return { node, flush: () => node.putMessage(NULL_EVENT) };
  },
  input: defaultInput,
});

runMxfConformance({ name: 'ChannelGroupMap', create: (a) => ({ node: new ChannelGroupMap(a, { 1: 5 }) }), input: defaultInput });

runMxfConformance({
  name: 'Transpose',
  create: (a) => ({ node: new Transpose(a, 0) }),
  input: defaultInput,
});

runMxfConformance({
  name: 'Packer',
  create: (a) => {
    const node = new Packer(a, 64);
    for (let i = 0; i < 64; i++) node.submitIrp(new DirectMusicBuffer(240));
    return { node, flush: () => node.flush() };
  },
  input: defaultInput,
  terminal: {
    connect(node, collect) {
      (node as Packer).onIrpComplete = (irp) => {
        for (const e of readDirectMusicBuffer(irp.raw(), irp.getStartTime()).events) collect(e.data[1]);
      };
    },
  },
});

runMxfConformance({ name: 'ChannelMute', create: (a) => ({ node: new ChannelMute(a, 4) }), input: defaultInput });
