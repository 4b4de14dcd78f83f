/**
 * The preload: the page's only door to main (style principle 4). It exposes `window.dmus`, a few
 * named functions (renderer/src/bridge.ts describes them), and never ipcRenderer itself. Engine
 * ports from main are re-posted into the page (VS Code's pattern); the page then talks to the
 * engine directly. Runs sandboxed: it may require only 'electron'.
 *
 * Do not use getters with side effects on the exposed object: contextBridge copies values once.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';

type Listener = (...args: unknown[]) => void;

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: Listener): unknown;
  removeListener(channel: string, listener: Listener): unknown;
}

export interface WebUtilsLike {
  getPathForFile(file: never): string;
}

const MENU_COMMANDS = new Set(['open-bank', 'open-song', 'play-stop', 'record', 'export-wav', 'save-recording', 'panic', 'open-recent']);
const STATUS_STATES = new Set(['running', 'crashed', 'restarting', 'failed']);

/** Builds the object exposed as window.dmus. Exported for the tests. */
export function createBridge(ipc: IpcRendererLike, utils: WebUtilsLike) {
  /** Subscribes to a main → page channel, passing on only messages of the expected shape. */
  const subscribe = (channel: string, accept: (v: unknown) => boolean, listener: (v: never) => void) => {
    const l: Listener = (_event, value) => {
      if (accept(value)) listener(value as never);
    };
    ipc.on(channel, l);
    return () => {
      ipc.removeListener(channel, l);
    };
  };
  return {
    platform: 'electron' as const,
    requestEnginePort(): void {
      ipc.send('dmus:request-engine-port');
    },
    openFile(kind: 'bank' | 'song'): Promise<string | null> {
      return ipc.invoke('dmus:open-file', { kind }) as Promise<string | null>;
    },
    saveFile(kind: 'midi-out' | 'wav-out'): Promise<string | null> {
      return ipc.invoke('dmus:save-file', { kind }) as Promise<string | null>;
    },
    recentFiles(): Promise<Array<{ kind: 'bank' | 'song'; path: string }>> {
      return ipc.invoke('dmus:recent-files') as Promise<Array<{ kind: 'bank' | 'song'; path: string }>>;
    },
    restartEngine(): void {
      ipc.send('dmus:restart-engine');
    },
    /** The disk path of a dropped file (Electron no longer puts it on File.path), or '' in a browser. */
    pathForFile(file: File): string {
      try {
        return utils.getPathForFile(file as never);
      } catch {
        return '';
      }
    },
    onMenu(listener: (command: { command: string }) => void): () => void {
      return subscribe('dmus:menu', (v) => !!v && typeof v === 'object' && MENU_COMMANDS.has((v as { command?: string }).command ?? ''), listener);
    },
    onEngineStatus(listener: (status: { state: string; message: string | null; restarts: number }) => void): () => void {
      return subscribe('dmus:engine-status', (v) => !!v && typeof v === 'object' && STATUS_STATES.has((v as { state?: string }).state ?? ''), listener);
    },
  };
}

/** Hands each engine port from main to the page; the page checks the message and wraps the port. */
export function forwardEnginePorts(ipc: IpcRendererLike, post: (message: string, ports: unknown[]) => void): void {
  ipc.on('dmus:engine-port', (event) => {
    const ports = (event as { ports?: unknown[] } | undefined)?.ports ?? [];
    if (ports.length === 1) post('dmus:engine-port', ports);
  });
}

contextBridge.exposeInMainWorld('dmus', createBridge(ipcRenderer as IpcRendererLike, webUtils as WebUtilsLike));
forwardEnginePorts(ipcRenderer as IpcRendererLike, (message, ports) => window.postMessage(message, '*', ports as MessagePort[]));
