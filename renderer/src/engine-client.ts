/**
 * The window's one link to the engine, and the only runtime importer of engine/protocol in the
 * renderer (everything else imports types only). Two carriers, one protocol: the MessagePort that
 * Electron's main process brokers (VS Code's pattern: preload re-posts it into the page), or the
 * loopback WebSocket of browser mode, with the session token from the page's URL.
 *
 * An EngineLink outlives connections: when the engine restarts (Electron) or the socket drops
 * (browser), a new client is attached and the store's listeners keep working.
 */
import type { MethodName, NotificationData, NotificationName, Params, Result } from '../../engine/protocol/messages.js';
import { createClient, type EngineClient } from '../../engine/protocol/rpc.js';
import { decodeJson, encodeJson, type Transport } from '../../engine/protocol/transport.js';
import { messagePortTransport } from '../../engine/protocol/transports/message-port.js';
import type { DmusBridge, EngineStatus } from './bridge.js';

export type LinkState = 'connecting' | 'connected' | 'lost' | 'restarting' | 'failed';

export interface LinkStatus {
  state: LinkState;
  /** Why, in words for the status bar (null when all is well). */
  message: string | null;
  engine: string | null;
}

/** What the store needs from the engine: calls, notifications and the connection's state. */
export interface EngineLink {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<N extends NotificationName>(event: N, listener: (data: NotificationData<N>) => void): () => void;
  readonly status: LinkStatus;
  onStatus(listener: (status: LinkStatus) => void): () => void;
}

export interface AttachableLink extends EngineLink {
  /** Uses this client from now on (a new connection); the previous one is closed. */
  attach(client: EngineClient): void;
  setStatus(state: LinkState, message: string | null): void;
  close(): void;
}

const NOTIFICATIONS: readonly NotificationName[] = ['onStats', 'onState', 'onMidiInput', 'onError', 'onProgress'];

/** An error shaped like the protocol's, for calls made while there is no connection. */
function notConnected(): Error & { code: string } {
  return Object.assign(new Error('the audio engine is not connected'), { code: 'CLOSED' });
}

export function createEngineLink(): AttachableLink {
  let client: EngineClient | null = null;
  let ready: Promise<string> | null = null;
  let status: LinkStatus = { state: 'connecting', message: null, engine: null };
  const listeners = new Map<NotificationName, Set<(d: unknown) => void>>();
  const statusListeners = new Set<(s: LinkStatus) => void>();

  const setStatus = (state: LinkState, message: string | null, engine: string | null = status.engine) => {
    status = { state, message, engine };
    for (const l of statusListeners) l(status);
  };

  return {
    get status() {
      return status;
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    setStatus(state, message) {
      setStatus(state, message);
    },
    attach(next) {
      const previous = client;
      client = next;
      ready = next.connected;
      if (previous && previous !== next) {
        try {
          previous.close();
        } catch {
          // already gone
        }
      }
      for (const name of NOTIFICATIONS) {
        next.on(name, (data) => {
          if (client !== next) return;
          const set = listeners.get(name);
          if (set) for (const l of set) l(data);
        });
      }
      next.onClose((reason) => {
        if (client !== next) return;
        client = null;
        ready = null;
        setStatus('lost', reason);
      });
      setStatus('connecting', null);
      next.connected.then(
        (engine) => {
          if (client === next) setStatus('connected', null, engine);
        },
        (err: unknown) => {
          if (client === next) setStatus('failed', err instanceof Error ? err.message : String(err));
        },
      );
    },
    async call(method, params) {
      const c = client;
      if (!c || !ready) throw notConnected();
      await ready;
      return c.call(method, params);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (d: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    close() {
      client?.close();
      client = null;
      ready = null;
    },
  };
}

/** The WebSocket as a Transport: JSON text frames (bytes as base64), queued until the socket opens. */
export function webSocketTransport(ws: WebSocket): Transport {
  let handler: ((m: unknown) => void) | undefined;
  const backlog: unknown[] = [];
  const outbox: string[] = [];
  const closeHandlers: Array<(r: string) => void> = [];
  let closed = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers) h(reason);
  };
  ws.addEventListener('open', () => {
    for (const text of outbox.splice(0)) ws.send(text);
  });
  ws.addEventListener('message', (e: MessageEvent) => {
    if (typeof e.data !== 'string') return;
    let msg: unknown;
    try {
      msg = decodeJson(e.data);
    } catch {
      return;
    }
    if (handler) handler(msg);
    else backlog.push(msg);
  });
  ws.addEventListener('close', (e: CloseEvent) => finish(e.reason || `socket closed (${e.code})`));
  return {
    send(message) {
      if (closed) throw new Error('transport closed');
      const text = encodeJson(message);
      if (ws.readyState === 1) ws.send(text);
      else outbox.push(text);
    },
    onMessage(h) {
      handler = h;
      for (const m of backlog.splice(0)) h(m);
    },
    onClose(h) {
      closeHandlers.push(h);
    },
    close(reason = 'closed') {
      ws.close(1000, reason.slice(0, 100));
      finish(reason);
    },
  };
}

/** The engine's WebSocket address and token for a page served by `dmus serve`. */
export function browserEndpoint(location: { protocol: string; host: string; search: string }): { url: string; token: string | null } {
  const token = new URLSearchParams(location.search).get('token');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return { url: `${scheme}://${location.host}/engine`, token };
}

export interface BrowserConnectOptions {
  location: { protocol: string; host: string; search: string };
  createSocket?: (url: string) => WebSocket;
  /** Reconnection delays in ms; the last one repeats. */
  retryDelays?: readonly number[];
}

/** Browser mode: connect over the WebSocket, and reconnect with a backoff when it drops. */
export function connectBrowser(link: AttachableLink, options: BrowserConnectOptions): () => void {
  const { url, token } = browserEndpoint(options.location);
  const createSocket = options.createSocket ?? ((u: string) => new WebSocket(u));
  const delays = options.retryDelays ?? [1000, 2000, 4000, 8000];
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (!token) {
    link.setStatus('failed', 'This page was opened without its session token. Open the address that `dmus serve` printed.');
    return () => {};
  }
  const open = () => {
    const client = createClient(webSocketTransport(createSocket(url)), { token, clientName: 'dmus-ui (browser)' });
    link.attach(client);
    client.connected.then(
      () => {
        attempt = 0;
      },
      () => {},
    );
    client.onClose((reason) => {
      if (stopped) return;
      if (/unauthori[sz]ed|token/i.test(reason)) {
        link.setStatus('failed', 'The engine refused this page: its session token is wrong or old. Open the address that `dmus serve` printed.');
        return;
      }
      const delay = delays[Math.min(attempt, delays.length - 1)];
      attempt++;
      link.setStatus('lost', `Lost the connection to the engine; trying again in ${Math.round(delay / 1000)} s.`);
      timer = setTimeout(open, delay);
    });
  };
  open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    link.close();
  };
}

/** Electron: the preload re-posts each engine port into the page; main also reports crashes and restarts. */
export function connectElectron(link: AttachableLink, bridge: DmusBridge, win: Window): () => void {
  const onMessage = (e: MessageEvent) => {
    if (e.source !== win || e.data !== 'dmus:engine-port' || e.ports.length !== 1) return;
    const port = e.ports[0];
    link.attach(createClient(messagePortTransport(port), { clientName: 'dmus-ui (electron)' }));
  };
  win.addEventListener('message', onMessage);
  const off = bridge.onEngineStatus((s: EngineStatus) => {
    if (s.state === 'running') return; // the new port follows; attach() reports the connection
    // The engine behind the current port is gone. A window's MessagePort is not always told that
    // its other end died, so drop it now: calls fail at once ("not connected") instead of waiting
    // for an answer that will never come.
    link.close();
    link.setStatus(s.state === 'failed' ? 'failed' : 'restarting', s.message);
  });
  bridge.requestEnginePort();
  return () => {
    win.removeEventListener('message', onMessage);
    off();
    link.close();
  };
}
