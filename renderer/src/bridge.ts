/**
 * The shape of `window.dmus`, the few named functions Electron's preload exposes (electron/preload.ts
 * builds the same object; tests/electron/preload.test.ts checks the names match). Absent in browser
 * mode, so every use goes through getBridge() and has a browser fallback.
 */

export type FileKind = 'bank' | 'song' | 'midi-out' | 'wav-out';

export interface RecentFile {
  kind: 'bank' | 'song';
  path: string;
}

/** What the menus ask the window to do (main validates nothing here: the window acts through the engine). */
export type MenuCommand =
  | { command: 'open-bank' }
  | { command: 'open-song' }
  | { command: 'play-stop' }
  | { command: 'record' }
  | { command: 'export-wav' }
  | { command: 'save-recording' }
  | { command: 'panic' }
  | { command: 'open-recent'; kind: 'bank' | 'song'; path: string };

export interface EngineStatus {
  state: 'running' | 'crashed' | 'restarting' | 'failed';
  message: string | null;
  restarts: number;
}

export interface DmusBridge {
  readonly platform: 'electron';
  /** Asks main for a fresh MessagePort to the engine; it arrives as window message 'dmus:engine-port'. */
  requestEnginePort(): void;
  /** Native file dialogs; null when cancelled. Chosen files go into the recent list. */
  openFile(kind: 'bank' | 'song'): Promise<string | null>;
  saveFile(kind: 'midi-out' | 'wav-out'): Promise<string | null>;
  recentFiles(): Promise<RecentFile[]>;
  /** The disk path of a dropped file ('' when it has none), so the engine can read it itself. */
  pathForFile(file: File): string;
  /** Starts the engine again after main gave up restarting it. */
  restartEngine(): void;
  onMenu(listener: (command: MenuCommand) => void): () => void;
  onEngineStatus(listener: (status: EngineStatus) => void): () => void;
}

declare global {
  interface Window {
    dmus?: DmusBridge;
  }
}

export function getBridge(win: Window = window): DmusBridge | null {
  return win.dmus && win.dmus.platform === 'electron' ? win.dmus : null;
}
