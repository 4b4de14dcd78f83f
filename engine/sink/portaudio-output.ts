/**
 * Seed concept: the wave sink's device (reference §3.3, seed "wave sink": the sink streams the
 * synth's mix to the wave pin; here the wave pin is a PortAudio output opened through naudiodon).
 *
 * naudiodon is imported lazily, inside open() / listAudioDevices(), never at module load: unit tests,
 * CI and WAV renders never load the native module unless a device is really used.
 *
 * What naudiodon does, and how this backend deals with it (../shared/platform/README.md §2.4–2.6):
 * - Its Writable holds `highwaterMark` bytes, then its native ChunkQueue holds `maxQueue` chunks,
 *   then the PortAudio callback copies from the current chunk into the ALSA buffer, and BLOCKS
 *   when there is nothing (it never pads with silence). So the queue is bounded here by writing a
 *   block ONLY when the stream asks: highwaterMark = one block, so every write() returns false, and
 *   the next block is rendered on 'drain' (= the previous block entered the native queue, which
 *   happens when the device took one out). The queue is then: maxQueue (= queueBlocks) chunks +
 *   1 block waiting to enter it + the chunk the callback is reading + PortAudio's ALSA buffer.
 * - closeOnError is always false: with true, the first underflow closes the stream and PortAudio's
 *   thread then crashes the process (SIGSEGV in fillBuffer).
 * - It printf's on stdout ("PortAudio V19...", "Output audio options...", "AudioIO: portAudio
 *   status - output underflow", "Finishing output..."). The engine never uses stdout as a channel;
 *   a parent that captures this process's stdout can count the underflow lines with
 *   countUnderflowReports().
 * - Prefill before start: the pump fills the queue, and start() runs from a setTimeout after it.
 * - Finish with silence: stop() writes `tailSilenceFrames` of zeros before ending the stream, so the
 *   last real block is heard and the ALSA jack plugin does not replay stale periods.
 *
 * Underruns are counted from timing, in-process. A write that had to wait before the native queue
 * took it proves the queue was full at that moment: the device's read position was then
 * `framesWritten − (queueBlocks + 1)·B` (a sync point). From there the device reads `rate` frames
 * a second; when the writer hands over a block more than the tolerance (max(B, 5.5 ms): devices
 * read in bursts of their own period) after the device needed it, the writer fell behind real time
 * by more than the queue it had: an underrun. The line is then
 * re-anchored, so one stall counts once, and every waited write re-syncs it, so a device clock a
 * little off the system clock never accumulates into false counts. (If rendering takes more than
 * 3/4 of a block, writes never wait and there are no sync points; then drift between the two
 * clocks, ~5 frames/s at 100 ppm, could add up to one false count per minute or so.)
 * A device that stops taking blocks for `lostAfterMs` is reported as DEVICE_LOST.
 */
import { performance } from 'node:perf_hooks';
import {
  type AudioOutput,
  AudioOutputError,
  type AudioOutputStats,
  emptyStats,
  ONSET_LEVEL,
  ONSET_QUIET_MS,
  type OpenedFormat,
  type OpenOptions,
  type PortAudioChoice,
} from './audio-output.js';

/** The parts of naudiodon this backend uses (its own index.d.ts, restated so nothing loads it). */
interface NaudiodonDevice {
  id: number;
  name: string;
  maxInputChannels: number;
  maxOutputChannels: number;
  defaultSampleRate: number;
  defaultLowOutputLatency: number;
  defaultHighOutputLatency: number;
  hostAPIName: string;
}
interface NaudiodonHostApi {
  id: number;
  name: string;
  type: string;
  deviceCount: number;
  defaultInput: number;
  defaultOutput: number;
}
interface NaudiodonWritable {
  write(chunk: Uint8Array): boolean;
  end(): void;
  start(): void;
  abort(cb?: () => void): void;
  quit?(cb?: () => void): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}
interface Naudiodon {
  SampleFormatFloat32: 1;
  getDevices(): NaudiodonDevice[];
  getHostAPIs(): { defaultHostAPI: number; HostAPIs: NaudiodonHostApi[] };
  AudioIO(options: { outOptions: Record<string, unknown> }): NaudiodonWritable;
}

let naudiodon: Promise<Naudiodon> | undefined;

/** Loads naudiodon once (lazily). Throws AudioOutputError BACKEND_UNAVAILABLE. */
export function loadNaudiodon(): Promise<Naudiodon> {
  naudiodon ??= import('naudiodon').then(
    (m) => ((m as { default?: unknown }).default ?? m) as Naudiodon,
    (err: unknown) => {
      naudiodon = undefined;
      throw new AudioOutputError('portaudio', 'BACKEND_UNAVAILABLE', `cannot load naudiodon: ${(err as Error).message}`, { cause: err });
    },
  );
  return naudiodon;
}

export interface HostApiInfo {
  id: number;
  name: string;
  type: string;
  deviceCount: number;
  /** Index of the host API's default output among ITS devices, or -1. */
  defaultOutput: number;
}

/**
 * Closes a naudiodon stream at once, bounded by `timeoutMs`. naudiodon 2.3.6's abort() throws
 * synchronously ("AudioIO Quit expects 1 argument": it hands its native quit a callback it does not
 * take), so when it does, quit() (a promise) closes the stream instead.
 */
function closeStream(io: NaudiodonWritable, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      io.abort(done);
    } catch {
      if (io.quit) io.quit().then(done, done);
      else done();
    }
  });
}

export interface AudioDeviceInfo {
  /** PortAudio device index: what PortAudioChoice.deviceId takes. */
  id: number;
  name: string;
  hostApi: string;
  outputChannels: number;
  inputChannels: number;
  defaultSampleRate: number;
  /**
   * PortAudio's default latencies in seconds AS NAUDIODON REPORTS THEM: it stores them as uint32,
   * so they are truncated to whole seconds (usually 0). Shown for completeness only.
   */
  defaultLowOutputLatency: number;
  defaultHighOutputLatency: number;
  isDefaultOutput: boolean;
}

export interface AudioDeviceList {
  hostApis: HostApiInfo[];
  /** Every device that can play stereo. */
  outputs: AudioDeviceInfo[];
}

const NO_INDEX = 0xffffffff;

/** Lists host APIs and output devices. An empty `outputs` means no device (no card, no JACK server). */
export async function listAudioDevices(): Promise<AudioDeviceList> {
  const pa = await loadNaudiodon();
  const apis = pa.getHostAPIs();
  const hostApis = apis.HostAPIs.map((h) => ({
    id: h.id,
    name: h.name,
    type: h.type,
    deviceCount: h.deviceCount,
    defaultOutput: h.defaultOutput === NO_INDEX || h.defaultOutput < 0 ? -1 : h.defaultOutput,
  }));
  const devices = pa.getDevices();
  // PortAudio's default output is the default device of the default host API.
  const defApi = apis.HostAPIs[apis.defaultHostAPI];
  const defaultName = defApi && defApi.defaultOutput !== NO_INDEX ? devices.filter((d) => d.hostAPIName === defApi.name)[defApi.defaultOutput]?.name : undefined;
  const outputs = devices
    .filter((d) => d.maxOutputChannels >= 2)
    .map((d) => ({
      id: d.id,
      name: d.name,
      hostApi: d.hostAPIName,
      outputChannels: d.maxOutputChannels,
      inputChannels: d.maxInputChannels,
      defaultSampleRate: d.defaultSampleRate,
      defaultLowOutputLatency: d.defaultLowOutputLatency,
      defaultHighOutputLatency: d.defaultHighOutputLatency,
      isDefaultOutput: d.name === defaultName && d.hostAPIName === defApi?.name,
    }));
  return { hostApis, outputs };
}

/** Counts naudiodon's "output underflow" reports in captured stdout text (one line per affected write). */
export function countUnderflowReports(stdoutText: string): number {
  return stdoutText.match(/output underflow/g)?.length ?? 0;
}

export interface PortAudioOutputOptions extends Omit<PortAudioChoice, 'kind'> {
  /** Silence written before the stream ends. Default 2048 frames. */
  tailSilenceFrames?: number;
  /** No block taken by the device for this long while running = DEVICE_LOST. Default 2000 ms. */
  lostAfterMs?: number;
  /**
   * Frames the host API buffers after naudiodon's queue (PortAudio's ALSA buffer, plus the JACK
   * plugin's). naudiodon does not report it; it is added to outputLatencyFrames. Default: 10 ms,
   * what tests/audio measured for PortAudio → ALSA jack plugin → jackd (dummy, 256-frame period):
   * 380–600 frames at 48 kHz beyond naudiodon's queue. A real card differs; measure it there.
   */
  deviceLatencyFrames?: number;
  /**
   * How late (frames) a block may be before it counts as an underrun, and how long a write may
   * wait and still be a sync point (B + this). Default max(B, 5.5 ms): the device may take audio
   * in bursts of its own period (the JACK test device takes 256 frames at a time, i.e. 4 blocks of
   * 64 at once), so a stricter tolerance counts bursts as underruns.
   */
  underrunToleranceFrames?: number;
  /** Injected module (tests); default: naudiodon, loaded lazily. */
  load?: () => Promise<Naudiodon>;
}

export class PortAudioOutput implements AudioOutput {
  readonly kind = 'portaudio' as const;
  readonly stats: AudioOutputStats = emptyStats();
  outputLatencyFrames = 0;
  onError: ((err: AudioOutputError) => void) | undefined;
  readonly deviceId: number;
  /** Blocks in naudiodon's queue (maxQueue); set by open(). */
  queueBlocks = 0;
  private readonly queueOption: number | undefined;
  /** Frames written to naudiodon (rendered blocks + silence tail). */
  framesWritten = 0;

  private readonly tailSilenceFrames: number;
  private readonly lostAfterMs: number;
  private readonly deviceLatencyOption: number | undefined;
  private readonly toleranceOption: number | undefined;
  private tolerance = 0;
  private readonly load: () => Promise<Naudiodon>;
  private opts: OpenOptions | undefined;
  private io: NaudiodonWritable | undefined;
  private pool: Buffer[] = [];
  private poolF32: Float32Array[] = [];
  private poolNext = 0;
  private left = new Float32Array(0);
  private right = new Float32Array(0);
  private silence: Buffer = Buffer.alloc(0);
  private state: 'closed' | 'open' | 'prefill' | 'running' | 'stopping' | 'failed' = 'closed';
  private tailLeft = 0;
  /** Device read position `anchorFrame` at time `anchorTime` (ms); see the underrun note above. */
  private anchorTime = 0;
  private anchorFrame = 0;
  private lastWriteAt = 0;
  /** Onset stamping (AudioOutputStats.lastOnsetAtMs): frames since the last loud sample. */
  private quietFrames = 0;
  private onsetQuietFrames = 0;
  private pendingOnsetFrame = -1;
  private lastProgress = 0;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly onDrain = (): void => {
    const now = performance.now();
    const o = this.opts;
    // The write waited about a block: the native queue was full until now (a sync point for the
    // underrun timing). A much longer wait is not a sync point: then either this thread stalled
    // (the completion was queued behind the stall) or the device did, and the line decides.
    const waited = o ? ((now - this.lastWriteAt) * o.sampleRate) / 1000 : 0;
    if (this.state === 'running' && o && waited >= 0.25 * o.framesPerBuffer && waited <= o.framesPerBuffer + this.tolerance) {
      this.anchorTime = now;
      this.anchorFrame = this.framesWritten - (this.queueBlocks + 1) * o.framesPerBuffer;
    }
    this.pump();
  };
  private readonly onStreamError = (err: unknown): void => this.fail('DEVICE_LOST', `stream error: ${String(err)}`);

  constructor(options: PortAudioOutputOptions = {}) {
    this.deviceId = options.deviceId ?? -1;
    this.queueOption = options.queueBlocks;
    if (this.queueOption !== undefined && !(Number.isInteger(this.queueOption) && this.queueOption >= 1)) {
      throw new RangeError(`queueBlocks ${this.queueOption} must be a whole number >= 1`);
    }
    this.tailSilenceFrames = options.tailSilenceFrames ?? 2048;
    this.lostAfterMs = options.lostAfterMs ?? 2000;
    this.deviceLatencyOption = options.deviceLatencyFrames;
    this.toleranceOption = options.underrunToleranceFrames;
    this.load = options.load ?? loadNaudiodon;
  }

  async open(opts: OpenOptions): Promise<OpenedFormat> {
    if (this.state !== 'closed') throw new AudioOutputError('portaudio', 'OPEN_FAILED', 'already open');
    const B = opts.framesPerBuffer;
    if (!(opts.sampleRate > 0) || !(Number.isInteger(B) && B > 0)) {
      throw new AudioOutputError('portaudio', 'OPEN_FAILED', `bad format: ${opts.sampleRate} Hz, ${B} frames per buffer`);
    }
    const pa = await this.load();
    const devices = pa.getDevices();
    const outputs = devices.filter((d) => d.maxOutputChannels >= 2);
    if (outputs.length === 0) {
      throw new AudioOutputError('portaudio', 'NO_DEVICE', 'no audio output device (no sound card, and no JACK server for the ALSA jack plugin)');
    }
    let name = 'default output';
    if (this.deviceId >= 0) {
      const d = devices.find((x) => x.id === this.deviceId);
      if (!d || d.maxOutputChannels < 2) throw new AudioOutputError('portaudio', 'OPEN_FAILED', `device ${this.deviceId} is not a stereo output device`);
      name = `${d.name} (${d.hostAPIName})`;
    }
    // Default queue: about 5 ms (4 blocks of 64, 2 of 128, 1 of 256 at 48 kHz). One block of 128
    // was measured too tight on a loaded 2-core machine even at RT priority (tests/audio).
    this.queueBlocks = this.queueOption ?? Math.max(1, Math.ceil((0.005 * opts.sampleRate) / B));
    const blockBytes = B * 2 * 4;
    let io: NaudiodonWritable;
    try {
      io = pa.AudioIO({
        outOptions: {
          channelCount: 2,
          sampleFormat: pa.SampleFormatFloat32,
          sampleRate: opts.sampleRate,
          deviceId: this.deviceId,
          framesPerBuffer: B,
          maxQueue: this.queueBlocks,
          // One block: the Writable never holds more than the block being handed over.
          highwaterMark: blockBytes,
          closeOnError: false,
        },
      });
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      const code = /No default device/.test(msg) ? 'NO_DEVICE' : 'OPEN_FAILED';
      throw new AudioOutputError('portaudio', code, `cannot open ${name} at ${opts.sampleRate} Hz, ${B} frames: ${msg}`, { cause: err });
    }
    this.io = io;
    this.opts = opts;
    io.on('drain', this.onDrain);
    io.on('error', this.onStreamError);
    // Blocks in flight at most: 1 in the Writable + maxQueue + 1 being played; one spare.
    const n = this.queueBlocks + 3;
    this.pool = [];
    this.poolF32 = [];
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(blockBytes);
      this.pool.push(b);
      this.poolF32.push(new Float32Array(b.buffer, b.byteOffset, B * 2));
    }
    this.left = new Float32Array(B);
    this.right = new Float32Array(B);
    this.silence = Buffer.alloc(blockBytes);
    const deviceLatency = this.deviceLatencyOption ?? Math.round(0.01 * opts.sampleRate);
    this.tolerance = this.toleranceOption ?? Math.max(B, Math.round(0.0055 * opts.sampleRate));
    this.onsetQuietFrames = Math.round((ONSET_QUIET_MS / 1000) * opts.sampleRate);
    this.quietFrames = this.onsetQuietFrames;
    this.outputLatencyFrames = (this.queueBlocks + 2) * B + deviceLatency;
    this.state = 'open';
    return {
      kind: 'portaudio',
      sampleRate: opts.sampleRate,
      channels: 2,
      framesPerBuffer: B,
      sampleFormat: 'float32',
      name,
      outputLatencyFrames: this.outputLatencyFrames,
    };
  }

  start(): void {
    if (this.state !== 'open') throw new AudioOutputError('portaudio', 'OPEN_FAILED', `start() in state ${this.state}`);
    this.state = 'prefill';
    // Prefill: the pump renders until naudiodon's queue is full (a write stays pending), THEN the
    // stream starts, from a timer (starting in the same tick inserted silence after block 1).
    this.pump();
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      if (this.state !== 'prefill' || !this.io) return;
      try {
        this.io.start();
      } catch (err) {
        this.fail('OPEN_FAILED', `cannot start the stream: ${(err as Error).message}`);
        return;
      }
      this.state = 'running';
      this.anchorTime = performance.now();
      this.anchorFrame = this.framesWritten - (this.queueBlocks + 1) * (this.opts?.framesPerBuffer ?? 0);
      this.lastProgress = this.anchorTime;
      this.watchdog = setInterval(() => this.checkAlive(), 100);
    }, 20);
  }

  /** Renders and writes blocks while the stream accepts them; called again on 'drain'. */
  private pump(): void {
    const io = this.io;
    const o = this.opts;
    if (!io || !o) return;
    const B = o.framesPerBuffer;
    const rate = o.sampleRate;
    for (;;) {
      let chunk: Buffer;
      if (this.state === 'stopping') {
        if (this.tailLeft <= 0) {
          io.end();
          return;
        }
        this.tailLeft -= B;
        chunk = this.silence;
      } else if (this.state === 'prefill' || this.state === 'running') {
        const now = performance.now();
        if (this.state === 'running') {
          this.lastProgress = now;
          // Headroom: frames written beyond the device's estimated read position.
          const readPos = this.anchorFrame + ((now - this.anchorTime) * rate) / 1000;
          const headroom = this.framesWritten - readPos;
          if (headroom < this.stats.minHeadroomFrames) this.stats.minHeadroomFrames = headroom;
          if (headroom < -this.tolerance) {
            // The device needed this block more than a block ago: it starved. Count once, re-anchor.
            this.stats.underruns++;
            this.stats.lastUnderrunAtMs = performance.timeOrigin + now;
            this.stats.lastUnderrunLateMs = (-headroom * 1000) / rate;
            this.anchorTime = now;
            this.anchorFrame = this.framesWritten;
          }
        }
        const i = this.poolNext;
        this.poolNext = (i + 1) % this.pool.length;
        chunk = this.pool[i];
        const f = this.poolF32[i];
        const l = this.left;
        const r = this.right;
        o.pull(l, r, B);
        const us = (performance.now() - now) * 1000;
        if (us > this.stats.maxPullMicros) this.stats.maxPullMicros = us;
        this.stats.pulls++;
        // Interleave, and look for an onset: `quiet` counts the frames since the last loud one.
        let quiet = this.quietFrames;
        const needQuiet = this.onsetQuietFrames;
        let onsetAt = -1;
        for (let k = 0, j = 0; k < B; k++, j += 2) {
          const a = l[k];
          const b = r[k];
          f[j] = a;
          f[j + 1] = b;
          if (a > ONSET_LEVEL || a < -ONSET_LEVEL || b > ONSET_LEVEL || b < -ONSET_LEVEL) {
            if (quiet >= needQuiet && onsetAt < 0) onsetAt = k;
            quiet = 0;
          } else quiet++;
        }
        this.quietFrames = quiet;
        if (onsetAt >= 0) this.pendingOnsetFrame = onsetAt;
      } else {
        return;
      }
      this.framesWritten += B;
      this.stats.framesPlayed = this.framesWritten;
      this.lastWriteAt = performance.now();
      if (this.pendingOnsetFrame >= 0) {
        // Handed to the device now; its loud sample is due that many frames into the block.
        this.stats.lastOnsetAtMs = performance.timeOrigin + this.lastWriteAt + (this.pendingOnsetFrame * 1000) / rate;
        this.pendingOnsetFrame = -1;
      }
      // false = the block is handed over but the queue is full: wait for 'drain'.
      if (!io.write(chunk)) return;
    }
  }

  private checkAlive(): void {
    if (this.state !== 'running') return;
    if (performance.now() - this.lastProgress > this.lostAfterMs) {
      this.fail('DEVICE_LOST', `the device took no audio for ${this.lostAfterMs} ms`);
    }
  }

  private fail(code: 'DEVICE_LOST' | 'OPEN_FAILED', message: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.clearTimers();
    const io = this.io;
    if (io) {
      io.removeListener('drain', this.onDrain);
      void closeStream(io, this.lostAfterMs);
    }
    this.onError?.(new AudioOutputError('portaudio', code, message));
  }

  private clearTimers(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    if (this.startTimer !== undefined) clearTimeout(this.startTimer);
    this.watchdog = undefined;
    this.startTimer = undefined;
  }

  /**
   * Stops pulling, writes the silence tail, ends the stream and waits until naudiodon has played
   * it out and closed the device (bounded by lostAfterMs, then the stream is aborted).
   */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const io = this.io;
    if (!io || this.state === 'closed') return;
    if (this.state === 'failed') {
      this.state = 'closed';
      return;
    }
    const wasStarted = this.state === 'running';
    this.clearTimers();
    if (!wasStarted) {
      // Never started: nothing to play out.
      this.state = 'closed';
      await closeStream(io, this.lostAfterMs);
      return;
    }
    const finished = new Promise<'finished' | 'timeout'>((res) => {
      const timer = setTimeout(() => res('timeout'), this.lostAfterMs + (this.tailSilenceFrames * 1000) / this.opts!.sampleRate);
      io.once('finished', () => {
        clearTimeout(timer);
        res('finished');
      });
    });
    this.state = 'stopping';
    this.tailLeft = this.tailSilenceFrames;
    // If a write is pending, 'drain' continues the tail; otherwise start it now.
    if (!this.writePending()) this.pump();
    const how = await finished;
    io.removeListener('drain', this.onDrain);
    if (how === 'timeout') await closeStream(io, this.lostAfterMs);
    this.state = 'closed';
  }

  private writePending(): boolean {
    const w = this.io as unknown as { writableNeedDrain?: boolean; writableLength?: number };
    return Boolean(w.writableNeedDrain) || (w.writableLength ?? 0) > 0;
  }
}
