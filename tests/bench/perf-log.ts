/**
 * Writing a benchmark's results into docs/performance.md (the dated performance log): each
 * benchmark run with --write replaces its own section, headed by a fixed heading, and leaves every
 * other section (the hand-written history and analysis) as it is. Shared by the benchmarks in
 * tests/bench.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The log, from dist/tests/bench/ (the built benchmarks) or tests/bench/ (sources). */
export function performanceLogPath(): string {
  for (const rel of ['../../../docs/performance.md', '../../docs/performance.md']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../../docs/performance.md', import.meta.url));
}

function sh(cmd: string, fallback: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return fallback;
  }
}

/** When and on what: `date`, the CPUs this process may use (`nproc`), the CPU model, Node. */
export function machineLine(): string {
  const date = sh('date', new Date().toString());
  const nproc = sh('nproc', String(cpus().length));
  const model = sh("lscpu | grep 'Model name'", `Model name: ${cpus()[0]?.model ?? 'unknown'}`).replace(/\s+/g, ' ');
  return `Measured ${date} on ${nproc} CPU(s), ${model}; Node ${process.version}.`;
}

const levelOf = (heading: string) => /^#+/.exec(heading)?.[0].length ?? 0;

/**
 * Replaces the section that starts with the line `heading` (up to the next heading of the same or
 * a higher level) by `section`, which must start with that heading. A log without it gets it
 * inserted before the line `before` when that exists, else appended.
 */
export function replaceSection(doc: string, heading: string, section: string, before?: string): string {
  const body = section.endsWith('\n') ? section : `${section}\n`;
  const start = doc.startsWith(`${heading}\n`) ? 0 : doc.indexOf(`\n${heading}\n`) + 1;
  if (start <= 0 && !doc.startsWith(`${heading}\n`)) {
    const at = before === undefined ? -1 : doc.indexOf(`\n${before}\n`);
    if (at >= 0) return `${doc.slice(0, at + 1)}${body}\n${doc.slice(at + 1)}`;
    return `${doc.replace(/\n*$/, '\n\n')}${body}`;
  }
  const level = levelOf(heading);
  const rest = doc.slice(start + heading.length + 1);
  const next = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  const tail = next < 0 ? '' : rest.slice(next);
  return `${doc.slice(0, start)}${body}${tail ? `\n${tail}` : ''}`;
}

/** replaceSection on docs/performance.md; returns the path written. */
export function writePerformanceSection(heading: string, section: string, before?: string): string {
  const path = performanceLogPath();
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance log\n';
  writeFileSync(path, replaceSection(old, heading, section, before));
  return path;
}
