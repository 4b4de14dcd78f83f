/**
 * Test helper: builds Standard MIDI File bytes by hand (header, MTrk chunks, VLQs), so the SMF
 * reader's tests can state exactly which bytes they feed it, malformed ones included.
 */
export function vlq(v: number): number[] {
  const out = [v & 0x7f];
  for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
  return out;
}

export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** A chunk with the given id and body; `declared` overrides the length field. */
export function chunk(id: string, body: number[], declared = body.length): number[] {
  return [...[...id].map((c) => c.charCodeAt(0)), ...u32(declared), ...body];
}

/** An MThd + MTrk file. division: ticks per quarter, or the raw 16-bit value when `raw`. */
export function smf(format: number, division: number, tracks: number[][], ntrks = tracks.length): Uint8Array {
  const header = chunk('MThd', [0, format, (ntrks >> 8) & 0xff, ntrks & 0xff, (division >> 8) & 0xff, division & 0xff]);
  return Uint8Array.from([...header, ...tracks.flatMap((t) => chunk('MTrk', t))]);
}

export const EOT = [0x00, 0xff, 0x2f, 0x00];

export function tempo(delta: number, us: number): number[] {
  return [...vlq(delta), 0xff, 0x51, 0x03, (us >> 16) & 0xff, (us >> 8) & 0xff, us & 0xff];
}
