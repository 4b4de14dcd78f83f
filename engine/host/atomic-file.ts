/**
 * Atomic JSON files (the saved session): written beside the old file, flushed, then renamed over
 * it (rename is atomic on one filesystem), so a crash or a kill leaves the old or the new file,
 * never half of one. Apart from persistence.ts, whose schemas load zod, which a session that
 * saves nothing (an offline render) does not need.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes JSON atomically: a temporary file in the same folder, fsync, rename. */
export function saveJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
