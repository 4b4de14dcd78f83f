/**
 * The engine as an Electron utility process (VS Code's UtilityProcess idea): fork it by path, hand
 * each window one end of a MessageChannelMain (the engine gets the other end: main relays nothing),
 * and restart it when it crashes, with a backoff, until it crashes too often. The Electron API comes
 * in through EngineProcessDeps so the policy is tested without an Electron binary.
 *
 * Handshake with engine/host/main.ts: the engine posts {type:'dmus:ready'} once it listens, then
 * serves every {type:'dmus:connect'} message's port; {type:'dmus:fatal', message} before it exits
 * on a start-up failure.
 */

/** The parts of Electron's UtilityProcess used here. */
export interface UtilityChild {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  kill(): boolean;
}

export interface PortPair {
  port1: unknown;
  port2: unknown;
}

export interface EngineProcessDeps {
  fork(modulePath: string, args: string[], options: { serviceName: string; env: Record<string, string | undefined>; stdio: 'inherit' | 'pipe' }): UtilityChild;
  createChannel(): PortPair;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  log(line: string): void;
}

export interface RestartPolicy {
  /** Delay before the n-th consecutive restart (the last one repeats). */
  delaysMs: readonly number[];
  /** A process that ran this long before crashing resets the backoff. */
  stableAfterMs: number;
  /** More crashes than this within windowMs: give up and let the musician decide. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { delaysMs: [250, 1000, 3000, 10_000], stableAfterMs: 60_000, maxCrashes: 5, windowMs: 120_000 };

export interface EngineStatus {
  state: 'running' | 'crashed' | 'restarting' | 'failed';
  message: string | null;
  restarts: number;
}

/** A window that can receive engine ports. */
export interface PortTarget {
  readonly id: number;
  isDestroyed(): boolean;
  postPort(port: unknown): void;
}

export class EngineProcess {
  private readonly entry: string;
  private readonly env: Record<string, string | undefined>;
  private readonly deps: EngineProcessDeps;
  private readonly policy: RestartPolicy;
  private child: UtilityChild | null = null;
  private ready = false;
  private stopping = false;
  private startedAt = 0;
  private consecutive = 0;
  private crashTimes: number[] = [];
  private restarts = 0;
  private timer: unknown = null;
  private lastFatal: string | null = null;
  /** Windows waiting for a port until the engine is ready. */
  private readonly waiting = new Map<number, PortTarget>();
  /** Windows that had a port: they get a new one after every restart. */
  private readonly targets = new Map<number, PortTarget>();
  private readonly listeners = new Set<(s: EngineStatus) => void>();
  status: EngineStatus = { state: 'restarting', message: 'starting', restarts: 0 };

  constructor(entry: string, deps: EngineProcessDeps, options: { env?: Record<string, string | undefined>; policy?: RestartPolicy } = {}) {
    this.entry = entry;
    this.deps = deps;
    this.env = options.env ?? {};
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
  }

  onStatus(listener: (s: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.child) return;
    this.stopping = false;
    this.ready = false;
    this.lastFatal = null;
    this.startedAt = this.deps.now();
    const child = this.deps.fork(this.entry, [], { serviceName: 'DMus engine', env: this.env, stdio: 'inherit' });
    this.child = child;
    child.on('message', (m) => this.onChildMessage(child, m));
    child.on('exit', (code) => this.onExit(child, code));
  }

  /** Gives this window a fresh connection to the engine now, or as soon as the engine is ready. */
  connect(target: PortTarget): void {
    this.targets.set(target.id, target);
    if (this.ready && this.child) this.handOff(this.child, target);
    else this.waiting.set(target.id, target);
  }

  /** The window closed: forget it. */
  forget(targetId: number): void {
    this.targets.delete(targetId);
    this.waiting.delete(targetId);
  }

  /** Start again after giving up (the musician pressed the button). */
  restartNow(): void {
    if (this.child) return;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.consecutive = 0;
    this.crashTimes = [];
    this.emit({ state: 'restarting', message: 'starting the engine again', restarts: this.restarts });
    this.start();
  }

  /** Stops the engine for good (app quit): no restart. */
  stop(): void {
    this.stopping = true;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.child?.kill();
  }

  private onChildMessage(child: UtilityChild, message: unknown): void {
    if (child !== this.child || !message || typeof message !== 'object') return;
    const m = message as { type?: unknown; message?: unknown };
    if (m.type === 'dmus:ready') {
      this.ready = true;
      this.emit({ state: 'running', message: null, restarts: this.restarts });
      // Every window that had (or asked for) a port gets a new one: the engine restored the session.
      for (const t of this.targets.values()) this.handOff(child, t);
      this.waiting.clear();
    } else if (m.type === 'dmus:fatal') {
      this.lastFatal = typeof m.message === 'string' ? m.message.slice(0, 500) : 'the engine failed to start';
    }
  }

  private handOff(child: UtilityChild, target: PortTarget): void {
    if (target.isDestroyed()) {
      this.forget(target.id);
      return;
    }
    const { port1, port2 } = this.deps.createChannel();
    child.postMessage({ type: 'dmus:connect' }, [port1]);
    target.postPort(port2);
  }

  private onExit(child: UtilityChild, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    this.ready = false;
    if (this.stopping) return;
    const now = this.deps.now();
    if (now - this.startedAt >= this.policy.stableAfterMs) this.consecutive = 0;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.policy.windowMs), now];
    const why = this.lastFatal ?? `the engine stopped unexpectedly (exit code ${code})`;
    this.deps.log(`engine exited with code ${code}: ${why}`);
    if (this.crashTimes.length > this.policy.maxCrashes) {
      this.emit({ state: 'failed', message: `${why}. It crashed ${this.crashTimes.length} times in ${Math.round(this.policy.windowMs / 1000)} s, so it was not restarted again.`, restarts: this.restarts });
      return;
    }
    const delay = this.policy.delaysMs[Math.min(this.consecutive, this.policy.delaysMs.length - 1)];
    this.consecutive++;
    this.emit({ state: 'crashed', message: why, restarts: this.restarts });
    this.emit({ state: 'restarting', message: `${why}; restarting in ${delay < 1000 ? `${delay} ms` : `${Math.round(delay / 1000)} s`}`, restarts: this.restarts });
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      this.restarts++;
      this.start();
    }, delay);
  }

  private emit(status: EngineStatus): void {
    this.status = status;
    for (const l of this.listeners) l(status);
  }
}
