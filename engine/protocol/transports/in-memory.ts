/**
 * An in-memory transport pair for tests (VS Code's QueueProtocol idea): what one end sends, the
 * other receives on a later microtask, as over a real carrier. Messages are structured-cloned so
 * a test cannot pass live objects that a real carrier would not carry.
 */
import type { Transport } from '../transport.js';

class MemoryEnd implements Transport {
  peer: MemoryEnd | undefined;
  private handler: ((m: unknown) => void) | undefined;
  private readonly closeHandlers: Array<(reason: string) => void> = [];
  private closed = false;
  private readonly backlog: unknown[] = [];

  send(message: unknown): void {
    if (this.closed) throw new Error('transport closed');
    const copy = structuredClone(message);
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
  }
  deliver(m: unknown): void {
    if (this.closed) return;
    if (this.handler) this.handler(m);
    else this.backlog.push(m);
  }
  onMessage(handler: (message: unknown) => void): void {
    this.handler = handler;
    for (const m of this.backlog.splice(0)) handler(m);
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }
  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(reason);
    const peer = this.peer;
    queueMicrotask(() => peer?.close(reason));
  }
}

export function createMemoryPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
