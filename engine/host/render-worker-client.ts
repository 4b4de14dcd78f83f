/**
 * The session's side of the render worker: implements RenderEngineApi so the session does not
 * know the render side runs on another thread.
 *
 * - Hot path (IRPs, pin gain/mute/state): records in the shared SPSC ring, never blocking. An IRP
 *   is validated here first, so the caller gets the offset of a bad record at once and only the
 *   valid records before it are queued.
 * - Clocks and meters of the output: read from the shared telemetry block.
 * - Requests that need an answer (create a pin, a download, a KS property): a synchronous RPC.
 *   The request goes out on a MessagePort; this thread waits on a shared Int32 with Atomics.wait
 *   until the worker has posted its answer, then takes it with receiveMessageOnPort. The worker
 *   answers between blocks, so a request waits at most about one block.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { checkRecord, dmusEventSize, RECORD, readU32, recordDataEnd, recordError } from '../dmus/dmus-buffer.js';
import { DmusError, KsStatusError } from '../dmus/errors.js';
import type { SynthNode } from '../dmus/miniport.js';
import type { KsState } from '../dmus/mxf.js';
import type { KsPropertyRequest, KsPropertyResult } from '../dmus/properties.js';
import type { RefTime } from '../dmus/units.js';
import type { OutputChoice } from '../sink/audio-output.js';
import type { AudioDeviceList } from '../sink/portaudio-output.js';
import { attachControlSide, createRenderChannels, type RenderCommandWriter } from '../sink/render-thread.js';
import { TELEMETRY, type TelemetryBlock } from '../sink/telemetry.js';
import type { IrpResult, OutputStatus, PinMeters, RenderEngineApi } from './render-engine.js';
import type { RenderWorkerData, WireError } from './render-worker.js';

const RPC_TIMEOUT_MS = 10_000;
const OUTPUT_TIMEOUT_MS = 30_000;
const NODE_METHODS: Array<keyof SynthNode> = [
  'getCaps',
  'getPortParameters',
  'getChannelGroups',
  'setChannelGroups',
  'getVoicePriority',
  'setVoicePriority',
  'getRunningStats',
  'getVolume',
  'setVolume',
  'getVolumeBoost',
  'setVolumeBoost',
  'download',
  'unload',
  'compact',
  'getAppend',
  'getWaveFormat',
];

/** The bytes of a view in an ArrayBuffer of their own (the view itself when it already is one). */
function ownBytes(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

function fromWire(e: WireError): Error {
  if (e.kind === 'DmusError') {
    return Object.assign(Object.create(DmusError.prototype) as DmusError, { name: 'DmusError', message: e.message, code: e.code, where: e.where ?? undefined, hresult: e.hresult });
  }
  if (e.kind === 'KsStatusError') return Object.assign(Object.create(KsStatusError.prototype) as KsStatusError, { name: 'KsStatusError', message: e.message, code: e.code, status: e.status });
  if (e.kind === 'RangeError') return new RangeError(e.message);
  return new Error(e.message);
}

export class RenderWorkerClient implements RenderEngineApi {
  readonly sampleRate: number;
  readonly bufferFrames: number;
  onOutputError: ((err: { message: string }) => void) | undefined;
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly signal: Int32Array;
  private readonly commands: RenderCommandWriter;
  private readonly telemetry: TelemetryBlock;
  private readonly snap: Float64Array;
  private nextId = 1;
  private dead: string | null = null;
  private readonly nodes = new Map<number, SynthNode>();

  constructor(options: { sampleRate: number; bufferFrames: number; workerUrl?: URL | string }) {
    this.sampleRate = options.sampleRate;
    this.bufferFrames = options.bufferFrames;
    const channels = createRenderChannels();
    const { commands, telemetry } = attachControlSide(channels);
    this.commands = commands;
    this.telemetry = telemetry;
    this.snap = telemetry.snapshotArray();
    const signal = new SharedArrayBuffer(4);
    this.signal = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: RenderWorkerData = { sampleRate: options.sampleRate, bufferFrames: options.bufferFrames, channels, signal, rpc: port2 };
    this.worker = new Worker(options.workerUrl ?? new URL('./render-worker.js', import.meta.url), { workerData: data, transferList: [port2] });
    this.worker.on('message', (m: { type?: string; message?: string }) => {
      if (m.type === 'output-error') this.onOutputError?.({ message: m.message ?? 'audio output failed' });
    });
    this.worker.on('error', (err) => {
      this.dead = err.message;
      this.onOutputError?.({ message: `the render thread failed: ${err.message}` });
    });
    this.worker.on('exit', (code) => {
      this.dead ??= `the render thread exited (code ${code})`;
    });
  }

  /** A synchronous request to the worker (see the file comment). */
  private call<T>(op: string, args: unknown[], timeoutMs = RPC_TIMEOUT_MS): T {
    if (this.dead) throw new Error(this.dead);
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ id, op, args });
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const got = receiveMessageOnPort(this.port) as { message: { id: number; ok: boolean; value?: unknown; error?: WireError } } | undefined;
      if (got) {
        Atomics.store(this.signal, 0, 0);
        const m = got.message;
        if (m.id !== id) continue; // an answer to an earlier request that timed out
        if (!m.ok) throw fromWire(m.error!);
        return m.value as T;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.dead) throw new Error(this.dead ?? `the render thread did not answer ${op} within ${timeoutMs} ms`);
      Atomics.wait(this.signal, 0, 0, Math.min(left, 50));
    }
  }

  private read(): Float64Array {
    this.telemetry.read(this.snap);
    return this.snap;
  }

  get samplePosition(): number {
    return this.read()[TELEMETRY.SAMPLE_POSITION];
  }
  masterTime(): RefTime {
    return this.read()[TELEMETRY.MASTER_TIME];
  }
  latencyTime(): RefTime {
    const f = this.read();
    // Before the first block the telemetry is empty: no latency yet, master time 0.
    return f[TELEMETRY.LATENCY_TIME];
  }
  get outputStatus(): OutputStatus {
    return this.call<OutputStatus>('outputStatus', []);
  }

  createPin(name: string): number {
    return this.call<number>('createPin', [name]);
  }
  removePin(pinId: number): void {
    this.call('removePin', [pinId]);
    this.nodes.delete(pinId);
  }
  renamePin(pinId: number, name: string): void {
    this.call('renamePin', [pinId, name]);
  }
  pinState(pinId: number): KsState {
    return this.call<KsState>('pinState', [pinId]);
  }
  setPinState(pinId: number, state: KsState): void {
    this.call('setPinState', [pinId, state]);
  }
  setExtraPrefetch(pinId: number, extra: RefTime): void {
    this.call('setExtraPrefetch', [pinId, extra]);
  }
  setChannelMask(pinId: number, mask: Uint8Array): void {
    this.call('setChannelMask', [pinId, mask]);
  }
  setPinGain(pinId: number, gain: number): void {
    if (!this.commands.setGain(pinId, gain)) throw new DmusError('BUFFER_FULL', 'the render queue is full');
  }
  setPinMuted(pinId: number, muted: boolean): void {
    if (!this.commands.setMute(pinId, muted)) throw new DmusError('BUFFER_FULL', 'the render queue is full');
  }

  node(pinId: number): SynthNode {
    let n = this.nodes.get(pinId);
    if (!n) {
      const proxy: Partial<SynthNode> = {};
      for (const m of NODE_METHODS) (proxy as Record<string, unknown>)[m] = (...args: unknown[]) => this.call('node', [pinId, m, args]);
      // postMessage copies a typed array's whole ArrayBuffer: a download packed into a larger
      // reusable buffer (DownloadScratch) goes out as a copy of just its bytes.
      proxy.download = (bytes: Uint8Array) => this.call('node', [pinId, 'download', [ownBytes(bytes)]]);
      n = proxy as SynthNode;
      this.nodes.set(pinId, n);
    }
    return n;
  }

  writeIrp(pinId: number, bytes: Uint8Array, startTime: RefTime): IrpResult {
    let off = 0;
    let records = 0;
    let events = 0;
    let error: DmusError | null = null;
    let padStart = 0;
    while (off < bytes.length) {
      const code = checkRecord(bytes, bytes.length, off, padStart);
      if (code !== RECORD.OK) {
        error = recordError(bytes, bytes.length, off, code, padStart);
        break;
      }
      const cb = readU32(bytes, off);
      padStart = recordDataEnd(bytes, off);
      records++;
      events += cb <= 8 ? 1 : Math.ceil(cb / 256);
      off += dmusEventSize(cb);
    }
    if (off > 0 && !this.commands.sendIrp(pinId, startTime, bytes, off)) {
      throw new DmusError('BUFFER_FULL', `the render queue is full; ${records} events were not queued`);
    }
    return { records, events, error };
  }

  property(request: KsPropertyRequest): KsPropertyResult {
    return this.call<KsPropertyResult>('property', [request]);
  }
  meters(): PinMeters[] {
    return this.call<PinMeters[]>('meters', []);
  }

  async startOutput(choice: OutputChoice): Promise<void> {
    this.call('startOutput', [choice], OUTPUT_TIMEOUT_MS);
  }
  async listDevices(): Promise<AudioDeviceList> {
    return this.call<AudioDeviceList>('listDevices', [], OUTPUT_TIMEOUT_MS);
  }
  async stopOutput(): Promise<void> {
    this.call('stopOutput', [], OUTPUT_TIMEOUT_MS);
  }
  async close(): Promise<void> {
    if (!this.dead) {
      try {
        this.call('close', [], OUTPUT_TIMEOUT_MS);
      } catch {
        // already gone
      }
    }
    this.dead ??= 'closed';
    this.port.close();
    await this.worker.terminate();
  }
}
