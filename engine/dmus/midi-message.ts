/**
 * Seed concept: the MIDI byte grammar the unpacker, capture sink and synth share: how many bytes a
 * message with a given status byte has (IDirectMusicBuffer::PackStructured's table, reference §2.2).
 */

/**
 * Length of a whole message starting with `status`, or 0 when the status cannot start a
 * structured message (data bytes, SysEx 0xF0/0xF7, undefined 0xF4/0xF5/0xF9/0xFD).
 *   0x80–0xBF, 0xE0–0xEF: 3   0xC0–0xDF: 2   0xF1, 0xF3: 2   0xF2: 3   0xF6, 0xF8–0xFF: 1
 */
export function messageLength(status: number): number {
  if (status < 0x80) return 0;
  if (status < 0xc0) return 3;
  if (status < 0xe0) return 2;
  if (status < 0xf0) return 3;
  switch (status) {
    case 0xf1:
    case 0xf3:
      return 2;
    case 0xf2:
      return 3;
    case 0xf6:
    case 0xf8:
    case 0xfa:
    case 0xfb:
    case 0xfc:
    case 0xfe:
    case 0xff:
      return 1;
    default:
      return 0;
  }
}

/** System real-time bytes (0xF8–0xFF) may appear anywhere, even inside a SysEx. */
export function isRealTime(byte: number): boolean {
  return byte >= 0xf8;
}

export const MIDI = {
  NOTE_OFF: 0x80,
  NOTE_ON: 0x90,
  POLY_PRESSURE: 0xa0,
  CONTROL_CHANGE: 0xb0,
  PROGRAM_CHANGE: 0xc0,
  CHANNEL_PRESSURE: 0xd0,
  PITCH_BEND: 0xe0,
  SYSEX: 0xf0,
  EOX: 0xf7,
} as const;
