/**
 * The render side of a session: the DMus port with its render pins (each a SynthStream from the
 * miniport), the wave sink that mixes them, and the audio output that pulls blocks. The session
 * (control side) talks to it only through this class, so the same session drives it in-process
 * (tests, offline render) or, through RenderWorkerClient, on a worker thread (live play).
 *
 *   session ─► writeIrp / property / download ─► PortDMus pins ─► WaveSink.renderBlock ◄─ AudioOutput pull
 */
import { dispatchProperty, type KsPropertyRequest, type KsPropertyResult } from '../dmus/properties.js';
import { framesToRefTime } from '../dmus/clocks.js';
import { readDirectMusicBuffer } from '../dmus/dmus-buffer.js';
import { DmusError } from '../dmus/errors.js';
import { ChannelMute } from '../dmus/filters/channel-mute.js';
import type { SynthNode, SynthStats } from '../dmus/miniport.js';
import { KSSTATE, type KsState } from '../dmus/mxf.js';
import { type PinEventStats, PortDMus, type RenderPin } from '../dmus/port.js';
import type { RefTime } from '../dmus/units.js';
import { type AudioOutput, createAudioOutput, type OutputChoice } from '../sink/audio-output.js';
import type { AudioDeviceList } from '../sink/portaudio-output.js';
import { METER, METER_STRIDE, WaveSink } from '../sink/wave-sink.rt.js';
import { Chorus } from '../synth/effects/chorus.rt.js';
import { Reverb } from '../synth/effects/reverb.rt.js';
import { SynthMiniport } from '../synth/miniport.js';
import type { RenderThreadPriority } from './realtime-priority.js';

export interface RenderEngineOptions {
  sampleRate: number;
  bufferFrames: number;
  /** Sequencer look-ahead added to the miniport's own prefetch, 100 ns. */
  extraPrefetch?: RefTime;
}

export interface PinMeters {
  id: number;
  peakLeft: number;
  peakRight: number;
  stats: SynthStats;
  /** The pin's event path: events lost, pool counters (RenderPin.eventStats). */
  events: PinEventStats;
}

export interface IrpResult {
  records: number;
  events: number;
  error: DmusError | null;
}

/**
 * What the session needs of the render side. RenderEngine implements it in the calling thread;
 * RenderWorkerClient (render-worker-client.ts) implements it with the render side on a worker.
 */
export interface RenderEngineApi {
  readonly sampleRate: number;
  readonly bufferFrames: number;
  readonly samplePosition: number;
  readonly outputStatus: OutputStatus;
  onOutputError: ((err: { message: string }) => void) | undefined;
  createPin(name: string): number;
  removePin(pinId: number): void;
  renamePin(pinId: number, name: string): void;
  pinState(pinId: number): KsState;
  setPinState(pinId: number, state: KsState): void;
  /** Sequencer look-ahead on top of the miniport's SchedulePreFetch, 100 ns. */
  setExtraPrefetch(pinId: number, extra: RefTime): void;
  /** The pin's synth node (KS property items as typed calls). */
  node(pinId: number): SynthNode;
  setPinGain(pinId: number, gain: number): void;
  setPinMuted(pinId: number, muted: boolean): void;
  setChannelMask(pinId: number, mask: Uint8Array): void;
  writeIrp(pinId: number, bytes: Uint8Array, startTime: RefTime): IrpResult;
  property(request: KsPropertyRequest): KsPropertyResult;
  masterTime(): RefTime;
  latencyTime(): RefTime;
  meters(): PinMeters[];
  startOutput(choice: OutputChoice): Promise<void>;
  stopOutput(): Promise<void>;
  /** Output devices, asked of PortAudio on the thread that owns the output. */
  listDevices(): Promise<AudioDeviceList>;
  close(): Promise<void>;
}

export interface OutputStatus {
  kind: 'portaudio' | 'null' | 'offline';
  reason: string | null;
  underruns: number;
  /** The last underrun: wall-clock ms and how late, ms (AudioOutputStats); 0 before any. */
  lastUnderrunAtMs: number;
  lastUnderrunLateMs: number;
  /** When the last sound onset was handed to the device, wall-clock ms (AudioOutputStats); 0 before any. */
  lastOnsetAtMs: number;
  latencyFrames: number;
  /** The render thread's scheduling (realtime-priority.ts). */
  renderThread: RenderThreadPriority;
}

export class RenderEngine implements RenderEngineApi {
  readonly port: PortDMus;
  readonly sink: WaveSink;
  readonly sampleRate: number;
  readonly bufferFrames: number;
  private readonly mutes = new Map<number, ChannelMute>();
  private output: AudioOutput | null = null;
  private outputDescription: { kind: 'portaudio' | 'null' | 'offline'; reason: string | null } = { kind: 'offline', reason: null };
  private outputLatencyFrames = 0;
  /** Set by the render worker after it asked for real-time priority (render-worker.ts). */
  renderThread: RenderThreadPriority = { realtime: false, priority: 0, detail: "the render loop runs on the engine's main thread" };
  private readonly left: Float32Array;
  private readonly right: Float32Array;
  onOutputError: ((err: { message: string }) => void) | undefined;
  /** The pull the output drives; the render worker replaces it with its RenderLoop's. */
  pull: (left: Float32Array, right: Float32Array, frames: number) => void;
  /** Called with each output once it is open (the render worker publishes its stats). */
  onOutputOpened: ((out: AudioOutput) => void) | undefined;

  constructor(options: RenderEngineOptions) {
    this.sampleRate = options.sampleRate;
    this.bufferFrames = options.bufferFrames;
    const miniport = new SynthMiniport({
      createReverb: (rate, frames) => new Reverb(rate, frames),
      createChorus: (rate, frames) => new Chorus(rate, frames),
    });
    this.port = new PortDMus(miniport, { sampleRate: options.sampleRate, maxFramesPerBlock: options.bufferFrames });
    this.sink = new WaveSink(this.port, { clip: 'soft' });
    this.left = new Float32Array(options.bufferFrames);
    this.right = new Float32Array(options.bufferFrames);
    this.pull = (l, r, frames) => this.sink.renderBlock(l, r, frames);
  }

  // ----- pins -----

  createPin(name: string): number {
    const pin = this.port.createRenderPin(name);
    const mute = new ChannelMute(pin.allocator, 16);
    pin.addFilter(mute);
    this.mutes.set(pin.id, mute);
    pin.setState(KSSTATE.RUN);
    this.sink.syncPins();
    return pin.id;
  }

  renamePin(pinId: number, name: string): void {
    this.pin(pinId).name = name;
  }

  pinState(pinId: number): KsState {
    return this.pin(pinId).state;
  }

  setExtraPrefetch(pinId: number, extra: RefTime): void {
    const pin = this.pin(pinId);
    pin.sequencer.schedulePreFetch = pin.stream.schedulePreFetch + extra;
  }

  removePin(pinId: number): void {
    this.pin(pinId);
    this.port.closePin(pinId);
    this.mutes.delete(pinId);
    this.sink.syncPins();
  }

  pin(pinId: number): RenderPin {
    const p = this.port.getPin(pinId);
    if (!p || !('sequencer' in p)) throw new DmusError('E_INVALIDARG', `no synth pin ${pinId}`);
    return p;
  }

  node(pinId: number): SynthNode {
    return this.pin(pinId).stream.node as SynthNode;
  }

  setPinState(pinId: number, state: KsState): void {
    this.pin(pinId).setState(state);
  }

  setPinGain(pinId: number, gain: number): void {
    this.sink.setGain(pinId, gain);
  }

  setPinMuted(pinId: number, muted: boolean): void {
    this.sink.setMute(pinId, muted);
  }

  /** Mute mask (group × 16 + channel) of the pin's ChannelMute filter. */
  setChannelMask(pinId: number, mask: Uint8Array): void {
    const m = this.mutes.get(pinId);
    if (!m) throw new DmusError('E_INVALIDARG', `no synth pin ${pinId}`);
    m.setMask(mask);
  }

  /** An IRP to a pin: the records before a bad one are played, the error says where. */
  writeIrp(pinId: number, bytes: Uint8Array, startTime: RefTime): IrpResult {
    const r = this.pin(pinId).write(bytes, startTime);
    return { records: r.records, events: r.events, error: r.error };
  }

  /** Validates an IRP without sending it (the worker client checks before it queues). */
  static checkIrp(bytes: Uint8Array): DmusError | null {
    return readDirectMusicBuffer(bytes, 0).error ?? null;
  }

  property(request: KsPropertyRequest): KsPropertyResult {
    return dispatchProperty(this.port, request);
  }

  // ----- clocks -----

  masterTime(): RefTime {
    return this.port.clock.getTime();
  }

  /** Master time + what is queued between the block being rendered and the listener. */
  latencyTime(): RefTime {
    return this.port.latencyClock.getTime();
  }

  get samplePosition(): number {
    return this.port.clock.samplePosition;
  }

  // ----- rendering -----

  /** One block into the engine's own buffers (what the output pulls). */
  renderBlock(left: Float32Array, right: Float32Array, frames: number): void {
    this.sink.renderBlock(left, right, frames);
  }

  /** Peak |sample| of the mixed output since the last call (the wave sink tracks it per block). */
  takePeak(): number {
    return this.sink.takePeak();
  }

  /** Renders `frames` offline into the given buffers (tests, WAV export). */
  renderFrames(left: Float32Array, right: Float32Array): void {
    const n = left.length;
    for (let off = 0; off < n; off += this.bufferFrames) {
      const frames = Math.min(this.bufferFrames, n - off);
      this.sink.renderBlock(this.left, this.right, frames);
      left.set(this.left.subarray(0, frames), off);
      right.set(this.right.subarray(0, frames), off);
    }
  }

  meters(): PinMeters[] {
    const out: PinMeters[] = [];
    const m = this.sink.meters;
    for (let i = 0; i < this.sink.pinIds.length; i++) {
      const id = this.sink.pinIds[i];
      const base = (i + 1) * METER_STRIDE;
      const node = this.node(id);
      out.push({ id, peakLeft: m[base + METER.HELD_L], peakRight: m[base + METER.HELD_R], stats: node.getRunningStats(), events: this.pin(id).eventStats() });
    }
    return out;
  }

  // ----- the output -----

  get outputStatus(): OutputStatus {
    return {
      ...this.outputDescription,
      underruns: this.output?.stats.underruns ?? 0,
      lastUnderrunAtMs: this.output?.stats.lastUnderrunAtMs ?? 0,
      lastUnderrunLateMs: this.output?.stats.lastUnderrunLateMs ?? 0,
      lastOnsetAtMs: this.output?.stats.lastOnsetAtMs ?? 0,
      latencyFrames: this.output ? this.outputLatencyFrames : 0,
      renderThread: this.renderThread,
    };
  }

  /**
   * Starts live output: PortAudio when asked and possible, otherwise the null sink (the clock keeps
   * running, the reason is reported). Never throws for a missing device.
   */
  async startOutput(choice: OutputChoice): Promise<void> {
    await this.stopOutput();
    const pull = (l: Float32Array, r: Float32Array, frames: number) => this.pull(l, r, frames);
    const open = async (c: OutputChoice) => {
      const out = await createAudioOutput(c);
      const fmt = await out.open({ sampleRate: this.sampleRate, framesPerBuffer: this.bufferFrames, pull });
      out.onError = (err) => {
        this.onOutputError?.(err);
        // Device lost: keep the session and its clock alive on the null sink.
        void this.startOutput({ kind: 'null', reason: err.message });
      };
      // The master clock is the render position. An event written now is taken at the next block
      // at the latest, so "now" for a new event is one block ahead; what is heard lags the
      // render position by the output's own latency (reported as AudioStatus.latencyMs).
      this.port.latencyClock.setLatency(framesToRefTime(this.bufferFrames, this.sampleRate));
      this.outputLatencyFrames = fmt.outputLatencyFrames;
      this.onOutputOpened?.(out);
      out.start();
      this.output = out;
    };
    try {
      await open(choice);
      this.outputDescription = { kind: choice.kind === 'portaudio' ? 'portaudio' : choice.kind === 'null' ? 'null' : 'offline', reason: choice.kind === 'null' ? (choice.reason ?? null) : null };
    } catch (err) {
      if (choice.kind !== 'portaudio') throw err;
      const reason = err instanceof Error ? err.message : String(err);
      await open({ kind: 'null', reason });
      this.outputDescription = { kind: 'null', reason };
    }
  }

  async listDevices(): Promise<AudioDeviceList> {
    const { listAudioDevices } = await import('../sink/portaudio-output.js');
    return listAudioDevices();
  }

  async stopOutput(): Promise<void> {
    const out = this.output;
    this.output = null;
    if (out) await out.stop();
    this.outputDescription = { kind: 'offline', reason: null };
  }

  async close(): Promise<void> {
    await this.stopOutput();
    for (const pin of [...this.port.renderPins]) this.port.closePin(pin.id);
  }
}
