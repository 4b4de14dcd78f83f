/**
 * Seed concept: the master clock and the latency clock (seed "Latency Clocks", reference §3.3–3.6),
 * and the ONE place where 100 ns reference time and sample frames are converted.
 *
 * - Master clock: the one time base of the graph. Here it is derived from the wave sink's sample
 *   position (the sink is the only thing that really advances at the audio rate), so MIDI timing
 *   and audio cannot drift apart.
 * - Latency clock: "the earliest time at which a newly submitted event can still be rendered" =
 *   master time + the current output latency (the audio already written but not yet heard).
 * - SyncToMaster: when the synth's sample clock is driven by a different master (another device's
 *   clock), DDKSynth's phase-locked loop corrects 1% of the error on each call; SynthSinkClock
 *   reproduces it (ISynthSinkDMus::SyncToMaster / SampleToRefTime / RefTimeToSample).
 */
import { REFTIME_PER_SECOND, type RefTime, type SampleFrames } from './units.js';

/** rt -> sample position: round(rt × rate / 10^7). The only such conversion in the engine. */
export function refTimeToSample(rt: RefTime, sampleRate: number): SampleFrames {
  return Math.round((rt * sampleRate) / REFTIME_PER_SECOND);
}

/** sample position -> rt: round(sample × 10^7 / rate). */
export function sampleToRefTime(sample: SampleFrames, sampleRate: number): RefTime {
  return Math.round((sample * REFTIME_PER_SECOND) / sampleRate);
}

/** A duration in frames as reference time (not rounded: for latency arithmetic). */
export function framesToRefTime(frames: SampleFrames, sampleRate: number): RefTime {
  return (frames * REFTIME_PER_SECOND) / sampleRate;
}

/** IMasterClock::GetTime. */
export interface MasterClock {
  getTime(): RefTime;
}

/**
 * The master clock of a session, driven by the wave sink: time = origin + position / rate.
 * The sink calls advance() after each block it hands to the device (or to a file).
 */
export class SampleClock implements MasterClock {
  private position = 0;
  readonly sampleRate: number;
  private origin: RefTime;
  constructor(sampleRate: number, origin: RefTime = 0) {
    this.sampleRate = sampleRate;
    this.origin = origin;
    if (!(sampleRate > 0)) throw new RangeError(`sample rate ${sampleRate} must be positive`);
  }
  /** Sample frames rendered since the clock started. */
  get samplePosition(): SampleFrames {
    return this.position;
  }
  getTime(): RefTime {
    return this.origin + sampleToRefTime(this.position, this.sampleRate);
  }
  /** Time of a sample position on this clock. */
  timeOfSample(sample: SampleFrames): RefTime {
    return this.origin + sampleToRefTime(sample, this.sampleRate);
  }
  /** Sample position of a master time on this clock. */
  sampleOfTime(rt: RefTime): SampleFrames {
    return refTimeToSample(rt - this.origin, this.sampleRate);
  }
  advance(frames: SampleFrames): void {
    this.position += frames;
  }
  /** Restart at position 0 mapping to `origin` (a pin entering RUN after STOP). */
  reset(origin: RefTime): void {
    this.position = 0;
    this.origin = origin;
  }
}

/**
 * The latency clock: master time plus the output latency, the earliest time an event submitted
 * now can still be rendered. An event that should sound "now" is stamped with this time.
 */
export class LatencyClock implements MasterClock {
  private readonly master: MasterClock;
  private latency: RefTime;
  constructor(master: MasterClock, latency: RefTime) {
    this.master = master;
    this.latency = Math.round(latency);
  }
  get latencyRefTime(): RefTime {
    return this.latency;
  }
  setLatency(latency: RefTime): void {
    if (!(latency >= 0)) throw new RangeError(`latency ${latency} must be >= 0`);
    // A REFERENCE_TIME is whole 100 ns: one 128-frame block at 48 kHz (26,666.67) is kept as
    // 26,667, so every time this clock hands out, and every event stamped with it, is whole.
    this.latency = Math.round(latency);
  }
  getTime(): RefTime {
    return this.master.getTime() + this.latency;
  }
}

/**
 * ISynthSinkDMus's sample clock, locked to a master clock by DDKSynth's PLL (plclock.cpp):
 * at the first sync after RUN the offset is set directly so sample 0 maps to the master time;
 * on each later sync the error (slave time + offset − master time) is corrected by 1%.
 */
export class SynthSinkClock {
  private offset: RefTime = 0;
  private started = false;
  readonly sampleRate: number;
  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  /** ISynthSinkDMus::SyncToMaster. `slaveSample` is the synth's current sample position. */
  syncToMaster(masterTime: RefTime, slaveSample: SampleFrames, start: boolean): void {
    const slaveTime = sampleToRefTime(slaveSample, this.sampleRate);
    if (start || !this.started) {
      this.offset = masterTime - slaveTime;
      this.started = true;
      return;
    }
    const error = slaveTime + this.offset - masterTime;
    this.offset -= error / 100;
  }

  /** ISynthSinkDMus::SampleToRefTime. */
  sampleToRefTime(sample: SampleFrames): RefTime {
    return sampleToRefTime(sample, this.sampleRate) + this.offset;
  }

  /** ISynthSinkDMus::RefTimeToSample. */
  refTimeToSample(rt: RefTime): SampleFrames {
    return refTimeToSample(rt - this.offset, this.sampleRate);
  }

  get offsetRefTime(): RefTime {
    return this.offset;
  }
}
