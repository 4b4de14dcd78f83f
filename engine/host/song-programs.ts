/**
 * Which programs a song can select, so an offline render downloads only the instruments it can
 * play (what a DirectMusic performance does with a segment's band: it downloads the band's
 * instruments, not the whole collection). Downloading a 150 MB SoundFont whole converts every
 * wave to the synth's format; a song typically uses a tenth of them.
 *
 * Exactness: the synth picks an instrument for a channel by its patch (drum flag, CC0, CC32,
 * program) and otherwise falls back to bank 0 of the same program, or for drums to kit 0
 * (SynthCore.findInstrument, reference §6.9/§7.2). Every candidate has the program number the
 * channel selected, or 0 (the power-on and reset program). So downloading every instrument whose
 * program number is 0 or appears in a program change gives the same instrument choices, and the
 * same output, as downloading everything.
 */
import type { Song } from '../midi/smf.js';

/**
 * The program numbers (0-127) a song can select, 0 included; null when the song carries raw
 * bytes (F7 escape packets) that might hide a program change, so only a whole download is safe.
 */
export function programsUsedBy(song: Song): Set<number> | null {
  const programs = new Set<number>([0]);
  for (const track of song.tracks) {
    for (const e of track.events) {
      if (e.kind === 'escape' || e.kind === 'sysex-continuation') return null;
      if (e.kind === 'channel' && (e.status & 0xf0) === 0xc0 && e.data.length > 1) programs.add(e.data[1] & 0x7f);
    }
  }
  return programs;
}
