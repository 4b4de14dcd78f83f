/**
 * The RtMidi adapter against a fake module (the real one is exercised by tests/midi/ over JACK):
 * unavailable MIDI as a status, the virtual port, stable input indices, hot-plug polling, and
 * close() disposing every RtMidi object.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listMidiInputs, MidiInputs, type RtMidiInput, type RtMidiModule } from '../../../engine/midi/rtmidi.js';

class FakeSystem {
  ports: string[] = [];
  created: FakeInput[] = [];
  initError: string | undefined;
  virtualError: string | undefined;
  module(): RtMidiModule {
    const sys = this;
    return {
      Input: class extends FakeInput {
        constructor() {
          super(sys);
        }
      },
    };
  }
}

class FakeInput implements RtMidiInput {
  readonly sys: FakeSystem;
  listener: ((dt: number, m: number[]) => void) | undefined;
  openedPort: string | undefined;
  virtualName: string | undefined;
  destroyed = false;
  ignored: boolean[] = [];
  constructor(sys: FakeSystem) {
    if (sys.initError) throw new Error(sys.initError);
    this.sys = sys;
    sys.created.push(this);
  }
  getPortCount() {
    return this.sys.ports.length;
  }
  getPortName(i: number) {
    return this.sys.ports[i] ?? '';
  }
  openPort(i: number) {
    this.openedPort = this.sys.ports[i];
  }
  openVirtualPort(name: string) {
    if (this.sys.virtualError) throw new Error(this.sys.virtualError);
    this.virtualName = name;
  }
  closePort() {
    this.openedPort = undefined;
    this.virtualName = undefined;
  }
  destroy() {
    this.destroyed = true;
  }
  ignoreTypes(a: boolean, b: boolean, c: boolean) {
    this.ignored = [a, b, c];
  }
  on(_e: 'message', l: (dt: number, m: number[]) => void) {
    this.listener = l;
    return this;
  }
  send(m: number[]) {
    this.listener?.(0, m);
  }
}

let toClose: MidiInputs[] = [];
afterEach(() => {
  for (const m of toClose) m.close();
  toClose = [];
});

function make(sys: FakeSystem, extra: Partial<ConstructorParameters<typeof MidiInputs>[0]> = {}) {
  let now = 0;
  const got: Array<[number[], number, number]> = [];
  const m = new MidiInputs({
    clock: { getTime: () => now },
    onMessage: (b, i, t) => got.push([b, i, t]),
    pollMs: 0,
    load: async () => sys.module(),
    ...extra,
  });
  toClose.push(m);
  return { m, got, setNow: (t: number) => (now = t) };
}

describe('MidiInputs (RtMidi adapter)', () => {
  it('reports unavailable MIDI as a status and never throws (the ALSA prebuild here)', async () => {
    const sys = new FakeSystem();
    sys.initError = 'Failed to initialise RtMidi';
    const { m } = make(sys, { backend: 'alsa' });
    const st = await m.init();
    expect(st.available).toBe(false);
    expect(st.reason).toMatch(/Failed to initialise RtMidi/);
    expect(() => m.openInput('x')).toThrow(/MIDI unavailable: Failed to initialise RtMidi/);
    expect(m.list()).toEqual([]);
  });

  it('a module that cannot be loaded is a status too', async () => {
    const st = await listMidiInputs({ modulePath: '/nonexistent/midi-build' });
    expect(st.status.available).toBe(false);
    expect(st.status.reason).toMatch(/cannot load the MIDI module \/nonexistent\/midi-build/);
  });

  it('JACK build without a server: unavailable, and every RtMidi object is destroyed (the process can exit)', async () => {
    const sys = new FakeSystem();
    sys.virtualError = 'Internal RtMidi error';
    const { m } = make(sys, { backend: 'jack' });
    const st = await m.init();
    expect(st).toMatchObject({ available: false, backend: 'jack', virtualPort: null });
    expect(st.reason).toMatch(/JACK server not running\? \(opening the virtual port failed: Internal RtMidi error\)/);
    expect(sys.created.every((i) => i.destroyed)).toBe(true);
  });

  it('opens the virtual port "DMus Workstation" as input 0 and forwards bytes with the master time', async () => {
    const sys = new FakeSystem();
    const { m, got, setNow } = make(sys);
    const st = await m.init();
    expect(st).toMatchObject({ available: true, virtualPort: 'DMus Workstation' });
    const virtual = sys.created.find((i) => i.virtualName === 'DMus Workstation')!;
    expect(virtual.ignored).toEqual([false, true, true]);
    setNow(1234);
    virtual.send([0x90, 60, 100]);
    expect(got).toEqual([[[0x90, 60, 100], 0, 1234]]);
  });

  it('a virtual port the backend refuses is a warning; MIDI stays available', async () => {
    const sys = new FakeSystem();
    sys.virtualError = 'no virtual ports on this API';
    sys.ports = ['Keys'];
    const { m } = make(sys, { backend: 'winmm' });
    const st = await m.init();
    expect(st.available).toBe(true);
    expect(st.virtualPort).toBeNull();
    expect(st.reason).toMatch(/virtual port "DMus Workstation" unavailable: no virtual ports/);
  });

  it('opens and closes by name with stable indices; notices devices coming and going; reopens', async () => {
    const sys = new FakeSystem();
    sys.ports = ['Keys', 'Pads'];
    const { m, got } = make(sys, { virtualPortName: null });
    await m.init();
    const events: string[] = [];
    m.on('added', (n) => events.push(`+${n}`));
    m.on('removed', (n) => events.push(`-${n}`));
    m.on('reopened', (n, i) => events.push(`reopened ${n} ${i}`));
    expect(m.openInput('Pads')).toBe(1);
    expect(m.openInput('Keys')).toBe(2);
    expect(m.openInput('Pads')).toBe(1);
    expect(() => m.openInput('Drums')).toThrow(/no MIDI input named "Drums" \(inputs: Keys, Pads\)/);
    expect(m.list()).toEqual([
      { name: 'Keys', port: 0, open: true, inputIndex: 2 },
      { name: 'Pads', port: 1, open: true, inputIndex: 1 },
    ]);
    const pads = sys.created.find((i) => i.openedPort === 'Pads')!;
    pads.send([0xb0, 7, 100]);
    expect(got[0][1]).toBe(1);
    // Pads unplugged, a new device arrives.
    sys.ports = ['Keys', 'Drums'];
    m.poll();
    expect(events).toEqual(['-Pads', '+Drums']);
    expect(pads.destroyed).toBe(true);
    // Pads back: reopened with the same index.
    sys.ports = ['Pads', 'Keys', 'Drums'];
    m.poll();
    expect(events.slice(2)).toEqual(['+Pads', 'reopened Pads 1']);
    // Closed by the user: not reopened after the next unplug/replug.
    m.closeInput('Pads');
    sys.ports = ['Keys'];
    m.poll();
    sys.ports = ['Keys', 'Pads'];
    m.poll();
    expect(events.slice(4)).toEqual(['-Pads', '-Drums', '+Pads']);
    m.close();
    expect(sys.created.every((i) => i.destroyed)).toBe(true);
    expect(m.status).toMatchObject({ available: false, reason: 'closed' });
  });

  it('polls on a timer that does not keep the process alive, and a throwing handler does not crash', async () => {
    vi.useFakeTimers();
    try {
      const sys = new FakeSystem();
      const m = new MidiInputs({
        clock: { getTime: () => 0 },
        onMessage: () => {
          throw new Error('boom');
        },
        load: async () => sys.module(),
      });
      toClose.push(m);
      await m.init();
      const errors: string[] = [];
      m.on('error', (e) => errors.push(e.message));
      const added: string[] = [];
      m.on('added', (n) => added.push(n));
      sys.ports = ['Late'];
      vi.advanceTimersByTime(1100);
      expect(added).toEqual(['Late']);
      sys.created.find((i) => i.virtualName)!.send([0x90, 1, 1]);
      expect(errors[0]).toMatch(/the message handler threw: boom/);
    } finally {
      vi.useRealTimers();
    }
  });
});
