/**
 * The compiled main process and preload, run for real (no Electron binary exists here): main.js in
 * a plain Node process with a recording stand-in for the 'electron' module, and preload.js in a VM
 * context that offers only what a sandboxed preload gets (require('electron') and nothing else).
 * Catches what unit tests cannot: the CommonJS output, the paths main computes, files that exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let work: string;

interface Recorded {
  forks: Array<{ path: string; env: Record<string, string> }>;
  windows: Array<{ webPreferences: Record<string, unknown> }>;
  loaded: string[];
  menu: boolean;
}

/** A CommonJS stand-in for 'electron' that records what main does, then exits. */
const FAKE_ELECTRON = `
const fs = require('node:fs');
const out = process.env.RECORD_TO;
const rec = { forks: [], windows: [], loaded: [], menu: false };
const save = () => fs.writeFileSync(out, JSON.stringify(rec));
class BrowserWindow {
  constructor(o) { this.id = 1; rec.windows.push(o); this.webContents = { id: 1, send() {}, postMessage() {}, setWindowOpenHandler() {}, on() {} }; }
  async loadFile(p) { rec.loaded.push(p); save(); setTimeout(() => process.exit(0), 50); }
  async loadURL(u) { rec.loaded.push(u); save(); }
  on() {} once() {} isDestroyed() { return false; } show() {}
}
module.exports = {
  app: { isPackaged: false, getPath: () => process.env.USER_DATA, whenReady: async () => {}, on() {}, quit() {}, getName: () => 'DMus', requestSingleInstanceLock: () => true },
  BrowserWindow,
  ipcMain: { handle() {}, on() {} },
  Menu: { buildFromTemplate: (t) => t, setApplicationMenu: () => { rec.menu = true; } },
  MessageChannelMain: class { constructor() { this.port1 = {}; this.port2 = {}; } },
  utilityProcess: { fork: (path, args, o) => { rec.forks.push({ path, env: { DMUS_SESSION_DIR: o.env.DMUS_SESSION_DIR, DMUS_BUILTIN_BANK: o.env.DMUS_BUILTIN_BANK } }); return { on() {}, postMessage() {}, kill() { return true; } }; } },
  dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }), showErrorBox: (t, m) => { console.error(t, m); process.exit(3); } },
  session: { defaultSession: { setPermissionRequestHandler() {} } },
};
`;

/** Makes require('electron') resolve to the stand-in. */
const HOOK = `
const Module = require('node:module');
const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron') return process.env.FAKE_ELECTRON;
  return orig.call(this, request, ...rest);
};
`;

describe('compiled Electron main process and preload', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist-electron/main.js'))) throw new Error('build first: npm run -s build');
    work = mkdtempSync(join(tmpdir(), 'dmus-main-'));
    writeFileSync(join(work, 'fake-electron.cjs'), FAKE_ELECTRON);
    writeFileSync(join(work, 'hook.cjs'), HOOK);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('main.js loads as CommonJS, forks the built engine, and opens the built page in a sandboxed window', () => {
    const recordTo = join(work, 'record.json');
    execFileSync(process.execPath, ['-r', join(work, 'hook.cjs'), join(ROOT, 'dist-electron/main.js')], {
      env: { ...process.env, FAKE_ELECTRON: join(work, 'fake-electron.cjs'), RECORD_TO: recordTo, USER_DATA: join(work, 'user-data') },
      timeout: 20_000,
      stdio: 'pipe',
    });
    const rec = JSON.parse(readFileSync(recordTo, 'utf8')) as Recorded;
    expect(rec.forks).toHaveLength(1);
    expect(rec.forks[0].path).toBe(join(ROOT, 'dist/engine/host/main.js'));
    expect(existsSync(rec.forks[0].path)).toBe(true);
    expect(rec.forks[0].env.DMUS_SESSION_DIR).toBe(join(work, 'user-data', 'session'));
    expect(existsSync(rec.forks[0].env.DMUS_BUILTIN_BANK)).toBe(true);
    expect(rec.loaded).toEqual([join(ROOT, 'dist/renderer/index.html')]);
    expect(existsSync(rec.loaded[0])).toBe(true);
    const prefs = rec.windows[0].webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true });
    expect(existsSync(prefs.preload as string)).toBe(true);
    expect(rec.menu).toBe(true);
  });

  it('preload.js runs with only what a sandboxed preload has, and exposes window.dmus', () => {
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
      ipcRenderer: { on() {}, removeListener() {}, send() {}, invoke: async () => null },
      webUtils: { getPathForFile: () => '' },
    };
    const sandboxRequire = (m: string) => {
      required.push(m);
      if (m === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require '${m}'`);
    };
    const src = readFileSync(join(ROOT, 'dist-electron/preload.js'), 'utf8');
    const module = { exports: {} };
    runInNewContext(`(function (exports, require, module) {${src}\n})`, { window: { postMessage() {} } })(module.exports, sandboxRequire, module);
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['dmus']);
    expect((exposed.dmus as { platform: string }).platform).toBe('electron');
  });
});
