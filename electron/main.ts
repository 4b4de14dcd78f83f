/**
 * The Electron main entry (compiled to dist-electron/main.js, CommonJS). It only gathers paths and
 * Node services and passes the real Electron API to runApp (electron/app.ts), where all behaviour
 * lives and is tested with fakes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as electron from 'electron';
import { type ElectronLike, runApp } from './app.js';

// dist-electron/main.js → the project (or app.asar) root.
const root = join(__dirname, '..');
const userData = electron.app.getPath('userData');
const recentPath = join(userData, 'recent-files.json');
const indexHtml = join(root, 'dist', 'renderer', 'index.html');
// The built-in bank ships as an extra resource next to app.asar in installers, in assets/ when run from the project.
const builtInBank = electron.app.isPackaged ? join(process.resourcesPath, 'dmus-gm.dls') : join(root, 'assets', 'dmus-gm.dls');

if (!electron.app.requestSingleInstanceLock()) {
  // One workstation at a time: two engines would fight over the audio device and the session.
  electron.app.quit();
} else {
  runApp(
    electron as unknown as ElectronLike,
    {
      indexHtml,
      indexUrl: pathToFileURL(indexHtml).href,
      preload: join(__dirname, 'preload.js'),
      engineEntry: join(root, 'dist', 'engine', 'host', 'main.js'),
      engineEnv: { ...process.env, DMUS_SESSION_DIR: join(userData, 'session'), DMUS_BUILTIN_BANK: builtInBank },
      devServerUrl: process.env.DMUS_DEV_SERVER_URL,
    },
    {
      platform: process.platform,
      recentStore: {
        read: () => {
          try {
            return readFileSync(recentPath, 'utf8');
          } catch {
            return null;
          }
        },
        write: (text) => {
          mkdirSync(userData, { recursive: true });
          writeFileSync(recentPath, text);
        },
      },
      log: (line) => console.error(`[dmus main] ${line}`),
    },
  ).catch((err: unknown) => {
    console.error('[dmus main] could not start:', err);
    electron.dialog.showErrorBox('DMus Workstation could not start', err instanceof Error ? err.message : String(err));
    electron.app.quit();
  });
}
