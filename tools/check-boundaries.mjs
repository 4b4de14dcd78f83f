#!/usr/bin/env node
// Import-boundary lint (VS Code's code-layering idea): which runtime folder may import which.
//
//   may import ->      engine/protocol   engine/* (other)   electron (pkg)   node builtins   DOM/react
//   engine/protocol        yes               no                 no               no              no
//   engine/*               yes               yes                no               yes             no
//   electron/              yes               no (forked by path) yes             yes             no
//   renderer/              yes               no                 no               no              RENDERER_PACKAGES
//
// renderer/ may import no other npm package: it talks to the engine only through engine/protocol,
// and a new UI library is a decision to make here, by name (as Signal's file-suffix rule asks).
// The DOM is a global, not an import; engine/protocol is kept DOM-free by its tsconfig-independent
// rule below (no `window`/`document` identifiers). Exit code 1 and one line per violation.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const IMPORT_RE =
  /(?:^|[^.\w$])(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"\n]+)['"]|(?:^|[^.\w$])(?:import|require)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Which layer a repository path belongs to, or null when the rule does not apply. */
export function layerOf(relPath) {
  const p = relPath.split(sep).join('/');
  if (p.startsWith('engine/protocol/')) return 'protocol';
  if (p.startsWith('engine/')) return 'engine';
  if (p.startsWith('electron/')) return 'electron';
  if (p.startsWith('renderer/')) return 'renderer';
  return null;
}

function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier a source file imports (static, re-export, dynamic, require). */
export function importsOf(src) {
  const out = [];
  const text = stripComments(src);
  for (const m of text.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2]);
  return out;
}

/**
 * The packages renderer/ imports, exactly (specifier by specifier, as its files import them):
 * React, its DOM root, and zustand's store, vanilla store and shallow selector hook.
 */
export const RENDERER_PACKAGES = new Set(['react', 'react-dom/client', 'zustand', 'zustand/vanilla', 'zustand/react/shallow']);

function isBareReact(spec) {
  return spec === 'react' || spec.startsWith('react/') || spec === 'react-dom' || spec.startsWith('react-dom/') || spec === 'zustand' || spec.startsWith('zustand/');
}

/** The violations of one file, as messages. root: repository root; file: absolute path. */
export function checkFile(root, file, src) {
  const from = layerOf(relative(root, file));
  if (!from) return [];
  const problems = [];
  const rel = relative(root, file);
  for (const spec of importsOf(src)) {
    let to;
    if (spec.startsWith('.')) {
      to = layerOf(relative(root, resolve(dirname(file), spec))) ?? 'outside';
    } else if (NODE_BUILTINS.has(spec)) {
      to = 'node';
    } else if (spec === 'electron' || spec.startsWith('electron/')) {
      to = 'electron-pkg';
    } else if (from === 'renderer' && RENDERER_PACKAGES.has(spec)) {
      to = 'renderer-pkg';
    } else if (isBareReact(spec)) {
      to = 'ui-pkg';
    } else {
      to = 'package';
    }
    const bad = forbidden(from, to, spec);
    if (bad) problems.push(`${rel}: imports '${spec}': ${bad}`);
  }
  if (from === 'protocol' && /\b(window|document|navigator|localStorage)\s*\./.test(stripComments(src))) {
    problems.push(`${rel}: engine/protocol must not touch the DOM (window/document/navigator)`);
  }
  return problems;
}

function forbidden(from, to, spec) {
  switch (from) {
    case 'protocol':
      if (to === 'protocol') return null;
      if (to === 'package' && (spec === 'zod' || spec.startsWith('zod/'))) return null;
      return 'engine/protocol imports nothing of node, electron, the DOM or the rest of the engine';
    case 'engine':
      if (to === 'electron' || to === 'renderer') return 'the engine never imports the electron or renderer folders';
      if (to === 'electron-pkg') return 'the engine never imports electron (it runs as plain Node too)';
      if (to === 'ui-pkg') return 'the engine never imports React or zustand';
      return null;
    case 'electron':
      if (to === 'engine') return 'electron/ starts the engine by path and never imports engine code (engine/protocol only)';
      if (to === 'renderer') return 'electron/ never imports renderer code';
      if (to === 'ui-pkg') return 'electron/ never imports React';
      return null;
    case 'renderer':
      if (to === 'protocol' || to === 'renderer' || to === 'renderer-pkg') return null;
      if (to === 'node') return 'renderer/ runs in the browser: no node builtins';
      if (to === 'package' || to === 'ui-pkg' || to === 'electron-pkg') {
        return `renderer/ imports only engine/protocol, its own files and ${[...RENDERER_PACKAGES].join(', ')} (add a UI package to RENDERER_PACKAGES on purpose)`;
      }
      return 'renderer/ imports only engine/protocol (and its own files)';
    default:
      return null;
  }
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (SOURCE.test(name)) yield p;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(process.argv[2] ?? '.');
  const problems = [];
  let files = 0;
  for (const top of ['engine', 'electron', 'renderer']) {
    const dir = join(root, top);
    if (!existsSync(dir)) continue;
    for (const f of walk(dir)) {
      files++;
      problems.push(...checkFile(root, f, readFileSync(f, 'utf8')));
    }
  }
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`import boundaries: ${problems.length} violation(s) in ${files} files`);
    process.exit(1);
  }
  console.log(`import boundaries: ${files} files, no violations`);
}
