/**
 * Shell services main offers the window: file dialogs, recent files, menus. Every IPC message is
 * checked twice before it is handled: the sender must be the top frame of one of our windows,
 * showing our page (style principle 2: check event.senderFrame), and the payload must match its
 * schema. The engine is never reached from here: dialogs return paths, the window asks the engine.
 */
import { z } from 'zod';

export type RecentKind = 'bank' | 'song';
export interface RecentFile {
  kind: RecentKind;
  path: string;
}

export const MAX_RECENT = 10;

/** IPC channel names: one prefix, so nothing else can be mistaken for ours (VS Code's 'vscode:'). */
export const CHANNELS = {
  openFile: 'dmus:open-file',
  saveFile: 'dmus:save-file',
  recentFiles: 'dmus:recent-files',
  requestEnginePort: 'dmus:request-engine-port',
  restartEngine: 'dmus:restart-engine',
  // main → window
  enginePort: 'dmus:engine-port',
  engineStatus: 'dmus:engine-status',
  menu: 'dmus:menu',
} as const;

export const OpenFilePayload = z.object({ kind: z.enum(['bank', 'song']) }).strict();
export const SaveFilePayload = z.object({ kind: z.enum(['midi-out', 'wav-out']) }).strict();
export const NoPayload = z.undefined();
const RecentList = z.array(z.object({ kind: z.enum(['bank', 'song']), path: z.string().min(1).max(4096) })).max(100);

const FILTERS = {
  bank: [{ name: 'Instrument banks (DLS, SoundFont)', extensions: ['dls', 'sf2', 'sf3'] }],
  song: [{ name: 'MIDI files', extensions: ['mid', 'midi', 'rmi'] }],
  'midi-out': [{ name: 'MIDI file', extensions: ['mid'] }],
  'wav-out': [{ name: 'WAV audio', extensions: ['wav'] }],
} as const;

const TITLES = { bank: 'Open instrument bank', song: 'Open MIDI file', 'midi-out': 'Save recording as MIDI file', 'wav-out': 'Export WAV' } as const;
const DEFAULT_NAMES = { 'midi-out': 'recording.mid', 'wav-out': 'export.wav' } as const;

/** What an ipcMain event carries that the checks need. */
export interface IpcEventLike {
  sender: { id: number; mainFrame?: unknown };
  senderFrame: { url: string } | null;
}

export interface DialogLike {
  showOpenDialog(options: { title: string; properties: string[]; filters: ReadonlyArray<{ name: string; extensions: readonly string[] }> }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title: string; defaultPath?: string; filters: ReadonlyArray<{ name: string; extensions: readonly string[] }> }): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface RecentStore {
  read(): string | null;
  write(text: string): void;
}

export interface ShellDeps {
  dialog: DialogLike;
  recentStore: RecentStore;
  /** ids of the webContents of our windows */
  isOurWindow(webContentsId: number): boolean;
  /** The page URL our windows load (file://…/index.html or the dev server). */
  isOurPage(url: string): boolean;
  onRecentChanged(list: RecentFile[]): void;
  log(line: string): void;
}

export class SenderRejected extends Error {
  override name = 'SenderRejected';
}

/** The sender check: one of our windows, its top frame, showing our page. */
export function checkSender(event: IpcEventLike, deps: Pick<ShellDeps, 'isOurWindow' | 'isOurPage'>): void {
  const frame = event.senderFrame;
  if (!deps.isOurWindow(event.sender.id)) throw new SenderRejected('message from a window that is not ours');
  if (!frame) throw new SenderRejected('message from a frame that is gone');
  if (event.sender.mainFrame !== undefined && frame !== event.sender.mainFrame) throw new SenderRejected('message from a sub-frame');
  if (!deps.isOurPage(frame.url)) throw new SenderRejected(`message from a page that is not ours (${frame.url.slice(0, 120)})`);
}

export class Shell {
  private readonly deps: ShellDeps;
  private recent: RecentFile[];

  constructor(deps: ShellDeps) {
    this.deps = deps;
    this.recent = this.load();
  }

  recentFiles(): RecentFile[] {
    return this.recent.map((r) => ({ ...r }));
  }

  addRecent(file: RecentFile): void {
    this.recent = [file, ...this.recent.filter((r) => !(r.kind === file.kind && r.path === file.path))].slice(0, MAX_RECENT);
    try {
      this.deps.recentStore.write(JSON.stringify(this.recent, null, 2));
    } catch (err) {
      this.deps.log(`could not save the recent files: ${(err as Error).message}`);
    }
    this.deps.onRecentChanged(this.recentFiles());
  }

  clearRecent(): void {
    this.recent = [];
    try {
      this.deps.recentStore.write('[]');
    } catch (err) {
      this.deps.log(`could not save the recent files: ${(err as Error).message}`);
    }
    this.deps.onRecentChanged([]);
  }

  async openFile(kind: RecentKind): Promise<string | null> {
    const r = await this.deps.dialog.showOpenDialog({ title: TITLES[kind], properties: ['openFile'], filters: FILTERS[kind] });
    const path = r.canceled ? undefined : r.filePaths[0];
    if (!path) return null;
    this.addRecent({ kind, path });
    return path;
  }

  async saveFile(kind: 'midi-out' | 'wav-out'): Promise<string | null> {
    const r = await this.deps.dialog.showSaveDialog({ title: TITLES[kind], defaultPath: DEFAULT_NAMES[kind], filters: FILTERS[kind] });
    return r.canceled || !r.filePath ? null : r.filePath;
  }

  /**
   * The invoke handlers, each behind the sender check and its payload schema. A refused message
   * throws (the window's promise rejects) and is logged; nothing is done for it.
   */
  handlers(): Record<string, (event: IpcEventLike, payload: unknown) => Promise<unknown>> {
    const guard =
      <S extends z.ZodType, R>(channel: string, schema: S, fn: (payload: z.infer<S>) => Promise<R>) =>
      async (event: IpcEventLike, payload: unknown): Promise<R> => {
        try {
          checkSender(event, this.deps);
        } catch (err) {
          this.deps.log(`${channel}: refused: ${(err as Error).message}`);
          throw err;
        }
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          this.deps.log(`${channel}: refused a malformed payload`);
          throw new Error(`${channel}: invalid payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        }
        return fn(parsed.data);
      };
    return {
      [CHANNELS.openFile]: guard(CHANNELS.openFile, OpenFilePayload, (p) => this.openFile(p.kind)),
      [CHANNELS.saveFile]: guard(CHANNELS.saveFile, SaveFilePayload, (p) => this.saveFile(p.kind)),
      [CHANNELS.recentFiles]: guard(CHANNELS.recentFiles, NoPayload, async () => this.recentFiles()),
    };
  }

  private load(): RecentFile[] {
    let text: string | null;
    try {
      text = this.deps.recentStore.read();
    } catch {
      return [];
    }
    if (!text) return [];
    try {
      const parsed = RecentList.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.slice(0, MAX_RECENT);
    } catch {
      // fall through
    }
    this.deps.log('the recent files list was damaged and has been reset');
    return [];
  }
}

/** A fire-and-forget message (ipcMain.on) behind the sender check; true when it may be handled. */
export function acceptSend(event: IpcEventLike, payload: unknown, deps: Pick<ShellDeps, 'isOurWindow' | 'isOurPage' | 'log'>, channel: string): boolean {
  try {
    checkSender(event, deps);
  } catch (err) {
    deps.log(`${channel}: refused: ${(err as Error).message}`);
    return false;
  }
  if (payload !== undefined) {
    deps.log(`${channel}: refused an unexpected payload`);
    return false;
  }
  return true;
}

// ----- menus -----

export type MenuCommand =
  | { command: 'open-bank' }
  | { command: 'open-song' }
  | { command: 'play-stop' }
  | { command: 'record' }
  | { command: 'export-wav' }
  | { command: 'save-recording' }
  | { command: 'panic' }
  | { command: 'open-recent'; kind: RecentKind; path: string };

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItem[];
}

/**
 * The application menu: what musicians expect from a workstation. Shortcuts avoid plain letters and
 * Space, which the on-screen keyboard and text fields use.
 */
export function menuTemplate(options: { appName: string; platform: string; recent: RecentFile[]; send: (cmd: MenuCommand) => void; clearRecent: () => void }): MenuItem[] {
  const { send } = options;
  const isMac = options.platform === 'darwin';
  const basename = (p: string) => p.split(/[\\/]/).pop() ?? p;
  const recent: MenuItem[] = options.recent.length
    ? [
        ...options.recent.map((r) => ({ label: `${basename(r.path)} — ${r.kind === 'bank' ? 'bank' : 'MIDI file'}`, click: () => send({ command: 'open-recent', kind: r.kind, path: r.path }) })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: options.clearRecent },
      ]
    : [{ label: 'No recent files', enabled: false }];
  const file: MenuItem = {
    label: 'File',
    submenu: [
      { label: 'Open Bank…', accelerator: 'CmdOrCtrl+O', click: () => send({ command: 'open-bank' }) },
      { label: 'Open MIDI File…', accelerator: 'CmdOrCtrl+Shift+O', click: () => send({ command: 'open-song' }) },
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      { label: 'Save Recording as MIDI…', accelerator: 'CmdOrCtrl+S', click: () => send({ command: 'save-recording' }) },
      { label: 'Export WAV…', accelerator: 'CmdOrCtrl+E', click: () => send({ command: 'export-wav' }) },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const transport: MenuItem = {
    label: 'Transport',
    submenu: [
      { label: 'Play / Stop', accelerator: 'CmdOrCtrl+Enter', click: () => send({ command: 'play-stop' }) },
      { label: 'Record', accelerator: 'CmdOrCtrl+R', click: () => send({ command: 'record' }) },
      { type: 'separator' },
      { label: 'Panic (All Notes Off)', accelerator: 'CmdOrCtrl+.', click: () => send({ command: 'panic' }) },
    ],
  };
  const edit: MenuItem = { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] };
  const view: MenuItem = {
    label: 'View',
    submenu: [{ role: 'reload', accelerator: 'CmdOrCtrl+Shift+R' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  const menus = [file, edit, transport, view, { role: 'windowMenu' }];
  return isMac ? [{ label: options.appName, role: 'appMenu' }, ...menus] : menus;
}
