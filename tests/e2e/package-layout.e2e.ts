/**
 * The installer configuration, checked offline: electron-builder packs the app with a stub Electron
 * (no download; real installers need network access to fetch Electron) and the unpacked layout must
 * hold the compiled main process, the page, the engine, native modules outside the asar, and the
 * built-in bank as a resource — and none of the sources, tests or source maps. About 7 s.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(path: string, options: { isPack: boolean }): string[] };

let work: string;
let unpacked: string;

describe('electron-builder --dir with a stub Electron', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist-electron/main.js')) || !existsSync(join(ROOT, 'dist/renderer/index.html'))) {
      throw new Error('build first: npm run -s build');
    }
    work = mkdtempSync(join(tmpdir(), 'dmus-pack-'));
    const stub = join(work, 'electron-stub');
    mkdirSync(stub);
    writeFileSync(join(stub, 'electron'), '#!/bin/sh\n');
    chmodSync(join(stub, 'electron'), 0o755);
    writeFileSync(join(stub, 'version'), '45.5.0');
    const out = join(work, 'release');
    execFileSync(
      process.execPath,
      [require.resolve('electron-builder/cli.js'), '--linux', '--dir', `-c.electronDist=${stub}`, '-c.npmRebuild=false', `-c.directories.output=${out}`],
      { cwd: ROOT, stdio: 'pipe', timeout: 120_000 },
    );
    unpacked = join(out, 'linux-unpacked');
  }, 150_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('produces the executable, the asar and the built-in bank as a resource', () => {
    expect(existsSync(join(unpacked, 'dmus-workstation'))).toBe(true);
    expect(existsSync(join(unpacked, 'resources/app.asar'))).toBe(true);
    expect(existsSync(join(unpacked, 'resources/dmus-gm.dls'))).toBe(true);
    expect(existsSync(join(unpacked, 'resources/LICENSE-gm-bank.md'))).toBe(true);
  });

  it('keeps native modules and PortAudio outside the asar', () => {
    const u = join(unpacked, 'resources/app.asar.unpacked/node_modules');
    expect(existsSync(join(u, 'naudiodon/build/Release/naudiodon.node'))).toBe(true);
    expect(existsSync(join(u, 'naudiodon/build/Release/libportaudio.so.2'))).toBe(true);
    expect(existsSync(join(u, 'segfault-handler/build/Release/segfault-handler.node'))).toBe(true);
  });

  it('keeps the RtMidi binding of @julusian/midi outside the asar, where pkg-prebuilds looks for it', () => {
    const u = join(unpacked, 'resources/app.asar.unpacked/node_modules/@julusian/midi');
    // pkg-prebuilds loads prebuilds/midi-<platform>-<arch>/node-napi-v7.node (or build/Release when compiled).
    const prebuilt = join(u, `prebuilds/midi-${process.platform}-${process.arch}/node-napi-v7.node`);
    const compiled = join(u, 'build/Release/midi.node');
    expect(existsSync(prebuilt) || existsSync(compiled), `${prebuilt} or ${compiled}`).toBe(true);
    // Its loader and pkg-prebuilds stay in the asar (plain JavaScript), so require('@julusian/midi') resolves.
    const files = asar.listPackage(join(unpacked, 'resources/app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/'));
    expect(files).toContain('/node_modules/@julusian/midi/load-native.js');
    expect(files.some((f) => f.startsWith('/node_modules/pkg-prebuilds/'))).toBe(true);
  });

  it('leaves no native binary inside the asar only (each one packed is also unpacked)', () => {
    const asarPath = join(unpacked, 'resources/app.asar');
    const natives = asar
      .listPackage(asarPath, { isPack: false })
      .map((f) => f.replaceAll('\\', '/'))
      .filter((f) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(f));
    expect(natives.length).toBeGreaterThan(0);
    const inside = natives.filter((f) => !existsSync(join(`${asarPath}.unpacked`, f)));
    expect(inside).toEqual([]);
  });

  it('packs the main process (CommonJS), the page and the engine, and no sources, tests or maps', () => {
    const files = asar.listPackage(join(unpacked, 'resources/app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/'));
    for (const f of ['/package.json', '/dist-electron/main.js', '/dist-electron/preload.js', '/dist-electron/package.json', '/dist/renderer/index.html', '/dist/engine/host/main.js']) {
      expect(files, f).toContain(f);
    }
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /\.(ts|tsx|map)$/.test(f))).toEqual([]);
    expect(own.filter((f) => /^\/(tests|electron|renderer|engine|dist\/tests)\//.test(f))).toEqual([]);
    // Development tools stay out.
    expect(files.some((f) => f.startsWith('/node_modules/vite/') || f.startsWith('/node_modules/electron/') || f.startsWith('/node_modules/typescript/'))).toBe(false);
  });
});
