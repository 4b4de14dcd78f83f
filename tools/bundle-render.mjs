// Bundles the `dmus render` entry (dist/engine/cli/render-main.js, built by tsc) into
// dist/engine/bundle/, which bin/dmus.mjs loads for the render command: one file instead of the
// sixty modules Node's loader would resolve and compile one by one (engine/cli/render-main.ts says
// why). The bundle sits at the same depth under dist/engine/ as the modules it replaces, so the
// paths they find from import.meta.url (the built-in bank in assets/) stay right. Packages stay
// outside (imported at run time, as from the modules). Run by `npm run build:engine` after tsc.
import { build } from 'rolldown';

await build({
  input: 'dist/engine/cli/render-main.js',
  platform: 'node',
  external: [/^[^./]/],
  logLevel: 'warn',
  output: {
    dir: 'dist/engine/bundle',
    format: 'esm',
    entryFileNames: 'render-main.js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: false,
    cleanDir: true,
  },
});
