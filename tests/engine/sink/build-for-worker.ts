/**
 * Workers run plain JavaScript: Node 20 cannot load the .ts sources a test imports. This compiles
 * the given entry files (and what they import) with the project's own tsc into a folder under
 * node_modules/.cache (so `import('naudiodon')` still resolves from there), marked as ESM.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function buildForWorker(entries: string[]): string {
  const root = resolve(import.meta.dirname, '../../..');
  const base = join(root, 'node_modules/.cache/dmus-sink-build');
  mkdirSync(base, { recursive: true });
  const out = mkdtempSync(join(base, 'b-'));
  const tsc = join(root, 'node_modules/.bin/tsc');
  // Type errors are the typecheck's business; emit regardless (TS7 emits JS even with errors).
  try {
    execFileSync(
      tsc,
      ['--ignoreConfig', '--outDir', out, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--types', 'node', '--skipLibCheck', '--noEmitOnError', 'false', ...entries.map((e) => join(root, e))],
      { cwd: root, stdio: 'pipe' },
    );
  } catch {
    // tsc exits non-zero on type errors but has emitted; a missing output fails the caller.
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return out;
}
