/**
 * Seed concept: the DMus port driver (IPortDMus, seed "DMus Port Driver", reference §1.8, §3.2):
 * it owns the pins and is the ONE place where the stages of each pin are wired together.
 *
 *   render pin (one virtual synth):
 *     IRP ─► Unpacker ─► [transform filters] ─► Sequencer ─► miniport stream (IMXF) ─► Allocator
 *              ▲ allocator.getMessage                                 └─ sink.render() ◄─ wave sink
 *   capture pin:
 *     MIDI bytes ─► UartCaptureStream ─► CaptureSink ─► [transform filters] ─► Packer ─► IRP to host
 *
 * Each pin has its own allocator, so pins share nothing ("each pin instance acts as one virtual
 * synthesizer"). Notify runs the registered service routines: the DPC of the kernel port, here
 * the render loop's per-block tick (release due events, push captured bytes, flush the packer).
 */
import { Allocator, type AllocatorOptions } from './allocator.js';
import { LatencyClock, type MasterClock, SampleClock } from './clocks.js';
import type { DirectMusicBuffer } from './dmus-buffer.js';
import { CaptureSink, type CaptureError } from './capture/capture-sink.js';
import { Packer } from './capture/packer.js';
import { UartCaptureStream } from './capture/uart-capture-stream.js';
import { NULL_EVENT } from './kernel-event.js';
import { DMUS_STREAM_TYPE, type IMiniportDMus, type MiniportStream } from './miniport.js';
import { type IMXF, KSSTATE, KSSTATE_NAME, type KsState, type MxfFilter } from './mxf.js';
import { Sequencer } from './render/sequencer.js';
import { POOL_GROWTH, type UnpackResult, Unpacker } from './render/unpacker.js';
import type { RefTime } from './units.js';

/**
 * The pool a render pin starts with. On the render thread the pool never grows (growing allocates;
 * see the unpacker), so it is sized for live play up front: 32,768 events hold 200 ms of song
 * look-ahead at 160,000 events/s, or one 786 KB IRP of 3-byte messages; 512 buffers of 256 bytes
 * hold 512 queued SysEx. About 2 MB per pin. The control side grows it (RenderPin.reservePool).
 */
export const RENDER_PIN_POOL: Readonly<AllocatorOptions> = { initialEvents: 32_768, initialBuffers: 512 };

export interface PortOptions {
  sampleRate: number;
  /** Largest block the wave sink renders at once. */
  maxFramesPerBlock: number;
  /** Output latency the latency clock adds to the master clock, 100 ns. */
  outputLatency?: RefTime;
  /** Pool sizes of each pin's allocator (render pins default to RENDER_PIN_POOL). */
  allocator?: AllocatorOptions;
  /** The master clock; by default a SampleClock the wave sink advances. */
  clock?: SampleClock;
}

/** A service routine (IServiceSink::RequestService): called on every Notify. */
export type ServiceRoutine = (now: RefTime) => void;

export class PinStateError extends Error {
  override name = 'PinStateError';
}

/** Walks a KS state change one step at a time, as KS does (STOP↔ACQUIRE↔PAUSE↔RUN). */
function stepStates(from: KsState, to: KsState, apply: (s: KsState) => void): void {
  let s = from;
  while (s !== to) {
    s = (s < to ? s + 1 : s - 1) as KsState;
    apply(s);
  }
}

abstract class Pin {
  readonly id: number;
  name: string;
  readonly allocator: Allocator;
  protected ks: KsState = KSSTATE.STOP;
  protected readonly filters: MxfFilter[] = [];
  constructor(id: number, name: string, allocator: Allocator) {
    this.id = id;
    this.name = name;
    this.allocator = allocator;
  }
  get state(): KsState {
    return this.ks;
  }
  get stateName(): string {
    return KSSTATE_NAME[this.ks];
  }
  /** Every node of the pin, upstream first. */
  protected abstract nodes(): IMXF[];
  /** Rewires the chain after a filter was added or removed. */
  protected abstract rewire(): void;

  setState(state: KsState): void {
    if (!(state in KSSTATE_NAME)) throw new PinStateError(`pin ${this.id}: ${state} is not a KS state`);
    const nodes = this.nodes();
    stepStates(this.ks, state, (s) => {
      // Going down, upstream stops first so nothing new flows into a stopped node.
      if (s < this.ks) for (const n of nodes) n.setState(s);
      else for (let i = nodes.length - 1; i >= 0; i--) nodes[i].setState(s);
      this.onState(this.ks, s);
      this.ks = s;
    });
  }
  protected onState(_from: KsState, _to: KsState): void {}

  /** Inserts an IMXF transform filter (it must use this pin's allocator). */
  addFilter(filter: MxfFilter): void {
    this.filters.push(filter);
    filter.setState(this.ks);
    this.rewire();
  }
  removeFilter(filter: MxfFilter): void {
    const i = this.filters.indexOf(filter);
    if (i < 0) throw new PinStateError(`pin ${this.id}: that filter is not on this pin`);
    this.filters.splice(i, 1);
    this.rewire();
    filter.setState(KSSTATE.STOP);
  }
}

function disconnect(node: MxfFilter): void {
  if (node.isConnected) node.disconnectOutput(node.outputNode);
}

/**
 * How a render pin's event path has fared: what the musician sees as "events lost", and the pool
 * counters behind it. A plain snapshot, made on the pin's own thread.
 */
export interface PinEventStats {
  /**
   * MIDI messages lost on this pin: records the unpacker dropped because the pool was full on the
   * render thread, plus events a stage asked of an empty pool (allocator exhaustions: the asking
   * stage drops its event). Never a silent drop: every loss is in here.
   */
  eventsLost: number;
  /** The unpacker's share: records dropped, and IRPs that lost some. */
  recordsDropped: number;
  irpsCut: number;
  /** The allocator's counters. */
  eventExhaustions: number;
  bufferExhaustions: number;
  grows: number;
  /** Pool size, events handed out now (queued or playing), and the high-water mark. */
  poolEvents: number;
  eventsInUse: number;
  peakEventsInUse: number;
}

/** A render pin: one independent virtual synth. */
export class RenderPin extends Pin {
  readonly unpacker: Unpacker;
  readonly sequencer: Sequencer;
  readonly stream: MiniportStream;
  private readonly master: MasterClock;

  constructor(id: number, name: string, allocator: Allocator, stream: MiniportStream, master: MasterClock) {
    super(id, name, allocator);
    this.stream = stream;
    this.master = master;
    this.unpacker = new Unpacker(allocator);
    this.sequencer = new Sequencer(allocator, stream.schedulePreFetch);
    this.rewire();
  }

  protected nodes(): IMXF[] {
    return [this.unpacker, ...this.filters, this.sequencer, this.stream.mxf];
  }

  protected rewire(): void {
    const chain: MxfFilter[] = [this.unpacker, ...this.filters, this.sequencer];
    for (const n of chain) disconnect(n);
    for (let i = 0; i < chain.length - 1; i++) chain[i].connectOutput(chain[i + 1]);
    this.sequencer.connectOutput(this.stream.mxf);
  }

  protected override onState(from: KsState, to: KsState): void {
    // Entering RUN from PAUSE: the synth's sample clock restarts from the master time (SyncToMaster fStart).
    if (to === KSSTATE.RUN && from === KSSTATE.PAUSE) this.stream.sink?.syncToMaster(this.master.getTime(), true);
  }

  /**
   * Sends an IRP from the control side: a DirectMusic buffer's used bytes and its start time. The
   * pool grows if the IRP needs it (this allocates): offline renders, tests, a pin fed in the
   * calling thread between blocks.
   */
  write(bytes: Uint8Array, startTime: RefTime, length = bytes.length): UnpackResult {
    return this.unpacker.unpack(bytes, startTime, length, POOL_GROWTH.GROW);
  }

  /**
   * Sends an IRP on the render thread (RenderLoop): the start time is read from times[index]
   * (no boxed double), and the pool never grows: records that do not fit are dropped and counted
   * (UnpackResult.recordsDropped, eventStats().eventsLost). Allocates nothing but on bad input.
   */
  writeFromRenderThread(bytes: Uint8Array, times: Float64Array, index: number, length: number): UnpackResult {
    return this.unpacker.unpackAt(bytes, times, index, length, POOL_GROWTH.FIXED);
  }

  /**
   * Makes sure `events` events and `buffers` buffers are free for what comes next (a large song,
   * a burst of SysEx). ALLOCATES when the pool grows: control side only, between blocks.
   */
  reservePool(events: number, buffers = 0): void {
    this.allocator.reserve(events, buffers);
  }

  /** Messages lost so far (see PinEventStats.eventsLost). Does not allocate. */
  get eventsLost(): number {
    const a = this.allocator.stats;
    return this.unpacker.stats.recordsDropped + a.eventExhaustions + a.bufferExhaustions;
  }

  /** The counters of the event path, as a snapshot (control side: allocates the object). */
  eventStats(): PinEventStats {
    const a = this.allocator.stats;
    const u = this.unpacker.stats;
    return {
      eventsLost: this.eventsLost,
      recordsDropped: u.recordsDropped,
      irpsCut: u.irpsCut,
      eventExhaustions: a.eventExhaustions,
      bufferExhaustions: a.bufferExhaustions,
      grows: a.grows,
      poolEvents: this.allocator.capacity,
      eventsInUse: a.eventsInUse,
      peakEventsInUse: a.peakEventsInUse,
    };
  }

  /** Service routine: release every event due at `now`. */
  service(now: RefTime): void {
    this.sequencer.service(now);
  }

  /** The service routine with the time in times[index] (the port's per-block path; no boxed double). */
  serviceAt(times: Float64Array, index: number): void {
    this.sequencer.serviceAt(times, index);
  }

  close(): void {
    this.setState(KSSTATE.STOP);
    this.stream.close();
  }
}

/** A capture pin: MIDI input parsed into time-stamped messages packed into IRPs. */
export class CapturePin extends Pin {
  readonly stream: UartCaptureStream;
  readonly captureSink: CaptureSink;
  readonly packer: Packer;

  constructor(id: number, name: string, allocator: Allocator) {
    super(id, name, allocator);
    this.stream = new UartCaptureStream(allocator);
    this.captureSink = new CaptureSink(allocator);
    this.packer = new Packer(allocator);
    this.rewire();
  }

  protected nodes(): IMXF[] {
    return [this.stream, this.captureSink, ...this.filters, this.packer];
  }

  protected rewire(): void {
    const chain: MxfFilter[] = [this.stream, this.captureSink, ...this.filters, this.packer];
    for (const n of chain) disconnect(n);
    for (let i = 0; i < chain.length - 1; i++) chain[i].connectOutput(chain[i + 1]);
  }

  /** Raw input bytes from source `channelGroup` that arrived at master time `time`. */
  receive(bytes: ArrayLike<number>, time: RefTime, channelGroup = 1): void {
    this.stream.receive(bytes, time, channelGroup);
  }
  submitIrp(irp: DirectMusicBuffer): void {
    this.packer.submitIrp(irp);
  }
  set onIrpComplete(cb: ((irp: DirectMusicBuffer) => void) | undefined) {
    this.packer.onIrpComplete = cb;
  }
  set onError(cb: ((e: CaptureError) => void) | undefined) {
    this.captureSink.onError = cb;
  }

  /**
   * MIDI messages this capture pin lost: the capture sink found the pool empty (lostNoEvent), the
   * packer had no empty IRP to fill (lostNoIrp) or the message was larger than an IRP
   * (lostTooLarge). Bytes the input ring overran before the service routine ran are counted
   * apart (bytesOverrun): they are bytes, not yet messages. Does not allocate.
   */
  get eventsLost(): number {
    const p = this.packer.stats;
    return this.captureSink.stats.lostNoEvent + p.lostNoIrp + p.lostTooLarge;
  }
  get bytesOverrun(): number {
    return this.stream.stats.bytesOverrun;
  }

  /** Service routine: push captured bytes through the sink, then complete the IRP in progress. */
  service(): void {
    this.stream.putMessage(NULL_EVENT);
    this.packer.flush();
  }

  close(): void {
    this.setState(KSSTATE.STOP);
  }
}

export class PortDMus {
  readonly miniport: IMiniportDMus;
  readonly clock: SampleClock;
  readonly latencyClock: LatencyClock;
  readonly sampleRate: number;
  readonly maxFramesPerBlock: number;
  private readonly allocatorOptions: AllocatorOptions | undefined;
  private readonly render = new Map<number, RenderPin>();
  private readonly capture = new Map<number, CapturePin>();
  private readonly serviceGroup: ServiceRoutine[] = [];
  private nextPinId = 1;
  /** Snapshot arrays so the per-block service loop does not allocate (rebuilt on pin changes). */
  private renderList: RenderPin[] = [];
  private captureList: CapturePin[] = [];
  /** notify()'s time, read by the render pins' service routines from memory (no boxed double). */
  private readonly serviceTime = new Float64Array(1);

  constructor(miniport: IMiniportDMus, options: PortOptions) {
    if (!(options.sampleRate > 0)) throw new RangeError(`sample rate ${options.sampleRate} must be positive`);
    if (!(options.maxFramesPerBlock > 0)) throw new RangeError(`block size ${options.maxFramesPerBlock} must be positive`);
    this.miniport = miniport;
    this.sampleRate = options.sampleRate;
    this.maxFramesPerBlock = options.maxFramesPerBlock;
    this.allocatorOptions = options.allocator;
    this.clock = options.clock ?? new SampleClock(options.sampleRate);
    this.latencyClock = new LatencyClock(this.clock, options.outputLatency ?? 0);
  }

  /**
   * Creates a render pin (a new virtual synth) through IMiniportDMus::NewStream. Its pool is
   * `options.pool`, else the port's allocator options, else RENDER_PIN_POOL.
   */
  createRenderPin(name = `Synth ${this.nextPinId}`, options: { pool?: AllocatorOptions } = {}): RenderPin {
    const id = this.nextPinId++;
    const allocator = new Allocator(options.pool ?? this.allocatorOptions ?? RENDER_PIN_POOL);
    const stream = this.miniport.newStream({
      pinId: id,
      streamType: DMUS_STREAM_TYPE.MIDI_RENDER,
      allocator,
      masterClock: this.clock,
      sampleRate: this.sampleRate,
      maxFramesPerBlock: this.maxFramesPerBlock,
    });
    const pin = new RenderPin(id, name, allocator, stream, this.clock);
    this.render.set(id, pin);
    this.renderList = [...this.render.values()];
    return pin;
  }

  createCapturePin(name = `Capture ${this.nextPinId}`): CapturePin {
    const id = this.nextPinId++;
    const pin = new CapturePin(id, name, new Allocator(this.allocatorOptions));
    this.capture.set(id, pin);
    this.captureList = [...this.capture.values()];
    return pin;
  }

  closePin(id: number): void {
    const r = this.render.get(id);
    const c = this.capture.get(id);
    if (!r && !c) throw new PinStateError(`no pin ${id}`);
    r?.close();
    c?.close();
    this.render.delete(id);
    this.capture.delete(id);
    this.renderList = [...this.render.values()];
    this.captureList = [...this.capture.values()];
  }

  getPin(id: number): RenderPin | CapturePin | undefined {
    return this.render.get(id) ?? this.capture.get(id);
  }
  get renderPins(): readonly RenderPin[] {
    return this.renderList;
  }
  get capturePins(): readonly CapturePin[] {
    return this.captureList;
  }

  /** IPortDMus::RegisterServiceGroup: a routine called on every notify(). */
  registerServiceGroup(routine: ServiceRoutine): void {
    this.serviceGroup.push(routine);
  }

  /**
   * IPortDMus::Notify: the stream advanced; run every service routine at master time `now`
   * (the start of the block about to be rendered). Never allocates.
   */
  notify(now: RefTime = this.clock.getTime()): void {
    const c = this.captureList;
    for (let i = 0; i < c.length; i++) c[i].service();
    this.serviceTime[0] = now;
    const r = this.renderList;
    for (let i = 0; i < r.length; i++) r[i].serviceAt(this.serviceTime, 0);
    const g = this.serviceGroup;
    for (let i = 0; i < g.length; i++) g[i](now);
  }
}
