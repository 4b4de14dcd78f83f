/**
 * The engine protocol: every request (a verb), its parameters and result, and every notification
 * (onXxx), defined ONCE as runtime schemas. The engine validates each message where it enters
 * (the renderer, a browser or any other client is not trusted); clients get their types from
 * the same schemas (z.infer). Plain data only: no class instances cross a process boundary.
 *
 * Seed concepts carried by the protocol: render pins (virtual synths), channel groups, KS
 * properties of KSPROPSETID_Synth / _Synth_Dls / _SynthClock (raw, byte for byte), DirectMusic
 * buffers (raw DMUS_EVENTHEADER records with a start time) and DMUS_DOWNLOADINFO downloads (raw),
 * answered with DMUS_E_* codes; plus the workstation's own verbs (collections, audio, MIDI,
 * transport, recording).
 *
 * Neutral file: imports nothing of node, electron or the DOM (checked by tools/check-boundaries).
 */
import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';

export { PROTOCOL_VERSION };

/** Largest binary payload a request may carry (a DLS/SF2 bank or a song uploaded from a browser). */
export const MAX_BYTES = 512 * 1024 * 1024;
/** Largest raw DirectMusic buffer (IRP) or download buffer sent in one request. */
export const MAX_IRP_BYTES = 1024 * 1024;

const bytes = (max = MAX_BYTES) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes (Uint8Array)' }).refine((b) => b.byteLength <= max, {
    message: `payload larger than ${max} bytes`,
  });

const id = z.number().int().min(1).max(2 ** 31 - 1);
const u7 = z.number().int().min(0).max(127);
const channel = z.number().int().min(0).max(15);
/** Channel groups are 1-based (reference §2.4); 0 in a DirectMusic buffer means "every group". */
const group = z.number().int().min(1).max(1000);
/** 100 ns reference time. */
const refTime = z.number().finite();
const ksStateName = z.enum(['STOP', 'ACQUIRE', 'PAUSE', 'RUN']);

// ----- shared data shapes -----

export const PinInfo = z.object({
  id,
  name: z.string(),
  state: ksStateName,
  channelGroups: z.number().int(),
  voices: z.number().int(),
  /** Synth volume, 1/100 dB (KSPROPERTY_SYNTH_VOLUME). */
  volume: z.number(),
  muted: z.boolean(),
  /** Downloads on this pin, as the session knows them. */
  downloads: z.array(
    z.object({
      downloadId: id,
      collectionId: z.number().int().nullable(),
      /** What was downloaded: the instrument as it is in its file. */
      source: z.object({ bank: z.number().int(), program: u7, drum: z.boolean(), name: z.string() }).nullable(),
      /** The patch it answers to on this pin (after remapping). */
      patch: z.object({ bank: z.number().int(), program: u7, drum: z.boolean() }).nullable(),
      kind: z.enum(['instrument', 'wave', 'raw']),
      bytes: z.number().int(),
    }),
  ),
  /** Per channel group, per channel, what the UI set (the synth's own state is the MIDI state). */
  channels: z.array(
    z.array(
      z.object({
        program: u7,
        bank: z.number().int().min(0).max(16383),
        volume: u7,
        pan: u7,
        mute: z.boolean(),
        solo: z.boolean(),
        drum: z.boolean(),
        priority: z.number().int().min(0).max(0xffffffff),
      }),
    ),
  ),
});
export type PinInfo = z.infer<typeof PinInfo>;

export const InstrumentInfo = z.object({
  /** MIDI bank: CC0 × 128 + CC32. */
  bank: z.number().int(),
  program: u7,
  drum: z.boolean(),
  name: z.string(),
  regions: z.array(z.object({ keyLow: u7, keyHigh: u7, velLow: u7, velHigh: u7 })),
});
export type InstrumentInfo = z.infer<typeof InstrumentInfo>;

export const CollectionInfo = z.object({
  id,
  name: z.string(),
  path: z.string().nullable(),
  format: z.enum(['DLS1', 'DLS2', 'SF2', 'SF3']),
  instruments: z.array(InstrumentInfo),
  waves: z.number().int(),
  bytes: z.number().int(),
  warnings: z.array(z.string()),
  builtIn: z.boolean(),
});
export type CollectionInfo = z.infer<typeof CollectionInfo>;

/**
 * A collection as every state snapshot carries it: everything but the instrument list, which
 * getCollection returns. A large bank's list (FluidR3_GM: 189 instruments, 17,000 regions, about
 * 1 MB of JSON) would otherwise travel with every onState, i.e. with every slider move.
 */
export const CollectionSummary = CollectionInfo.omit({ instruments: true }).extend({ instrumentCount: z.number().int() });
export type CollectionSummary = z.infer<typeof CollectionSummary>;

export const AudioSettings = z.object({
  /** PortAudio device id, or null for the default output. */
  deviceId: z.number().int().nullable(),
  sampleRate: z.number().int().min(11025).max(192000),
  /** Frames per buffer (block). */
  bufferFrames: z.number().int().min(16).max(8192),
  /** Blocks queued in the device (the output latency is bufferFrames × latencyBuffers). */
  latencyBuffers: z.number().int().min(1).max(16),
  /** Sequencer look-ahead (SchedulePreFetch), ms. */
  prefetchMs: z.number().min(0).max(1000),
});
export type AudioSettings = z.infer<typeof AudioSettings>;

export const AudioDevice = z.object({
  id: z.number().int(),
  name: z.string(),
  hostApi: z.string(),
  maxOutputChannels: z.number().int(),
  defaultSampleRate: z.number(),
  isDefault: z.boolean(),
});

export const AudioStatus = z.object({
  /** What is actually playing: a device, or the null sink (clock running, no sound) and why. */
  output: z.enum(['portaudio', 'null', 'offline']),
  reason: z.string().nullable(),
  settings: AudioSettings,
  /** Output latency actually in effect, ms. */
  latencyMs: z.number(),
  /** How the render thread is scheduled: real-time priority, or why not (engine/host/realtime-priority.ts). */
  renderThread: z.object({ realtime: z.boolean(), priority: z.number().int(), detail: z.string() }),
});
export type AudioStatus = z.infer<typeof AudioStatus>;

export const MidiInput = z.object({ index: z.number().int(), name: z.string(), open: z.boolean() });
export const MidiStatus = z.object({
  available: z.boolean(),
  reason: z.string().nullable(),
  inputs: z.array(MidiInput),
  virtualPort: z.string().nullable(),
});
export type MidiStatus = z.infer<typeof MidiStatus>;

export const ThruRoute = z.object({
  /** Input port name. */
  input: z.string(),
  inputChannel: channel,
  pinId: id,
  group,
  channel,
});
export type ThruRoute = z.infer<typeof ThruRoute>;

export const SongInfo = z.object({
  name: z.string(),
  /** Duration in 100 ns units. */
  duration: refTime,
  tracks: z.number().int(),
  channelGroups: z.number().int(),
  events: z.number().int(),
});

export const TransportState = z.object({
  song: SongInfo.nullable(),
  playing: z.boolean(),
  pinId: z.number().int().nullable(),
  position: refTime,
  recording: z.boolean(),
  recordedEvents: z.number().int(),
});
export type TransportState = z.infer<typeof TransportState>;

export const SessionState = z.object({
  version: z.literal(PROTOCOL_VERSION),
  pins: z.array(PinInfo),
  collections: z.array(CollectionSummary),
  audio: AudioStatus,
  midi: MidiStatus,
  thru: z.array(ThruRoute),
  transport: TransportState,
});
export type SessionState = z.infer<typeof SessionState>;

export const PinStats = z.object({
  id,
  voices: z.number(),
  cpuPercent: z.number(),
  lostNotes: z.number(),
  /**
   * MIDI messages this pin lost on their way to the synth (its event pool was full on the render
   * thread, which never grows it), since the pin was created. Never a silent drop: 0 is good news.
   */
  eventsLost: z.number().int(),
  peakLeft: z.number(),
  peakRight: z.number(),
  /** Activity per channel (groups × 16 flags) since the last statistics message. */
  activity: z.array(z.number().int()),
});

export const Stats = z.object({
  masterTime: refTime,
  latencyTime: refTime,
  samplePosition: z.number(),
  underruns: z.number().int(),
  /** When the last underrun happened, wall-clock ms (Date.now() scale), and how late it was; 0 before any. */
  lastUnderrunAtMs: z.number(),
  lastUnderrunLateMs: z.number(),
  /** When the last sound onset (a note out of silence) left the sink, wall-clock ms; 0 before any. */
  lastOnsetAtMs: z.number(),
  pins: z.array(PinStats),
  /**
   * What the MIDI input (the capture pin) lost since the engine started: messages it had no event,
   * no IRP or no room for, and bytes that overran its input ring before they could be parsed.
   * The engine always sends it; optional so that a client or a stand-in engine without MIDI input
   * (the UI tests' fake engine) need not.
   */
  midiInputLost: z.object({ messages: z.number().int(), bytes: z.number().int() }).optional(),
  transportPosition: refTime,
});
export type Stats = z.infer<typeof Stats>;

// ----- requests -----

/** The raw KS property request (engine/dmus/properties.ts), so every synth property is reachable. */
const KsProperty = z.object({
  pinId: id.optional(),
  set: z.string().regex(/^[0-9a-fA-F-]{36}$/),
  id: z.number().int().min(0),
  flags: z.number().int(),
  instance: bytes(MAX_IRP_BYTES).optional(),
  value: bytes(4096).optional(),
  valueSize: z.number().int().min(0).max(65536).optional(),
});

const empty = z.object({}).strict();

export const methods = {
  /** The whole session as the engine sees it. */
  getState: { params: empty, result: SessionState },

  // pins
  createPin: { params: z.object({ name: z.string().min(1).max(64).optional() }).strict(), result: PinInfo },
  removePin: { params: z.object({ pinId: id }).strict(), result: z.object({}) },
  renamePin: { params: z.object({ pinId: id, name: z.string().min(1).max(64) }).strict(), result: PinInfo },
  setPinVolume: { params: z.object({ pinId: id, volume: z.number().min(-20000).max(2000) }).strict(), result: PinInfo },
  setPinMuted: { params: z.object({ pinId: id, muted: z.boolean() }).strict(), result: PinInfo },
  setPinState: { params: z.object({ pinId: id, state: ksStateName }).strict(), result: PinInfo },
  setChannelGroups: { params: z.object({ pinId: id, groups: z.number().int().min(1).max(1000) }).strict(), result: PinInfo },
  setVoiceLimit: { params: z.object({ pinId: id, voices: z.number().int().min(1).max(4096) }).strict(), result: PinInfo },
  /** One channel's settings; each given field is sent to the synth as MIDI (program, CC7, CC10, ...). */
  setChannel: {
    params: z
      .object({
        pinId: id,
        group,
        channel,
        program: u7.optional(),
        bank: z.number().int().min(0).max(16383).optional(),
        volume: u7.optional(),
        pan: u7.optional(),
        mute: z.boolean().optional(),
        solo: z.boolean().optional(),
        drum: z.boolean().optional(),
        priority: z.number().int().min(0).max(0xffffffff).optional(),
      })
      .strict(),
    result: PinInfo,
  },
  /** MIDI bytes for one channel group of a pin (the on-screen keyboard); time omitted = now (latency clock). */
  sendMidi: {
    params: z.object({ pinId: id, group: z.number().int().min(0).max(1000), bytes: z.array(z.number().int().min(0).max(255)).min(1).max(65536), time: refTime.optional() }).strict(),
    result: z.object({ time: refTime }),
  },
  /** All notes off and all sounds off on every pin. */
  panic: { params: empty, result: z.object({}) },
  /** A raw DirectMusic buffer (an IRP): DMUS_EVENTHEADER records and the buffer's start time. */
  writeBuffer: {
    params: z.object({ pinId: id, startTime: refTime, bytes: bytes(MAX_IRP_BYTES) }).strict(),
    result: z.object({ records: z.number().int(), events: z.number().int(), error: z.object({ code: z.string(), hresult: z.number(), message: z.string() }).nullable() }),
  },
  /** A raw KS property request; the answer is the KS status and the value bytes. */
  property: {
    params: KsProperty.strict(),
    result: z.object({ status: z.number(), statusName: z.string(), value: bytes(65536).nullable(), bytesReturned: z.number().int(), message: z.string().nullable(), hresult: z.number().nullable() }),
  },

  // collections and downloads
  loadCollection: { params: z.object({ path: z.string().min(1).max(4096) }).strict(), result: CollectionInfo },
  loadCollectionData: { params: z.object({ name: z.string().min(1).max(256), bytes: bytes() }).strict(), result: CollectionInfo },
  getCollection: { params: z.object({ collectionId: id }).strict(), result: CollectionInfo },
  closeCollection: { params: z.object({ collectionId: id }).strict(), result: z.object({}) },
  downloadInstrument: {
    params: z
      .object({
        pinId: id,
        collectionId: id,
        bank: z.number().int().min(0).max(16383),
        program: u7,
        drum: z.boolean(),
        /** Patch remapping: answer to this patch on the pin instead. */
        as: z.object({ bank: z.number().int().min(0).max(16383), program: u7, drum: z.boolean() }).optional(),
      })
      .strict(),
    result: PinInfo,
  },
  downloadCollection: { params: z.object({ pinId: id, collectionId: id }).strict(), result: PinInfo },
  unload: { params: z.object({ pinId: id, downloadId: id }).strict(), result: PinInfo },
  /** A raw DMUS_DOWNLOADINFO buffer, as a DirectMusic application would send it. */
  downloadRaw: {
    params: z.object({ pinId: id, bytes: bytes(MAX_BYTES) }).strict(),
    result: z.object({ downloadHandle: z.number().int(), free: z.boolean() }),
  },
  unloadRaw: { params: z.object({ pinId: id, downloadHandle: z.number().int() }).strict(), result: z.object({ pending: z.boolean() }) },

  // audio
  listAudioDevices: { params: empty, result: z.object({ devices: z.array(AudioDevice), reason: z.string().nullable() }) },
  setAudioSettings: { params: AudioSettings.partial().strict(), result: AudioStatus },

  // MIDI
  listMidiInputs: { params: empty, result: MidiStatus },
  openMidiInput: { params: z.object({ name: z.string().min(1) }).strict(), result: MidiStatus },
  closeMidiInput: { params: z.object({ name: z.string().min(1) }).strict(), result: MidiStatus },
  setThruRoute: { params: ThruRoute.strict(), result: z.object({ thru: z.array(ThruRoute) }) },
  clearThruRoute: { params: z.object({ input: z.string(), inputChannel: channel }).strict(), result: z.object({ thru: z.array(ThruRoute) }) },

  // transport
  openSong: { params: z.object({ path: z.string().min(1).max(4096) }).strict(), result: SongInfo },
  openSongData: { params: z.object({ name: z.string().min(1).max(256), bytes: bytes(64 * 1024 * 1024) }).strict(), result: SongInfo },
  play: { params: z.object({ pinId: id.optional() }).strict(), result: TransportState },
  stop: { params: empty, result: TransportState },
  seek: { params: z.object({ position: refTime.min(0) }).strict(), result: TransportState },

  // recording
  startRecording: { params: empty, result: TransportState },
  stopRecording: { params: empty, result: TransportState },
  /** The recording as a standard MIDI file: written to `path` when given, returned as bytes otherwise. */
  saveRecording: { params: z.object({ path: z.string().min(1).max(4096).optional() }).strict(), result: z.object({ bytes: bytes().nullable(), events: z.number().int() }) },

  // offline
  /** Renders `seconds` of the session (the loaded song from its start when there is one) to a WAV file through the same stack. */
  renderToWav: {
    params: z.object({ path: z.string().min(1).max(4096), seconds: z.number().positive().max(3600), pinId: id.optional() }).strict(),
    result: z.object({ path: z.string(), frames: z.number().int(), peak: z.number() }),
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type Result<M extends MethodName> = z.infer<Methods[M]['result']>;

export const notifications = {
  /** Statistics at display rate (about 30 per second). */
  onStats: Stats,
  /** The session changed (pins, downloads, settings...): the new state. */
  onState: SessionState,
  /** Captured MIDI, for the monitor. */
  onMidiInput: z.object({ events: z.array(z.object({ input: z.string(), time: refTime, bytes: z.array(z.number().int()) })) }),
  /** Something went wrong outside a request (device lost, MIDI error, bad input bytes). */
  onError: z.object({ message: z.string(), where: z.string().nullable(), code: z.string().nullable() }),
  /** Progress while a bank loads. */
  onProgress: z.object({ task: z.string(), done: z.number(), total: z.number() }),
} as const;

export type Notifications = typeof notifications;
export type NotificationName = keyof Notifications;
export type NotificationData<N extends NotificationName> = z.infer<Notifications[N]>;

/** Error codes of failed requests. DirectMusic failures use their DMUS_E_* name. */
export const ErrorCode = z.union([
  z.enum(['BAD_MESSAGE', 'UNKNOWN_METHOD', 'INVALID_PARAMS', 'NOT_FOUND', 'UNAVAILABLE', 'BUSY', 'IO', 'VERSION', 'UNAUTHORIZED', 'INTERNAL', 'CLOSED']),
  z.string().regex(/^(DMUS_E_|E_|STATUS_)[A-Z0-9_]+$/),
]);

export const ProtocolErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Where in the input the problem is (a byte offset, a chunk path, a parameter path). */
  where: z.string().nullable(),
  hresult: z.number().nullable(),
});
export type ProtocolErrorShape = z.infer<typeof ProtocolErrorShape>;

// ----- the wire -----

export const WireMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), version: z.number().int(), token: z.string().optional(), client: z.string().max(128).optional() }),
  z.object({ t: z.literal('welcome'), version: z.number().int(), engine: z.string() }),
  z.object({ t: z.literal('req'), id: z.number().int().min(0), method: z.string().max(64), params: z.unknown() }),
  z.object({ t: z.literal('res'), id: z.number().int().min(0), result: z.unknown() }),
  z.object({ t: z.literal('err'), id: z.number().int().min(-1), error: ProtocolErrorShape }),
  z.object({ t: z.literal('note'), event: z.string().max(64), data: z.unknown() }),
]);
export type WireMessage = z.infer<typeof WireMessage>;
