// Bundles the `dmus render` entry (dist/engine/cli/render-main.js, built by tsc) into
// dist/engine/bundle/, which bin/dmus.mjs loads for the render command: one file instead of the
// sixty modules Node's loader would resolve and compile one by one (engine/cli/render-main.ts says
// why). The bundle sits at the same depth under dist/engine/ as the modules it replaces, so the
// paths they find from import.meta.url (the built-in bank in assets/) stay right. Packages and
// Node's built-ins stay outside (imported at run time, as from the modules). Run by
// `npm run build:engine` after tsc.
//
// It also writes dist/engine/bundle/modules.json, the compiled modules the bundle holds (paths
// relative to dist/engine/): bin/dmus.mjs uses the bundle only while it is newer than every one
// of them, so a build that recompiles some modules but not the bundle (tsc alone, tsc --watch)
// runs from the modules instead of stale code.
import { writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { build } from 'rolldown';

const OUT = 'dist/engine/bundle';
const isPackage = (id) => id.startsWith('node:') || (!isAbsolute(id) && !id.startsWith('.'));

const result = await build({
  input: 'dist/engine/cli/render-main.js',
  platform: 'node',
  external: (id) => isPackage(id),
  logLevel: 'warn',
  output: {
    dir: OUT,
    format: 'esm',
    entryFileNames: 'render-main.js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: false,
    cleanDir: true,
  },
});

const engine = resolve('dist/engine');
const modules = new Set();
for (const item of result.output) {
  if (item.type !== 'chunk') continue;
  for (const id of item.moduleIds) if (isAbsolute(id) && !isPackage(id)) modules.add(relative(engine, id).split('\\').join('/'));
}
if (modules.size < 10) throw new Error(`bundle-render: only ${modules.size} modules bundled; expected the render path's sixty`);
writeFileSync(`${OUT}/modules.json`, `${JSON.stringify([...modules].sort(), null, 1)}\n`);
