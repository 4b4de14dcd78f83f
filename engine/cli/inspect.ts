/**
 * `dmus inspect <bank.dls|bank.sf2> [--json]`: what a bank holds (reference §6): instruments with
 * bank/program/drum/name/regions, waves, sizes and the quirks tolerated while reading.
 */
import { decodeLocale, infoText, midiBank, waveFrames } from '../dls/collection.js';
import { loadBankFileAsync } from '../dls/load-bank.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'list the instruments, waves and warnings of a DLS, SF2 or SF3 bank',
  usage: 'dmus inspect <bank.dls|bank.sf2|bank.sf3> [--json]',
  details: 'bank is the MIDI bank number CC0*128 + CC32; drum kits carry the DLS drum flag.',
  run: async (args, io) => {
    const { positionals, options } = parseArgs(args, { flags: ['json'] });
    if (positionals.length !== 1) throw new CliUsageError('expected one bank file');
    const { format, collection: c, size } = await loadBankFileAsync(positionals[0]);
    const instruments = c.instruments.map((ins) => {
      const a = decodeLocale(ins.locale);
      return { bank: midiBank(ins.locale), program: a.program, drum: a.drum, name: infoText(ins.info, 'INAM'), regions: ins.regions.length };
    });
    const waveBytes = c.waves.reduce((n, w) => n + w.data.length, 0);
    if (options.json) {
      io.out(
        `${JSON.stringify({
          format,
          name: infoText(c.info, 'INAM'),
          size,
          instruments,
          waves: c.waves.length,
          waveBytes,
          warnings: c.warnings,
        })}\n`,
      );
      return 0;
    }
    const lines = [
      `${positionals[0]}: ${format}, ${size} bytes${infoText(c.info, 'INAM') ? `, "${infoText(c.info, 'INAM')}"` : ''}`,
      `${instruments.length} instruments, ${instruments.reduce((n, i) => n + i.regions, 0)} regions, ${c.waves.length} waves (${waveBytes} bytes of PCM, ${c.waves.reduce((n, w) => n + waveFrames(w), 0)} frames)`,
      '',
      '  bank  prog  drum  regions  name',
      ...instruments.map((i) => `  ${String(i.bank).padStart(4)}  ${String(i.program).padStart(4)}  ${i.drum ? 'yes ' : 'no  '}  ${String(i.regions).padStart(7)}  ${i.name}`),
    ];
    if (c.warnings.length > 0) lines.push('', `${c.warnings.length} warnings:`, ...c.warnings.map((w) => `  ${w}`));
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
