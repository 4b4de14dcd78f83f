// The preload exposes window.dmus with exactly the functions renderer/src/bridge.ts describes, never
// ipcRenderer; it uses only our channels, filters what main sends, and forwards engine ports.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DmusBridge } from '../../renderer/src/bridge.js';

type Listener = (...args: unknown[]) => void;
const calls: Array<{ how: string; channel: string; args: unknown[] }> = [];
const listeners = new Map<string, Listener[]>();
const exposed: Record<string, unknown> = {};
const posted: Array<{ message: unknown; ports: unknown }> = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      calls.push({ how: 'invoke', channel, args });
      return null;
    },
    send: (channel: string, ...args: unknown[]) => calls.push({ how: 'send', channel, args }),
    on: (channel: string, l: Listener) => listeners.set(channel, [...(listeners.get(channel) ?? []), l]),
    removeListener: (channel: string, l: Listener) => listeners.set(channel, (listeners.get(channel) ?? []).filter((x) => x !== l)),
  },
  webUtils: { getPathForFile: () => '/dropped/bank.dls' },
}));

const emit = (channel: string, event: unknown, value?: unknown) => {
  for (const l of listeners.get(channel) ?? []) l(event, value);
};

beforeAll(async () => {
  vi.stubGlobal('window', { postMessage: (message: unknown, _origin: string, ports: unknown) => posted.push({ message, ports }) });
  await import('../../electron/preload.js');
});

describe('preload', () => {
  it('exposes exactly the bridge the renderer expects, and no IPC object', () => {
    const bridge = exposed.dmus as Record<string, unknown>;
    const expected: Array<keyof DmusBridge> = ['platform', 'requestEnginePort', 'openFile', 'saveFile', 'recentFiles', 'pathForFile', 'restartEngine', 'onMenu', 'onEngineStatus'];
    expect(Object.keys(bridge).sort()).toEqual([...expected].sort());
    expect(Object.keys(exposed)).toEqual(['dmus']);
    for (const v of Object.values(bridge)) expect(v).not.toHaveProperty('invoke');
    // type-level: the preload's object satisfies the renderer's interface
    const typed: DmusBridge = exposed.dmus as DmusBridge;
    expect(typed.platform).toBe('electron');
  });

  it('uses only dmus: channels with fixed payload shapes', async () => {
    const bridge = exposed.dmus as DmusBridge;
    bridge.requestEnginePort();
    await bridge.openFile('bank');
    await bridge.saveFile('wav-out');
    await bridge.recentFiles();
    bridge.restartEngine();
    expect(calls).toEqual([
      { how: 'send', channel: 'dmus:request-engine-port', args: [] },
      { how: 'invoke', channel: 'dmus:open-file', args: [{ kind: 'bank' }] },
      { how: 'invoke', channel: 'dmus:save-file', args: [{ kind: 'wav-out' }] },
      { how: 'invoke', channel: 'dmus:recent-files', args: [] },
      { how: 'send', channel: 'dmus:restart-engine', args: [] },
    ]);
    expect(bridge.pathForFile({} as File)).toBe('/dropped/bank.dls');
  });

  it('passes on only well-formed menu commands and engine statuses, and can unsubscribe', () => {
    const bridge = exposed.dmus as DmusBridge;
    const menu: unknown[] = [];
    const off = bridge.onMenu((c) => menu.push(c));
    emit('dmus:menu', {}, { command: 'panic' });
    emit('dmus:menu', {}, { command: 'rm -rf' });
    emit('dmus:menu', {}, 'panic');
    off();
    emit('dmus:menu', {}, { command: 'record' });
    expect(menu).toEqual([{ command: 'panic' }]);
    const statuses: unknown[] = [];
    bridge.onEngineStatus((s) => statuses.push(s));
    emit('dmus:engine-status', {}, { state: 'restarting', message: 'x', restarts: 1 });
    emit('dmus:engine-status', {}, { state: 'exploded' });
    expect(statuses).toEqual([{ state: 'restarting', message: 'x', restarts: 1 }]);
  });

  it('re-posts each engine port into the page', () => {
    const port = { fake: 'port' };
    emit('dmus:engine-port', { ports: [port] });
    emit('dmus:engine-port', { ports: [] });
    expect(posted).toEqual([{ message: 'dmus:engine-port', ports: [port] }]);
  });
});
