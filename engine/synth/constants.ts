/**
 * Seed concepts: the DLS connection-block ids (dls1.h / dls2.h, reference §6.3), the DirectMusic
 * download constants (dmdls.h, §5), the voice priorities (DAUD_*, §4.6) and the synth property
 * flags (dmusprop.h, §4.4). Constants only, with the headers' hex values, so render-loop files
 * (*.rt.ts) may import them.
 */

/** Connection sources and controls (usSource / usControl). 0x80 + n is MIDI controller n. */
export const CONN_SRC = {
  NONE: 0x0000,
  LFO: 0x0001,
  KEYONVELOCITY: 0x0002,
  KEYNUMBER: 0x0003,
  EG1: 0x0004,
  EG2: 0x0005,
  PITCHWHEEL: 0x0006,
  POLYPRESSURE: 0x0007,
  CHANNELPRESSURE: 0x0008,
  VIBRATO: 0x0009,
  MONOPRESSURE: 0x000a,
  CC1: 0x0081,
  CC7: 0x0087,
  CC10: 0x008a,
  CC11: 0x008b,
  CC91: 0x00db,
  CC93: 0x00dd,
  RPN0: 0x0100,
  RPN1: 0x0101,
  RPN2: 0x0102,
} as const;

/** Connection destinations (usDestination). Surround ids follow the Microsoft headers (§9.1 item 11). */
export const CONN_DST = {
  NONE: 0x0000,
  ATTENUATION: 0x0001,
  GAIN: 0x0001,
  RESERVED: 0x0002,
  PITCH: 0x0003,
  PAN: 0x0004,
  KEYNUMBER: 0x0005,
  LEFT: 0x0010,
  RIGHT: 0x0011,
  CENTER: 0x0012,
  LEFTREAR: 0x0013,
  RIGHTREAR: 0x0014,
  LFE_CHANNEL: 0x0015,
  CHORUS: 0x0080,
  REVERB: 0x0081,
  LFO_FREQUENCY: 0x0104,
  LFO_STARTDELAY: 0x0105,
  VIB_FREQUENCY: 0x0114,
  VIB_STARTDELAY: 0x0115,
  EG1_ATTACKTIME: 0x0206,
  EG1_DECAYTIME: 0x0207,
  EG1_RESERVED: 0x0208,
  EG1_RELEASETIME: 0x0209,
  EG1_SUSTAINLEVEL: 0x020a,
  EG1_DELAYTIME: 0x020b,
  EG1_HOLDTIME: 0x020c,
  EG1_SHUTDOWNTIME: 0x020d,
  EG2_ATTACKTIME: 0x030a,
  EG2_DECAYTIME: 0x030b,
  EG2_RESERVED: 0x030c,
  EG2_RELEASETIME: 0x030d,
  EG2_SUSTAINLEVEL: 0x030e,
  EG2_DELAYTIME: 0x030f,
  EG2_HOLDTIME: 0x0310,
  FILTER_CUTOFF: 0x0500,
  FILTER_Q: 0x0501,
} as const;

/** Transform types (bits 0-3 output, 4-7 control, 10-13 source; §6.3). */
export const CONN_TRN = {
  NONE: 0,
  CONCAVE: 1,
  CONVEX: 2,
  SWITCH: 3,
} as const;
/** Bit positions inside a DLS2 usTransform. */
export const CONN_TRN_BITS = {
  CONTROL_BIPOLAR: 0x0100,
  CONTROL_INVERT: 0x0200,
  SOURCE_BIPOLAR: 0x4000,
  SOURCE_INVERT: 0x8000,
} as const;

/** 0x80000000 in a time-cent field means exactly 0 s (§6.4). */
export const TIMECENT_ZERO = -0x80000000;
/** Filter cutoff 0x7FFFFFFF means "filter off" (§6.4). */
export const CUTOFF_OFF = 0x7fffffff;

/** DMUS_DOWNLOADINFO.dwDLType (§5.1). */
export const DMUS_DOWNLOADINFO = {
  INSTRUMENT: 1,
  WAVE: 2,
  INSTRUMENT2: 3,
  WAVEARTICULATION: 4,
  STREAMINGWAVE: 5,
  ONESHOTWAVE: 6,
} as const;

/** Structure sizes in a download buffer (§5). */
export const DL_SIZE = {
  DOWNLOADINFO: 16,
  INSTRUMENT: 24,
  REGION_FIXED: 56,
  WLOOP: 16,
  ARTICULATION: 8,
  ARTICULATION2: 12,
  ARTICPARAMS: 80,
  CONNECTIONLIST: 8,
  CONNECTION: 12,
  WAVE: 32,
  WAVEFORMATEX_PCM: 16,
} as const;

export const F_INSTRUMENT_DRUMS = 0x80000000;
export const F_RGN_OPTION_SELFNONEXCLUSIVE = 0x0001;
export const WAVE_FORMAT_PCM = 1;

/** WLOOP.ulType: release loop is 1 (XP+, DLS2) or 2 (Win2000 headers); accept both (§9.1 item 8). */
export const WLOOP_TYPE = {
  FORWARD: 0,
  RELEASE: 1,
  RELEASE_WIN2000: 2,
} as const;

/** DAUD_* voice priorities (§4.6). Higher = more important = stolen later. */
export const DAUD = {
  CRITICAL: 0xf0000000,
  HIGH: 0xc0000000,
  STANDARD: 0x80000000,
  LOW: 0x40000000,
  PERSIST: 0x10000000,
} as const;
/** DAUD_CHANn_VOICE_PRIORITY_OFFSET by MIDI channel index 0..15 (channel 10 = index 9 is highest). */
export const DAUD_CHANNEL_OFFSET = [
  0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07, 0x06, 0x0f, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00,
] as const;

/** SYNTH_PC_* (SYNTHCAPS.Flags), XP-era values (§4.4, §9.1 item 7). */
export const SYNTH_PC = {
  DLS: 0x00000001,
  EXTERNAL: 0x00000002,
  SOFTWARESYNTH: 0x00000004,
  MEMORYSIZEFIXED: 0x00000008,
  GMINHARDWARE: 0x00000010,
  GSINHARDWARE: 0x00000020,
  XGINHARDWARE: 0x00000040,
  DLS2: 0x00000200,
  REVERB: 0x40000000,
  SYSTEMMEMORY: 0x7fffffff,
} as const;

/** SYNTH_PORTPARAMS.ValidParams bits (§4.4). */
export const SYNTH_PORTPARAMS = {
  VOICES: 0x01,
  CHANNELGROUPS: 0x02,
  AUDIOCHANNELS: 0x04,
  SAMPLERATE: 0x08,
  EFFECTS: 0x20,
  SHARE: 0x40,
} as const;

/** SYNTH_EFFECT_* (§4.4). */
export const SYNTH_EFFECT = {
  NONE: 0,
  REVERB: 1,
  CHORUS: 2,
  DELAY: 4,
} as const;

/** SYNTH_STATS.ValidStats bits (§4.4). */
export const SYNTH_STATS = {
  VOICES: 0x01,
  TOTAL_CPU: 0x02,
  CPU_PER_VOICE: 0x04,
  LOST_NOTES: 0x08,
  PEAK_VOLUME: 0x10,
  FREE_MEMORY: 0x20,
} as const;

/** Limits (DDKSynth MAX_CHANNEL_GROUPS / MAX_VOICES, §4.5, §7.8). */
export const SYNTH_LIMITS = {
  MAX_CHANNEL_GROUPS: 1000,
  MAX_VOICES: 1000,
  DEFAULT_VOICES: 32,
  DEFAULT_CHANNEL_GROUPS: 2,
} as const;

/** Gain defaults in 1/100 dB (§3.1, §7.7). */
export const SYNTH_GAIN = {
  DEFAULT_VOLUME: 0,
  DEFAULT_VOLUME_BOOST: 600,
  /** Native stops the summed output gain at +6 dB (Wine test, §7.7). */
  MAX_SUMMED_GAIN: 600,
} as const;

/** Guard frames appended to each wave (§9.1 item 14: report 2 and pad to match). */
export const SYNTH_APPEND_FRAMES = 2;
