/**
 * A worked example of the render thread (engine/sink/render-thread.ts), run in a worker_thread by
 * the tests and the real-time audio tests: PortDMus + a fake sine miniport + WaveSink + a RenderLoop
 * fed by the command ring + an AudioOutput (null, WAV file or PortAudio), publishing telemetry.
 * The engine host builds the same thing around the real synth miniport.
 *
 * Messages: in {type:'stop'}; out {type:'ready', format, pinIds}, {type:'error', code, message},
 * {type:'stopped', stats, nonFinite}. Nothing is written to stdout (naudiodon's own printf's aside).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { createAudioOutput, type OutputChoice } from '../../../engine/sink/audio-output.js';
import { attachRenderSide, type RenderChannels, RenderLoop } from '../../../engine/sink/render-thread.js';
import { WaveSink } from '../../../engine/sink/wave-sink.rt.js';
import { SineMiniport, type SineMiniportOptions } from './sine-miniport.js';

export interface RenderWorkerData {
  channels: RenderChannels;
  sampleRate: number;
  framesPerBuffer: number;
  pins: number;
  miniport: SineMiniportOptions;
  output: OutputChoice;
}

const data = workerData as RenderWorkerData;
const port = new PortDMus(new SineMiniport(data.miniport), { sampleRate: data.sampleRate, maxFramesPerBlock: data.framesPerBuffer });
const pinIds: number[] = [];
for (let i = 0; i < data.pins; i++) {
  const pin = port.createRenderPin();
  pin.setState(KSSTATE.RUN);
  pinIds.push(pin.id);
}
const sink = new WaveSink(port);
const { commands, telemetry } = attachRenderSide(data.channels);
const loop = new RenderLoop({ port, sink, commands, telemetry });
const output = await createAudioOutput(data.output);
output.onError = (e) => {
  loop.publishState(2);
  parentPort?.postMessage({ type: 'error', code: e.code, message: e.message });
};
try {
  const format = await output.open({ sampleRate: data.sampleRate, framesPerBuffer: data.framesPerBuffer, pull: loop.pull });
  loop.output = output;
  port.latencyClock.setLatency((format.outputLatencyFrames * 1e7) / data.sampleRate);
  output.start();
  parentPort?.postMessage({ type: 'ready', format, pinIds });
} catch (e) {
  const err = e as { code?: string; message: string };
  parentPort?.postMessage({ type: 'error', code: err.code ?? 'UNKNOWN', message: err.message });
}
parentPort?.on('message', async (m: { type: string }) => {
  if (m.type !== 'stop') return;
  await output.stop();
  loop.publishState(0);
  parentPort?.postMessage({ type: 'stopped', stats: { ...output.stats }, nonFinite: sink.nonFiniteSamples });
  parentPort?.close();
});
