/**
 * Seed concept: what a DMus synth keeps of a DLS download (reference §5): the wave (DMUS_WAVE +
 * DMUS_WAVEDATA, converted once to Float32 with interpolation guard frames), the instrument
 * (DMUS_INSTRUMENT + DMUS_REGION list) and the compiled articulation (defaults §6.6 merged with the
 * download's connection lists, split by when each connection must be evaluated).
 *
 * These are plain data layouts shared by the control half (parser, download set) and the render
 * half (voices). The render half only reads them; nothing here allocates after construction.
 */

/** Frames of guard before the first sample frame (Hermite needs x[-1]). */
export const WAVE_GUARD_BEFORE = 1;
/** Full scale of WaveSample.data: every voice gain carries this factor (2^-15, exact). */
export const WAVE_SCALE = 1 / 32768;
/** Frames of zero guard after the last frame (Hermite needs x[n+1], x[n+2] at the one-shot end). */
export const WAVE_GUARD_AFTER = 3;

/** A downloaded wave: Float32 samples at [WAVE_GUARD_BEFORE, WAVE_GUARD_BEFORE + frames). */
export class WaveSample {
  readonly handle: number;
  readonly dlId: number;
  /** Sample frames of real data. */
  readonly frames: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /**
   * Samples with guards, as 16-bit integers (8-bit waves widened exactly: (x − 128) × 256): the
   * download's PCM is always 8- or 16-bit integers (§5.7), so an Int16Array holds every value
   * exactly at half the memory of floats, and a 16-bit download arrives by one native copy with no
   * conversion. The voices read them as numbers and put the full scale, WAVE_SCALE, into their
   * gains: a power of two, so the output is the same bit for bit as from samples in ±1. Replaced by
   * an empty array once freed.
   */
  data: Int16Array;
  /** Loaded instruments whose regions link to this wave. */
  instrumentRefs = 0;
  /** Voices currently playing this wave (maintained by the render half). */
  voiceRefs = 0;
  /** Unload was requested while in use: free it when both counts reach 0. */
  unloadPending = false;
  freed = false;
  constructor(handle: number, dlId: number, data: Int16Array, frames: number, sampleRate: number, bits: number) {
    this.handle = handle;
    this.dlId = dlId;
    this.data = data;
    this.frames = frames;
    this.sampleRate = sampleRate;
    this.bitsPerSample = bits;
  }
}

/** Loop kinds a voice understands. */
export const LOOP_KIND = {
  NONE: 0,
  /** WLOOP_TYPE_FORWARD: loops through the release. */
  FORWARD: 1,
  /** WLOOP_TYPE_RELEASE: loops while held, plays on to the end after note-off. */
  RELEASE: 2,
} as const;

/**
 * A connection list compiled for one region. Connections are stored struct-of-arrays in three
 * consecutive ranges, by when they are evaluated:
 *   [0, noteEnd)          note-time destinations (EG/LFO times and levels, KEYNUMBER): at note-on
 *   [noteEnd, levelEnd)   level destinations fed only by note-time or controller sources: at
 *                          note-on and whenever a controller of the channel changes
 *   [levelEnd, count)     level destinations fed by LFO, vibrato, EG1 or EG2: every sub-block
 * `scale` is the real value (lScale / 65536). Zero-scale connections are dropped at compile time.
 */
export class CompiledArticulation {
  readonly count: number;
  readonly noteEnd: number;
  readonly levelEnd: number;
  readonly src: Uint16Array;
  readonly ctl: Uint16Array;
  readonly dst: Uint16Array;
  readonly trn: Uint16Array;
  readonly scale: Float64Array;
  /** Which modulators the dynamic range needs (so voices skip the others). */
  readonly usesLfo: boolean;
  readonly usesVibrato: boolean;
  readonly usesEg2: boolean;
  /** True when some connection can move the filter cutoff off "open". */
  readonly mayFilter: boolean;
  constructor(
    src: Uint16Array,
    ctl: Uint16Array,
    dst: Uint16Array,
    trn: Uint16Array,
    scale: Float64Array,
    noteEnd: number,
    levelEnd: number,
    flags: { usesLfo: boolean; usesVibrato: boolean; usesEg2: boolean; mayFilter: boolean },
  ) {
    this.src = src;
    this.ctl = ctl;
    this.dst = dst;
    this.trn = trn;
    this.scale = scale;
    this.count = src.length;
    this.noteEnd = noteEnd;
    this.levelEnd = levelEnd;
    this.usesLfo = flags.usesLfo;
    this.usesVibrato = flags.usesVibrato;
    this.usesEg2 = flags.usesEg2;
    this.mayFilter = flags.mayFilter;
  }
}

/** DMUS_REGION as a voice needs it. */
export class Region {
  readonly keyLow: number;
  readonly keyHigh: number;
  readonly velLow: number;
  readonly velHigh: number;
  readonly options: number;
  readonly keyGroup: number;
  readonly wave: WaveSample;
  readonly unityNote: number;
  readonly fineTune: number;
  /** WSMP lAttenuation in cB (negative = quieter). */
  readonly attenuation: number;
  readonly loopKind: number;
  readonly loopStart: number;
  readonly loopLength: number;
  readonly art: CompiledArticulation;
  constructor(init: {
    keyLow: number;
    keyHigh: number;
    velLow: number;
    velHigh: number;
    options: number;
    keyGroup: number;
    wave: WaveSample;
    unityNote: number;
    fineTune: number;
    attenuation: number;
    loopKind: number;
    loopStart: number;
    loopLength: number;
    art: CompiledArticulation;
  }) {
    this.keyLow = init.keyLow;
    this.keyHigh = init.keyHigh;
    this.velLow = init.velLow;
    this.velHigh = init.velHigh;
    this.options = init.options;
    this.keyGroup = init.keyGroup;
    this.wave = init.wave;
    this.unityNote = init.unityNote;
    this.fineTune = init.fineTune;
    this.attenuation = init.attenuation;
    this.loopKind = init.loopKind;
    this.loopStart = init.loopStart;
    this.loopLength = init.loopLength;
    this.art = init.art;
  }
}

/** DMUS_INSTRUMENT with its regions. */
export class Instrument {
  readonly handle: number;
  readonly dlId: number;
  /** ulPatch: [bit31 drum][16-22 MSB][8-14 LSB][0-6 program], unsigned. */
  readonly patch: number;
  readonly flags: number;
  readonly regions: Region[];
  /** Distinct waves the regions link to (for reference counting). */
  readonly waves: WaveSample[];
  unloaded = false;
  constructor(handle: number, dlId: number, patch: number, flags: number, regions: Region[], waves: WaveSample[]) {
    this.handle = handle;
    this.dlId = dlId;
    this.patch = patch;
    this.flags = flags;
    this.regions = regions;
    this.waves = waves;
  }
}
