/**
 * Seed concept: DirectMusic download buffers (dmdls.h, reference §5): the constants and struct
 * sizes shared by the packer (download.ts) and the parser (download-parse.ts).
 */

/** DMUS_DOWNLOADINFO.dwDLType. */
export const DMUS_DOWNLOADINFO = {
  INSTRUMENT: 1,
  WAVE: 2,
  INSTRUMENT2: 3,
  WAVEARTICULATION: 4,
  STREAMINGWAVE: 5,
  ONESHOTWAVE: 6,
} as const;

export const DMUS_INSTRUMENT_GM_INSTRUMENT = 0x1;
export const DMUS_DEFAULT_SIZE_OFFSETTABLE = 1;
export const DMUS_MIN_DATA_SIZE = 4;

/** Struct sizes in bytes (32-bit layout; none of these structs holds a pointer). */
export const SIZEOF = {
  DMUS_DOWNLOADINFO: 16,
  DMUS_INSTRUMENT: 24,
  /** DMUS_REGION up to WLOOP[0]; the struct is this + 16 × max(1, cSampleLoops). */
  DMUS_REGION_HEADER: 56,
  WLOOP: 16,
  WSMPL: 20,
  DMUS_WAVE: 32,
  WAVEFORMATEX: 18,
  DMUS_ARTICULATION: 8,
  DMUS_ARTICULATION2: 12,
  DMUS_ARTICPARAMS: 80,
  CONNECTIONLIST: 8,
  CONNECTION: 12,
  /** cbSize + ulNextExtCkIdx + ExtCkID, then the data. */
  DMUS_EXTENSIONCHUNK_HEADER: 12,
  /** cbSize, then the text. */
  DMUS_COPYRIGHT_HEADER: 4,
  DMUS_WAVEDATA_HEADER: 4,
} as const;

export const regionSize = (cSampleLoops: number): number => SIZEOF.DMUS_REGION_HEADER + SIZEOF.WLOOP * Math.max(1, cSampleLoops);

/** DMUS_ARTICPARAMS field offsets (LFO 24 B, VolEG 24 B, PitchEG 28 B, Misc 4 B). All LONG 16.16. */
export const ARTICPARAMS = {
  LFO_pcFrequency: 0,
  LFO_tcDelay: 4,
  LFO_gcVolumeScale: 8,
  LFO_pcPitchScale: 12,
  LFO_gcMWToVolume: 16,
  LFO_pcMWToPitch: 20,
  VolEG_tcAttack: 24,
  VolEG_tcDecay: 28,
  VolEG_ptSustain: 32,
  VolEG_tcRelease: 36,
  VolEG_tcVel2Attack: 40,
  VolEG_tcKey2Decay: 44,
  PitchEG_tcAttack: 48,
  PitchEG_tcDecay: 52,
  PitchEG_ptSustain: 56,
  PitchEG_tcRelease: 60,
  PitchEG_tcVel2Attack: 64,
  PitchEG_tcKey2Decay: 68,
  PitchEG_pcRange: 72,
  Misc_ptDefaultPan: 76,
} as const;
export type ArticParamsField = keyof typeof ARTICPARAMS;
