/** Fakes of the few Electron objects main uses, recording what was done to them (no Electron binary). */
import type { ElectronLike, WindowLike, WindowOptions } from '../../electron/app.js';
import type { UtilityChild } from '../../electron/engine-process.js';
import type { IpcEventLike, MenuItem } from '../../electron/shell.js';

type Listener = (...args: never[]) => void;

export class FakeChild implements UtilityChild {
  readonly posted: Array<{ message: unknown; transfer?: unknown[] }> = [];
  private readonly listeners = new Map<string, Array<(v: never) => void>>();
  killed = false;
  readonly modulePath: string;
  readonly options: unknown;
  constructor(modulePath: string, options: unknown) {
    this.modulePath = modulePath;
    this.options = options;
  }
  postMessage(message: unknown, transfer?: unknown[]): void {
    this.posted.push({ message, transfer });
  }
  on(event: string, listener: (v: never) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  kill(): boolean {
    this.killed = true;
    this.emit('exit', 0);
    return true;
  }
  emit(event: 'exit' | 'message', value: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l(value as never);
  }
  ready(): void {
    this.emit('message', { type: 'dmus:ready' });
  }
  crash(code = 139): void {
    this.emit('exit', code);
  }
}

let nextPort = 1;
export class FakePort {
  readonly n = nextPort++;
}

/** Manual clock and timers. */
export function fakeTimers() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; handle: number }> = [];
  let nextHandle = 1;
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number): unknown {
      const handle = nextHandle++;
      timers.push({ at: now + ms, fn, handle });
      return handle;
    },
    clearTimeout(h: unknown): void {
      const i = timers.findIndex((t) => t.handle === h);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number): void {
      now += ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const t = timers[0];
        if (!t || t.at > now) break;
        timers.shift();
        t.fn();
      }
    },
    pending: () => timers.map((t) => t.at - now),
  };
}

export class FakeWebContents {
  static next = 100;
  readonly id = FakeWebContents.next++;
  readonly mainFrame = { url: '' };
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  readonly posted: Array<{ channel: string; message: unknown; transfer?: unknown[] }> = [];
  readonly handlers = new Map<string, Listener>();
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  postMessage(channel: string, message: unknown, transfer?: unknown[]): void {
    this.posted.push({ channel, message, transfer });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' | 'allow' }): void {
    this.windowOpenHandler = h;
  }
  on(event: string, listener: Listener): this {
    this.handlers.set(event, listener);
    return this;
  }
  /** An ipcMain event as if this page's top frame sent it. */
  event(url = this.mainFrame.url): IpcEventLike {
    const frame = url === this.mainFrame.url ? this.mainFrame : { url };
    return { sender: this, senderFrame: frame };
  }
}

export class FakeWindow implements WindowLike {
  static next = 1;
  static all: FakeWindow[] = [];
  readonly id = FakeWindow.next++;
  readonly webContents = new FakeWebContents();
  readonly options: WindowOptions;
  loaded: string | null = null;
  destroyed = false;
  shown = false;
  private readonly listeners = new Map<string, () => void>();
  constructor(options: WindowOptions) {
    this.options = options;
    FakeWindow.all.push(this);
  }
  async loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.webContents.mainFrame.url = `file://${path}`;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = url;
    this.webContents.mainFrame.url = url;
  }
  on(event: string, l: () => void): this {
    this.listeners.set(event, l);
    return this;
  }
  once(event: string, l: () => void): this {
    this.listeners.set(event, l);
    return this;
  }
  fire(event: string): void {
    this.listeners.get(event)?.();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    this.destroyed = true;
    this.fire('closed');
  }
}

export function fakeElectron() {
  FakeWindow.all = [];
  const children: FakeChild[] = [];
  const handles = new Map<string, (e: IpcEventLike, p: unknown) => Promise<unknown>>();
  const ons = new Map<string, (e: IpcEventLike, p: unknown) => void>();
  const appListeners = new Map<string, () => void>();
  const menus: MenuItem[][] = [];
  const dialogs: Array<{ kind: 'open' | 'save'; options: unknown }> = [];
  let quit = false;
  let permission: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
  const dialogAnswers = { open: { canceled: false, filePaths: ['/music/banks/strings.dls'] }, save: { canceled: false, filePath: '/music/out.mid' } as { canceled: boolean; filePath?: string } };
  const electron: ElectronLike = {
    app: {
      whenReady: async () => {},
      on: (event, l) => appListeners.set(event, l),
      quit: () => {
        quit = true;
      },
      getName: () => 'DMus Workstation',
    },
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel, l) => {
        handles.set(channel, l);
      },
      on: (channel, l) => ons.set(channel, l),
    },
    Menu: {
      buildFromTemplate: (t) => t,
      setApplicationMenu: (m) => {
        menus.push(m as MenuItem[]);
      },
    },
    MessageChannelMain: class {
      port1 = new FakePort();
      port2 = new FakePort();
    },
    utilityProcess: {
      fork: (p, _args, o) => {
        const c = new FakeChild(p, o);
        children.push(c);
        return c;
      },
    },
    dialog: {
      showOpenDialog: async (options) => {
        dialogs.push({ kind: 'open', options });
        return dialogAnswers.open;
      },
      showSaveDialog: async (options) => {
        dialogs.push({ kind: 'save', options });
        return dialogAnswers.save;
      },
    },
    session: { defaultSession: { setPermissionRequestHandler: (h) => (permission = h) } },
  };
  return {
    electron,
    children,
    handles,
    ons,
    appListeners,
    menus,
    dialogs,
    dialogAnswers,
    get quit() {
      return quit;
    },
    get permission() {
      return permission;
    },
  };
}
