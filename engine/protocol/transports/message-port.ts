/**
 * The protocol over a MessagePort-like object: an Electron MessagePortMain (main process and
 * utility process), the utility process's parentPort, a DOM MessagePort in the window, or a Node
 * worker_threads MessagePort. Typed structurally so this neutral file needs none of those modules.
 * Structured clone carries Uint8Arrays as they are.
 */
import type { Transport } from '../transport.js';

/** The DOM / Node shape: addEventListener('message', (e) => e.data). */
export interface DomLikePort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
  close?(): void;
}

/** The Electron main / Node EventEmitter shape: on('message', (e) => e.data) or (data). */
export interface EmitterLikePort {
  postMessage(message: unknown): void;
  on(type: 'message', listener: (event: unknown) => void): void;
  on(type: 'close', listener: () => void): void;
  start?(): void;
  close?(): void;
}

export function messagePortTransport(port: DomLikePort | EmitterLikePort, options: { unwrapData?: boolean } = {}): Transport {
  let handler: ((m: unknown) => void) | undefined;
  const backlog: unknown[] = [];
  const closeHandlers: Array<(r: string) => void> = [];
  let closed = false;
  const receive = (m: unknown) => {
    if (handler) handler(m);
    else backlog.push(m);
  };
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers) h(reason);
  };
  if ('addEventListener' in port) {
    port.addEventListener('message', (e) => receive(e.data));
  } else {
    // Electron's MessagePortMain and parentPort deliver {data}; Node's worker MessagePort delivers the value.
    const unwrap = options.unwrapData ?? true;
    port.on('message', (e: unknown) => receive(unwrap && e && typeof e === 'object' && 'data' in e ? (e as { data: unknown }).data : e));
    port.on('close', () => finish('port closed'));
  }
  port.start?.();
  return {
    send(message) {
      if (closed) throw new Error('transport closed');
      port.postMessage(message);
    },
    onMessage(h) {
      handler = h;
      for (const m of backlog.splice(0)) h(m);
    },
    onClose(h) {
      closeHandlers.push(h);
    },
    close(reason = 'closed') {
      port.close?.();
      finish(reason);
    },
  };
}
