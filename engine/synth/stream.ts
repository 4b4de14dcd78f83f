/**
 * Seed concept: one DMus miniport stream (IMiniportDMus::NewStream's result for a MIDI render pin,
 * reference §3.1, §3.3, §4): its IMXF (kernel events in), its ISynthSinkDMus (audio out, locked to
 * the master clock) and its synth node (the KSPROPSETID_Synth / _Synth_Dls items). Each stream is an
 * independent virtual synth: own channel groups, downloads, voices, volume and statistics.
 *
 * Control half: property requests, downloads and state changes run here; the render half
 * (SynthCore) is driven through putMessage and render.
 */
import type { Allocator } from '../dmus/allocator.js';
import { framesToRefTime, type MasterClock, SynthSinkClock } from '../dmus/clocks.js';
import { KsStatusError } from '../dmus/errors.js';
import type { KernelEvent } from '../dmus/kernel-event.js';
import type {
  ISynthSinkDMus,
  MiniportStream,
  SynthCaps,
  SynthDownload,
  SynthNode,
  SynthPortParams,
  SynthStats,
  WaveFormatEx,
} from '../dmus/miniport.js';
import { type IMXF, KSSTATE, type KsState, MxfFilter } from '../dmus/mxf.js';
import type { RefTime, SampleFrames } from '../dmus/units.js';
import {
  SYNTH_APPEND_FRAMES,
  SYNTH_EFFECT,
  SYNTH_LIMITS,
  SYNTH_PC,
  SYNTH_PORTPARAMS,
  SYNTH_STATS,
  WAVE_FORMAT_PCM,
} from './constants.js';
import { DownloadSet } from './downloads.js';
import { type SendEffect, SynthCore } from './synth-core.rt.js';

/** Identity of this synth in SYNTHCAPS.Guid. */
export const SYNTH_GUID = '6a1f4c2e-3b5d-4e8f-9a0b-1c2d3e4f5a6b';
export const SYNTH_DESCRIPTION = 'DMus Workstation DLS2 Synthesizer';
/** Nominal sample memory for FreeMemory (MemorySize reports SYSTEMMEMORY: no fixed limit). */
const SAMPLE_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Look-ahead past the largest render block so the sequencer hands events over in time. */
const PREFETCH_MARGIN: RefTime = 50_000; // 5 ms

export interface SynthStreamOptions {
  allocator: Allocator;
  masterClock: MasterClock;
  sampleRate: number;
  maxFramesPerBlock: number;
  /** Largest voice count PORTPARAMETERS accepts (DDKSynth: 1000; benchmarks may raise it). */
  maxVoices?: number;
  reverb?: SendEffect | null;
  chorus?: SendEffect | null;
}

/**
 * The stream's IMXF: the sequencer's output. Events are queued in the synth core and played at
 * their sample; a played event goes to this node's output, which is the allocator unless one is
 * connected ("a render miniport plays or queues the events, then recycles them"). In STOP nothing
 * is kept: events go straight back to the allocator (render streams hold data only until RUN and
 * throw it back in STOP), and entering STOP throws back what was queued.
 */
export class SynthMxf extends MxfFilter {
  private readonly stream: SynthStream;
  constructor(allocator: Allocator, stream: SynthStream) {
    super(allocator);
    this.stream = stream;
  }
  override setState(state: KsState): void {
    super.setState(state);
    this.stream.applyState(state);
  }
  putMessage(e: KernelEvent): void {
    if (this.state === KSSTATE.STOP) this.allocator.putMessage(e);
    else this.stream.core.enqueue(e);
  }
  override connectOutput(sink: IMXF): void {
    super.connectOutput(sink);
    this.stream.core.played = this.outputNode;
  }
  override disconnectOutput(sink: IMXF): void {
    super.disconnectOutput(sink);
    this.stream.core.played = this.outputNode;
  }
}

export class SynthStream implements MiniportStream, SynthNode, ISynthSinkDMus {
  readonly mxf: SynthMxf;
  readonly schedulePreFetch: RefTime;
  readonly core: SynthCore;
  readonly downloads = new DownloadSet();
  readonly clock: SynthSinkClock;
  readonly masterClock: MasterClock;
  readonly sampleRate: number;
  readonly maxVoices: number;
  private state: KsState = KSSTATE.STOP;
  private nextSample: SampleFrames = 0;
  private lostAtRun = 0;
  private closed = false;
  /** The pin's effect instances; PORTPARAMETERS EffectsFlags switches them in and out. */
  private readonly reverb: SendEffect | null;
  private readonly chorus: SendEffect | null;

  constructor(o: SynthStreamOptions) {
    this.sampleRate = o.sampleRate;
    this.maxVoices = Math.max(1, o.maxVoices ?? SYNTH_LIMITS.MAX_VOICES);
    this.masterClock = o.masterClock;
    this.clock = new SynthSinkClock(o.sampleRate);
    this.core = new SynthCore({
      sampleRate: o.sampleRate,
      maxFrames: o.maxFramesPerBlock,
      voices: SYNTH_LIMITS.DEFAULT_VOICES,
      groups: SYNTH_LIMITS.DEFAULT_CHANNEL_GROUPS,
      allocator: o.allocator,
      clock: this.clock,
      instruments: this.downloads.instrumentsByPatch,
    });
    this.reverb = o.reverb ?? null;
    this.chorus = o.chorus ?? null;
    this.core.reverb = this.reverb;
    this.core.chorus = this.chorus;
    this.mxf = new SynthMxf(o.allocator, this);
    this.schedulePreFetch = framesToRefTime(o.maxFramesPerBlock, o.sampleRate) + PREFETCH_MARGIN;
  }

  get sink(): ISynthSinkDMus {
    return this;
  }
  get node(): SynthNode {
    return this;
  }
  get ksState(): KsState {
    return this.state;
  }

  /** IMXF::SetState: RUN renders; any other state silences (all notes off); STOP flushes the queue. */
  applyState(state: KsState): void {
    const prev = this.state;
    this.state = state;
    if (state === KSSTATE.RUN) {
      if (prev !== KSSTATE.RUN) this.resetStats();
      this.core.running = true;
      return;
    }
    this.core.running = false;
    this.core.killAll();
    this.core.reverb?.reset();
    this.core.chorus?.reset();
    if (state === KSSTATE.STOP) this.core.flushQueue();
    this.downloads.collectPending();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.applyState(KSSTATE.STOP);
  }

  // ----- ISynthSinkDMus

  render(left: Float32Array, right: Float32Array, offset: number, frames: SampleFrames, samplePosition: SampleFrames): void {
    this.core.render(left, right, offset, frames, samplePosition);
    this.nextSample = samplePosition + frames;
  }
  syncToMaster(masterTime: RefTime, start: boolean): void {
    this.clock.syncToMaster(masterTime, start ? 0 : this.nextSample, start);
    this.core.resync();
    if (start) this.nextSample = 0;
  }
  sampleToRefTime(sample: SampleFrames): RefTime {
    return this.clock.sampleToRefTime(sample);
  }
  refTimeToSample(rt: RefTime): SampleFrames {
    return this.clock.refTimeToSample(rt);
  }

  // ----- SynthNode (KSPROPSETID_Synth)

  getCaps(): SynthCaps {
    const fx = this.effectFlags();
    return {
      guid: SYNTH_GUID,
      flags: SYNTH_PC.DLS | SYNTH_PC.DLS2 | SYNTH_PC.SOFTWARESYNTH | (fx & SYNTH_EFFECT.REVERB ? SYNTH_PC.REVERB : 0),
      memorySize: SYNTH_PC.SYSTEMMEMORY,
      maxChannelGroups: SYNTH_LIMITS.MAX_CHANNEL_GROUPS,
      maxVoices: this.maxVoices,
      maxAudioChannels: 2,
      effectFlags: fx,
      description: SYNTH_DESCRIPTION,
    };
  }

  private effectFlags(): number {
    return (this.reverb ? SYNTH_EFFECT.REVERB : 0) | (this.chorus ? SYNTH_EFFECT.CHORUS : 0);
  }

  /**
   * PORTPARAMETERS (§4.5, §7.8): voices and channel groups clamped to 1..max; audio channels and
   * sample rate are fixed by the wave pin; effects limited to what this pin has; share forced off.
   * Unflagged fields get the defaults. `changed` (STATUS_NOT_ALL_ASSIGNED) when anything differs.
   * The result configures the pin.
   */
  getPortParameters(request: SynthPortParams): { params: SynthPortParams; changed: boolean } {
    const P = SYNTH_PORTPARAMS;
    const has = (bit: number) => (request.validParams & bit) !== 0;
    const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.trunc(x)));
    const supportedFx = this.effectFlags();
    const params: SynthPortParams = {
      validParams: P.VOICES | P.CHANNELGROUPS | P.AUDIOCHANNELS | P.SAMPLERATE | P.EFFECTS | P.SHARE,
      voices: has(P.VOICES) ? clamp(request.voices, 1, this.maxVoices) : SYNTH_LIMITS.DEFAULT_VOICES,
      channelGroups: has(P.CHANNELGROUPS) ? clamp(request.channelGroups, 1, SYNTH_LIMITS.MAX_CHANNEL_GROUPS) : SYNTH_LIMITS.DEFAULT_CHANNEL_GROUPS,
      audioChannels: 2,
      sampleRate: this.sampleRate,
      // Default effects: reverb (the Microsoft synth's default, §7.8) and chorus when present.
      effectsFlags: has(P.EFFECTS) ? request.effectsFlags & supportedFx : supportedFx,
      share: 0,
    };
    const changed =
      (has(P.VOICES) && params.voices !== request.voices) ||
      (has(P.CHANNELGROUPS) && params.channelGroups !== request.channelGroups) ||
      (has(P.AUDIOCHANNELS) && params.audioChannels !== request.audioChannels) ||
      (has(P.SAMPLERATE) && params.sampleRate !== request.sampleRate) ||
      (has(P.EFFECTS) && params.effectsFlags !== request.effectsFlags) ||
      (has(P.SHARE) && request.share !== 0);
    if (params.voices !== this.core.voiceLimit) this.core.prepareVoices(params.voices);
    this.core.reverb = params.effectsFlags & SYNTH_EFFECT.REVERB ? this.reverb : null;
    this.core.chorus = params.effectsFlags & SYNTH_EFFECT.CHORUS ? this.chorus : null;
    if (params.channelGroups !== this.core.channels.groups) this.core.setGroups(params.channelGroups);
    return { params, changed };
  }

  getChannelGroups(): number {
    return this.core.channels.groups;
  }
  setChannelGroups(groups: number): void {
    if (!Number.isInteger(groups) || groups < 1 || groups > SYNTH_LIMITS.MAX_CHANNEL_GROUPS) {
      throw new KsStatusError('INVALID_PARAMETER', `channel groups ${groups} must be 1..${SYNTH_LIMITS.MAX_CHANNEL_GROUPS}`);
    }
    if (groups !== this.core.channels.groups) this.core.setGroups(groups);
  }

  private channelIndex(group: number, channel: number): number {
    const groups = this.core.channels.groups;
    if (!Number.isInteger(group) || group < 1 || group > groups || !Number.isInteger(channel) || channel < 0 || channel > 15) {
      throw new KsStatusError('INVALID_PARAMETER', `channel group ${group} / channel ${channel} is not on this pin (groups 1..${groups}, channels 0..15)`);
    }
    return (group - 1) * 16 + channel;
  }
  getVoicePriority(channelGroup: number, channel: number): number {
    return this.core.channels.priority[this.channelIndex(channelGroup, channel)];
  }
  setVoicePriority(channelGroup: number, channel: number, priority: number): void {
    this.core.channels.priority[this.channelIndex(channelGroup, channel)] = priority >>> 0;
  }

  /**
   * RUNNINGSTATS (§4.3, §9.1 item 12): Voices = average voices since the last query; TotalCPU and
   * CPUPerVoice in percent × 100 (the SDK's unit, so small per-voice costs stay visible);
   * LostNotes since the pin entered RUN; FreeMemory = nominal budget − sample bytes held;
   * PeakVolume in dB × 100 since the last query (−9600 when silent).
   */
  getRunningStats(): SynthStats {
    this.downloads.collectPending();
    const st = this.core.stats;
    const voices = st.frames > 0 ? st.voiceFrames / st.frames : this.core.activeVoices;
    const audioMs = (st.timedFrames / this.sampleRate) * 1000;
    const totalCpu = audioMs > 0 ? (st.renderMs / audioMs) * 10000 : 0;
    const peak = st.peak;
    const result: SynthStats = {
      validStats: SYNTH_STATS.VOICES | SYNTH_STATS.TOTAL_CPU | SYNTH_STATS.CPU_PER_VOICE | SYNTH_STATS.LOST_NOTES | SYNTH_STATS.FREE_MEMORY | SYNTH_STATS.PEAK_VOLUME,
      voices: Math.round(voices),
      totalCpu: Math.round(totalCpu),
      cpuPerVoice: voices > 0 ? Math.round(totalCpu / voices) : 0,
      lostNotes: st.lostNotes - this.lostAtRun,
      freeMemory: Math.max(0, SAMPLE_MEMORY_BUDGET - this.downloads.sampleBytes),
      peakVolume: peak > 0 ? Math.max(-9600, Math.round(2000 * Math.log10(peak))) : -9600,
    };
    st.voiceFrames = 0;
    st.frames = 0;
    st.renderMs = 0;
    st.timedFrames = 0;
    st.peak = 0;
    this.core.renderCalls = 0;
    return result;
  }

  private resetStats(): void {
    const st = this.core.stats;
    st.voiceFrames = 0;
    st.frames = 0;
    st.renderMs = 0;
    st.timedFrames = 0;
    st.peak = 0;
    this.core.renderCalls = 0;
    this.lostAtRun = st.lostNotes;
  }

  getVolume(): number {
    return this.core.volume;
  }
  setVolume(v: number): void {
    this.core.volume = clampVolume(v);
  }
  getVolumeBoost(): number {
    return this.core.volumeBoost;
  }
  setVolumeBoost(v: number): void {
    this.core.volumeBoost = clampVolume(v);
  }

  // ----- SynthNode (KSPROPSETID_Synth_Dls)

  download(buffer: Uint8Array): SynthDownload {
    return this.downloads.download(buffer);
  }
  unload(downloadHandle: number): 'done' | 'pending' {
    return this.downloads.unload(downloadHandle);
  }
  /** Sample memory is ordinary typed arrays: nothing to defragment; frees finished unloads. */
  compact(): void {
    this.downloads.collectPending();
  }
  getAppend(): number {
    return SYNTH_APPEND_FRAMES;
  }
  getWaveFormat(): WaveFormatEx {
    return {
      formatTag: WAVE_FORMAT_PCM,
      channels: 2,
      samplesPerSec: this.sampleRate,
      avgBytesPerSec: this.sampleRate * 4,
      blockAlign: 4,
      bitsPerSample: 16,
      cbSize: 0,
    };
  }
}

/** DMUS_VOLUME_MIN..DMUS_VOLUME_MAX (§4.7). */
function clampVolume(v: number): number {
  if (!Number.isFinite(v)) throw new KsStatusError('INVALID_PARAMETER', `volume ${v} is not a number`);
  return Math.min(2000, Math.max(-20000, Math.trunc(v)));
}
