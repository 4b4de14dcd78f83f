/**
 * Seed concept: an IMXF MIDI transform filter that transposes notes by a number of semitones,
 * as a keyboard's transpose button does. Drum channels (channel 10, index 9) are left alone,
 * because transposing a drum kit changes the instrument, not the pitch. Notes pushed outside
 * 0..127 are dropped, together with their note-off (the same transposition is applied to both,
 * so a note-on/note-off pair always stays a pair as long as the amount does not change between
 * them; changing it mid-note is the player's choice, as on hardware).
 */
import type { Allocator } from '../allocator.js';
import { INLINE_DATA_BYTES, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { MxfFilter } from '../mxf.js';

export class Transpose extends MxfFilter {
  semitones: number;
  dropped = 0;

  constructor(allocator: Allocator, semitones = 0) {
    super(allocator);
    this.semitones = semitones;
  }

  putMessage(e: KernelEvent): void {
    const f = this.allocator.fields;
    while (e !== NULL_EVENT) {
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      const d = e * INLINE_DATA_BYTES;
      const status = f.abData[d];
      const kind = status & 0xf0;
      const isNote = f.cbEvent[e] >= 2 && f.cbEvent[e] <= INLINE_DATA_BYTES && (kind === 0x80 || kind === 0x90 || kind === 0xa0);
      if (isNote && (status & 0x0f) !== 9 && this.semitones !== 0) {
        const key = f.abData[d + 1] + this.semitones;
        if (key < 0 || key > 127) {
          this.dropped++;
          this.allocator.putMessage(e);
          e = next;
          continue;
        }
        f.abData[d + 1] = key;
      }
      this.forward(e);
      e = next;
    }
  }
}
