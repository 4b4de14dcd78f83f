/**
 * The protocol server of the engine: every connected client (the Electron window over a
 * MessagePort, a browser over the WebSocket, a test over the in-memory pair) gets the same
 * handlers, bound to one Session, and the same notifications: onState after each change, onStats
 * at display rate (about 30 per second), onError, onMidiInput, onProgress.
 */
import type { Handlers, ServerConnection } from '../protocol/rpc.js';
import { serveProtocol } from '../protocol/rpc.js';
import type { NotificationData, NotificationName } from '../protocol/messages.js';
import type { Transport } from '../protocol/transport.js';
import { mapEngineError } from './error-map.js';
import type { Session } from './session.js';
import type { MidiInputsOptions } from '../midi/rtmidi.js';
import { MidiHost } from './midi-host.js';
import { SongTransport } from './transport.js';

export const ENGINE_NAME = 'dmus-engine';
const STATS_INTERVAL_MS = 33;

export class EngineServer {
  readonly session: Session;
  private readonly connections = new Set<ServerConnection>();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private readonly handlers: Partial<Handlers>;
  extraHandlers: Partial<Handlers> = {};
  /** The transport position shown in stats (set by the song player). */
  transportPosition: () => number = () => 0;

  readonly transport: SongTransport;

  readonly midi: MidiHost;

  constructor(session: Session, options: { midi?: Partial<MidiInputsOptions> } = {}) {
    this.session = session;
    this.transport = new SongTransport(session);
    this.midi = new MidiHost(session, this.transport, options.midi);
    this.midi.onMonitor = (events) => this.broadcast('onMidiInput', { events });
    this.midi.onDevicesChanged = () => session.changed();
    this.transportPosition = () => this.transport.position;
    const s = session;
    this.handlers = {
      getState: () => s.getState(),
      createPin: (p) => s.createPin(p),
      removePin: (p) => s.removePin(p),
      renamePin: (p) => s.renamePin(p),
      setPinVolume: (p) => s.setPinVolume(p),
      setPinMuted: (p) => s.setPinMuted(p),
      setPinState: (p) => s.setPinState(p),
      setChannelGroups: (p) => s.setChannelGroups(p),
      setVoiceLimit: (p) => s.setVoiceLimit(p),
      setChannel: (p) => s.setChannel(p),
      sendMidi: (p) => s.sendMidi(p),
      panic: () => s.panic(),
      writeBuffer: (p) => s.writeBuffer(p),
      property: (p) => s.property(p),
      loadCollection: async (p) => {
        const task = `loading ${p.path}`;
        this.broadcast('onProgress', { task, done: 0, total: 1 });
        try {
          return await s.loadCollection(p, null, (done, total) => this.broadcast('onProgress', { task: `decoding the samples of ${p.path}`, done: Math.min(done, total - 1), total }));
        } finally {
          this.broadcast('onProgress', { task, done: 1, total: 1 });
        }
      },
      loadCollectionData: async (p) => {
        const task = `loading ${p.name}`;
        this.broadcast('onProgress', { task, done: 0, total: 1 });
        try {
          return await s.loadCollectionData(p, (done, total) => this.broadcast('onProgress', { task: `decoding the samples of ${p.name}`, done: Math.min(done, total - 1), total }));
        } finally {
          this.broadcast('onProgress', { task, done: 1, total: 1 });
        }
      },
      getCollection: (p) => s.getCollection(p),
      closeCollection: (p) => s.closeCollection(p),
      downloadInstrument: (p) => s.downloadInstrument(p),
      downloadCollection: (p) => s.downloadCollection(p),
      unload: (p) => s.unload(p),
      downloadRaw: (p) => s.downloadRaw(p),
      unloadRaw: (p) => s.unloadRaw(p),
      setAudioSettings: (p) => s.setAudioSettings(p),
      openSong: (p) => this.transport.openSong(p),
      openSongData: (p) => this.transport.openSongData(p),
      play: (p) => this.transport.play(p),
      stop: () => this.transport.stop(),
      seek: (p) => this.transport.seek(p),
      renderToWav: (p) => this.transport.renderToWav(p),
      listAudioDevices: () => s.listAudioDevices(),
      listMidiInputs: () => this.midi.listMidiInputs(),
      openMidiInput: (p) => this.midi.openMidiInput(p),
      closeMidiInput: (p) => this.midi.closeMidiInput(p),
      setThruRoute: (p) => this.midi.setThruRoute(p),
      clearThruRoute: (p) => this.midi.clearThruRoute(p),
      startRecording: () => this.midi.startRecording(),
      stopRecording: () => this.midi.stopRecording(),
      saveRecording: (p) => this.midi.saveRecording(p),
    };
    session.onState((state) => this.broadcast('onState', state));
    session.onError((e) => this.broadcast('onError', e));
  }

  /** Serves one client on a transport. `token` is required of WebSocket clients. */
  attach(transport: Transport, token?: string): ServerConnection {
    const conn = serveProtocol(transport, { ...this.handlers, ...this.extraHandlers }, { engineName: ENGINE_NAME, token, mapError: mapEngineError });
    this.connections.add(conn);
    transport.onClose(() => this.connections.delete(conn));
    this.ensureStats();
    return conn;
  }

  broadcast<N extends NotificationName>(event: N, data: NotificationData<N>): void {
    for (const c of this.connections) {
      try {
        c.notify(event, data);
      } catch {
        // a closed transport: its onClose removes it
      }
    }
  }

  private ensureStats(): void {
    if (this.statsTimer) return;
    this.statsTimer = setInterval(() => {
      if (this.connections.size === 0) return;
      try {
        this.broadcast('onStats', this.session.stats(this.transportPosition()));
      } catch (err) {
        this.broadcast('onError', { message: `statistics: ${(err as Error).message}`, where: null, code: 'INTERNAL' });
      }
    }, STATS_INTERVAL_MS);
    this.statsTimer.unref?.();
  }

  async close(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.transport.close();
    this.midi.close();
    for (const c of this.connections) c.close('engine shutting down');
    this.connections.clear();
    await this.session.close();
  }
}
