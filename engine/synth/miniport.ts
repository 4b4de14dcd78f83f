/**
 * Seed concept: IMiniportDMus, the DMus miniport synthesizer (reference §3.1; seeds 000, 002, 003).
 * newStream creates one stream per render pin instance; every stream is an independent virtual
 * synth (own channel groups, downloads, voice pool, volume, statistics). Pins share nothing.
 *
 * Unlike DDKSynth (DONT_HOLD_FOR_SEQUENCING) the stream asks for a small fixed look-ahead: the
 * sequencer hands events over one render block (+5 ms) early, and the stream keeps them in a
 * fixed-size queue sorted by time, so the queue stays short and sample-accurate.
 */
import { DmusError } from '../dmus/errors.js';
import { DMUS_STREAM_TYPE, type IMiniportDMus, type NewStreamArgs } from '../dmus/miniport.js';
import { SYNTH_LIMITS } from './constants.js';
import { Chorus } from './effects/chorus.rt.js';
import { Reverb } from './effects/reverb.rt.js';
import { SYNTH_DESCRIPTION, SynthStream } from './stream.js';
import type { SendEffect } from './synth-core.rt.js';

export interface SynthMiniportOptions {
  /** Highest voice count PORTPARAMETERS accepts (default 1000, DDKSynth's MAX_VOICES). */
  maxVoices?: number;
  /**
   * Send effects for each new stream: reverb on the CC91 bus, chorus on the CC93 bus. Default: the
   * engine/synth/effects Reverb and Chorus; `null` leaves the bus without an effect.
   */
  createReverb?: ((sampleRate: number, maxFrames: number) => SendEffect) | null;
  createChorus?: ((sampleRate: number, maxFrames: number) => SendEffect) | null;
}

export class SynthMiniport implements IMiniportDMus {
  readonly name = SYNTH_DESCRIPTION;
  private readonly options: SynthMiniportOptions;
  private readonly streams = new Set<SynthStream>();

  constructor(options: SynthMiniportOptions = {}) {
    this.options = options;
  }

  /** IMiniportDMus::NewStream. Only MIDI render streams make sound here (the sink is joined in). */
  newStream(args: NewStreamArgs): SynthStream {
    if (args.streamType !== DMUS_STREAM_TYPE.MIDI_RENDER) {
      throw new DmusError('E_NOTIMPL', `stream type ${args.streamType}: this synth renders MIDI only (its sink is the render stream's)`);
    }
    if (!(args.sampleRate >= 8000 && args.sampleRate <= 192000)) {
      throw new DmusError('E_INVALIDARG', `sample rate ${args.sampleRate} is outside 8000..192000`);
    }
    if (!(Number.isInteger(args.maxFramesPerBlock) && args.maxFramesPerBlock > 0)) {
      throw new DmusError('E_INVALIDARG', `maxFramesPerBlock ${args.maxFramesPerBlock} must be a positive integer`);
    }
    const o = this.options;
    const stream = new SynthStream({
      allocator: args.allocator,
      masterClock: args.masterClock,
      sampleRate: args.sampleRate,
      maxFramesPerBlock: args.maxFramesPerBlock,
      maxVoices: o.maxVoices ?? SYNTH_LIMITS.MAX_VOICES,
      reverb: o.createReverb === null ? null : (o.createReverb ?? defaultReverb)(args.sampleRate, args.maxFramesPerBlock),
      chorus: o.createChorus === null ? null : (o.createChorus ?? defaultChorus)(args.sampleRate, args.maxFramesPerBlock),
    });
    this.streams.add(stream);
    const close = stream.close.bind(stream);
    stream.close = () => {
      close();
      this.streams.delete(stream);
    };
    return stream;
  }

  get openStreams(): number {
    return this.streams.size;
  }
}

const defaultReverb = (rate: number, maxFrames: number): SendEffect => new Reverb(rate, maxFrames);
const defaultChorus = (rate: number, maxFrames: number): SendEffect => new Chorus(rate, maxFrames);
