/**
 * Seed concepts: IMiniportDMus (the miniport the port driver holds), ISynthSinkDMus (how the wave
 * sink pulls audio from a synth stream) and the synth node's property items (KSPROPSETID_Synth,
 * KSPROPSETID_Synth_Dls), as the contracts between engine/dmus (the port) and engine/synth (the
 * miniport). Reference §3.1, §3.3, §4.
 *
 * The port never knows which synth it drives: it creates one stream per pin through newStream and
 * routes property requests to that stream's SynthNode methods. A method a synth does not provide
 * answers the typed "not supported yet" error at the dispatcher (never a silent success).
 */
import type { Allocator } from './allocator.js';
import type { MasterClock } from './clocks.js';
import type { IMXF } from './mxf.js';
import type { RefTime, SampleFrames } from './units.js';

/** DMUS_STREAM_TYPE. */
export const DMUS_STREAM_TYPE = {
  INVALID: -1,
  MIDI_RENDER: 0,
  MIDI_CAPTURE: 1,
  WAVE_SINK: 2,
} as const;
export type DmusStreamType = (typeof DMUS_STREAM_TYPE)[keyof typeof DMUS_STREAM_TYPE];

/** What IMiniportDMus::NewStream gets. */
export interface NewStreamArgs {
  pinId: number;
  streamType: DmusStreamType;
  allocator: Allocator;
  masterClock: MasterClock;
  /** The wave pin's format (DDKSynth takes rate and channels from it). */
  sampleRate: number;
  /** Largest block the sink will ask for in one render call (prepare() sizes buffers from it). */
  maxFramesPerBlock: number;
}

/** What IMiniportDMus::NewStream returns. */
export interface MiniportStream {
  /** The stream's IMXF: render events go in here (render), captured events come out (capture). */
  readonly mxf: IMXF;
  /**
   * SchedulePreFetch in 100 ns: how early the sequencer passes events on. DONT_HOLD_FOR_SEQUENCING
   * (Infinity here) means "at once, I schedule them myself".
   */
  readonly schedulePreFetch: RefTime;
  /** Present on render streams that make sound (the DDKSynth joins MIDI render and wave sink). */
  readonly sink?: ISynthSinkDMus;
  /** Property items of this stream's synth node. */
  readonly node?: Partial<SynthNode>;
  /** Frees the stream's resources when its pin closes. */
  close(): void;
}

/** IMiniportDMus. */
export interface IMiniportDMus {
  /** Human-readable name for logs and SYNTHCAPS.Description. */
  readonly name: string;
  newStream(args: NewStreamArgs): MiniportStream;
}

/**
 * ISynthSinkDMus (render side). render() is called on the render thread only, must not allocate,
 * and OVERWRITES `left`/`right` [offset, offset + frames) with the stream's output for sample
 * positions [samplePosition, samplePosition + frames). Lengths are in sample frames (§9.1 item 4).
 */
export interface ISynthSinkDMus {
  render(left: Float32Array, right: Float32Array, offset: number, frames: SampleFrames, samplePosition: SampleFrames): void;
  syncToMaster(masterTime: RefTime, start: boolean): void;
  sampleToRefTime(sample: SampleFrames): RefTime;
  refTimeToSample(rt: RefTime): SampleFrames;
}

// ----- property value structures (dmusprop.h, reference §4.3) -----

/** SYNTHCAPS. */
export interface SynthCaps {
  guid: string;
  flags: number;
  memorySize: number;
  maxChannelGroups: number;
  maxVoices: number;
  maxAudioChannels: number;
  effectFlags: number;
  description: string;
}

/** SYNTH_PORTPARAMS (7 DWORDs). */
export interface SynthPortParams {
  validParams: number;
  voices: number;
  channelGroups: number;
  audioChannels: number;
  sampleRate: number;
  effectsFlags: number;
  share: number;
}

/** SYNTH_STATS. */
export interface SynthStats {
  validStats: number;
  voices: number;
  totalCpu: number;
  cpuPerVoice: number;
  lostNotes: number;
  freeMemory: number;
  peakVolume: number;
}

/** WAVEFORMATEX (the 16-byte PCM part + cbSize). */
export interface WaveFormatEx {
  formatTag: number;
  channels: number;
  samplesPerSec: number;
  avgBytesPerSec: number;
  blockAlign: number;
  bitsPerSample: number;
  cbSize: number;
}

/** SYNTHDOWNLOAD. */
export interface SynthDownload {
  downloadHandle: number;
  free: boolean;
}

/**
 * The synth node's property items, typed. The dispatcher (properties.ts) decodes the KS value
 * buffers into these calls and encodes the answers, so a synth deals only in typed values.
 * Errors are thrown as DmusError / KsStatusError.
 */
export interface SynthNode {
  /** KSPROPERTY_SYNTH_CAPS (get). */
  getCaps(): SynthCaps;
  /** KSPROPERTY_SYNTH_PORTPARAMETERS (get with request): returns what it will use, and whether it changed anything. */
  getPortParameters(request: SynthPortParams): { params: SynthPortParams; changed: boolean };
  /** KSPROPERTY_SYNTH_CHANNELGROUPS. */
  getChannelGroups(): number;
  setChannelGroups(groups: number): void;
  /** KSPROPERTY_SYNTH_VOICEPRIORITY: group is 1-based as in MIDI data (reference §2.4), channel 0..15. */
  getVoicePriority(channelGroup: number, channel: number): number;
  setVoicePriority(channelGroup: number, channel: number, priority: number): void;
  /** KSPROPERTY_SYNTH_RUNNINGSTATS. */
  getRunningStats(): SynthStats;
  /** KSPROPERTY_SYNTH_VOLUME / VOLUMEBOOST, 1/100 dB. */
  getVolume(): number;
  setVolume(centibelsX10: number): void;
  getVolumeBoost(): number;
  setVolumeBoost(centibelsX10: number): void;
  /** KSPROPERTY_SYNTH_DLS_DOWNLOAD: a whole DMUS_DOWNLOADINFO buffer. */
  download(buffer: Uint8Array): SynthDownload;
  /** KSPROPERTY_SYNTH_DLS_UNLOAD: returns 'pending' while voices still use the data. */
  unload(downloadHandle: number): 'done' | 'pending';
  /** KSPROPERTY_SYNTH_DLS_COMPACT. */
  compact(): void;
  /** KSPROPERTY_SYNTH_DLS_APPEND: guard sample frames wanted after each wave. */
  getAppend(): number;
  /** KSPROPERTY_SYNTH_DLS_WAVEFORMAT. */
  getWaveFormat(): WaveFormatEx;
}
