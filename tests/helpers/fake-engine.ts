/**
 * A fake engine for UI tests: every protocol handler over plain in-memory state, served with the
 * real serveProtocol (so params are validated exactly as the real engine validates them) over
 * createMemoryPair(). It reports onState after every change, like engine/host, and sends onStats
 * when a test calls tick(). Sound is not made: voices follow note on/off counts.
 */
import type {
  AudioSettings,
  CollectionInfo,
  NotificationData,
  NotificationName,
  PinInfo,
  SessionState,
  Stats,
  ThruRoute,
} from '../../engine/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../engine/protocol/messages.js';
import { createClient, type EngineClient, type Handlers, ProtocolError, type ServerConnection, serveProtocol } from '../../engine/protocol/rpc.js';
import type { Transport } from '../../engine/protocol/transport.js';
import { createMemoryPair } from '../../engine/protocol/transports/in-memory.js';

type Channel = PinInfo['channels'][number][number];

/** DAUD_STANDARD_VOICE_PRIORITY | DAUD_CHANn offset, as the real engine reports (reference §4.6). */
const DAUD_OFFSET = [0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07, 0x06, 0x0f, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00];
const defaultChannel = (channel: number): Channel => ({
  program: 0,
  bank: 0,
  volume: 100,
  pan: 64,
  mute: false,
  solo: false,
  drum: channel === 9,
  priority: (0x80000000 | DAUD_OFFSET[channel]) >>> 0,
});

export const BUILT_IN: CollectionInfo = {
  id: 1,
  name: 'DMus GM',
  path: '/fake/assets/dmus-gm.dls',
  format: 'DLS2',
  instruments: [
    { bank: 0, program: 0, drum: false, name: 'Acoustic Grand Piano', regions: [{ keyLow: 0, keyHigh: 59, velLow: 0, velHigh: 127 }, { keyLow: 60, keyHigh: 127, velLow: 0, velHigh: 127 }] },
    { bank: 0, program: 24, drum: false, name: 'Nylon Guitar', regions: [{ keyLow: 28, keyHigh: 88, velLow: 0, velHigh: 127 }] },
    { bank: 0, program: 48, drum: false, name: 'Strings', regions: [{ keyLow: 21, keyHigh: 108, velLow: 0, velHigh: 127 }] },
    { bank: 0, program: 0, drum: true, name: 'Standard Kit', regions: [{ keyLow: 35, keyHigh: 35, velLow: 0, velHigh: 127 }, { keyLow: 36, keyHigh: 36, velLow: 0, velHigh: 127 }, { keyLow: 38, keyHigh: 40, velLow: 0, velHigh: 127 }, { keyLow: 42, keyHigh: 46, velLow: 0, velHigh: 127 }] },
  ],
  waves: 12,
  bytes: 1_545_188,
  warnings: [],
  builtIn: true,
};

export interface FakeEngineOptions {
  /** Start with the built-in bank open (default true). */
  builtInBank?: boolean;
  /** Start with one pin (default true). */
  firstPin?: boolean;
  token?: string;
}

/** The fake's own session: the protocol's state with full collections (the real engine keeps them so too). */
export type FakeState = Omit<SessionState, 'collections'> & { collections: CollectionInfo[] };

export interface FakeEngine {
  /** The engine's session; collections in full (snapshots carry summaries, as the real engine's do). */
  readonly state: FakeState;
  readonly handlers: Handlers;
  readonly calls: Array<{ method: string; params: unknown }>;
  /** Serves one client on this transport. */
  serve(transport: Transport): ServerConnection;
  /** A connected client over an in-memory pair. */
  connect(): EngineClient;
  /** The engine side of a new in-memory pair; the other end is returned for a client or an EngineLink. */
  pair(): Transport;
  notify<N extends NotificationName>(event: N, data: NotificationData<N>): void;
  /** One onStats message from the current fake voices. */
  tick(): Stats;
  /** Makes the next call of `method` fail with this error. */
  failNext(method: string, error: ProtocolError): void;
  /** Counts one more underrun in the next statistics. */
  addUnderrun(): void;
  /** Every MIDI message sent with sendMidi, for assertions. */
  readonly midi: Array<{ pinId: number; group: number; bytes: number[] }>;
}

export function createFakeEngine(options: FakeEngineOptions = {}): FakeEngine {
  let nextPin = 1;
  let nextCollection = 2;
  let nextDownload = 1;
  let underruns = 0;
  let lastUnderrunAtMs = 0;
  let samplePosition = 0;
  const connections: ServerConnection[] = [];
  const calls: Array<{ method: string; params: unknown }> = [];
  const failures = new Map<string, ProtocolError>();
  const midi: Array<{ pinId: number; group: number; bytes: number[] }> = [];
  /** Sounding notes per pin: pin → set of "group:channel:key". */
  const sounding = new Map<number, Set<string>>();
  const voiceLimits = new Map<number, number>();
  const recorded: number[][] = [];

  const settings: AudioSettings = { deviceId: null, sampleRate: 48000, bufferFrames: 256, latencyBuffers: 2, prefetchMs: 5 };
  const state: FakeState = {
    version: PROTOCOL_VERSION,
    pins: [],
    collections: options.builtInBank === false ? [] : [structuredClone(BUILT_IN)],
    audio: { output: 'null', reason: 'no audio device (fake engine)', settings, latencyMs: 10.7, renderThread: { realtime: false, priority: 0, detail: 'not permitted (fake engine)' } },
    midi: { available: true, reason: null, inputs: [{ index: 0, name: 'Fake Keys', open: false }], virtualPort: 'DMus In' },
    thru: [],
    transport: { song: null, playing: false, pinId: null, position: 0, recording: false, recordedEvents: 0 },
  };

  const notify = <N extends NotificationName>(event: N, data: NotificationData<N>) => {
    for (const c of connections) if (c.ready) c.notify(event, data);
  };
  /** A state snapshot as the engine sends it: each collection as a summary (getCollection has the rest). */
  const snapshot = (): SessionState => {
    const { collections, ...rest } = structuredClone(state);
    return { ...rest, collections: collections.map(({ instruments, ...c }) => ({ ...c, instrumentCount: instruments.length })) };
  };
  const changed = () => notify('onState', snapshot());

  const pinOf = (pinId: number) => {
    const pin = state.pins.find((p) => p.id === pinId);
    if (!pin) throw new ProtocolError('NOT_FOUND', `no pin ${pinId}`, 'params.pinId');
    return pin;
  };
  const collectionOf = (id: number) => {
    const c = state.collections.find((x) => x.id === id);
    if (!c) throw new ProtocolError('NOT_FOUND', `no collection ${id}`, 'params.collectionId');
    return c;
  };
  const groupsOf = (n: number) => Array.from({ length: n }, () => Array.from({ length: 16 }, (_, ch) => defaultChannel(ch)));
  const pinResult = (pin: PinInfo) => {
    changed();
    return structuredClone(pin);
  };
  const addPin = (name?: string): PinInfo => {
    const id = nextPin++;
    const pin: PinInfo = { id, name: name ?? `Synth ${id}`, state: 'RUN', channelGroups: 1, voices: 64, volume: 0, muted: false, downloads: [], channels: groupsOf(1) };
    state.pins.push(pin);
    sounding.set(id, new Set());
    return pin;
  };
  if (options.firstPin !== false) addPin('Synth 1');

  const latency = () => (settings.bufferFrames * settings.latencyBuffers * 1000) / settings.sampleRate;
  const transportResult = () => {
    changed();
    return structuredClone(state.transport);
  };

  const handlers: Handlers = {
    getState: () => snapshot(),
    createPin: ({ name }) => pinResult(addPin(name)),
    removePin: ({ pinId }) => {
      pinOf(pinId);
      state.pins = state.pins.filter((p) => p.id !== pinId);
      changed();
      return {};
    },
    renamePin: ({ pinId, name }) => {
      const pin = pinOf(pinId);
      pin.name = name;
      return pinResult(pin);
    },
    setPinVolume: ({ pinId, volume }) => {
      const pin = pinOf(pinId);
      pin.volume = volume;
      return pinResult(pin);
    },
    setPinMuted: ({ pinId, muted }) => {
      const pin = pinOf(pinId);
      pin.muted = muted;
      return pinResult(pin);
    },
    setPinState: ({ pinId, state: ks }) => {
      const pin = pinOf(pinId);
      pin.state = ks;
      return pinResult(pin);
    },
    setChannelGroups: ({ pinId, groups }) => {
      const pin = pinOf(pinId);
      pin.channelGroups = groups;
      pin.channels = [...pin.channels.slice(0, groups), ...groupsOf(Math.max(0, groups - pin.channels.length))];
      return pinResult(pin);
    },
    setVoiceLimit: ({ pinId, voices }) => {
      const pin = pinOf(pinId);
      pin.voices = voices;
      voiceLimits.set(pinId, voices);
      return pinResult(pin);
    },
    setChannel: ({ pinId, group, channel, ...fields }) => {
      const pin = pinOf(pinId);
      if (group > pin.channelGroups) throw new ProtocolError('DMUS_E_CHANNEL_GROUP', `group ${group} is not configured (pin has ${pin.channelGroups})`, 'params.group');
      Object.assign(pin.channels[group - 1][channel], Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
      return pinResult(pin);
    },
    sendMidi: ({ pinId, group, bytes }) => {
      pinOf(pinId);
      midi.push({ pinId, group, bytes });
      const set = sounding.get(pinId) ?? new Set<string>();
      const status = bytes[0] & 0xf0;
      const key = `${group}:${bytes[0] & 15}:${bytes[1]}`;
      if (status === 0x90 && bytes[2] > 0) set.add(key);
      else if (status === 0x80 || status === 0x90) set.delete(key);
      sounding.set(pinId, set);
      if (state.transport.recording) {
        recorded.push(bytes);
        state.transport.recordedEvents = recorded.length;
      }
      return { time: samplePosition * (1e7 / settings.sampleRate) };
    },
    panic: () => {
      for (const s of sounding.values()) s.clear();
      return {};
    },
    writeBuffer: () => ({ records: 0, events: 0, error: null }),
    property: () => ({ status: 0, statusName: 'STATUS_SUCCESS', value: null, bytesReturned: 0, message: null, hresult: null }),
    loadCollection: ({ path }) => {
      if (!/\.(dls|sf2)$/i.test(path)) throw new ProtocolError('DMUS_E_NOTADLSCOL', `${path}: not a DLS collection (RIFF form is not 'DLS ')`, 'RIFF');
      const c: CollectionInfo = { ...structuredClone(BUILT_IN), id: nextCollection++, name: path.split('/').pop() ?? path, path, builtIn: false };
      state.collections.push(c);
      changed();
      return c;
    },
    loadCollectionData: ({ name, bytes }) => {
      const head = String.fromCharCode(...bytes.subarray(0, 4));
      if (head !== 'RIFF') throw new ProtocolError('DMUS_E_NOTADLSCOL', `${name}: the file does not start with RIFF`, 'byte 0');
      notify('onProgress', { task: `loading ${name}`, done: 1, total: 2 });
      const c: CollectionInfo = { ...structuredClone(BUILT_IN), id: nextCollection++, name, path: null, bytes: bytes.byteLength, builtIn: false };
      state.collections.push(c);
      notify('onProgress', { task: `loading ${name}`, done: 2, total: 2 });
      changed();
      return c;
    },
    getCollection: ({ collectionId }) => structuredClone(collectionOf(collectionId)),
    closeCollection: ({ collectionId }) => {
      collectionOf(collectionId);
      state.collections = state.collections.filter((c) => c.id !== collectionId);
      changed();
      return {};
    },
    downloadInstrument: ({ pinId, collectionId, bank, program, drum, as }) => {
      const pin = pinOf(pinId);
      const c = collectionOf(collectionId);
      const inst = c.instruments.find((i) => i.bank === bank && i.program === program && i.drum === drum);
      if (!inst) throw new ProtocolError('NOT_FOUND', `no instrument ${bank}/${program}${drum ? ' (drums)' : ''} in ${c.name}`, 'params.program');
      pin.downloads.push({
        downloadId: nextDownload++,
        collectionId,
        source: { bank, program, drum, name: inst.name },
        patch: as ?? { bank, program, drum },
        kind: 'instrument',
        bytes: 40_000,
      });
      return pinResult(pin);
    },
    downloadCollection: ({ pinId, collectionId }) => {
      const pin = pinOf(pinId);
      const c = collectionOf(collectionId);
      for (const inst of c.instruments) {
        pin.downloads.push({
          downloadId: nextDownload++,
          collectionId,
          source: { bank: inst.bank, program: inst.program, drum: inst.drum, name: inst.name },
          patch: { bank: inst.bank, program: inst.program, drum: inst.drum },
          kind: 'instrument',
          bytes: 40_000,
        });
      }
      return pinResult(pin);
    },
    unload: ({ pinId, downloadId }) => {
      const pin = pinOf(pinId);
      if (!pin.downloads.some((d) => d.downloadId === downloadId)) throw new ProtocolError('DMUS_E_UNKNOWNDOWNLOAD', `no download ${downloadId}`, 'params.downloadId');
      pin.downloads = pin.downloads.filter((d) => d.downloadId !== downloadId);
      return pinResult(pin);
    },
    downloadRaw: () => ({ downloadHandle: 1, free: false }),
    unloadRaw: () => ({ pending: false }),
    listAudioDevices: () => ({
      devices: [
        { id: 0, name: 'Fake Output', hostApi: 'ALSA', maxOutputChannels: 2, defaultSampleRate: 48000, isDefault: true },
        { id: 1, name: 'Fake USB Interface', hostApi: 'ALSA', maxOutputChannels: 8, defaultSampleRate: 44100, isDefault: false },
      ],
      reason: null,
    }),
    setAudioSettings: (patch) => {
      Object.assign(settings, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      state.audio = { ...state.audio, settings: { ...settings }, latencyMs: latency() };
      changed();
      return structuredClone(state.audio);
    },
    listMidiInputs: () => structuredClone(state.midi),
    openMidiInput: ({ name }) => {
      const input = state.midi.inputs.find((i) => i.name === name);
      if (!input) throw new ProtocolError('NOT_FOUND', `no MIDI input '${name}'`, 'params.name');
      input.open = true;
      changed();
      return structuredClone(state.midi);
    },
    closeMidiInput: ({ name }) => {
      const input = state.midi.inputs.find((i) => i.name === name);
      if (input) input.open = false;
      changed();
      return structuredClone(state.midi);
    },
    setThruRoute: (route: ThruRoute) => {
      pinOf(route.pinId);
      state.thru = [...state.thru.filter((r) => !(r.input === route.input && r.inputChannel === route.inputChannel)), route];
      changed();
      return { thru: structuredClone(state.thru) };
    },
    clearThruRoute: ({ input, inputChannel }) => {
      state.thru = state.thru.filter((r) => !(r.input === input && r.inputChannel === inputChannel));
      changed();
      return { thru: structuredClone(state.thru) };
    },
    openSong: ({ path }) => {
      const song = { name: path.split('/').pop() ?? path, duration: 60e7, tracks: 4, channelGroups: 1, events: 1200 };
      state.transport = { ...state.transport, song, position: 0, playing: false };
      changed();
      return song;
    },
    openSongData: ({ name, bytes }) => {
      if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'MThd') throw new ProtocolError('IO', `${name} is not a standard MIDI file (no MThd header)`, 'byte 0');
      const song = { name, duration: 60e7, tracks: 4, channelGroups: 1, events: 1200 };
      state.transport = { ...state.transport, song, position: 0, playing: false };
      changed();
      return song;
    },
    play: ({ pinId }) => {
      if (!state.transport.song) throw new ProtocolError('NOT_FOUND', 'no song is open', null);
      state.transport.playing = true;
      state.transport.pinId = pinId ?? state.pins[0]?.id ?? null;
      return transportResult();
    },
    stop: () => {
      state.transport.playing = false;
      return transportResult();
    },
    seek: ({ position }) => {
      state.transport.position = position;
      return transportResult();
    },
    startRecording: () => {
      recorded.length = 0;
      state.transport.recording = true;
      state.transport.recordedEvents = 0;
      return transportResult();
    },
    stopRecording: () => {
      state.transport.recording = false;
      return transportResult();
    },
    saveRecording: ({ path }) => {
      // A format-0 SMF holding the recorded messages at delta 0: enough for a UI test.
      const track: number[] = [];
      for (const m of recorded) track.push(0, ...m);
      track.push(0, 0xff, 0x2f, 0);
      const len = track.length;
      const file = new Uint8Array([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96, 0x4d, 0x54, 0x72, 0x6b, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...track]);
      return { bytes: path ? null : file, events: recorded.length };
    },
    renderToWav: ({ path, seconds }) => ({ path, frames: Math.round(seconds * settings.sampleRate), peak: 0.5 }),
  };

  // Record every call and honour failNext before the handler runs.
  const wrapped = Object.fromEntries(
    Object.entries(handlers).map(([method, fn]) => [
      method,
      async (params: unknown) => {
        calls.push({ method, params });
        const failure = failures.get(method);
        if (failure) {
          failures.delete(method);
          throw failure;
        }
        return (fn as (p: unknown) => unknown)(params);
      },
    ]),
  ) as unknown as Handlers;

  const serve = (transport: Transport) => {
    const conn = serveProtocol(transport, wrapped, { engineName: 'fake-engine', token: options.token });
    connections.push(conn);
    transport.onClose(() => connections.splice(connections.indexOf(conn), 1));
    return conn;
  };

  return {
    state,
    handlers: wrapped,
    calls,
    midi,
    serve,
    pair() {
      const [a, b] = createMemoryPair();
      serve(b);
      return a;
    },
    connect() {
      const [a, b] = createMemoryPair();
      serve(b);
      return createClient(a, { token: options.token, validate: true });
    },
    notify,
    tick() {
      samplePosition += settings.sampleRate / 30;
      const stats: Stats = {
        masterTime: samplePosition * (1e7 / settings.sampleRate),
        latencyTime: (samplePosition + settings.bufferFrames * settings.latencyBuffers) * (1e7 / settings.sampleRate),
        samplePosition,
        underruns,
        lastUnderrunAtMs,
        lastUnderrunLateMs: lastUnderrunAtMs ? 6 : 0,
        lastOnsetAtMs: 0,
        transportPosition: state.transport.position,
        pins: state.pins.map((p) => {
          const notes = sounding.get(p.id) ?? new Set<string>();
          const voices = Math.min(notes.size * 2, voiceLimits.get(p.id) ?? p.voices);
          const activity = new Array(p.channelGroups * 16).fill(0);
          for (const k of notes) {
            const [g, ch] = k.split(':').map(Number);
            if (g >= 1 && g <= p.channelGroups) activity[(g - 1) * 16 + ch] = 1;
            else if (g === 0) activity[ch] = 1;
          }
          const peak = p.muted ? 0 : Math.min(1, notes.size * 0.3);
          return { id: p.id, voices, cpuPercent: voices * 0.4, lostNotes: 0, eventsLost: 0, peakLeft: peak, peakRight: peak * 0.9, activity };
        }),
      };
      if (state.transport.playing) state.transport.position += 1e7 / 30;
      notify('onStats', stats);
      return stats;
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    addUnderrun() {
      underruns++;
      lastUnderrunAtMs = Date.now();
    },
  };
}
