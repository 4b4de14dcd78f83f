/**
 * Test helper: a real PortDMus with one capture pin in RUN, fed like the engine host feeds it
 * (CapturePin.receive from a MIDI input callback, port.notify() once per block) and collecting
 * the IRPs the packer completes (copied, then the buffer is handed back as the host would).
 */
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../engine/dmus/mxf.js';
import { PortDMus } from '../../engine/dmus/port.js';
import { TestMiniport } from './test-miniport.js';

export interface CapturedIrp {
  bytes: Uint8Array;
  startTime: number;
}

export function captureHarness(opts: { irpBytes?: number; irps?: number; renderPins?: number } = {}) {
  const miniport = new TestMiniport(0);
  const port = new PortDMus(miniport, { sampleRate: 48_000, maxFramesPerBlock: 480, outputLatency: 100_000 });
  const capture = port.createCapturePin('input');
  const renders = Array.from({ length: opts.renderPins ?? 0 }, (_, i) => port.createRenderPin(`synth ${i + 1}`));
  const irps: CapturedIrp[] = [];
  capture.onIrpComplete = (irp) => {
    irps.push({ bytes: irp.raw().slice(), startTime: irp.getStartTime() });
    capture.submitIrp(irp); // recycled, as dmusic.dll keeps IRPs trickling down
  };
  for (let i = 0; i < (opts.irps ?? 4); i++) capture.submitIrp(new DirectMusicBuffer(opts.irpBytes ?? 512));
  capture.setState(KSSTATE.RUN);
  for (const r of renders) r.setState(KSSTATE.RUN);
  /** One block: service routines run at the current master time, then the clock advances. */
  const block = () => {
    port.notify();
    port.clock.advance(480);
  };
  /** Every record of every IRP so far as [time, group, structured, bytes]. */
  const records = () =>
    irps.flatMap((irp) => readDirectMusicBuffer(irp.bytes, irp.startTime).events.map((e) => [e.time, e.channelGroup, e.structured, [...e.data]] as const));
  return { miniport, port, capture, renders, irps, block, records };
}
