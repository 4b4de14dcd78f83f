/**
 * Unit types (Tone.js / openDAW style). Seed concept: REFERENCE_TIME, the DirectMusic time base.
 *
 * They are plain numbers at run time; the brand only stops a sample count being passed where a
 * reference time is expected. REFERENCE_TIME is a signed 64-bit count of 100 ns units; a JS
 * number holds it exactly up to 2^53 units (about 28.5 years), which no session reaches.
 */
export type RefTime = number & { readonly __unit?: 'RefTime100ns' };
export type SampleFrames = number & { readonly __unit?: 'SampleFrames' };
export type Seconds = number & { readonly __unit?: 'Seconds' };
export type Hertz = number & { readonly __unit?: 'Hertz' };

/** 100 ns units per second, per millisecond. */
export const REFTIME_PER_SECOND = 10_000_000;
export const REFTIME_PER_MS = 10_000;
