/**
 * Seed concept: the wave sink rendering offline (reference §3.3: the sink pulls Render() blocks and
 * its sample position is the master clock; here nothing paces it but the CPU). Writes a stereo WAV
 * file, 16-bit PCM or 32-bit IEEE float, as fast as the pull callback renders.
 *
 * Deterministic: no dither, no timestamps in the file; the same blocks give the same bytes.
 * 16-bit: clamp to [-1, 1], then round(x × 32767) (symmetric, so +1 and −1 both fit).
 * Header: written with zero sizes at open, fixed on close (RIFF size, data size, and for float
 * the 'fact' chunk's frame count), so a file cut short by a crash is still recognisably a WAV.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { endianness } from 'node:os';
import {
  type AudioOutput,
  AudioOutputError,
  type AudioOutputStats,
  emptyStats,
  type OpenedFormat,
  type OpenOptions,
  type WavFileChoice,
} from './audio-output.js';

export type WavSampleFormat = 'pcm16' | 'float32';

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;

/** Header bytes before the samples: PCM 44 (RIFF, fmt 16, data); float 58 (fmt 18 + fact 12). */
export function wavHeaderSize(format: WavSampleFormat): number {
  return format === 'pcm16' ? 44 : 58;
}

/** A complete WAV header for `frames` stereo frames. */
export function wavHeader(format: WavSampleFormat, sampleRate: number, frames: number): Uint8Array {
  const size = wavHeaderSize(format);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  const bytesPerSample = format === 'pcm16' ? 2 : 4;
  const blockAlign = 2 * bytesPerSample;
  const dataBytes = frames * blockAlign;
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) b[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, size - 8 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  const fmtSize = format === 'pcm16' ? 16 : 18;
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, format === 'pcm16' ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  v.setUint16(22, 2, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bytesPerSample * 8, true);
  let o = 36;
  if (format === 'float32') {
    v.setUint16(36, 0, true); // cbSize
    ascii(38, 'fact');
    v.setUint32(42, 4, true);
    v.setUint32(46, frames, true);
    o = 50;
  }
  ascii(o, 'data');
  v.setUint32(o + 4, dataBytes, true);
  return b;
}

export interface WavFileOutputOptions extends Omit<WavFileChoice, 'kind'> {
  /** Frames buffered before each file write. Default 65536. */
  writeChunkFrames?: number;
}

export class WavFileOutput implements AudioOutput {
  readonly kind = 'wav-file' as const;
  readonly stats: AudioOutputStats = emptyStats();
  readonly outputLatencyFrames = 0;
  readonly path: string;
  readonly format: WavSampleFormat;
  readonly totalFrames: number;
  onError: ((err: AudioOutputError) => void) | undefined;
  /** Resolves when every frame is written and the file is closed (rejects on I/O errors). */
  readonly done: Promise<void>;

  private opts: OpenOptions | undefined;
  private file: FileHandle | undefined;
  private readonly writeChunkFrames: number;
  private stopRequested = false;
  private started = false;
  private resolveDone!: () => void;
  private rejectDone!: (e: unknown) => void;

  constructor(options: WavFileOutputOptions) {
    this.path = options.path;
    this.format = options.format ?? 'pcm16';
    this.totalFrames = options.totalFrames;
    if (!(Number.isInteger(this.totalFrames) && this.totalFrames >= 0)) throw new RangeError(`totalFrames ${this.totalFrames} must be a whole number >= 0`);
    this.writeChunkFrames = options.writeChunkFrames ?? 65536;
    this.done = new Promise<void>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    // A rejection nobody awaits yet must not crash the process; stop() and `done` still report it.
    this.done.catch(() => {});
  }

  async open(opts: OpenOptions): Promise<OpenedFormat> {
    this.opts = opts;
    try {
      this.file = await open(this.path, 'w');
      await this.file.write(wavHeader(this.format, opts.sampleRate, 0), 0, wavHeaderSize(this.format), 0);
    } catch (err) {
      throw new AudioOutputError('wav-file', 'IO', `cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    return {
      kind: 'wav-file',
      sampleRate: opts.sampleRate,
      channels: 2,
      framesPerBuffer: opts.framesPerBuffer,
      sampleFormat: this.format === 'pcm16' ? 'pcm16' : 'float32',
      name: this.path,
      outputLatencyFrames: 0,
    };
  }

  start(): void {
    if (!this.opts || !this.file) throw new AudioOutputError('wav-file', 'OPEN_FAILED', 'start() before open()');
    if (this.started) return;
    this.started = true;
    this.run().then(this.resolveDone, (err) => {
      const e = err instanceof AudioOutputError ? err : new AudioOutputError('wav-file', 'IO', `writing ${this.path}: ${(err as Error).message}`, { cause: err });
      this.onError?.(e);
      this.rejectDone(e);
    });
  }

  /** Stops early (the file is closed with what was rendered so far), or waits for the end. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (!this.started) {
      if (this.file) await this.finish(0);
      return;
    }
    await this.done;
  }

  /**
   * Renders into two chunks in turn: while one chunk's write is in flight (libuv's thread pool),
   * the next one is filled, so the render never waits for the disk. At most one write is pending,
   * and a chunk is refilled only after its own write completed.
   */
  private async run(): Promise<void> {
    const o = this.opts!;
    const B = o.framesPerBuffer;
    const bytesPerFrame = this.format === 'pcm16' ? 4 : 8;
    const chunkFrames = Math.max(B, Math.floor(this.writeChunkFrames / B) * B);
    const fill = new ChunkFiller(o.pull, B, this.format === 'pcm16', this.stats, chunkFrames * bytesPerFrame);
    let filePos = wavHeaderSize(this.format);
    let written = 0;
    let pending: Promise<unknown> | null = null;
    for (let k = 0; written < this.totalFrames && !this.stopRequested; k ^= 1) {
      const frames = fill.fill(k, Math.min(chunkFrames, this.totalFrames - written), () => this.stopRequested);
      written += frames;
      this.stats.framesPlayed = written;
      if (pending !== null) await pending;
      pending = this.file!.write(fill.chunks[k], 0, frames * bytesPerFrame, filePos);
      filePos += frames * bytesPerFrame;
    }
    if (pending !== null) await pending;
    await this.finish(written);
  }

  private async finish(frames: number): Promise<void> {
    const f = this.file;
    if (!f) return;
    this.file = undefined;
    const o = this.opts!;
    await f.write(wavHeader(this.format, o.sampleRate, frames), 0, wavHeaderSize(this.format), 0);
    await f.truncate(wavHeaderSize(this.format) + frames * (this.format === 'pcm16' ? 4 : 8));
    await f.close();
  }
}

/**
 * Fills a chunk of the file with pulled blocks (synchronous, so V8 optimises the loop; the async
 * run() loop around it runs once per chunk).
 */
class ChunkFiller {
  /** The two chunks run() writes in turn, with their typed views. */
  readonly chunks: Uint8Array[];
  private readonly pcmViews: Int16Array[];
  private readonly floatViews: Float32Array[];
  private readonly dataViews: DataView[];
  private readonly left: Float32Array;
  private readonly right: Float32Array;
  private readonly pull: OpenOptions['pull'];
  private readonly block: number;
  private readonly pcm: boolean;
  private readonly stats: AudioOutputStats;
  // WAV is little-endian: on a little-endian machine the samples go straight into typed views of
  // the chunk (one store per sample instead of a DataView call).
  private readonly le = endianness() === 'LE';

  constructor(pull: OpenOptions['pull'], block: number, pcm: boolean, stats: AudioOutputStats, chunkBytes: number) {
    this.pull = pull;
    this.block = block;
    this.pcm = pcm;
    this.stats = stats;
    this.left = new Float32Array(block);
    this.right = new Float32Array(block);
    this.chunks = [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)];
    this.pcmViews = this.chunks.map((c) => new Int16Array(c.buffer));
    this.floatViews = this.chunks.map((c) => new Float32Array(c.buffer));
    this.dataViews = this.chunks.map((c) => new DataView(c.buffer));
  }

  /** Pulls up to `frames` frames (whole blocks, the last one short) into chunk k; returns the frames written. */
  fill(k: number, frames: number, stopped: () => boolean): number {
    const { left, right, block, pcm, le, stats } = this;
    const pcmOut = this.pcmViews[k];
    const floatOut = this.floatViews[k];
    const view = this.dataViews[k];
    let done = 0;
    while (done < frames && !stopped()) {
      const n = Math.min(block, frames - done);
      const t = performance.now();
      this.pull(left, right, n);
      const us = (performance.now() - t) * 1000;
      if (us > stats.maxPullMicros) stats.maxPullMicros = us;
      stats.pulls++;
      if (le && pcm) interleavePcm16(left, right, n, pcmOut, done * 2);
      else if (le) interleaveFloat32(left, right, n, floatOut, done * 2);
      else if (pcm) {
        for (let i = 0, p = done * 4; i < n; i++, p += 4) {
          view.setInt16(p, toPcm16(left[i]), true);
          view.setInt16(p + 2, toPcm16(right[i]), true);
        }
      } else {
        for (let i = 0, p = done * 8; i < n; i++, p += 8) {
          view.setFloat32(p, left[i], true);
          view.setFloat32(p + 4, right[i], true);
        }
      }
      done += n;
    }
    return done;
  }
}

/** out[j..] = L/R interleaved 16-bit samples of left/right [0, n). */
function interleavePcm16(left: Float32Array, right: Float32Array, n: number, out: Int16Array, j: number): void {
  for (let i = 0; i < n; i++, j += 2) {
    out[j] = toPcm16(left[i]);
    out[j + 1] = toPcm16(right[i]);
  }
}

/** out[j..] = L/R interleaved float samples of left/right [0, n) (the bits DataView.setFloat32 writes). */
function interleaveFloat32(left: Float32Array, right: Float32Array, n: number, out: Float32Array, j: number): void {
  for (let i = 0; i < n; i++, j += 2) {
    out[j] = left[i];
    out[j + 1] = right[i];
  }
}

/**
 * round(clamp(x) × 32767). floor(y + 0.5) is Math.round(y) for every y = float32 × 32767 (the sum
 * is exact unless |y| < 0.5, and the one double it would round wrongly there, 0.5 − 2^-54, needs
 * 53 significant bits where a float32 × 32767 has at most 39), and much cheaper in V8 here. NaN
 * passes the clamp and comes out NaN, which both writers store as 0 (an Int16Array element and
 * DataView.setInt16 both convert with ToInt16, NaN -> 0), so it needs no test of its own.
 */
function toPcm16(x: number): number {
  // biome-ignore lint/complexity/useMathMinMax: two compares and selects on the hot path; Math.max would add its own NaN and -0 handling.
  const c = x > 1 ? 1 : x < -1 ? -1 : x;
  return Math.floor(c * 32767 + 0.5);
}
