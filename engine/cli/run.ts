/**
 * Running one `dmus` subcommand: its --help, its exit code, and how its errors are printed. Shared
 * by the whole CLI (engine/cli.ts) and the render command's own entry (render-main.ts).
 *
 * Exit codes: 0 success, 1 failure (the error on stderr), 2 usage error.
 */
import { type CliCommand, type CliIo, CliUsageError } from './command.js';

export const processIo: CliIo = {
  out: (s) => {
    process.stdout.write(s);
  },
  err: (s) => {
    process.stderr.write(s);
  },
};

/** Runs `command` with the arguments after its name. */
export async function runCommand(command: CliCommand, rest: string[], io: CliIo): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n\n${command.summary}\n${command.details ? `\n${command.details}\n` : ''}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`dmus ${command.name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    io.err(`dmus ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
