/**
 * `dmus convert <bank.sf2> <out.dls>`: SoundFont 2 -> DLS Level 2 with the project's SF2 import
 * and DLS writer (what does not map exactly: engine/dls/sf2/README.md).
 */
import { writeFileSync } from 'node:fs';
import { writeDls } from '../dls/dls-writer.js';
import { loadBankFileAsync } from '../dls/load-bank.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'convert a SoundFont 2 or 3 bank (or a DLS bank) to a DLS Level 2 file',
  usage: 'dmus convert <bank.sf2|bank.sf3> <out.dls>',
  run: async (args, io) => {
    const { positionals } = parseArgs(args, {});
    if (positionals.length !== 2) throw new CliUsageError('expected an input bank and an output file');
    const [input, output] = positionals;
    const { format, collection } = await loadBankFileAsync(input);
    const bytes = writeDls(collection);
    writeFileSync(output, bytes);
    io.out(`${output}: ${collection.instruments.length} instruments, ${collection.waves.length} waves, ${bytes.length} bytes (from ${format})\n`);
    for (const w of collection.warnings) io.err(`warning: ${w}\n`);
    return 0;
  },
};
