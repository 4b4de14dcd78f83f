#!/usr/bin/env node
// The `dmus` command: runs the engine's CLI from the build (npm install builds it via `prepare`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/engine/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('dmus: the engine is not built; run `npm run build:engine` in the project folder\n');
  process.exit(1);
}
const argv = process.argv.slice(2);

/**
 * `dmus render` runs from the bundle of its modules (engine/cli/render-main.ts says why) when the
 * build made one after every module it holds (dist/engine/bundle/modules.json lists them): a module
 * recompiled since (tsc run alone, or tsc --watch) means the bundle is stale, and it is ignored.
 */
function renderBundle() {
  const bundle = new URL('../dist/engine/bundle/render-main.js', import.meta.url);
  try {
    const built = statSync(fileURLToPath(bundle)).mtimeMs;
    const modules = JSON.parse(readFileSync(fileURLToPath(new URL('../dist/engine/bundle/modules.json', import.meta.url)), 'utf8'));
    if (!Array.isArray(modules) || modules.length === 0) return null;
    for (const m of modules) if (statSync(fileURLToPath(new URL(`../dist/engine/${m}`, import.meta.url))).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null;
  }
}

const bundle = argv[0] === 'render' && process.env.DMUS_NO_BUNDLE !== '1' ? renderBundle() : null;
if (bundle) {
  const { renderMain } = await import(bundle.href);
  process.exitCode = await renderMain(argv.slice(1));
} else {
  const { main } = await import(entry.href);
  process.exitCode = await main(argv);
}
