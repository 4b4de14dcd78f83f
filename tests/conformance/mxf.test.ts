import { CaptureSink } from '../../engine/dmus/capture/capture-sink.js';
import { Packer } from '../../engine/dmus/capture/packer.js';
import { UartCaptureStream } from '../../engine/dmus/capture/uart-capture-stream.js';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../engine/dmus/dmus-buffer.js';
import { ChannelGroupMap } from '../../engine/dmus/filters/channel-group-map.js';
import { ChannelMute } from '../../engine/dmus/filters/channel-mute.js';
import { Transpose } from '../../engine/dmus/filters/transpose.js';
import { DMUS_KEF, NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import { Sequencer } from '../../engine/dmus/render/sequencer.js';
import { Unpacker } from '../../engine/dmus/render/unpacker.js';
import { defaultInput, runMxfConformance } from './mxf.js';

runMxfConformance({ name: 'Unpacker', create: (a) => ({ node: new Unpacker(a) }), input: defaultInput });

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
