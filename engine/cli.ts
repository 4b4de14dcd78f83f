/**
 * The `dmus` command (headless engine). Each subcommand lives in its own module under engine/cli/
 * or next to the subsystem it drives, and is registered in COMMANDS below.
 *
 * Exit codes: 0 success, 1 failure (the error on stderr), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliCommand, CliIo } from './cli/command.js';
import { convertCommand } from './cli/convert.js';
import { devicesCommand } from './cli/devices.js';
import { inspectCommand } from './cli/inspect.js';
import { midiInputsCommand } from './cli/midi-inputs.js';
import { playCommand } from './cli/play.js';
import { renderCommand } from './cli/render.js';
import { processIo, runCommand } from './cli/run.js';
import { serveCommand } from './cli/serve.js';

const COMMANDS: CliCommand[] = [playCommand, renderCommand, serveCommand, inspectCommand, convertCommand, midiInputsCommand, devicesCommand];

function packageVersion(): string {
  // engine/cli.ts (source) and dist/engine/cli.js (build) sit at different depths: look upward.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'dmus-workstation') return pkg.version;
    } catch {
      // not there: try the next level
    }
  }
  return 'unknown';
}

const versionCommand: CliCommand = {
  name: 'version',
  summary: 'print the version of the workstation and its engine',
  usage: 'dmus version',
  run: async (_args, io) => {
    io.out(`dmus ${packageVersion()} (node ${process.versions.node}, ${process.platform}-${process.arch})\n`);
    return 0;
  },
};

export function helpText(): string {
  const all = [versionCommand, ...COMMANDS];
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    'dmus: the DMus synth workstation engine, headless',
    '',
    'usage: dmus <command> [options]',
    '',
    'commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'dmus <command> --help shows the options of one command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') return versionCommand.run([], io);
  const command = [versionCommand, ...COMMANDS].find((c) => c.name === name);
  if (!command) {
    io.err(`dmus: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  return runCommand(command, rest, io);
}
