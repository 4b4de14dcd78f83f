// The engine utility process: port handoff after the engine is ready, restart with backoff after a
// crash, giving up after too many crashes, no restart on a deliberate stop.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, EngineProcess, type EngineStatus } from '../../electron/engine-process.js';
import { FakeChild, FakePort, fakeTimers } from './fakes.js';

function setup() {
  const timers = fakeTimers();
  const children: FakeChild[] = [];
  const logs: string[] = [];
  const engine = new EngineProcess(
    '/app/dist/engine/host/main.js',
    {
      fork: (p, _a, o) => {
        const c = new FakeChild(p, o);
        children.push(c);
        return c;
      },
      createChannel: () => ({ port1: new FakePort(), port2: new FakePort() }),
      ...timers,
      log: (l) => logs.push(l),
    },
    { env: { DMUS_SESSION_DIR: '/data/session' } },
  );
  const statuses: EngineStatus[] = [];
  engine.onStatus((s) => statuses.push(s));
  const received: unknown[] = [];
  const win = { id: 1, destroyed: false, isDestroyed() { return this.destroyed; }, postPort: (p: unknown) => received.push(p) };
  return { engine, timers, children, statuses, received, win, logs };
}

describe('EngineProcess', () => {
  it('forks the engine by path with its environment', () => {
    const { engine, children } = setup();
    engine.start();
    expect(children).toHaveLength(1);
    expect(children[0].modulePath).toBe('/app/dist/engine/host/main.js');
    expect(children[0].options).toMatchObject({ serviceName: 'DMus engine', env: { DMUS_SESSION_DIR: '/data/session' } });
  });

  it('hands one end of a fresh channel to the engine and the other to the window, only once the engine is ready', () => {
    const { engine, children, received, win, statuses } = setup();
    engine.start();
    engine.connect(win);
    expect(children[0].posted).toHaveLength(0);
    expect(received).toHaveLength(0);
    children[0].ready();
    expect(statuses.at(-1)?.state).toBe('running');
    expect(children[0].posted).toHaveLength(1);
    expect(children[0].posted[0].message).toEqual({ type: 'dmus:connect' });
    const port1 = children[0].posted[0].transfer?.[0] as FakePort;
    const port2 = received[0] as FakePort;
    expect(port1).toBeInstanceOf(FakePort);
    expect(port2).toBeInstanceOf(FakePort);
    expect(port1).not.toBe(port2);
    // A reload asks again: another channel.
    engine.connect(win);
    expect(children[0].posted).toHaveLength(2);
    expect(received).toHaveLength(2);
  });

  it('restarts a crashed engine after a delay and gives the window a new port', () => {
    const { engine, children, received, win, statuses, timers } = setup();
    engine.start();
    engine.connect(win);
    children[0].ready();
    timers.advance(5000);
    children[0].crash(139);
    expect(statuses.map((s) => s.state).slice(-2)).toEqual(['crashed', 'restarting']);
    expect(statuses.at(-1)?.message).toMatch(/exit code 139.*restarting in 250 ms/);
    expect(children).toHaveLength(1);
    timers.advance(249);
    expect(children).toHaveLength(1);
    timers.advance(1);
    expect(children).toHaveLength(2);
    children[1].ready();
    expect(received).toHaveLength(2);
    expect(children[1].posted[0].message).toEqual({ type: 'dmus:connect' });
    expect(statuses.at(-1)).toEqual({ state: 'running', message: null, restarts: 1 });
  });

  it('backs off on consecutive crashes and resets after a stable run', () => {
    const { engine, children, timers } = setup();
    engine.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      children.at(-1)?.crash();
      delays.push(timers.pending()[0]);
      timers.advance(timers.pending()[0]);
    }
    expect(delays).toEqual([250, 1000, 3000, 10_000]);
    // runs a minute, then crashes: back to the first delay
    timers.advance(DEFAULT_RESTART_POLICY.stableAfterMs);
    children.at(-1)?.crash();
    expect(timers.pending()[0]).toBe(250);
  });

  it('gives up after too many crashes and says so; the musician can start it again', () => {
    const { engine, children, timers, statuses } = setup();
    engine.start();
    for (let i = 0; i < DEFAULT_RESTART_POLICY.maxCrashes; i++) {
      children.at(-1)?.crash();
      timers.advance(timers.pending()[0]);
    }
    children.at(-1)?.crash();
    expect(statuses.at(-1)?.state).toBe('failed');
    expect(statuses.at(-1)?.message).toMatch(/crashed 6 times/);
    expect(timers.pending()).toEqual([]);
    const forks = children.length;
    engine.restartNow();
    expect(children).toHaveLength(forks + 1);
  });

  it('uses the reason the engine reported before it exited', () => {
    const { engine, children, statuses } = setup();
    engine.start();
    children[0].emit('message', { type: 'dmus:fatal', message: 'cannot open the session folder' });
    children[0].crash(1);
    expect(statuses.find((s) => s.state === 'crashed')?.message).toBe('cannot open the session folder');
  });

  it('does not restart an engine it stopped on purpose', () => {
    const { engine, children, timers, statuses } = setup();
    engine.start();
    children[0].ready();
    engine.stop();
    expect(children[0].killed).toBe(true);
    timers.advance(60_000);
    expect(children).toHaveLength(1);
    expect(statuses.at(-1)?.state).toBe('running');
  });

  it('forgets closed windows instead of posting ports to them', () => {
    const { engine, children, received, win, timers } = setup();
    engine.start();
    engine.connect(win);
    children[0].ready();
    win.destroyed = true;
    children[0].crash();
    timers.advance(250);
    children[1].ready();
    expect(received).toHaveLength(1);
    expect(children[1].posted).toHaveLength(0);
  });

  it('ignores messages and exits of a child it already replaced', () => {
    const { engine, children, timers, statuses } = setup();
    engine.start();
    children[0].crash();
    timers.advance(250);
    const before = statuses.length;
    children[0].ready();
    children[0].crash();
    expect(statuses.length).toBe(before);
  });
});
