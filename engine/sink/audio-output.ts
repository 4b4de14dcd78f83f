/**
 * Seed concept: the wave sink's output side (reference §3.3: the sink hands the synth's mixed PCM to
 * the wave pin). Every backend (PortAudio device, null sink, WAV file) sits behind this one
 * interface, in its own file, and is loaded lazily: a unit test or a WAV render never loads
 * naudiodon.
 *
 * The backend owns the timing. It calls the pull callback whenever it needs the next block
 * (PortAudio: when its queue has room; null: on a timer paced by the wall clock; WAV: as fast as
 * possible). The callback must fill [0, frames) of both planar float buffers (the WaveSink's
 * renderBlock does exactly that, and advances the master clock).
 */
import type { SampleFrames } from '../dmus/units.js';

export type AudioOutputKind = 'portaudio' | 'null' | 'wav-file';

/** Fills left/right [0, frames) with the next block. Called on the thread that started the output. */
export type PullCallback = (left: Float32Array, right: Float32Array, frames: SampleFrames) => void;

export interface OpenOptions {
  sampleRate: number;
  /** Frames per pull (the device's buffer size). */
  framesPerBuffer: number;
  pull: PullCallback;
}

export interface OpenedFormat {
  kind: AudioOutputKind;
  sampleRate: number;
  channels: 2;
  framesPerBuffer: number;
  sampleFormat: 'float32' | 'pcm16';
  /** Device or file name, for the UI. */
  name: string;
  /** Audio queued between a rendered block and the listener (latency clock offset). */
  outputLatencyFrames: number;
}

export interface AudioOutputStats {
  /** Underruns detected (device starved); see each backend for how it detects them. */
  underruns: number;
  /** Frames handed to the device (or file) so far. */
  framesPlayed: number;
  /** Pull callbacks made. */
  pulls: number;
  /** Longest pull callback, microseconds (the render cost of one block). */
  maxPullMicros: number;
  /** Smallest headroom seen: how far ahead of the device the writer was, frames (PortAudio, null). */
  minHeadroomFrames: number;
  /**
   * When the last underrun was detected, wall-clock ms (performance.timeOrigin + now, so threads and
   * processes agree), and how late the block was, ms; 0 and 0 before any. Lets a listener (or a test
   * judging a run) line an underrun up with what else happened at that moment.
   */
  lastUnderrunAtMs: number;
  lastUnderrunLateMs: number;
  /**
   * When the last sound onset left the sink: the wall-clock ms (same scale) at which a block with a
   * sample above ONSET_LEVEL, after at least ONSET_QUIET_MS below it, was handed to the device,
   * plus that sample's place in the block. A probe note sent at time t is heard from the sink
   * lastOnsetAtMs - t later: the engine-added latency, measured at the sink boundary. 0 before any.
   */
  lastOnsetAtMs: number;
}

/** An onset: a sample above -26 dBFS (0.05) after this long below it. */
export const ONSET_LEVEL = 0.05;
export const ONSET_QUIET_MS = 50;

export type AudioOutputErrorCode =
  /** No output device exists (no sound card, no JACK server). */
  | 'NO_DEVICE'
  /** The device exists but refused the format or could not be opened. */
  | 'OPEN_FAILED'
  /** The device stopped consuming audio while running (unplugged, server gone). */
  | 'DEVICE_LOST'
  /** The backend's native module could not be loaded. */
  | 'BACKEND_UNAVAILABLE'
  /** File or stream I/O failed. */
  | 'IO';

/** The typed error every backend throws or reports; `code` tells the caller whether to fall back. */
export class AudioOutputError extends Error {
  override name = 'AudioOutputError';
  readonly code: AudioOutputErrorCode;
  readonly kind: AudioOutputKind;
  constructor(kind: AudioOutputKind, code: AudioOutputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

export interface AudioOutput {
  readonly kind: AudioOutputKind;
  /** Opens the device or file. Throws AudioOutputError. Does not pull yet. */
  open(opts: OpenOptions): Promise<OpenedFormat>;
  /** Starts pulling (PortAudio: prefill, then start the stream). */
  start(): void;
  /** Stops pulling, finishes cleanly (silence tail, file header), releases the device. Idempotent. */
  stop(): Promise<void>;
  readonly stats: AudioOutputStats;
  /** Frames between the block being rendered and the listener; 0 for a file. */
  readonly outputLatencyFrames: number;
  /** Called (at most once) when the output fails while running, e.g. DEVICE_LOST. */
  onError: ((err: AudioOutputError) => void) | undefined;
}

export function emptyStats(): AudioOutputStats {
  return { underruns: 0, framesPlayed: 0, pulls: 0, maxPullMicros: 0, minHeadroomFrames: Number.POSITIVE_INFINITY, lastUnderrunAtMs: 0, lastUnderrunLateMs: 0, lastOnsetAtMs: 0 };
}

export interface PortAudioChoice {
  kind: 'portaudio';
  /** PortAudio device index; -1 or absent = default output. */
  deviceId?: number;
  /** Blocks queued ahead of the device (naudiodon maxQueue). Default: about 5 ms worth. */
  queueBlocks?: number;
}
export interface NullChoice {
  kind: 'null';
  /** Why no device is used (shown to the user). */
  reason?: string;
}
export interface WavFileChoice {
  kind: 'wav-file';
  path: string;
  format?: 'pcm16' | 'float32';
  /** Frames to render before the file is closed. */
  totalFrames: number;
}
export type OutputChoice = PortAudioChoice | NullChoice | WavFileChoice;

/** Creates a backend, importing its module only now (naudiodon is never loaded unless chosen). */
export async function createAudioOutput(choice: OutputChoice): Promise<AudioOutput> {
  switch (choice.kind) {
    case 'portaudio': {
      const { PortAudioOutput } = await import('./portaudio-output.js');
      return new PortAudioOutput(choice);
    }
    case 'null': {
      const { NullOutput } = await import('./null-output.js');
      return new NullOutput(choice);
    }
    case 'wav-file': {
      const { WavFileOutput } = await import('./wav-file-output.js');
      return new WavFileOutput(choice);
    }
  }
}

/**
 * Opens the chosen output; if that fails with an AudioOutputError (no device, open failed, no
 * native module), opens a null output instead so the master clock keeps running, and says why.
 * The caller reports `fallback` to the user and may retry the device later.
 */
export async function openWithFallback(
  choice: OutputChoice,
  opts: OpenOptions,
): Promise<{ output: AudioOutput; format: OpenedFormat; fallback?: AudioOutputError }> {
  const output = await createAudioOutput(choice);
  try {
    return { output, format: await output.open(opts) };
  } catch (err) {
    if (!(err instanceof AudioOutputError) || choice.kind === 'null') throw err;
    const nul = await createAudioOutput({ kind: 'null', reason: `${err.code}: ${err.message}` });
    return { output: nul, format: await nul.open(opts), fallback: err };
  }
}
