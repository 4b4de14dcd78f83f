/**
 * Seed concept: the hardware side of a DMus capture pin (the UART capture miniport's input, seed
 * 003/004), and the synth exposed as a MIDI device (seed 000): MIDI inputs through RtMidi
 * (@julusian/midi). Purpose: list, open and close inputs by name, offer a virtual input port named
 * "DMus Workstation" so other programs can play the synth, notice devices coming and going, and
 * forward every message with its master-clock arrival time to the host, which calls
 * CapturePin.receive(bytes, time, captureGroupOfInput(inputIndex)).
 *
 * Why it is built this way:
 * - The native module is loaded LAZILY, inside init(), never at module load (style principle 12):
 *   unit tests, CI and the CLI's help never load it, and a missing or broken binding becomes a
 *   status, not a crash.
 * - process.env.MIDI_MODULE (or options.modulePath) overrides the module path: on machines
 *   without /dev/snd/seq the npm prebuild (ALSA only) throws "Failed to initialise RtMidi", and a
 *   JACK-MIDI build of the same package (tests/midi/build-midi-jack.sh, .cache/midi-jack) works
 *   with a JACK server (platform README §3).
 * - No MIDI is a normal state: status() says {available: false, reason}; nothing throws out of
 *   init(). The engine keeps running and the on-screen keyboard still plays.
 * - close() closes AND destroys every RtMidi object: the JACK build keeps the process alive after
 *   a failed virtual port until its objects are destroyed (platform README §3.2). The polling
 *   timer is unref'd, so it never keeps the process alive by itself.
 * - Input indices are stable per device name (and 0 for the virtual port when it is open): a
 *   device that is unplugged and plugged back keeps its index, so thru maps keep working; an
 *   input that was open is reopened when its device comes back.
 * - Timestamps: the master clock's time when the message reaches JS. RtMidi's delta times are not
 *   used: they are relative to the previous message on another clock. The capture sink orders by
 *   this time; its resolution is the master clock's (one audio block when it is sample-driven).
 * - By default SysEx is received, MIDI clock and active sensing are ignored (RtMidi ignoreTypes):
 *   thru and the recorder drop real-time bytes anyway.
 * Threads: control side (the engine's main thread); callbacks come from RtMidi via Node's event loop.
 */
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MasterClock } from '../dmus/clocks.js';
import type { RefTime } from '../dmus/units.js';

export const VIRTUAL_PORT_NAME = 'DMus Workstation';
export const DEFAULT_MIDI_MODULE = '@julusian/midi';

/** The part of an RtMidi input (@julusian/midi Input) this adapter uses. */
export interface RtMidiInput {
  getPortCount(): number;
  getPortName(port: number): string;
  openPort(port: number): void;
  openVirtualPort(name: string): void;
  closePort(): void;
  destroy?(): void;
  ignoreTypes(sysex: boolean, timing: boolean, activeSensing: boolean): void;
  on(event: 'message', listener: (deltaTime: number, message: number[]) => void): unknown;
}
export interface RtMidiModule {
  Input: new () => RtMidiInput;
}

export interface MidiStatus {
  available: boolean;
  /** Why MIDI is unavailable (or a warning about the virtual port). */
  reason?: string;
  /** 'alsa', 'jack', 'winmm', 'coremidi' or 'unknown': which RtMidi API the binding was built for. */
  backend: string;
  /** The module path or name that was loaded. */
  module: string;
  /** Name of the virtual input port when it is open, else null. */
  virtualPort: string | null;
  virtualPortError?: string;
}

export interface MidiInputInfo {
  name: string;
  /** RtMidi port number now (changes as devices come and go). */
  port: number;
  open: boolean;
  /** Stable input index, when the input was opened at some point. */
  inputIndex: number | undefined;
}

/** Bytes of one message, the input index, and the master-clock time it arrived at. */
export type MidiMessageCallback = (bytes: number[], inputIndex: number, time: RefTime) => void;

export interface MidiInputsOptions {
  clock: MasterClock;
  onMessage: MidiMessageCallback;
  /** Name of the virtual input port; null for none. Default "DMus Workstation". */
  virtualPortName?: string | null;
  /** Device-list polling period, ms (default 1000); 0 disables polling. */
  pollMs?: number;
  /** Module to load; default process.env.MIDI_MODULE, else '@julusian/midi'. */
  modulePath?: string;
  /** Which message types RtMidi drops. Default: keep SysEx, drop clock and active sensing. */
  ignore?: { sysex: boolean; timing: boolean; activeSensing: boolean };
  /** Loads the module (tests inject a fake here). */
  load?: (spec: string) => Promise<RtMidiModule>;
  /** Overrides the detected RtMidi API (tests). */
  backend?: string;
}

export interface MidiInputsEvents {
  added: [name: string];
  removed: [name: string];
  /** An input that was open came back and was reopened. */
  reopened: [name: string, inputIndex: number];
  error: [error: Error];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Resolves a module spec: a path (relative to the cwd) or a package name. */
function resolveSpec(spec: string): string {
  const req = createRequire(import.meta.url);
  const isPath = spec.startsWith('.') || isAbsolute(spec) || (spec.includes('/') && !spec.startsWith('@'));
  return req.resolve(isPath ? resolve(process.cwd(), spec) : spec);
}

/** Default loader: resolve, then a dynamic import (CommonJS package: its exports are the default). */
async function defaultLoad(spec: string): Promise<RtMidiModule> {
  const ns = (await import(pathToFileURL(resolveSpec(spec)).href)) as { default?: RtMidiModule } & Partial<RtMidiModule>;
  const mod = (ns.default ?? ns) as RtMidiModule;
  if (typeof mod.Input !== 'function') throw new Error(`${spec} does not export an RtMidi Input class`);
  return mod;
}

/** Which RtMidi API a binding was compiled for, from its binding.gyp (next to the package). */
function detectBackend(spec: string): string {
  try {
    let dir = dirname(resolveSpec(spec));
    for (let i = 0; i < 4; i++) {
      const gyp = join(dir, 'binding.gyp');
      if (existsSync(gyp)) {
        const text = readFileSync(gyp, 'utf8');
        if (text.includes('__UNIX_JACK__')) return 'jack';
        if (text.includes('__LINUX_ALSA__')) return process.platform === 'linux' ? 'alsa' : 'unknown';
        break;
      }
      dir = dirname(dir);
    }
  } catch {
    // fall through to the platform's default API
  }
  return process.platform === 'win32' ? 'winmm' : process.platform === 'darwin' ? 'coremidi' : process.platform === 'linux' ? 'alsa' : 'unknown';
}

/** Adds the likely cause to RtMidi's terse errors. */
function explain(message: string, backend: string): string {
  if (/Failed to initialise RtMidi/i.test(message) && backend === 'alsa' && process.platform === 'linux' && !existsSync('/dev/snd/seq')) {
    return `${message}: no ALSA sequencer on this machine (/dev/snd/seq is missing); set MIDI_MODULE to a JACK build of @julusian/midi and run a JACK server to use MIDI here`;
  }
  return message;
}

interface OpenInput {
  name: string;
  index: number;
  input: RtMidiInput;
}

export class MidiInputs extends EventEmitter<MidiInputsEvents> {
  private readonly options: MidiInputsOptions;
  private mod: RtMidiModule | undefined;
  private lister: RtMidiInput | undefined;
  private virtual: RtMidiInput | undefined;
  private readonly open = new Map<string, OpenInput>();
  /** Names the user opened: reopened when they come back after a removal. */
  private readonly wanted = new Set<string>();
  private readonly indexByName = new Map<string, number>();
  private nextIndex = 1;
  private known: string[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: MidiStatus;
  private closed = false;

  constructor(options: MidiInputsOptions) {
    super();
    this.options = options;
    this.current = { available: false, reason: 'not initialised: call init()', backend: 'unknown', module: this.spec, virtualPort: null };
  }

  private get spec(): string {
    return this.options.modulePath ?? process.env.MIDI_MODULE ?? DEFAULT_MIDI_MODULE;
  }

  /** The input index of the virtual port (0). */
  static readonly VIRTUAL_INPUT_INDEX = 0;

  get status(): MidiStatus {
    return { ...this.current };
  }

  /** Loads RtMidi, opens the virtual port, starts watching devices. Never throws. */
  async init(): Promise<MidiStatus> {
    const spec = this.spec;
    const backend = this.options.backend ?? (this.options.load ? 'unknown' : detectBackend(spec));
    this.current = { available: false, backend, module: spec, virtualPort: null };
    try {
      this.mod = await (this.options.load ?? defaultLoad)(spec);
    } catch (e) {
      this.current.reason = `cannot load the MIDI module ${spec}: ${errorText(e)}`;
      return this.status;
    }
    try {
      this.lister = new this.mod.Input();
    } catch (e) {
      this.current.reason = explain(errorText(e), backend);
      return this.status;
    }
    this.current.available = true;
    const vname = this.options.virtualPortName === undefined ? VIRTUAL_PORT_NAME : this.options.virtualPortName;
    if (vname !== null) {
      let input: RtMidiInput | undefined;
      try {
        input = this.createInput(vname, MidiInputs.VIRTUAL_INPUT_INDEX);
        input.openVirtualPort(vname);
        this.virtual = input;
        this.current.virtualPort = vname;
      } catch (e) {
        if (input) this.dispose(input);
        this.current.virtualPortError = errorText(e);
        if (backend === 'jack' && this.safeCount(this.lister) === 0) {
          // The JACK build constructs fine without a server, then fails here: no MIDI at all.
          this.current.available = false;
          this.current.reason = `JACK server not running? (opening the virtual port failed: ${errorText(e)})`;
          this.dispose(this.lister);
          this.lister = undefined;
          return this.status;
        }
        this.current.reason = `virtual port "${vname}" unavailable: ${errorText(e)}`;
      }
    }
    this.known = this.names();
    const poll = this.options.pollMs ?? 1000;
    if (poll > 0) {
      this.timer = setInterval(() => this.poll(), poll);
      this.timer.unref();
    }
    return this.status;
  }

  /** Inputs the system offers now. */
  list(): MidiInputInfo[] {
    return this.names().map((name, port) => ({ name, port, open: this.open.has(name), inputIndex: this.indexByName.get(name) }));
  }

  /** Opens an input by name; returns its stable input index. Throws when it cannot. */
  openInput(name: string): number {
    if (!this.lister || !this.mod) throw new Error(`MIDI unavailable: ${this.current.reason ?? 'not initialised'}`);
    const existing = this.open.get(name);
    if (existing) return existing.index;
    const port = this.names().indexOf(name);
    if (port < 0) throw new Error(`no MIDI input named "${name}" (inputs: ${this.names().join(', ') || 'none'})`);
    let index = this.indexByName.get(name);
    if (index === undefined) {
      index = this.nextIndex++;
      this.indexByName.set(name, index);
    }
    const input = this.createInput(name, index);
    try {
      input.openPort(port);
    } catch (e) {
      this.dispose(input);
      throw new Error(`cannot open MIDI input "${name}": ${errorText(e)}`);
    }
    this.open.set(name, { name, index, input });
    this.wanted.add(name);
    return index;
  }

  /** Closes an input (it is no longer reopened when its device comes back). */
  closeInput(name: string): void {
    this.wanted.delete(name);
    const o = this.open.get(name);
    if (!o) return;
    this.open.delete(name);
    this.dispose(o.input);
  }

  /** Closes and destroys everything (lets the process exit). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const o of this.open.values()) this.dispose(o.input);
    this.open.clear();
    if (this.virtual) this.dispose(this.virtual);
    this.virtual = undefined;
    if (this.lister) this.dispose(this.lister);
    this.lister = undefined;
    this.current = { ...this.current, available: false, reason: 'closed', virtualPort: null };
  }

  /** One polling step: emits added/removed, closes vanished inputs, reopens returning ones. */
  poll(): void {
    if (!this.lister) return;
    const now = this.names();
    const before = new Set(this.known);
    const after = new Set(now);
    this.known = now;
    for (const name of before) {
      if (after.has(name)) continue;
      const o = this.open.get(name);
      if (o) {
        this.open.delete(name);
        this.dispose(o.input);
      }
      this.emit('removed', name);
    }
    for (const name of after) {
      if (before.has(name)) continue;
      this.emit('added', name);
      if (this.wanted.has(name) && !this.open.has(name)) {
        try {
          const index = this.openInput(name);
          this.emit('reopened', name, index);
        } catch (e) {
          this.emitError(e);
        }
      }
    }
  }

  private createInput(name: string, index: number): RtMidiInput {
    const input = new this.mod!.Input();
    const ig = this.options.ignore ?? { sysex: false, timing: true, activeSensing: true };
    input.ignoreTypes(ig.sysex, ig.timing, ig.activeSensing);
    input.on('message', (_dt, message) => {
      try {
        this.options.onMessage(message, index, this.options.clock.getTime());
      } catch (e) {
        this.emitError(new Error(`MIDI input "${name}": the message handler threw: ${errorText(e)}`));
      }
    });
    return input;
  }

  private emitError(e: unknown): void {
    // EventEmitter throws an unhandled 'error'; MIDI trouble must never crash the engine.
    if (this.listenerCount('error') > 0) this.emit('error', e instanceof Error ? e : new Error(String(e)));
  }

  private names(): string[] {
    const l = this.lister;
    if (!l) return [];
    const out: string[] = [];
    const n = this.safeCount(l);
    for (let i = 0; i < n; i++) {
      try {
        out.push(l.getPortName(i));
      } catch {
        // the port vanished between count and name: the next poll sees it
      }
    }
    return out;
  }

  private safeCount(l: RtMidiInput): number {
    try {
      return l.getPortCount();
    } catch {
      return 0;
    }
  }

  private dispose(input: RtMidiInput): void {
    try {
      input.closePort();
    } catch {
      // not open
    }
    try {
      input.destroy?.();
    } catch {
      // already destroyed
    }
  }
}

/** One-shot listing for tools (`dmus midi-inputs`): loads, lists, closes. Never throws. */
export async function listMidiInputs(options: Pick<MidiInputsOptions, 'modulePath' | 'load' | 'backend'> = {}): Promise<{ status: MidiStatus; inputs: MidiInputInfo[] }> {
  const m = new MidiInputs({ clock: { getTime: () => 0 }, onMessage: () => {}, virtualPortName: null, pollMs: 0, ...options });
  try {
    const status = await m.init();
    return { status, inputs: status.available ? m.list() : [] };
  } finally {
    m.close();
  }
}
