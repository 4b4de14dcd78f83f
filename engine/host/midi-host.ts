/**
 * The MIDI side of the host (seed 004's capture path, and DirectMusic thru): MIDI inputs arrive
 * through RtMidi, go through a capture pin (UART capture stream -> capture sink -> packer), and
 * each completed IRP feeds
 *   - thru routing: input channel -> (pin, channel group, channel), stamped at the latency clock,
 *   - the recorder (to a standard MIDI file),
 *   - the UI's monitor (onMidiInput, batched at display rate).
 * The capture pin lives on the control side, in a port of its own (capture needs no synth), so a
 * busy render thread never delays the routing decisions and vice versa.
 *
 * The recorder records what is heard: routed (thru) events at their destination group and channel,
 * and the notes of the on-screen keyboard (the session reports what it sends).
 */
import { writeFile } from 'node:fs/promises';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../dmus/dmus-buffer.js';
import { DmusError } from '../dmus/errors.js';
import type { IMiniportDMus } from '../dmus/miniport.js';
import { KSSTATE } from '../dmus/mxf.js';
import { type CapturePin, PortDMus } from '../dmus/port.js';
import { Recorder } from '../midi/recorder.js';
import { MidiInputs, type MidiInputsOptions } from '../midi/rtmidi.js';
import { captureGroupOfInput, inputOfCaptureGroup, type ThruEntry, ThruRouter } from '../midi/thru.js';
import type { SessionState, ThruRoute } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/rpc.js';
import type { SongTransport } from './transport.js';
import type { Session } from './session.js';

/** The capture port's miniport: capture pins need none, and it makes no render streams. */
const CAPTURE_ONLY: IMiniportDMus = {
  name: 'capture',
  newStream: () => {
    throw new DmusError('E_NOTIMPL', 'the capture port has no synth; render pins live in the render engine');
  },
};

const IRPS = 16;
const IRP_BYTES = 4096;
const MONITOR_MAX = 256;

export interface MonitorEvent {
  input: string;
  time: number;
  bytes: number[];
}

export class MidiHost {
  private readonly session: Session;
  private readonly transport: SongTransport;
  private readonly inputs: MidiInputs;
  private readonly capturePort: PortDMus;
  private readonly capture: CapturePin;
  private readonly router = new ThruRouter([], { irpBytes: 1024 });
  private routes: ThruRoute[] = [];
  private recorder: Recorder | null = null;
  private lastRecording: Uint8Array | null = null;
  private monitor: MonitorEvent[] = [];
  private monitorTimer: ReturnType<typeof setInterval> | undefined;
  /** Sends the monitor batch (set by the server). */
  onMonitor: ((events: MonitorEvent[]) => void) | undefined;
  onDevicesChanged: (() => void) | undefined;

  constructor(session: Session, transport: SongTransport, options: Partial<MidiInputsOptions> = {}) {
    this.session = session;
    this.transport = transport;
    this.capturePort = new PortDMus(CAPTURE_ONLY, { sampleRate: 48000, maxFramesPerBlock: 256 });
    this.capture = this.capturePort.createCapturePin('MIDI in');
    for (let i = 0; i < IRPS; i++) this.capture.submitIrp(new DirectMusicBuffer(IRP_BYTES));
    this.capture.onIrpComplete = (irp) => this.onCaptured(irp);
    this.capture.onError = (e) => session.reportError(`MIDI input ${this.inputName(inputOfCaptureGroup(e.channelGroup))}: ${e.message}`, `input byte ${e.byteIndex}`, 'INVALID_PARAMS');
    this.capture.setState(KSSTATE.RUN);
    this.inputs = new MidiInputs({
      clock: { getTime: () => session.engine.masterTime() },
      onMessage: (bytes, inputIndex, time) => {
        this.capture.receive(bytes, time, captureGroupOfInput(inputIndex));
        // Service at once: a played note should not wait for a timer.
        this.capture.service();
      },
      ...options,
    });
    this.inputs.on('added', () => this.onDevicesChanged?.());
    this.inputs.on('removed', () => this.onDevicesChanged?.());
    this.inputs.on('error', (e) => session.reportError(`MIDI: ${e.message}`, null, 'UNAVAILABLE'));
    session.parts.midi = { state: () => this.state(), thru: () => this.routes, lost: () => ({ messages: this.capture.eventsLost, bytes: this.capture.bytesOverrun }) };
    session.parts.recorder = (time, group, bytes) => {
      if (!this.recorder) return;
      this.recorder.add(time, group, Uint8Array.from(bytes));
      this.transport.recordedEvents = this.recorder.stats.events;
    };
    session.parts.pinsRemapped = (map) => this.remapPins(map);
  }

  /** Loads RtMidi and opens the virtual input port. Never throws: no MIDI is a status, not a failure. */
  async start(): Promise<void> {
    await this.inputs.init();
    this.monitorTimer = setInterval(() => this.flushMonitor(), 33);
    this.monitorTimer.unref();
    // Routes restored from the saved session, for inputs present now.
    for (const r of this.session.restoredThru) {
      try {
        this.setThruRoute(r);
      } catch {
        // the input is not here today: the route is kept for when it comes back
        this.routes.push(r);
      }
    }
    this.session.changed();
  }

  close(): void {
    if (this.monitorTimer) clearInterval(this.monitorTimer);
    this.inputs.close();
    this.capture.close();
  }

  private inputName(index: number): string {
    if (index === MidiInputs.VIRTUAL_INPUT_INDEX) return this.inputs.status.virtualPort ?? 'virtual port';
    return this.inputs.list().find((i) => i.inputIndex === index)?.name ?? `input ${index}`;
  }

  state(): SessionState['midi'] {
    const s = this.inputs.status;
    return {
      available: s.available,
      reason: s.reason ?? null,
      inputs: this.inputs.list().map((i) => ({ index: i.port, name: i.name, open: i.open })),
      virtualPort: s.virtualPort,
    };
  }

  private onCaptured(irp: DirectMusicBuffer): void {
    try {
      const latency = this.session.engine.latencyTime();
      for (const out of this.router.route(irp, latency)) {
        const r = this.session.engine.writeIrp(out.pinId, out.bytes, out.startTime);
        // What is recorded is what is heard: the routed events, at their pin's group and channel.
        this.recorder?.addIrp(out.bytes, out.startTime);
        for (const e of readDirectMusicBuffer(out.bytes, out.startTime).events) this.session.markActivity(out.pinId, e.channelGroup, e.data[0]);
        if (r.error) this.session.reportError(`thru: ${r.error.message}`, null, 'INVALID_PARAMS');
      }
      if (this.transport) this.transport.recordedEvents = this.recorder?.stats.events ?? 0;
      if (this.monitor.length < MONITOR_MAX) {
        for (const e of readDirectMusicBuffer(irp.raw(), irp.getStartTime()).events) {
          this.monitor.push({ input: this.inputName(inputOfCaptureGroup(e.channelGroup)), time: e.time, bytes: [...e.data] });
        }
      }
    } finally {
      this.capture.submitIrp(irp);
    }
  }

  private flushMonitor(): void {
    if (this.monitor.length === 0) return;
    const batch = this.monitor;
    this.monitor = [];
    this.onMonitor?.(batch);
  }

  /** Raw bytes as if they came from an input (tests, and a future network MIDI input). */
  inject(bytes: number[], inputIndex: number, time = this.session.engine.masterTime()): void {
    this.capture.receive(bytes, time, captureGroupOfInput(inputIndex));
    this.capture.service();
  }

  // ----- protocol -----

  listMidiInputs(): SessionState['midi'] {
    this.inputs.poll();
    return this.state();
  }

  openMidiInput(p: { name: string }): SessionState['midi'] {
    try {
      this.inputs.openInput(p.name);
    } catch (err) {
      throw new ProtocolError('UNAVAILABLE', (err as Error).message, 'params.name');
    }
    // A keyboard with no route plays the first pin, channels one to one on group 1.
    if (!this.routes.some((r) => r.input === p.name)) {
      const pin = this.session.getState().pins[0];
      if (pin) for (let c = 0; c < 16; c++) this.routes.push({ input: p.name, inputChannel: c, pinId: pin.id, group: 1, channel: c });
    }
    this.applyRoutes();
    this.session.changed();
    return this.state();
  }

  closeMidiInput(p: { name: string }): SessionState['midi'] {
    this.inputs.closeInput(p.name);
    this.session.changed();
    return this.state();
  }

  private indexOfInput(name: string): number | undefined {
    if (name === this.inputs.status.virtualPort) return MidiInputs.VIRTUAL_INPUT_INDEX;
    return this.inputs.list().find((i) => i.name === name)?.inputIndex;
  }

  private applyRoutes(): void {
    const pins = new Set(this.session.getState().pins.map((p) => p.id));
    const entries: ThruEntry[] = [];
    for (const r of this.routes) {
      const input = this.indexOfInput(r.input);
      if (input === undefined || !pins.has(r.pinId)) continue;
      entries.push({ input, channel: r.inputChannel, pinId: r.pinId, group: r.group, destChannel: r.channel });
    }
    this.router.setMap(entries);
  }

  setThruRoute(r: ThruRoute): { thru: ThruRoute[] } {
    const rec = this.session.pinRecord(r.pinId);
    if (r.group > rec.channelGroups) throw new ProtocolError('INVALID_PARAMS', `pin ${r.pinId} has ${rec.channelGroups} channel groups; group ${r.group} does not exist`, 'params.group');
    this.routes = this.routes.filter((x) => !(x.input === r.input && x.inputChannel === r.inputChannel));
    this.routes.push({ ...r });
    this.applyRoutes();
    this.session.changed();
    return { thru: this.routes };
  }

  clearThruRoute(p: { input: string; inputChannel: number }): { thru: ThruRoute[] } {
    this.routes = this.routes.filter((x) => !(x.input === p.input && x.inputChannel === p.inputChannel));
    this.applyRoutes();
    this.session.changed();
    return { thru: this.routes };
  }

  /** Pins were rebuilt (new ids, same order): move the routes along. */
  remapPins(oldToNew: Map<number, number>): void {
    this.routes = this.routes.flatMap((r) => (oldToNew.has(r.pinId) ? [{ ...r, pinId: oldToNew.get(r.pinId)! }] : []));
    this.applyRoutes();
  }

  startRecording() {
    this.recorder = new Recorder({ name: 'DMus Workstation recording' });
    this.recorder.start(this.session.engine.latencyTime());
    this.transport.recording = true;
    this.transport.recordedEvents = 0;
    this.session.changed();
    return this.transport.state();
  }

  stopRecording() {
    if (!this.recorder) throw new ProtocolError('NOT_FOUND', 'nothing is being recorded');
    this.recorder.stop(this.session.engine.latencyTime());
    this.transport.recordedEvents = this.recorder.stats.events;
    this.lastRecording = this.recorder.save();
    this.recorder = null;
    this.transport.recording = false;
    this.session.changed();
    return this.transport.state();
  }

  async saveRecording(p: { path?: string }): Promise<{ bytes: Uint8Array | null; events: number }> {
    if (this.recorder) this.stopRecording();
    if (!this.lastRecording) throw new ProtocolError('NOT_FOUND', 'there is no recording to save: record something first');
    if (p.path) {
      await writeFile(p.path, this.lastRecording);
      return { bytes: null, events: this.transport.recordedEvents };
    }
    return { bytes: this.lastRecording, events: this.transport.recordedEvents };
  }
}
