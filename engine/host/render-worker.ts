/**
 * The render thread (worker_threads entry): the DMus port with its synth pins, the wave sink and
 * the audio output live here, so the engine's main thread (IPC, file loading, GC) cannot starve
 * the audio. Per block, the RenderLoop takes IRPs and pin commands from the shared ring, renders,
 * and publishes clocks and meters to the shared telemetry block. Control requests that need an
 * answer (create a pin, download, a KS property) arrive on the RPC port between blocks and are
 * answered synchronously for the session (render-worker-client.ts explains the handshake).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { DmusError, KsStatusError } from '../dmus/errors.js';
import type { SynthNode } from '../dmus/miniport.js';
import type { KsState } from '../dmus/mxf.js';
import type { OutputChoice } from '../sink/audio-output.js';
import { attachRenderSide, type RenderChannels, RenderLoop } from '../sink/render-thread.js';
import { warmUpRenderPath } from './jit-warmup.js';
import { basePriority, type RenderThreadPriority, requestRealtimePriority } from './realtime-priority.js';
import { RenderEngine } from './render-engine.js';

export interface RenderWorkerData {
  sampleRate: number;
  bufferFrames: number;
  channels: RenderChannels;
  signal: SharedArrayBuffer;
  rpc: MessagePort;
}

/** An error as plain data, so the client can rebuild its type. */
export interface WireError {
  kind: 'DmusError' | 'KsStatusError' | 'RangeError' | 'Error';
  message: string;
  code?: string;
  where?: string | null;
  hresult?: number;
  status?: number;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof DmusError) return { kind: 'DmusError', message: err.message, code: err.code, where: err.where ?? null, hresult: err.hresult };
  if (err instanceof KsStatusError) return { kind: 'KsStatusError', message: err.message, code: err.code, status: err.status };
  if (err instanceof RangeError) return { kind: 'RangeError', message: err.message };
  return { kind: 'Error', message: err instanceof Error ? err.message : String(err) };
}

function main(data: RenderWorkerData): void {
  // First, so the warm-up, the output and the threads PortAudio starts from here all run at it.
  let priority: RenderThreadPriority;
  try {
    priority = requestRealtimePriority(basePriority(process.env.DMUS_RT_PRIORITY));
  } catch (err) {
    priority = { realtime: false, priority: 0, detail: (err as Error).message };
  }
  if (!priority.realtime) process.stderr.write(`render worker: ${priority.detail}\n`);
  // Before anything renders for real: the first notes must not find the render code unoptimised
  // for voices (jit-warmup.ts). A failure here costs only the warm-up.
  try {
    warmUpRenderPath(data.sampleRate, data.bufferFrames);
  } catch (err) {
    process.stderr.write(`render worker: JIT warm-up failed (${err instanceof Error ? err.message : String(err)}); continuing without it\n`);
  }
  const engine = new RenderEngine({ sampleRate: data.sampleRate, bufferFrames: data.bufferFrames });
  engine.renderThread = priority;
  const { commands, telemetry } = attachRenderSide(data.channels);
  const loop = new RenderLoop({ port: engine.port, sink: engine.sink, commands, telemetry });
  engine.pull = loop.pull;
  engine.onOutputOpened = (out) => {
    loop.output = out;
  };
  engine.onOutputError = (err) => parentPort?.postMessage({ type: 'output-error', message: err.message });
  const signal = new Int32Array(data.signal);

  const ops: Record<string, (...args: never[]) => unknown> = {
    createPin: (name: string) => engine.createPin(name),
    removePin: (pinId: number) => engine.removePin(pinId),
    renamePin: (pinId: number, name: string) => engine.renamePin(pinId, name),
    pinState: (pinId: number) => engine.pinState(pinId),
    setPinState: (pinId: number, state: KsState) => engine.setPinState(pinId, state),
    setExtraPrefetch: (pinId: number, extra: number) => engine.setExtraPrefetch(pinId, extra),
    setChannelMask: (pinId: number, mask: Uint8Array) => engine.setChannelMask(pinId, mask),
    node: (pinId: number, method: keyof SynthNode, args: unknown[]) => (engine.node(pinId)[method] as (...a: unknown[]) => unknown)(...args),
    property: (request: Parameters<RenderEngine['property']>[0]) => engine.property(request),
    meters: () => engine.meters(),
    outputStatus: () => engine.outputStatus,
    startOutput: (choice: OutputChoice) => engine.startOutput(choice),
    stopOutput: () => engine.stopOutput(),
    listDevices: () => engine.listDevices(),
    close: async () => {
      loop.publishState(0);
      await engine.close();
    },
  };

  data.rpc.on('message', async (m: { id: number; op: string; args: unknown[] }) => {
    let reply: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
    try {
      const fn = ops[m.op];
      if (!fn) throw new Error(`render worker: unknown operation ${m.op}`);
      reply = { id: m.id, ok: true, value: await (fn as (...a: unknown[]) => unknown)(...m.args) };
    } catch (err) {
      reply = { id: m.id, ok: false, error: toWireError(err) };
    }
    data.rpc.postMessage(reply);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
}

if (parentPort && workerData && (workerData as RenderWorkerData).rpc) main(workerData as RenderWorkerData);
