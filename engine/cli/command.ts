/**
 * The shape of one `dmus` subcommand, and a small argument parser shared by all of them.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  details?: string;
  /** Returns the exit code. Throw CliUsageError for bad arguments, any Error for failures. */
  run(args: string[], io: CliIo): Promise<number>;
}

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * Splits `args` into positionals and --options. `valued` lists the options that take a value
 * (`--out file` or `--out=file`); every other --option is a boolean flag. Unknown options throw.
 */
export function parseArgs(
  args: string[],
  spec: { valued?: string[]; flags?: string[] },
): { positionals: string[]; options: Record<string, string | true> } {
  const valued = new Set(spec.valued ?? []);
  const flags = new Set(spec.flags ?? []);
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (valued.has(key)) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) throw new CliUsageError(`--${key} needs a value`);
      options[key] = value;
    } else if (flags.has(key) && eq < 0) {
      options[key] = true;
    } else {
      throw new CliUsageError(`unknown option --${key}`);
    }
  }
  return { positionals, options };
}
