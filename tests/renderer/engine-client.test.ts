// @vitest-environment happy-dom
// The window's engine link: the WebSocket transport (queue until open, JSON with bytes), the token
// from the page URL, reconnection with a backoff, refusing a page without its token, and the
// Electron path (only the preload's port message is taken).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJson, encodeJson } from '../../engine/protocol/transport.js';
import type { DmusBridge, EngineStatus } from '../../renderer/src/bridge.js';
import { browserEndpoint, connectBrowser, connectElectron, createEngineLink, webSocketTransport } from '../../renderer/src/engine-client.js';
import { createFakeEngine } from '../helpers/fake-engine.js';

class FakeSocket extends EventTarget {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  open() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  receive(message: unknown) {
    this.dispatchEvent(new MessageEvent('message', { data: encodeJson(message) }));
  }
  drop(reason = '') {
    this.readyState = 3;
    const e = new Event('close') as Event & { code: number; reason: string };
    Object.assign(e, { code: 1006, reason });
    this.dispatchEvent(e);
  }
}

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe('browser mode', () => {
  it('finds the engine socket and token from the page address', () => {
    expect(browserEndpoint({ protocol: 'http:', host: '127.0.0.1:4321', search: '?token=abc' })).toEqual({ url: 'ws://127.0.0.1:4321/engine', token: 'abc' });
  });

  it('queues until the socket opens and carries bytes as base64 JSON', () => {
    const ws = new FakeSocket('ws://x/engine');
    const t = webSocketTransport(ws as unknown as WebSocket);
    const got: unknown[] = [];
    t.onMessage((m) => got.push(m));
    t.send({ t: 'req', id: 1, method: 'loadCollectionData', params: { name: 'a.dls', bytes: new Uint8Array([1, 2, 3]) } });
    expect(ws.sent).toEqual([]);
    ws.open();
    expect(ws.sent).toHaveLength(1);
    expect(decodeJson(ws.sent[0])).toEqual({ t: 'req', id: 1, method: 'loadCollectionData', params: { name: 'a.dls', bytes: new Uint8Array([1, 2, 3]) } });
    ws.receive({ t: 'res', id: 1, result: { bytes: new Uint8Array([9]) } });
    expect(got).toEqual([{ t: 'res', id: 1, result: { bytes: new Uint8Array([9]) } }]);
  });

  it('says clearly when the page was opened without its token', () => {
    const link = createEngineLink();
    connectBrowser(link, { location: { protocol: 'http:', host: 'h', search: '' }, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket });
    expect(link.status.state).toBe('failed');
    expect(link.status.message).toMatch(/without its session token/);
    expect(FakeSocket.all).toHaveLength(0);
  });

  it('sends the token in its hello, and reconnects with a backoff when the socket drops', async () => {
    vi.useFakeTimers();
    const link = createEngineLink();
    const states: string[] = [];
    link.onStatus((s) => states.push(s.state));
    const stop = connectBrowser(link, { location: { protocol: 'http:', host: '127.0.0.1:9', search: '?token=t0k' }, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket, retryDelays: [100, 500] });
    const first = FakeSocket.all[0];
    first.open();
    expect(decodeJson(first.sent[0])).toMatchObject({ t: 'hello', token: 't0k' });
    first.receive({ t: 'welcome', version: 1, engine: 'dmus' });
    await vi.advanceTimersByTimeAsync(0);
    expect(link.status).toMatchObject({ state: 'connected', engine: 'dmus' });
    first.drop('server restarted');
    expect(link.status.state).toBe('lost');
    expect(link.status.message).toMatch(/trying again in 0 s/);
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].drop();
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(3);
    stop();
    expect(states).toContain('connected');
  });

  it('stops retrying when the engine refuses the token', async () => {
    vi.useFakeTimers();
    const link = createEngineLink();
    connectBrowser(link, { location: { protocol: 'http:', host: 'h', search: '?token=old' }, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket });
    FakeSocket.all[0].drop('unauthorized');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(link.status.state).toBe('failed');
  });
});

describe('Electron mode', () => {
  function fakeBridge() {
    let statusListener: ((s: EngineStatus) => void) | null = null;
    let requested = 0;
    const bridge = {
      platform: 'electron',
      requestEnginePort: () => requested++,
      onEngineStatus: (l: (s: EngineStatus) => void) => {
        statusListener = l;
        return () => {};
      },
    } as unknown as DmusBridge;
    return { bridge, status: (s: EngineStatus) => statusListener?.(s), requested: () => requested };
  }

  it('asks for a port, and connects on the preload message only', async () => {
    const engine = createFakeEngine();
    const link = createEngineLink();
    const f = fakeBridge();
    connectElectron(link, f.bridge, window);
    expect(f.requested()).toBe(1);
    const { port1, port2 } = new MessageChannel();
    // An engine-side server on the other end of the channel.
    const { messagePortTransport } = await import('../../engine/protocol/transports/message-port.js');
    engine.serve(messagePortTransport(port1));
    window.dispatchEvent(new MessageEvent('message', { data: 'something else', source: window, ports: [port2] }));
    expect(link.status.state).toBe('connecting');
    window.dispatchEvent(new MessageEvent('message', { data: 'dmus:engine-port', source: window, ports: [port2] }));
    const state = await link.call('getState', {});
    expect(state.pins[0].name).toBe('Synth 1');
    f.status({ state: 'restarting', message: 'the engine stopped unexpectedly (exit code 139)', restarts: 0 });
    expect(link.status).toMatchObject({ state: 'restarting', message: 'the engine stopped unexpectedly (exit code 139)' });
  });
});
