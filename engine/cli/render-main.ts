/**
 * `dmus render` on its own: the entry bin/dmus.mjs takes for the render command when the build
 * has bundled it (dist/engine/bundle/render-main.js, see tools/rolldown.render.config.mjs).
 *
 * Why: an offline render is a short process, and Node's module loader spends about 25 ms
 * resolving, reading and compiling the sixty modules of the render path one by one (measured on
 * the one-note render, docs/performance.md); one bundled file costs a fraction of that. The
 * command, its output and its exit codes are those of `dmus render` through engine/cli.ts.
 */
import type { CliIo } from './command.js';
import { renderCommand } from './render.js';
import { processIo, runCommand } from './run.js';

/** `dmus render <args>`: the arguments after the command's name. */
export function renderMain(args: string[], io: CliIo = processIo): Promise<number> {
  return runCommand(renderCommand, args, io);
}
