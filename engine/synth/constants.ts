/**
 * Seed concepts: the DLS connection-block ids (dls1.h / dls2.h, reference §6.3), the DirectMusic
 * download constants (dmdls.h, §5), the voice priorities (DAUD_*, §4.6) and the synth property
 * flags (dmusprop.h, §4.4). Constants only, with the headers' hex values, so render-loop files
 * (*.rt.ts) may import them.
 */

// The spec's constants are defined once, where the file format or the property set lives, and
// re-exported here so the synth (render files included) imports them from one place.
export { CONN_DST, CONN_SRC, CONN_TRN, F_INSTRUMENT_DRUMS, F_RGN_OPTION_SELFNONEXCLUSIVE, WAVE_FORMAT_PCM, WLOOP_TYPE } from '../dls/constants.js';
export { DMUS_DOWNLOADINFO } from '../dls/download-layout.js';
export { SYNTH_EFFECT, SYNTH_PC, SYNTH_PORTPARAMS, SYNTH_STATS } from '../dmus/properties.js';


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
