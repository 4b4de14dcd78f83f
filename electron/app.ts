/**
 * The main process's whole behaviour, with the Electron API passed in (main.ts passes the real one;
 * tests/electron pass fakes): a sandboxed window, the engine utility process with its port
 * brokering and restart policy, shell IPC behind sender and payload checks, and the menus.
 * Main never relays engine traffic.
 */
import { EngineProcess, type EngineStatus, type PortPair, type RestartPolicy, type UtilityChild } from './engine-process.js';
import { acceptSend, CHANNELS, type DialogLike, type IpcEventLike, type MenuCommand, type MenuItem, menuTemplate, type RecentStore, Shell } from './shell.js';

export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame?: unknown;
  send(channel: string, ...args: unknown[]): void;
  postMessage(channel: string, message: unknown, transfer?: unknown[]): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  on(event: 'will-navigate' | 'will-attach-webview' | 'did-finish-load' | 'render-process-gone', listener: (...args: never[]) => void): unknown;
}

export interface WindowLike {
  readonly id: number;
  readonly webContents: WebContentsLike;
  loadFile(path: string): Promise<void>;
  loadURL(url: string): Promise<void>;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
  isDestroyed(): boolean;
  show(): void;
}

export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    nodeIntegration: false;
    sandbox: true;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    spellcheck: false;
    navigateOnDragDrop: false;
  };
}

export interface ElectronLike {
  app: {
    whenReady(): Promise<unknown>;
    on(event: 'window-all-closed' | 'activate' | 'before-quit', listener: () => void): unknown;
    quit(): void;
    getName(): string;
  };
  BrowserWindow: new (options: WindowOptions) => WindowLike;
  ipcMain: {
    handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => Promise<unknown>): void;
    on(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): unknown;
  };
  Menu: { buildFromTemplate(template: MenuItem[]): unknown; setApplicationMenu(menu: unknown): void };
  MessageChannelMain: new () => PortPair;
  utilityProcess: { fork(modulePath: string, args: string[], options: { serviceName: string; env: Record<string, string | undefined>; stdio: 'inherit' | 'pipe' }): UtilityChild };
  dialog: DialogLike;
  session: { defaultSession: { setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void } };
}

export interface AppPaths {
  /** The built page: dist/renderer/index.html. */
  indexHtml: string;
  /** Its file:// URL, for the sender and navigation checks. */
  indexUrl: string;
  preload: string;
  /** The engine entry: dist/engine/host/main.js. */
  engineEntry: string;
  /** Environment for the engine (session folder, built-in bank path). */
  engineEnv: Record<string, string | undefined>;
  /** Load the page from a dev server instead of the file (npm run dev). */
  devServerUrl?: string;
}

export interface AppOptions {
  platform: string;
  recentStore: RecentStore;
  log(line: string): void;
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void; now(): number };
  restartPolicy?: RestartPolicy;
}

/** The window's security settings (style principle 4): sandboxed, isolated, no Node in the page. */
export function secureWindowOptions(preload: string): WindowOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'DMus Workstation',
    backgroundColor: '#14161a',
    webPreferences: {
      preload,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/** Whether a URL is our page (any query or hash), so only it may talk to main or be navigated to. */
export function isPageUrl(url: string, paths: Pick<AppPaths, 'indexUrl' | 'devServerUrl'>): boolean {
  const bare = url.split(/[?#]/)[0];
  if (bare === paths.indexUrl) return true;
  if (paths.devServerUrl) {
    try {
      return new URL(url).origin === new URL(paths.devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

export interface RunningApp {
  engine: EngineProcess;
  shell: Shell;
  windows: Map<number, WindowLike>;
  createWindow(): Promise<WindowLike>;
}

export async function runApp(electron: ElectronLike, paths: AppPaths, options: AppOptions): Promise<RunningApp> {
  const { app, BrowserWindow, ipcMain, Menu } = electron;
  const timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>), now: () => Date.now() };
  const windows = new Map<number, WindowLike>();
  const byContents = new Map<number, WindowLike>();
  const isOurPage = (url: string) => isPageUrl(url, paths);

  const focused = () => [...windows.values()].find((w) => !w.isDestroyed()) ?? null;
  const sendMenu = (cmd: MenuCommand) => focused()?.webContents.send(CHANNELS.menu, cmd);

  const rebuildMenu = () => {
    const template = menuTemplate({ appName: app.getName(), platform: options.platform, recent: shell.recentFiles(), send: sendMenu, clearRecent: () => shell.clearRecent() });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  const shell = new Shell({
    dialog: electron.dialog,
    recentStore: options.recentStore,
    isOurWindow: (id) => byContents.has(id),
    isOurPage,
    onRecentChanged: () => rebuildMenu(),
    log: options.log,
  });

  const engine = new EngineProcess(
    paths.engineEntry,
    {
      fork: (p, args, o) => electron.utilityProcess.fork(p, args, o),
      createChannel: () => new electron.MessageChannelMain(),
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      now: timers.now,
      log: options.log,
    },
    { env: paths.engineEnv, policy: options.restartPolicy },
  );
  engine.onStatus((status: EngineStatus) => {
    for (const w of windows.values()) if (!w.isDestroyed()) w.webContents.send(CHANNELS.engineStatus, status);
  });

  for (const [channel, handler] of Object.entries(shell.handlers())) ipcMain.handle(channel, handler);
  ipcMain.on(CHANNELS.requestEnginePort, (event, payload) => {
    if (!acceptSend(event, payload, { isOurWindow: (id) => byContents.has(id), isOurPage, log: options.log }, CHANNELS.requestEnginePort)) return;
    const win = byContents.get(event.sender.id);
    if (win) engine.connect(portTarget(win));
  });
  ipcMain.on(CHANNELS.restartEngine, (event, payload) => {
    if (!acceptSend(event, payload, { isOurWindow: (id) => byContents.has(id), isOurPage, log: options.log }, CHANNELS.restartEngine)) return;
    engine.restartNow();
  });

  const portTarget = (win: WindowLike) => ({
    id: win.id,
    isDestroyed: () => win.isDestroyed(),
    postPort: (port: unknown) => win.webContents.postMessage(CHANNELS.enginePort, null, [port]),
  });

  const createWindow = async (): Promise<WindowLike> => {
    const win = new BrowserWindow(secureWindowOptions(paths.preload));
    windows.set(win.id, win);
    byContents.set(win.webContents.id, win);
    const contentsId = win.webContents.id;
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', ((event: { preventDefault(): void }, url: string) => {
      if (!isOurPage(url)) event.preventDefault();
    }) as (...args: never[]) => void);
    win.webContents.on('will-attach-webview', ((event: { preventDefault(): void }) => event.preventDefault()) as (...args: never[]) => void);
    win.once('ready-to-show', () => win.show());
    win.on('closed', () => {
      windows.delete(win.id);
      byContents.delete(contentsId);
      engine.forget(win.id);
    });
    if (paths.devServerUrl) await win.loadURL(paths.devServerUrl);
    else await win.loadFile(paths.indexHtml);
    return win;
  };

  await app.whenReady();
  // The page needs no browser permissions (no camera, MIDI, notifications): refuse them all.
  electron.session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  rebuildMenu();
  engine.start();
  await createWindow();

  app.on('activate', () => {
    if (windows.size === 0) void createWindow();
  });
  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => engine.stop());

  return { engine, shell, windows, createWindow };
}
