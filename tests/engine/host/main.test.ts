/**
 * The engine's side of the utility-process handshake (engine/host/main.ts) with the process API
 * passed in: it says ready only once the engine runs, serves the port of every connect message
 * (one per window), ignores anything else, and reports a start-up failure as fatal before exiting.
 * Then main's EngineProcess and the engine's handshake together, over ports shaped like Electron's
 * MessageChannelMain, with a real engine on a session folder: a crashed engine is restarted and the window's new connection finds the session as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineProcess, type EngineStatus, type UtilityChild } from '../../../electron/engine-process.js';
import { type ParentPort, runUtilityProcess, startEngine } from '../../../engine/host/main.js';
import type { EngineServer } from '../../../engine/host/server.js';
import { createClient, type EngineClient } from '../../../engine/protocol/rpc.js';
import type { Transport } from '../../../engine/protocol/transport.js';
import { messagePortTransport } from '../../../engine/protocol/transports/message-port.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dmus-main-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function offlineEngine(dir: string | null): Promise<EngineServer> {
  const engine = await startEngine({ sessionDir: dir, output: 'offline' });
  cleanups.push(() => engine.close());
  return engine;
}

type Listener = (e?: unknown) => void;

/** One end of a MessageChannelMain as Electron has it: on('message', ({ data, ports })), on('close'). */
class FakePortMain {
  peer: FakePortMain | null = null;
  private readonly listeners = { message: [] as Listener[], close: [] as Listener[] };
  private closed = false;
  postMessage(message: unknown): void {
    if (this.closed) return;
    const copy = structuredClone(message);
    const peer = this.peer;
    setTimeout(() => peer?.deliver(copy), 0);
  }
  on(type: 'message' | 'close', listener: Listener): void {
    this.listeners[type].push(listener);
  }
  start(): void {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners.close) l();
    this.peer?.close();
  }
  private deliver(data: unknown): void {
    if (!this.closed) for (const l of this.listeners.message) l({ data, ports: [] });
  }
}

function channelMain(): { port1: FakePortMain; port2: FakePortMain } {
  const port1 = new FakePortMain();
  const port2 = new FakePortMain();
  port1.peer = port2;
  port2.peer = port1;
  return { port1, port2 };
}

/** The window's end of a channel, as a protocol client. */
function windowClient(port: FakePortMain): EngineClient {
  const client = createClient(messagePortTransport(port), { validate: true });
  cleanups.push(() => client.close());
  return client;
}

/** process.parentPort as a utility process has it, recording what the engine posts. */
function fakeParentPort() {
  const posted: unknown[] = [];
  let listener: ((e: { data: unknown; ports: unknown[] }) => void) | null = null;
  const port: ParentPort = {
    on: (_event, l) => {
      listener = l;
    },
    postMessage: (m) => posted.push(m),
  };
  return {
    port,
    posted,
    listening: () => listener !== null,
    send: (data: unknown, ports: unknown[] = []) => listener?.({ data, ports }),
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('engine handshake (utility process side)', () => {
  it('posts ready only after the engine has started, then serves each window that connects', async () => {
    const parent = fakeParentPort();
    const engine = deferred<EngineServer>();
    const exits: number[] = [];
    const running = runUtilityProcess(parent.port, { start: () => engine.promise, exit: (c) => exits.push(c) });
    await new Promise((r) => setTimeout(r, 20));
    // Still starting (restoring the session, opening the bank): main must not hand out ports yet.
    expect(parent.posted).toEqual([]);
    engine.resolve(await offlineEngine(null));
    await running;
    expect(parent.posted).toEqual([{ type: 'dmus:ready' }]);
    expect(exits).toEqual([]);

    // Two windows: each gets its own channel, and both talk to the same engine.
    const a = channelMain();
    const b = channelMain();
    parent.send({ type: 'dmus:connect' }, [a.port1]);
    parent.send({ type: 'dmus:connect' }, [b.port1]);
    const first = windowClient(a.port2);
    const second = windowClient(b.port2);
    expect(await first.connected).toBe('dmus-engine');
    expect(await second.connected).toBe('dmus-engine');
    const pin = await first.call('createPin', { name: 'From window one' });
    const seen = await second.call('getState', {});
    expect(seen.pins.map((p) => p.name)).toContain('From window one');
    expect(seen.pins.find((p) => p.id === pin.id)?.name).toBe('From window one');
  });

  it('ignores messages that are not a connect carrying a port', async () => {
    const parent = fakeParentPort();
    const attached: Transport[] = [];
    const attach = (t: Transport) => {
      attached.push(t);
      return null as never;
    };
    await runUtilityProcess(parent.port, { start: async () => ({ attach }), exit: () => {} });
    expect(parent.listening()).toBe(true);
    parent.send({ type: 'dmus:connect' });
    parent.send({ type: 'dmus:hello' }, [channelMain().port1]);
    parent.send('dmus:connect', [channelMain().port1]);
    parent.send(null);
    expect(attached).toHaveLength(0);
    const ch = channelMain();
    parent.send({ type: 'dmus:connect' }, [ch.port1]);
    expect(attached).toHaveLength(1);
  });

  it('reports a start-up failure to main as fatal, with the reason, and exits with 1', async () => {
    const parent = fakeParentPort();
    const exits: number[] = [];
    await runUtilityProcess(parent.port, {
      start: async () => {
        throw new Error("cannot open the session folder '/data/session': permission denied");
      },
      exit: (c) => exits.push(c),
    });
    expect(parent.posted).toEqual([{ type: 'dmus:fatal', message: "cannot open the session folder '/data/session': permission denied" }]);
    expect(exits).toEqual([1]);
    expect(parent.listening()).toBe(false);
  });
});

/**
 * A utility process run in this process: EngineProcess forks it, messages go to the handshake's
 * parentPort, and a crash closes the engine (its session is on disk) and reports the exit code.
 */
class InProcessChild implements UtilityChild {
  private readonly listeners = { message: [] as Array<(m: unknown) => void>, exit: [] as Array<(code: number) => void> };
  private parentListener: ((e: { data: unknown; ports: unknown[] }) => void) | null = null;
  private engine: EngineServer | null = null;
  private exited = false;
  readonly started: Promise<void>;
  constructor(dir: string) {
    const parent: ParentPort = {
      on: (_e, l) => {
        this.parentListener = l;
      },
      postMessage: (m) => queueMicrotask(() => this.emit('message', m)),
    };
    this.started = runUtilityProcess(parent, {
      start: async () => {
        this.engine = await startEngine({ sessionDir: dir, output: 'offline' });
        return this.engine;
      },
      exit: (code) => void this.crash(code),
    });
  }
  postMessage(message: unknown, transfer: unknown[] = []): void {
    this.parentListener?.({ data: message, ports: transfer });
  }
  on(event: 'exit' | 'message', listener: (v: never) => void): this {
    (this.listeners[event] as Array<(v: unknown) => void>).push(listener as (v: unknown) => void);
    return this;
  }
  kill(): boolean {
    void this.crash(0);
    return true;
  }
  async crash(code: number): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    await this.started;
    await this.engine?.close();
    this.emit('exit', code);
  }
  private emit(event: 'exit' | 'message', value: unknown): void {
    for (const l of this.listeners[event] as Array<(v: unknown) => void>) l(value);
  }
}

describe('main and engine together (EngineProcess + the handshake)', () => {
  it('restarts a crashed engine, and the window reconnects to the session the engine restored', async () => {
    const dir = tempDir();
    const children: InProcessChild[] = [];
    const clients: EngineClient[] = [];
    const connected = (n: number) =>
      new Promise<EngineClient>((resolve) => {
        const poll = () => (clients.length >= n ? resolve(clients[n - 1]) : setTimeout(poll, 5));
        poll();
      });
    const main = new EngineProcess(
      '/app/dist/engine/host/main.js',
      {
        fork: () => {
          const c = new InProcessChild(dir);
          children.push(c);
          return c;
        },
        createChannel: () => channelMain(),
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
        now: () => Date.now(),
        log: () => {},
      },
      { policy: { delaysMs: [10], stableAfterMs: 60_000, maxCrashes: 5, windowMs: 120_000 } },
    );
    cleanups.push(() => main.stop());
    const statuses: EngineStatus[] = [];
    main.onStatus((s) => statuses.push(s));
    main.start();
    main.connect({ id: 1, isDestroyed: () => false, postPort: (port) => clients.push(windowClient(port as FakePortMain)) });

    const before = await connected(1);
    await before.connected;
    const pin = await before.call('createPin', { name: 'Kept across a crash' });
    await before.call('setChannelGroups', { pinId: pin.id, groups: 3 });
    await before.call('setChannel', { pinId: pin.id, group: 2, channel: 0, volume: 90, pan: 20 });
    const closed = new Promise<string>((r) => before.onClose(r));

    await children[0].crash(139);
    expect(await closed).toBeTruthy();
    expect(statuses.map((s) => s.state).slice(0, 3)).toEqual(['running', 'crashed', 'restarting']);
    expect(statuses[1].message).toBe('the engine stopped unexpectedly (exit code 139)');

    const after = await connected(2);
    expect(await after.connected).toBe('dmus-engine');
    expect(children.length).toBe(2);
    expect(statuses.at(-1)).toEqual({ state: 'running', message: null, restarts: 1 });
    const restored = await after.call('getState', {});
    const kept = restored.pins.find((p) => p.name === 'Kept across a crash');
    expect(kept?.channelGroups).toBe(3);
    expect(kept?.channels[1][0]).toMatchObject({ volume: 90, pan: 20 });
  });
});
