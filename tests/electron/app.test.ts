// runApp with a fake Electron: a sandboxed window on our page only, engine ports brokered on request
// (never for a foreign sender), engine status and menu commands sent to the window, quit stops the engine.
import { describe, expect, it } from 'vitest';
import { isPageUrl, runApp, secureWindowOptions } from '../../electron/app.js';
import { CHANNELS } from '../../electron/shell.js';
import { FakeWindow, fakeElectron, fakeTimers } from './fakes.js';

const INDEX = '/app/dist/renderer/index.html';
const paths = {
  indexHtml: INDEX,
  indexUrl: `file://${INDEX}`,
  preload: '/app/dist-electron/preload.js',
  engineEntry: '/app/dist/engine/host/main.js',
  engineEnv: { DMUS_SESSION_DIR: '/data/session' },
};

async function start(platform = 'linux') {
  const f = fakeElectron();
  const timers = fakeTimers();
  const logs: string[] = [];
  let stored: string | null = null;
  const running = await runApp(f.electron, paths, { platform, recentStore: { read: () => stored, write: (t) => (stored = t) }, log: (l) => logs.push(l), timers });
  const win = FakeWindow.all[0];
  return { f, timers, logs, running, win };
}

describe('main process (runApp)', () => {
  it('opens one sandboxed, isolated window without Node on the built page', async () => {
    const { win } = await start();
    expect(win.options.webPreferences).toEqual(secureWindowOptions(paths.preload).webPreferences);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true, preload: paths.preload });
    expect(win.loaded).toBe(INDEX);
    win.fire('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('denies new windows, webviews, navigation away from the page, and browser permissions', async () => {
    const { win, f } = await start();
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    const nav = (url: string) => {
      let prevented = false;
      (win.webContents.handlers.get('will-navigate') as unknown as (e: unknown, u: string) => void)({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('https://example.com/')).toBe(true);
    expect(nav(`file://${INDEX}?token=x`)).toBe(false);
    let webview = false;
    (win.webContents.handlers.get('will-attach-webview') as unknown as (e: unknown) => void)({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    let granted: boolean | undefined;
    f.permission?.(null, 'midi', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('forks the engine and, when the page asks, gives it a port once the engine is ready', async () => {
    const { f, win } = await start();
    expect(f.children).toHaveLength(1);
    expect(f.children[0].modulePath).toBe(paths.engineEntry);
    f.ons.get(CHANNELS.requestEnginePort)?.(win.webContents.event(), undefined);
    expect(win.webContents.posted).toHaveLength(0);
    f.children[0].ready();
    expect(win.webContents.posted).toHaveLength(1);
    expect(win.webContents.posted[0]).toMatchObject({ channel: 'dmus:engine-port', message: null });
    expect(win.webContents.posted[0].transfer).toHaveLength(1);
    expect(f.children[0].posted[0].message).toEqual({ type: 'dmus:connect' });
    expect(win.webContents.sent.find((s) => s.channel === CHANNELS.engineStatus)?.args[0]).toMatchObject({ state: 'running' });
  });

  it('ignores port requests from other pages, frames or with a payload', async () => {
    const { f, win, logs } = await start();
    f.children[0].ready();
    f.ons.get(CHANNELS.requestEnginePort)?.(win.webContents.event('https://evil.example/'), undefined);
    f.ons.get(CHANNELS.requestEnginePort)?.(win.webContents.event(), { port: 'mine' });
    f.ons.get(CHANNELS.restartEngine)?.({ sender: { id: 999 }, senderFrame: { url: paths.indexUrl } }, undefined);
    expect(win.webContents.posted).toHaveLength(0);
    expect(f.children).toHaveLength(1);
    expect(logs.filter((l) => /refused/.test(l))).toHaveLength(3);
  });

  it('tells the window when the engine crashes and hands it a new port after the restart', async () => {
    const { f, win, timers } = await start();
    f.ons.get(CHANNELS.requestEnginePort)?.(win.webContents.event(), undefined);
    f.children[0].ready();
    f.children[0].crash(134);
    const states = win.webContents.sent.filter((s) => s.channel === CHANNELS.engineStatus).map((s) => (s.args[0] as { state: string }).state);
    expect(states).toEqual(['running', 'crashed', 'restarting']);
    timers.advance(250);
    f.children[1].ready();
    expect(win.webContents.posted).toHaveLength(2);
  });

  it('sends menu commands to the window and rebuilds the menu when a file is opened', async () => {
    const { f, win } = await start();
    const file = f.menus.at(-1)?.find((m) => m.label === 'File');
    file?.submenu?.find((i) => i.label === 'Open Bank…')?.click?.();
    expect(win.webContents.sent.at(-1)).toEqual({ channel: CHANNELS.menu, args: [{ command: 'open-bank' }] });
    const menusBefore = f.menus.length;
    await f.handles.get(CHANNELS.openFile)?.(win.webContents.event(), { kind: 'bank' });
    expect(f.menus.length).toBe(menusBefore + 1);
    const recent = f.menus.at(-1)?.find((m) => m.label === 'File')?.submenu?.find((i) => i.label === 'Open Recent');
    expect(recent?.submenu?.[0].label).toBe('strings.dls — bank');
  });

  it('quits when the window closes (not on macOS) and stops the engine without restarting it', async () => {
    const { f, win, timers } = await start();
    f.children[0].ready();
    win.close();
    f.appListeners.get('window-all-closed')?.();
    expect(f.quit).toBe(true);
    f.appListeners.get('before-quit')?.();
    expect(f.children[0].killed).toBe(true);
    timers.advance(60_000);
    expect(f.children).toHaveLength(1);
    const mac = await start('darwin');
    mac.f.appListeners.get('window-all-closed')?.();
    expect(mac.f.quit).toBe(false);
  });

  it('recognises its page with any query, and a dev server by origin', () => {
    expect(isPageUrl(`file://${INDEX}#x`, paths)).toBe(true);
    expect(isPageUrl('file:///other/index.html', paths)).toBe(false);
    expect(isPageUrl('http://127.0.0.1:5173/src/x', { ...paths, devServerUrl: 'http://127.0.0.1:5173/' })).toBe(true);
    expect(isPageUrl('http://127.0.0.1:5174/', { ...paths, devServerUrl: 'http://127.0.0.1:5173/' })).toBe(false);
  });
});
