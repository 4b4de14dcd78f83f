/**
 * `dmus midi-inputs`: lists the MIDI inputs RtMidi offers (engine/midi/rtmidi.ts), or says
 * clearly why MIDI is unavailable (for example the ALSA-only prebuild on a machine without
 * /dev/snd/seq). Exit 0 with a list, 1 when MIDI is unavailable. MIDI_MODULE selects another
 * build of @julusian/midi (e.g. the JACK build in .cache/midi-jack).
 */
import { listMidiInputs } from '../midi/rtmidi.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

export const midiInputsCommand: CliCommand = {
  name: 'midi-inputs',
  summary: 'list the MIDI inputs (or why MIDI is unavailable)',
  usage: 'dmus midi-inputs [--json]',
  details: 'Set MIDI_MODULE to a build of @julusian/midi to use instead of the npm one (e.g. .cache/midi-jack).',
  run: async (args, io) => {
    const { positionals, options } = parseArgs(args, { flags: ['json'] });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument '${positionals[0]}'`);
    const { status, inputs } = await listMidiInputs();
    if (options.json) {
      io.out(`${JSON.stringify({ status, inputs: inputs.map((i) => ({ name: i.name, port: i.port })) }, null, 2)}\n`);
      return status.available ? 0 : 1;
    }
    if (!status.available) {
      io.err(`MIDI unavailable: ${status.reason ?? 'unknown reason'}\n`);
      return 1;
    }
    io.out(`MIDI: ${status.backend} (${status.module})\n`);
    if (inputs.length === 0) io.out('no MIDI inputs\n');
    for (const i of inputs) io.out(`  ${String(i.port).padStart(2)}  ${i.name}\n`);
    return 0;
  },
};
