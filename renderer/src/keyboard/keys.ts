/**
 * The on-screen keyboard's pure rules: which computer key plays which note (by physical key code, so
 * any keyboard layout works), where black keys sit, and velocity from where a key is struck.
 */

/** Physical keys → semitones above the base C (a piano layout on the home and upper rows). */
export const KEY_SEMITONES: Readonly<Record<string, number>> = {
  KeyA: 0,
  KeyW: 1,
  KeyS: 2,
  KeyE: 3,
  KeyD: 4,
  KeyF: 5,
  KeyT: 6,
  KeyG: 7,
  KeyY: 8,
  KeyH: 9,
  KeyU: 10,
  KeyJ: 11,
  KeyK: 12,
  KeyO: 13,
  KeyL: 14,
  KeyP: 15,
  Semicolon: 16,
  Quote: 17,
};

/** Z/X shift the octave, C/V the velocity, as in most software instruments. */
export const OCTAVE_DOWN = 'KeyZ';
export const OCTAVE_UP = 'KeyX';
export const VELOCITY_DOWN = 'KeyC';
export const VELOCITY_UP = 'KeyV';

export function isBlack(note: number): boolean {
  return [1, 3, 6, 8, 10].includes(((note % 12) + 12) % 12);
}

/** The MIDI note a computer key plays with the keyboard's base C at `baseNote`, or null. */
export function noteForCode(code: string, baseNote: number): number | null {
  const semis = KEY_SEMITONES[code];
  if (semis === undefined) return null;
  const note = baseNote + semis;
  return note >= 0 && note <= 127 ? note : null;
}

/**
 * Velocity for a strike at `yFraction` down the key (0 top, 1 bottom): struck near the player (the
 * bottom) plays at the set velocity, near the top at half of it, as on a real key's lever.
 */
export function strikeVelocity(setVelocity: number, yFraction: number): number {
  const y = Math.max(0, Math.min(1, yFraction));
  return Math.max(1, Math.min(127, Math.round(setVelocity * (0.5 + 0.5 * y))));
}

export function noteOn(channel: number, note: number, velocity: number): number[] {
  return [0x90 | (channel & 15), note & 127, velocity & 127];
}

export function noteOff(channel: number, note: number): number[] {
  return [0x80 | (channel & 15), note & 127, 0];
}
