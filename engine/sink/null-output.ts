/**
 * Seed concept: the wave sink with no device (reference §3.3–3.4: the master clock must keep
 * running, because every event time in the graph is on it). The null output pulls blocks on a
 * timer at the block rate and throws the audio away, so a session without a sound card, or whose
 * device failed, keeps its clock, its sequencer and its meters alive, and says why.
 *
 * Pacing: block k is pulled when the wall clock reaches t0 + (k·B − ahead)/rate, where ahead is
 * one block (the null device's "latency"). Every tick recomputes the due position from t0 on the
 * monotonic clock (performance.now(), which Node derives from the same clock as process.hrtime),
 * so timer jitter never accumulates into drift. A late timer is caught up by pulling the missed
 * blocks at once (the clock stays on wall time); a gap longer than `maxCatchUpMs` is counted as
 * an underrun and skipped (the clock slips) rather than rendered in one long burst.
 */
import { performance } from 'node:perf_hooks';
import {
  type AudioOutput,
  AudioOutputError,
  type AudioOutputStats,
  emptyStats,
  type NullChoice,
  type OpenedFormat,
  type OpenOptions,
} from './audio-output.js';

export interface NullOutputOptions extends Partial<NullChoice> {
  /** Largest lag that is caught up by rendering; longer stalls are skipped. Default 1000 ms. */
  maxCatchUpMs?: number;
  /**
   * Lateness of the timer counted as an underrun, ms. A null device has no buffer to starve, so
   * this is "the clock went unserviced for longer than a real device would tolerate". Default 20 ms
   * (timers on a loaded machine are often a few ms late; that is not worth reporting).
   */
  toleranceMs?: number;
}

export class NullOutput implements AudioOutput {
  readonly kind = 'null' as const;
  /** Why no device is used. */
  readonly reason: string;
  readonly stats: AudioOutputStats = emptyStats();
  outputLatencyFrames = 0;
  onError: ((err: AudioOutputError) => void) | undefined;

  private opts: OpenOptions | undefined;
  private left = new Float32Array(0);
  private right = new Float32Array(0);
  private readonly maxCatchUpMs: number;
  private readonly toleranceMs: number;
  private t0 = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private readonly tickBound = (): void => this.tick();

  constructor(options: NullOutputOptions = {}) {
    this.reason = options.reason ?? 'null output chosen';
    this.maxCatchUpMs = options.maxCatchUpMs ?? 1000;
    this.toleranceMs = options.toleranceMs ?? 20;
  }

  async open(opts: OpenOptions): Promise<OpenedFormat> {
    if (!(opts.sampleRate > 0) || !(opts.framesPerBuffer > 0)) {
      throw new AudioOutputError('null', 'OPEN_FAILED', `bad format: ${opts.sampleRate} Hz, ${opts.framesPerBuffer} frames per buffer`);
    }
    this.opts = opts;
    this.left = new Float32Array(opts.framesPerBuffer);
    this.right = new Float32Array(opts.framesPerBuffer);
    this.outputLatencyFrames = opts.framesPerBuffer;
    return {
      kind: 'null',
      sampleRate: opts.sampleRate,
      channels: 2,
      framesPerBuffer: opts.framesPerBuffer,
      sampleFormat: 'float32',
      name: `null output (${this.reason})`,
      outputLatencyFrames: this.outputLatencyFrames,
    };
  }

  start(): void {
    if (!this.opts) throw new AudioOutputError('null', 'OPEN_FAILED', 'start() before open()');
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const o = this.opts!;
    const B = o.framesPerBuffer;
    const msPerFrame = 1000 / o.sampleRate;
    let now = performance.now();
    const played = this.stats.framesPlayed;
    // Frames the device would have consumed by now; the null device holds one block (B) ahead.
    const consumed = (now - this.t0) / msPerFrame;
    const headroom = played - consumed;
    if (headroom < this.stats.minHeadroomFrames) this.stats.minHeadroomFrames = headroom;
    // Later than the tolerance: counted once per late tick.
    if (-headroom * msPerFrame > this.toleranceMs) {
      this.stats.underruns++;
      this.stats.lastUnderrunAtMs = performance.timeOrigin + now;
      this.stats.lastUnderrunLateMs = -headroom * msPerFrame;
    }
    let due = consumed + B;
    if (-headroom * msPerFrame > this.maxCatchUpMs) {
      // Too far behind to catch up by rendering: restart the timeline at the current position.
      this.t0 = now - played * msPerFrame;
      due = played + B;
    }
    while (this.running && this.stats.framesPlayed + B <= due) {
      const t = performance.now();
      o.pull(this.left, this.right, B);
      const us = (performance.now() - t) * 1000;
      if (us > this.stats.maxPullMicros) this.stats.maxPullMicros = us;
      this.stats.pulls++;
      this.stats.framesPlayed += B;
    }
    if (!this.running) return;
    now = performance.now();
    // The next block is due when the device has consumed up to (framesPlayed + B) − B.
    const nextAt = this.t0 + this.stats.framesPlayed * msPerFrame;
    this.timer = setTimeout(this.tickBound, Math.max(0, nextAt - now));
  }
}
