/**
 * Seed concept: the wave sink's render thread (reference §3.3: the kernel wave sink runs its own
 * thread that pulls Render() and services the port; Microsoft's user-mode sink wakes about every
 * 20 ms). Here the render loop runs in a worker_thread, so IPC, file loading and garbage collection
 * on the engine's main thread cannot starve the audio.
 *
 *   control thread (engine main)                           render thread (worker)
 *   RenderCommandWriter ── SpscRing (SharedArrayBuffer) ──► RenderLoop.pull(): take commands and
 *     IRPs: pin, start time, DirectMusic buffer bytes          IRPs, then WaveSink.renderBlock()
 *     gain / mute / pin state                                   (service + render + mix + clock)
 *   TelemetryBlock.read()  ◄── TelemetryBlock (SharedArrayBuffer, seqlock) ── written every block
 *
 * The backend (AudioOutput) lives in the worker too and calls RenderLoop.pull when it needs a block.
 * Everything else (creating pins, downloads, opening the device) is done in the worker by messages
 * between blocks: allocating is fine there, just not inside pull(). That includes the event pool:
 * an IRP taken here is unpacked with RenderPin.writeFromRenderThread, which never grows the pin's
 * allocator; records that do not fit are dropped, counted, and published as events lost
 * (TELEMETRY.EVENTS_LOST, PIN_FIELD.EVENTS_LOST; the session's Stats show them per pin).
 *
 * Record format in the command ring: a 16-byte head (uint32 command, uint32 pin id, float64
 * value: the IRP's start time, a gain, 0/1 for mute, a KS state), then for IRPs the buffer bytes.
 */
import type { PortDMus, RenderPin } from '../dmus/port.js';
import type { KsState } from '../dmus/mxf.js';
import type { RefTime } from '../dmus/units.js';
import type { AudioOutput, PullCallback } from './audio-output.js';
import { SpscRing } from './spsc-ring.js';
import { PIN_FIELD, PIN_STRIDE, TELEMETRY, TelemetryBlock } from './telemetry.js';
import { METER, METER_STRIDE, type WaveSink } from './wave-sink.rt.js';

export const RENDER_CMD = {
  /** A DirectMusic buffer (IRP) for pin `pin`, start time `value`. */
  IRP: 1,
  /** Linear gain `value` of pin `pin`. */
  SET_GAIN: 2,
  /** Mute pin `pin` (value 1) or unmute (0). */
  SET_MUTE: 3,
  /** KS state `value` of pin `pin`. */
  SET_PIN_STATE: 4,
} as const;

export const CMD_HEAD_BYTES = 16;

/** Render time is measured on one block in this many (a power of two). */
const TIMED_EVERY = 8;

/** What the control thread hands the worker (structured-cloneable: just shared memory). */
export interface RenderChannels {
  commands: SharedArrayBuffer;
  telemetry: SharedArrayBuffer;
}

export function createRenderChannels(opts: { commandBytes?: number; maxPins?: number } = {}): RenderChannels {
  return {
    commands: SpscRing.create(opts.commandBytes ?? 1 << 20).buffer,
    telemetry: TelemetryBlock.create(opts.maxPins ?? 64).buffer,
  };
}

/** Control side: writes commands and IRPs into the ring. Never blocks, never allocates. */
export class RenderCommandWriter {
  readonly ring: SpscRing;
  private readonly head = new Uint8Array(CMD_HEAD_BYTES);
  private readonly dv = new DataView(this.head.buffer);

  constructor(ring: SpscRing) {
    this.ring = ring;
  }

  /**
   * Sends an IRP: bytes[0, length) of a DirectMusic buffer whose records are relative to
   * `startTime`. Returns false if the ring is full (the caller retries later or reports a drop).
   */
  sendIrp(pinId: number, startTime: RefTime, bytes: Uint8Array, length = bytes.length): boolean {
    this.setHead(RENDER_CMD.IRP, pinId, startTime);
    return this.ring.pushParts(this.head, 0, CMD_HEAD_BYTES, bytes, 0, length);
  }
  setGain(pinId: number, gain: number): boolean {
    return this.command(RENDER_CMD.SET_GAIN, pinId, gain);
  }
  setMute(pinId: number, mute: boolean): boolean {
    return this.command(RENDER_CMD.SET_MUTE, pinId, mute ? 1 : 0);
  }
  setPinState(pinId: number, state: KsState): boolean {
    return this.command(RENDER_CMD.SET_PIN_STATE, pinId, state);
  }

  private command(cmd: number, pinId: number, value: number): boolean {
    this.setHead(cmd, pinId, value);
    return this.ring.push(this.head, 0, CMD_HEAD_BYTES);
  }
  private setHead(cmd: number, pinId: number, value: number): void {
    this.dv.setUint32(0, cmd, true);
    this.dv.setUint32(4, pinId >>> 0, true);
    this.dv.setFloat64(8, value, true);
  }
}

export interface RenderLoopOptions {
  port: PortDMus;
  sink: WaveSink;
  commands: SpscRing;
  telemetry: TelemetryBlock;
  /** Bound on commands taken per block, so a flood cannot make one block late. Default 256. */
  maxCommandsPerBlock?: number;
  /**
   * The clock render times are read from, milliseconds (default performance.now()). Each read
   * returns a fresh heap number (and builds Node's hrtime array), about 40 bytes, unless the JIT
   * inlined it: the loop reads it twice on one block in TIMED_EVERY, ~5 bytes a block on average,
   * its one allocation. Tests that show the rest allocates nothing pass a clock that does not.
   */
  clock?: () => number;
}

/**
 * Render side: the pull callback a backend drives. Per block: take commands and IRPs from the ring
 * (bounded), render the mix (WaveSink: service, render, mix, meters, clock), publish telemetry.
 * Allocates nothing in pull(): an IRP larger than the free pool is cut, never a reason to grow it
 * here (the pool is sized up front and grown by the control side, RenderPin.reservePool).
 */
export class RenderLoop {
  readonly port: PortDMus;
  readonly sink: WaveSink;
  readonly commands: SpscRing;
  readonly telemetry: TelemetryBlock;
  readonly maxCommandsPerBlock: number;
  /** The output whose stats are published (set after it is opened). */
  output: AudioOutput | undefined;
  commandsTaken = 0;
  commandErrors = 0;
  /** Records of IRPs taken here that did not fit their pin's pool (dropped and counted). */
  recordsDropped = 0;
  renderMaxUs = 0;
  /** Pass this to AudioOutput.open({ pull }). */
  readonly pull: PullCallback;

  private blockCount = 0;
  private renderLastUs = 0;
  private publishedMs = 0;
  private readonly head = new Uint8Array(CMD_HEAD_BYTES);
  private readonly headView = new DataView(this.head.buffer);
  /**
   * The head's float64 value (an IRP's start time) as a typed-array slot for writeFromRenderThread.
   * The head is written little-endian, the byte order of every platform the engine runs on.
   */
  private readonly headValue = new Float64Array(this.head.buffer, 8, 1);
  private readonly body: Uint8Array;
  private readonly now: () => number;

  constructor(options: RenderLoopOptions) {
    this.port = options.port;
    this.sink = options.sink;
    this.commands = options.commands;
    this.telemetry = options.telemetry;
    this.maxCommandsPerBlock = options.maxCommandsPerBlock ?? 256;
    this.now = options.clock ?? (() => performance.now());
    this.body = new Uint8Array(this.commands.maxRecordBytes);
    this.pull = (l, r, frames) => this.renderBlock(l, r, frames);
    const f = this.telemetry.fields;
    f[TELEMETRY.SAMPLE_RATE] = this.port.sampleRate;
  }

  private renderBlock(l: Float32Array, r: Float32Array, frames: number): void {
    // Timing every TIMED_EVERY-th block only: a performance.now() read allocates (see
    // RenderLoopOptions.clock), the one allocation this loop makes.
    const timed = (this.blockCount++ & (TIMED_EVERY - 1)) === 0;
    const t0 = timed ? this.now() : 0;
    const ringUsed = this.commands.usedBytes;
    this.takeCommands();
    this.sink.renderBlock(l, r, frames);
    if (timed) {
      const t1 = this.now();
      const us = (t1 - t0) * 1000;
      if (us > this.renderMaxUs) this.renderMaxUs = us;
      this.renderLastUs = us;
      this.publishedMs = t1;
    }
    this.publish(frames, ringUsed);
  }

  /** Applies up to maxCommandsPerBlock records from the ring. */
  takeCommands(): void {
    const ring = this.commands;
    const dv = this.headView;
    for (let n = 0; n < this.maxCommandsPerBlock; n++) {
      const len = ring.popSplit(this.head, this.body);
      if (len < 0) return;
      this.commandsTaken++;
      const cmd = dv.getUint32(0, true);
      const pinId = dv.getUint32(4, true);
      const value = dv.getFloat64(8, true);
      const pin = this.port.getPin(pinId);
      if (pin === undefined) {
        this.commandErrors++;
        continue;
      }
      switch (cmd) {
        case RENDER_CMD.IRP: {
          if (!('stream' in pin)) {
            this.commandErrors++;
            break;
          }
          const res = (pin as RenderPin).writeFromRenderThread(this.body, this.headValue, 0, len);
          if (res.error !== null) this.commandErrors++;
          this.recordsDropped += res.recordsDropped;
          break;
        }
        case RENDER_CMD.SET_GAIN:
          if (value >= 0 && value < Number.POSITIVE_INFINITY) this.sink.setGain(pinId, value);
          else this.commandErrors++;
          break;
        case RENDER_CMD.SET_MUTE:
          this.sink.setMute(pinId, value !== 0);
          break;
        case RENDER_CMD.SET_PIN_STATE:
          if (value >= 0 && value <= 3 && Number.isInteger(value)) pin.setState(value as KsState);
          else this.commandErrors++;
          break;
        default:
          this.commandErrors++;
      }
    }
  }

  private publish(frames: number, ringUsed: number): void {
    const tel = this.telemetry;
    const f = tel.fields;
    const port = this.port;
    const sink = this.sink;
    const out = this.output;
    const latency = out ? out.outputLatencyFrames : 0;
    tel.beginWrite();
    f[TELEMETRY.SAMPLE_POSITION] = port.clock.samplePosition;
    f[TELEMETRY.MASTER_TIME] = port.clock.getTime();
    f[TELEMETRY.LATENCY_TIME] = port.latencyClock.getTime();
    f[TELEMETRY.FRAMES_PER_BUFFER] = frames;
    f[TELEMETRY.OUTPUT_LATENCY_FRAMES] = latency;
    if (out) {
      f[TELEMETRY.UNDERRUNS] = out.stats.underruns;
      f[TELEMETRY.FRAMES_PLAYED] = out.stats.framesPlayed;
    }
    f[TELEMETRY.BLOCKS] = sink.blocks;
    f[TELEMETRY.RENDER_LAST_US] = this.renderLastUs;
    f[TELEMETRY.RENDER_MAX_US] = this.renderMaxUs;
    f[TELEMETRY.COMMANDS] = this.commandsTaken;
    f[TELEMETRY.COMMAND_ERRORS] = this.commandErrors;
    f[TELEMETRY.PUBLISHED_MS] = this.publishedMs;
    f[TELEMETRY.STATE] = 1;
    f[TELEMETRY.RING_USED] = ringUsed;
    const m = sink.meters;
    f[TELEMETRY.MASTER_PEAK_L] = m[METER.PEAK_L];
    f[TELEMETRY.MASTER_PEAK_R] = m[METER.PEAK_R];
    f[TELEMETRY.MASTER_HELD_L] = m[METER.HELD_L];
    f[TELEMETRY.MASTER_HELD_R] = m[METER.HELD_R];
    const pins = port.renderPins;
    let lost = 0;
    for (let i = 0; i < pins.length; i++) lost += pins[i].eventsLost;
    f[TELEMETRY.EVENTS_LOST] = lost;
    const ids = sink.pinIds;
    // The sink's pins, in its meter-slot order (the order of pinIds): no look-up by id per pin.
    const mixed = sink.mixedPins;
    const n = Math.min(ids.length, tel.maxPins);
    f[TELEMETRY.PIN_COUNT] = n;
    for (let i = 0; i < n; i++) {
      const o = TELEMETRY.PIN_BASE + i * PIN_STRIDE;
      const s = METER_STRIDE * (i + 1);
      f[o + PIN_FIELD.ID] = ids[i];
      f[o + PIN_FIELD.EVENTS_LOST] = mixed[i].eventsLost;
      f[o + PIN_FIELD.PEAK_L] = m[s + METER.PEAK_L];
      f[o + PIN_FIELD.PEAK_R] = m[s + METER.PEAK_R];
      f[o + PIN_FIELD.HELD_L] = m[s + METER.HELD_L];
      f[o + PIN_FIELD.HELD_R] = m[s + METER.HELD_R];
    }
    tel.endWrite();
  }

  /** Marks the telemetry stopped (2 = failed) when the output ends. */
  publishState(state: 0 | 1 | 2): void {
    const tel = this.telemetry;
    tel.beginWrite();
    tel.fields[TELEMETRY.STATE] = state;
    tel.endWrite();
  }
}

/** Control side: both channels attached, for a worker started by the caller. */
export function attachControlSide(channels: RenderChannels): { commands: RenderCommandWriter; telemetry: TelemetryBlock } {
  return { commands: new RenderCommandWriter(new SpscRing(channels.commands)), telemetry: new TelemetryBlock(channels.telemetry) };
}

/** Render side: both channels attached, inside the worker. */
export function attachRenderSide(channels: RenderChannels): { commands: SpscRing; telemetry: TelemetryBlock } {
  return { commands: new SpscRing(channels.commands), telemetry: new TelemetryBlock(channels.telemetry) };
}
