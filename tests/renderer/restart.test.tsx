// @vitest-environment happy-dom
// An engine crash as the window lives it (Electron): main reports the crash and the restart, the
// window says "restarting… your session will be restored" and keeps showing the last session; the
// restarted engine's port arrives and the store then holds the session that engine restored (not
// what the window remembered). When main gives up, the window says the engine is not running and
// offers to start it again, which asks main to.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { messagePortTransport } from '../../engine/protocol/transports/message-port.js';
import { App } from '../../renderer/src/app.js';
import type { DmusBridge, EngineStatus } from '../../renderer/src/bridge.js';
import { connectElectron, createEngineLink } from '../../renderer/src/engine-client.js';
import { AppProvider, createApp } from '../../renderer/store/index.js';
import { createFakeEngine, type FakeEngine } from '../helpers/fake-engine.js';
import { settle } from './harness.js';

afterEach(() => {
  cleanup();
  delete window.dmus;
});

/** window.dmus as the preload exposes it, driven by the test as main would be. */
function fakeBridge() {
  const statusListeners = new Set<(s: EngineStatus) => void>();
  const calls = { portRequests: 0, restarts: 0 };
  const bridge: DmusBridge = {
    platform: 'electron',
    requestEnginePort: () => void calls.portRequests++,
    openFile: async () => null,
    saveFile: async () => null,
    recentFiles: async () => [],
    pathForFile: () => '',
    restartEngine: () => void calls.restarts++,
    onMenu: () => () => {},
    onEngineStatus: (l) => {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
  };
  const status = (s: EngineStatus) => {
    for (const l of statusListeners) l(s);
  };
  return { bridge, calls, status };
}

/** Main hands the window a port to this engine, as the preload re-posts it. */
async function handPort(engine: FakeEngine): Promise<MessagePort> {
  const { port1, port2 } = new MessageChannel();
  engine.serve(messagePortTransport(port1));
  window.dispatchEvent(new MessageEvent('message', { data: 'dmus:engine-port', source: window, ports: [port2] }));
  await settle(10);
  return port1;
}

async function start() {
  const main = fakeBridge();
  window.dmus = main.bridge;
  const link = createEngineLink();
  const app = createApp(link);
  connectElectron(link, main.bridge, window);
  render(
    <AppProvider app={app}>
      <App />
    </AppProvider>,
  );
  return { main, app, store: app.store };
}

const banner = () => document.querySelector<HTMLElement>('.notices [role="status"]');

describe('engine restart in the window', () => {
  it('shows the restart, then the session the restarted engine restored', async () => {
    const { main, store } = await start();
    const first = createFakeEngine();
    const port = await handPort(first);
    expect(main.calls.portRequests).toBe(1);
    expect(screen.getByText('Engine running')).toBeTruthy();
    await store.getState().createPin('Pads');
    await settle();
    expect(screen.getByRole('article', { name: 'Synth Pads' })).toBeTruthy();

    // The engine process dies: its port closes, main says it is restarting it.
    port.close();
    main.status({ state: 'crashed', message: 'the engine stopped unexpectedly (exit code 139)', restarts: 0 });
    main.status({ state: 'restarting', message: 'the engine stopped unexpectedly (exit code 139); restarting in 250 ms', restarts: 0 });
    await settle();
    expect(banner()?.textContent).toBe(
      'The audio engine stopped and is restarting; your session will be restored. the engine stopped unexpectedly (exit code 139); restarting in 250 ms',
    );
    expect(within(banner() as HTMLElement).queryByRole('button')).toBeNull();
    expect(screen.getByText('Engine restarting')).toBeTruthy();
    // The last known session stays on screen meanwhile; what the musician does now says why it fails.
    expect(screen.getByRole('article', { name: 'Synth Pads' })).toBeTruthy();
    await store.getState().createPin('Lost in the gap');
    await settle();
    expect(screen.getByRole('alert').textContent).toContain('not connected');

    // The restarted engine restored its session from disk: what was saved, which differs in what
    // the window never heard of (another window renamed a synth and gave it 3 groups).
    const restarted = createFakeEngine();
    await restarted.handlers.createPin({ name: 'Pads (restored)' });
    await restarted.handlers.setChannelGroups({ pinId: 2, groups: 3 });
    main.status({ state: 'running', message: null, restarts: 1 });
    await handPort(restarted);
    expect(banner()).toBeNull();
    expect(screen.getByText('Engine running')).toBeTruthy();
    const s = store.getState().session;
    expect(s?.pins.map((p) => [p.name, p.channelGroups])).toEqual([
      ['Synth 1', 1],
      ['Pads (restored)', 3],
    ]);
    expect(screen.getByRole('article', { name: 'Synth Pads (restored)' })).toBeTruthy();
    expect(screen.queryByRole('article', { name: 'Synth Pads' })).toBeNull();
    // And the window talks to the new engine.
    await store.getState().createPin('After');
    expect(restarted.state.pins.map((p) => p.name)).toContain('After');
    expect(first.state.pins.map((p) => p.name)).not.toContain('After');
  });

  it('says when main gave up, and starts the engine again on request', async () => {
    const { main } = await start();
    const port = await handPort(createFakeEngine());
    port.close();
    main.status({ state: 'failed', message: 'cannot open the session folder. It crashed 6 times in 120 s, so it was not restarted again.', restarts: 5 });
    await settle();
    const b = banner() as HTMLElement;
    expect(b.classList.contains('bad')).toBe(true);
    expect(b.textContent).toContain('The audio engine is not running. cannot open the session folder. It crashed 6 times in 120 s, so it was not restarted again.');
    expect(screen.getByText('Engine stopped')).toBeTruthy();
    fireEvent.click(within(b).getByRole('button', { name: 'Start the engine again' }));
    expect(main.calls.restarts).toBe(1);
    // Main starts it: restarting, then a new port and the banner goes.
    main.status({ state: 'restarting', message: 'starting the engine again', restarts: 5 });
    await settle();
    expect(banner()?.textContent).toContain('your session will be restored. starting the engine again');
    main.status({ state: 'running', message: null, restarts: 6 });
    await handPort(createFakeEngine());
    expect(banner()).toBeNull();
  });

  it('offers no restart button in browser mode (nothing there can start the engine)', async () => {
    const link = createEngineLink();
    const app = createApp(link);
    render(
      <AppProvider app={app}>
        <App />
      </AppProvider>,
    );
    link.setStatus('failed', 'The engine refused this page: its session token is wrong or old.');
    await settle();
    expect(banner()?.textContent).toBe('The audio engine is not running. The engine refused this page: its session token is wrong or old.');
    expect(within(banner() as HTMLElement).queryByRole('button')).toBeNull();
  });
});
