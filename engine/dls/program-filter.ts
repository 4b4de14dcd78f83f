/**
 * Concept: which instruments of a collection a caller will play, by MIDI program number and kind
 * (melodic instrument or drum kit: the F_INSTRUMENT_DRUMS bit of a DLS locale, bank 128 of a
 * SoundFont). The offline render reads and downloads only these (song-programs.ts says why the
 * output is the same as with the whole bank).
 *
 * A plain set of program numbers matches both kinds; `{ melodic, drums }` names them apart, so a
 * piano piece with no drum-channel notes needs no kit.
 */
export type ProgramFilter = ReadonlySet<number> | { readonly melodic: ReadonlySet<number>; readonly drums: ReadonlySet<number> };

/** Whether the filter takes the instrument of this kind and program number (0-127). */
export function wantsProgram(filter: ProgramFilter, drum: boolean, program: number): boolean {
  if ('melodic' in filter) return (drum ? filter.drums : filter.melodic).has(program);
  return filter.has(program);
}
