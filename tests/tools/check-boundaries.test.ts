import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs tool without type declarations
import { checkFile, importsOf, layerOf, RENDERER_PACKAGES } from '../../tools/check-boundaries.mjs';

const root = '/repo';
const check = (file: string, src: string): string[] => checkFile(root, join(root, file), src);

describe('import-boundary rule', () => {
  it('finds static, re-export, dynamic and require imports, not those in comments', () => {
    const src = `
      import a from './a.js';
      import type { B } from "../b.js";
      export { c } from './c.js';
      import './side.js';
      const d = await import('./d.js');
      const e = require('e');
      // import x from 'commented';
      /* import y from 'block' */
    `;
    expect(importsOf(src)).toEqual(['./a.js', '../b.js', './c.js', './side.js', './d.js', 'e']);
    expect(layerOf('engine/protocol/x.ts')).toBe('protocol');
    expect(layerOf('engine/dmus/x.ts')).toBe('engine');
  });

  it('engine/protocol imports nothing of node, electron, the DOM or the engine', () => {
    expect(check('engine/protocol/a.ts', "import { z } from 'zod'; import { b } from './b.js';")).toEqual([]);
    expect(check('engine/protocol/a.ts', "import { readFile } from 'node:fs';")).toHaveLength(1);
    expect(check('engine/protocol/a.ts', "import { x } from '../dmus/port.js';")).toHaveLength(1);
    expect(check('engine/protocol/a.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(check('engine/protocol/a.ts', 'const w = window.location;')).toHaveLength(1);
  });

  it('electron/ never imports engine code, only engine/protocol', () => {
    expect(check('electron/main.ts', "import { x } from '../engine/protocol/messages.js';")).toEqual([]);
    expect(check('electron/main.ts', "import { PortDMus } from '../engine/dmus/port.js';")[0]).toMatch(/starts the engine by path/);
  });

  it('renderer/ imports only engine/protocol, its own files and UI packages', () => {
    expect(check('renderer/src/app.tsx', "import { create } from 'zustand'; import { x } from '../../engine/protocol/m.js';")).toEqual([]);
    expect(check('renderer/src/app.tsx', "import { Allocator } from '../../engine/dmus/allocator.js';")).toHaveLength(1);
    expect(check('renderer/src/app.tsx', "import fs from 'node:fs';")).toHaveLength(1);
    expect(check('renderer/src/app.tsx', "import { ipcRenderer } from 'electron';")).toHaveLength(1);
  });

  it('renderer/ imports no npm package but exactly the UI ones it uses', () => {
    const allowed = ['react', 'react-dom/client', 'zustand', 'zustand/vanilla', 'zustand/react/shallow'];
    expect([...RENDERER_PACKAGES].sort()).toEqual([...allowed].sort());
    for (const spec of allowed) expect(check('renderer/src/a.tsx', `import x from '${spec}';`)).toEqual([]);
    // Any other package, a UI one or not, a subpath of an allowed one, or a dynamic import of one.
    for (const spec of ['zod', 'ws', 'naudiodon', 'lodash', 'react-dom', 'react-dom/server', 'zustand/middleware', '@julusian/midi', 'spessasynth_core']) {
      const problems = check('renderer/store/a.ts', `import x from '${spec}';`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/renderer\/ imports only engine\/protocol, its own files and react, react-dom\/client, zustand/);
    }
    expect(check('renderer/src/a.tsx', "const m = await import('zod');")).toHaveLength(1);
    expect(check('renderer/src/a.tsx', "export { z } from 'zod';")).toHaveLength(1);
    // Relative imports out of renderer/: engine/protocol yes, anything else no.
    expect(check('renderer/src/a.tsx', "import { x } from '../../engine/protocol/rpc.js';")).toEqual([]);
    expect(check('renderer/src/a.tsx', "import { x } from '../../tools/check-boundaries.mjs';")).toHaveLength(1);
  });

  it('the real renderer/ folder passes as it is (its imports are the allowed list)', () => {
    const r = spawnSync(process.execPath, ['tools/check-boundaries.mjs', '.'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the engine never imports electron, React or the renderer', () => {
    expect(check('engine/host/a.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(check('engine/host/a.ts', "import React from 'react';")).toHaveLength(1);
    expect(check('engine/host/a.ts', "import { x } from '../../renderer/store/index.js';")).toHaveLength(1);
    expect(check('engine/host/a.ts', "import { x } from '../dmus/port.js'; import { y } from 'node:fs';")).toEqual([]);
  });

  it('fails the lint step (exit code 1) on a violating tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boundaries-'));
    mkdirSync(join(dir, 'electron'));
    mkdirSync(join(dir, 'engine', 'dmus'), { recursive: true });
    writeFileSync(join(dir, 'engine', 'dmus', 'port.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'electron', 'main.ts'), "import { x } from '../engine/dmus/port.js';\n");
    const r = spawnSync(process.execPath, ['tools/check-boundaries.mjs', dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/electron\/main\.ts: imports '..\/engine\/dmus\/port\.js'/);
  });
});
