/**
 * Which programs a song can select, so an offline render downloads only the instruments it can
 * play (what a DirectMusic performance does with a segment's band: it downloads the band's
 * instruments, not the whole collection). Downloading a 150 MB SoundFont whole converts every
 * wave to the synth's format; a song typically uses a tenth of them.
 *
 * Exactness: the synth picks an instrument for a channel by its patch (drum flag, CC0, CC32,
 * program) and otherwise falls back to bank 0 of the same program, or for drums to kit 0
 * (SynthCore.findInstrument, reference §6.9/§7.2); it never falls back across kinds. Every
 * candidate has the kind of the channel and the program number it selected, or 0 (the power-on
 * and reset program). So downloading, per kind, every instrument whose program number is 0 or
 * appears in a program change on a channel of that kind gives the same instrument choices, and the
 * same output, as downloading everything (programsUsedBy says how the kinds are told apart).
 */
import type { ProgramFilter } from '../dls/program-filter.js';
import type { Song } from '../midi/smf.js';

/** Channel 10 (index 9) of every group: a drum channel after power-on or a GM/GS reset. */
const DRUM_CHANNEL = 9;

/**
 * The instruments a song can select: null when the song carries raw bytes (F7 escape packets)
 * that might hide a program change, so only a whole download is safe.
 *
 * Without SysEx, the drum channels are channel 10 of each group (nothing else changes a channel's
 * kind), so the kinds are told apart: melodic programs are 0 (when a melodic channel plays a note)
 * and those selected on melodic channels; drum kits are 0 (when a drum channel plays a note) and
 * those selected on drum channels. A piano piece so needs no kit. A song with SysEx (a GS "use
 * for rhythm part" can make any channel a drum channel) gets every program number of either
 * kind, 0 included: a plain set, which matches both.
 */
export function programsUsedBy(song: Song): ProgramFilter | null {
  const any = new Set<number>([0]);
  const melodic = new Set<number>();
  const drums = new Set<number>();
  let sysex = false;
  for (const track of song.tracks) {
    for (const e of track.events) {
      if (e.kind === 'escape' || e.kind === 'sysex-continuation') return null;
      if (e.kind === 'sysex') sysex = true;
      if (e.kind !== 'channel' || e.data.length < 2) continue;
      const type = e.status & 0xf0;
      const drum = (e.status & 0x0f) === DRUM_CHANNEL;
      if (type === 0xc0) {
        const p = e.data[1] & 0x7f;
        any.add(p);
        (drum ? drums : melodic).add(p);
      } else if (type === 0x90 && e.data.length > 2 && e.data[2] !== 0) (drum ? drums : melodic).add(0);
    }
  }
  return sysex ? any : { melodic, drums };
}
