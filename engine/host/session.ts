/**
 * The engine session (the "dmusic.dll" role of the seeds, on the control side): it owns what the
 * musician set up — render pins and their channel groups, open banks, downloads, audio settings —
 * and turns protocol requests into DMus operations on the render engine: DirectMusic buffers for
 * MIDI, DMUS_DOWNLOADINFO buffers for instruments, KS property requests for synth settings.
 * Every change is saved at once (persistence.ts) and announced to every client (onState).
 *
 * Downloads follow dmusic.dll's bookkeeping (reference §5.9-5.10): a wave is downloaded to a pin
 * once and reference-counted by the instruments that use it there; instruments are unloaded
 * before the waves they use; download ids come from one counter and are never reused.
 */
import { type ProgramFilter, wantsProgram } from '../dls/program-filter.js';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeLocale, type DlsCollection, encodeLocale, midiBank } from '../dls/collection.js';
import { type SynthCapabilities, synthCapabilities } from '../dls/conditions.js';
import { DownloadIdAllocator, DownloadScratch, packInstrumentDownload, packWaveDownload } from '../dls/download.js';
import { builtInBankPath, systemGmDlsPath } from '../dls/system-bank.js';
import { DirectMusicBuffer } from '../dmus/dmus-buffer.js';
import { DMUS_E, DmusError } from '../dmus/errors.js';
import { messageLength } from '../dmus/midi-message.js';
import { KSSTATE, KSSTATE_NAME, type KsState } from '../dmus/mxf.js';
import { KSPROPERTY_SYNTH, KSPROPERTY_TYPE, KSPROPSETID, SYNTH_PORTPARAMS, decodePortParams, encodePortParams } from '../dmus/properties.js';
import type { RefTime } from '../dmus/units.js';
import type { AudioSettings, AudioStatus, CollectionInfo, PinInfo, SessionState, Stats } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { CollectionStore, collectionInfo, collectionSummary, instrumentInfos, type LoadProgress, type OpenCollection } from './collections.js';
import { saveJsonAtomic } from './atomic-file.js';
import type { SavedChannel, SavedSession } from './persistence.js';
import { DAUD, DAUD_CHANNEL_OFFSET } from '../synth/constants.js';
import { RenderEngine, type RenderEngineApi } from './render-engine.js';

/** DAUD_STANDARD_VOICE_PRIORITY | DAUD_CHANn offset (reference §4.6): the default of each channel. */
export const defaultPriority = (channel: number): number => (DAUD.STANDARD | DAUD_CHANNEL_OFFSET[channel]) >>> 0;

/** GS part (block) of a MIDI channel, for "use for rhythm part" SysEx (reference §7.1). */
const BLOCK_OF_CHANNEL = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 10, 11, 12, 13, 14, 15];

/** How often a null-sink fallback tries the audio device again. */
const OUTPUT_RETRY_MS = 5000;

export const DEFAULT_AUDIO: AudioSettings = { deviceId: null, sampleRate: 48000, bufferFrames: 256, latencyBuffers: 2, prefetchMs: 0 };

export interface SessionOptions {
  /** Folder of session.json and of banks uploaded from a browser. null = keep nothing on disk (tests). */
  dir: string | null;
  /** 'live' opens the audio device (falls back to the null sink); 'offline' renders only on demand. */
  output: 'live' | 'offline';
  /** Start state when there is no saved session: one pin with the built-in bank downloaded. */
  defaults?: boolean;
  /** How often a null-sink fallback retries the device, ms (default 5000). */
  outputRetryMs?: number;
  /** Builds the render side elsewhere (a worker thread); default: in this thread. */
  renderThread?: (options: { sampleRate: number; bufferFrames: number }) => RenderEngineApi;
}

interface WaveOnPin {
  handle: number;
  dlId: number;
  users: number;
}
interface InstrumentOnPin {
  handle: number;
  collectionId: number | null;
  collectionPath: string | null;
  source: { bank: number; program: number; drum: boolean; name: string } | null;
  patch: { bank: number; program: number; drum: boolean } | null;
  waveKeys: string[];
  kind: 'instrument' | 'raw';
  bytes: number;
}
interface PinRecord {
  id: number;
  name: string;
  volume: number;
  muted: boolean;
  channelGroups: number;
  voices: number;
  channels: SavedChannel[][];
  waves: Map<string, WaveOnPin>;
  instruments: Map<number, InstrumentOnPin>;
  /** Handles unloadRaw has unloaded: unloading one again succeeds, as a second Unload(buffer) does (§5.10). */
  unloadedRaw: Set<number>;
}

type Listener<T> = (data: T) => void;

function defaultChannel(channel: number): SavedChannel {
  return { program: 0, bank: 0, volume: 100, pan: 64, mute: false, solo: false, drum: channel === 9, priority: defaultPriority(channel) };
}
const defaultGroup = () => Array.from({ length: 16 }, (_, c) => defaultChannel(c));

export class Session {
  readonly collections = new CollectionStore();
  engine: RenderEngineApi;
  private audio: AudioSettings;
  private readonly pins = new Map<number, PinRecord>();
  private readonly ids = new DownloadIdAllocator();
  /** Every wave download is packed here: the pin copies it before download() returns. */
  private readonly waveScratch = new DownloadScratch();
  private readonly options: SessionOptions;
  private readonly stateListeners = new Set<Listener<SessionState>>();
  private readonly errorListeners = new Set<Listener<{ message: string; where: string | null; code: string | null }>>();
  private activity = new Map<number, Uint8Array>();
  private restoring = false;
  /** start() ran: settings changes now restart the output. */
  private started = false;
  private outputRetry: ReturnType<typeof setInterval> | undefined;
  private retrying = false;
  private statePending = false;

  constructor(options: SessionOptions) {
    this.options = options;
    this.audio = { ...DEFAULT_AUDIO };
    this.engine = this.makeEngine();
  }

  private get sessionFile(): string | null {
    return this.options.dir ? join(this.options.dir, 'session.json') : null;
  }

  private makeEngine(): RenderEngineApi {
    const options = { sampleRate: this.audio.sampleRate, bufferFrames: this.audio.bufferFrames };
    const e = this.options.renderThread ? this.options.renderThread(options) : new RenderEngine(options);
    e.onOutputError = (err) => this.reportError(`audio output: ${err.message}; playing on without a device (null sink)`, 'audio', 'UNAVAILABLE');
    return e;
  }

  /** The render side when it runs in this thread (offline sessions, tests); throws otherwise. */
  localEngine(): RenderEngine {
    if (!(this.engine instanceof RenderEngine)) throw new Error('this session renders on its own thread');
    return this.engine;
  }

  // ----- lifecycle -----

  /** Restores the saved session (or builds the defaults) and starts the output. */
  async start(): Promise<void> {
    const file = this.sessionFile;
    // persistence.js (its schemas load zod) only when there is a session to read.
    const { session, problem } = file ? (await import('./persistence.js')).loadSession(file) : { session: null, problem: null };
    if (problem) this.reportError(problem, file, 'IO');
    this.restoring = true;
    try {
      if (session) await this.restore(session);
      else if (this.options.defaults !== false) await this.buildDefaults();
    } finally {
      this.restoring = false;
    }
    if (this.options.output === 'live') await this.startOutput();
    this.started = true;
    this.changed();
  }

  async close(): Promise<void> {
    if (this.outputRetry) clearInterval(this.outputRetry);
    this.outputRetry = undefined;
    await this.engine.close();
  }

  private async startOutput(): Promise<void> {
    if (process.env.DMUS_AUDIO === 'null') {
      await this.engine.startOutput({ kind: 'null', reason: 'audio output disabled (DMUS_AUDIO=null)' });
      return;
    }
    await this.engine.startOutput({ kind: 'portaudio', deviceId: this.audio.deviceId ?? -1, queueBlocks: this.audio.latencyBuffers });
    this.watchOutput();
  }

  /**
   * While live output fell back to the null sink (no device, or the device was lost), try the
   * device again every few seconds; the clock and the session keep running meanwhile.
   */
  private watchOutput(): void {
    if (this.outputRetry) return;
    this.outputRetry = setInterval(() => {
      if (this.retrying || this.options.output !== 'live' || process.env.DMUS_AUDIO === 'null') return;
      const status = this.engine.outputStatus;
      if (status.kind !== 'null') return;
      this.retrying = true;
      this.engine
        .listDevices()
        .then(async (list) => {
          if (list.outputs.length === 0) return;
          await this.engine.startOutput({ kind: 'portaudio', deviceId: this.audio.deviceId ?? -1, queueBlocks: this.audio.latencyBuffers });
          if (this.engine.outputStatus.kind === 'portaudio') {
            this.reportError('audio output is back on the device', 'audio', null);
            this.changed();
          }
        })
        .catch(() => {})
        .finally(() => {
          this.retrying = false;
        });
    }, this.options.outputRetryMs ?? OUTPUT_RETRY_MS);
    this.outputRetry.unref?.();
  }

  private async buildDefaults(): Promise<void> {
    const pin = this.createPin({ name: 'Synth 1' });
    const bank = builtInBankPath();
    if (!bank) {
      this.reportError('the built-in bank assets/dmus-gm.dls is missing; load a bank to hear sound', 'assets', 'IO');
      return;
    }
    const c = await this.collections.loadFile(bank, true);
    this.downloadAll(pin.id, c);
    // On Windows, Microsoft's own GM/GS set is offered too (opened, not downloaded).
    const gm = systemGmDlsPath();
    if (gm) {
      try {
        await this.collections.loadFile(gm, true);
      } catch (err) {
        this.reportError(`the system bank ${gm} could not be read: ${(err as Error).message}`, gm, 'IO');
      }
    }
  }

  private async restore(saved: SavedSession): Promise<void> {
    this.audio = { ...saved.audio };
    await this.engine.close();
    this.engine = this.makeEngine();
    for (const c of saved.collections) {
      try {
        await this.collections.loadFile(c.path, c.builtIn);
      } catch (err) {
        this.reportError(`could not reopen bank ${c.path}: ${(err as Error).message}`, c.path, 'IO');
      }
    }
    const pinIds: number[] = [];
    for (const p of saved.pins) {
      const info = this.createPin({ name: p.name });
      pinIds.push(info.id);
      const rec = this.pinRecord(info.id);
      this.setChannelGroups({ pinId: info.id, groups: p.channelGroups });
      this.setVoiceLimit({ pinId: info.id, voices: p.voices });
      this.setPinVolume({ pinId: info.id, volume: p.volume });
      this.setPinMuted({ pinId: info.id, muted: p.muted });
      for (const d of p.downloads) {
        const c = this.collections.list().find((x) => x.path === d.collectionPath);
        if (!c) continue;
        try {
          this.downloadInstrument({ pinId: info.id, collectionId: c.id, bank: d.source.bank, program: d.source.program, drum: d.source.drum, as: d.as ?? undefined });
        } catch (err) {
          this.reportError(`could not restore ${d.collectionPath} ${d.source.bank}:${d.source.program}: ${(err as Error).message}`, d.collectionPath, 'IO');
        }
      }
      p.channels.forEach((group, g) => {
        if (g >= rec.channelGroups) return;
        group.forEach((ch, c) => {
          this.setChannel({ pinId: info.id, group: g + 1, channel: c, ...ch });
        });
      });
    }
    this.restoredThru = saved.thru.filter((t) => t.pinIndex < pinIds.length).map((t) => ({ ...t, pinId: pinIds[t.pinIndex] }));
  }

  /** Thru routes read from the saved session (the MIDI part of the host applies them). */
  restoredThru: Array<{ input: string; inputChannel: number; pinId: number; group: number; channel: number }> = [];

  private snapshot(): SavedSession {
    const pinIndex = new Map<number, number>();
    for (const id of this.pins.keys()) pinIndex.set(id, pinIndex.size);
    return {
      version: 1,
      audio: this.audio,
      collections: this.collections
        .list()
        .filter((c) => c.path !== null)
        .map((c) => ({ path: c.path as string, builtIn: c.builtIn })),
      pins: [...this.pins.values()].map((p) => ({
        name: p.name,
        volume: p.volume,
        muted: p.muted,
        channelGroups: p.channelGroups,
        voices: p.voices,
        channels: p.channels,
        downloads: [...p.instruments.values()]
          .filter((i) => i.kind === 'instrument' && i.collectionPath !== null && i.source)
          .map((i) => ({
            collectionPath: i.collectionPath as string,
            source: { bank: i.source!.bank, program: i.source!.program, drum: i.source!.drum },
            as: i.patch && (i.patch.bank !== i.source!.bank || i.patch.program !== i.source!.program || i.patch.drum !== i.source!.drum) ? i.patch : null,
          })),
      })),
      thru: this.thruForSave().flatMap((t) => (pinIndex.has(t.pinId) ? [{ input: t.input, inputChannel: t.inputChannel, pinIndex: pinIndex.get(t.pinId)!, group: t.group, channel: t.channel }] : [])),
    };
  }

  /** The thru map to save. */
  thruForSave(): Array<{ input: string; inputChannel: number; pinId: number; group: number; channel: number }> {
    return this.thruState();
  }

  /** Saves and announces a change (coalesced to one per microtask). */
  changed(): void {
    if (this.restoring) return;
    const file = this.sessionFile;
    if (file) {
      try {
        saveJsonAtomic(file, this.snapshot());
      } catch (err) {
        this.reportError(`could not save the session: ${(err as Error).message}`, file, 'IO');
      }
    }
    if (this.statePending) return;
    this.statePending = true;
    queueMicrotask(() => {
      this.statePending = false;
      const s = this.getState();
      for (const l of this.stateListeners) l(s);
    });
  }

  onState(l: Listener<SessionState>): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }
  onError(l: Listener<{ message: string; where: string | null; code: string | null }>): () => void {
    this.errorListeners.add(l);
    return () => this.errorListeners.delete(l);
  }
  reportError(message: string, where: string | null, code: string | null): void {
    for (const l of this.errorListeners) l({ message, where, code });
  }

  // ----- state -----

  pinRecord(pinId: number): PinRecord {
    const p = this.pins.get(pinId);
    if (!p) throw new ProtocolError('NOT_FOUND', `there is no synth pin ${pinId}`, 'params.pinId');
    return p;
  }

  pinInfo(pinId: number): PinInfo {
    const p = this.pinRecord(pinId);
    return {
      id: p.id,
      name: p.name,
      state: KSSTATE_NAME[this.engine.pinState(pinId)] as PinInfo['state'],
      channelGroups: p.channelGroups,
      voices: p.voices,
      volume: p.volume,
      muted: p.muted,
      downloads: [...p.instruments.entries()].map(([handle, i]) => ({
        downloadId: handle,
        collectionId: i.collectionId,
        source: i.source,
        patch: i.patch,
        kind: i.kind,
        bytes: i.bytes,
      })),
      channels: p.channels,
    };
  }

  audioStatus(): AudioStatus {
    const o = this.engine.outputStatus;
    const frames = o.kind === 'offline' ? 0 : o.latencyFrames + this.audio.bufferFrames;
    return { output: o.kind, reason: o.reason, settings: this.audio, latencyMs: (frames / this.audio.sampleRate) * 1000, renderThread: o.renderThread };
  }

  /** The parts of the host that report into the session state (set by the host). */
  readonly parts: {
    midi?: { state(): SessionState['midi']; thru(): SessionState['thru']; lost(): { messages: number; bytes: number } };
    transport?: { state(): SessionState['transport'] };
    /** Hears every message the session sends to a pin (the recorder records the keyboard too). */
    recorder?: (time: RefTime, group: number, bytes: number[]) => void;
    /** Pin ids changed after a rebuild of the render side (same order): old id -> new id. */
    pinsRemapped?: (map: Map<number, number>) => void;
  } = {};

  midiState(): SessionState['midi'] {
    return this.parts.midi?.state() ?? { available: false, reason: 'MIDI input is not started in this engine', inputs: [], virtualPort: null };
  }
  transportState(): SessionState['transport'] {
    return this.parts.transport?.state() ?? { song: null, playing: false, pinId: null, position: 0, recording: false, recordedEvents: 0 };
  }
  thruState(): SessionState['thru'] {
    return this.parts.midi?.thru() ?? [];
  }

  getState(): SessionState {
    return {
      version: PROTOCOL_VERSION,
      pins: [...this.pins.keys()].map((id) => this.pinInfo(id)),
      collections: this.collections.list().map(collectionSummary),
      audio: this.audioStatus(),
      midi: this.midiState(),
      thru: this.thruState(),
      transport: this.transportState(),
    };
  }

  stats(transportPosition: RefTime = 0): Stats {
    const meters = this.engine.meters();
    const out = this.engine.outputStatus;
    return {
      masterTime: this.engine.masterTime(),
      latencyTime: this.engine.latencyTime(),
      samplePosition: this.engine.samplePosition,
      underruns: out.underruns,
      lastUnderrunAtMs: out.lastUnderrunAtMs,
      lastUnderrunLateMs: out.lastUnderrunLateMs,
      lastOnsetAtMs: out.lastOnsetAtMs,
      transportPosition,
      midiInputLost: this.parts.midi?.lost() ?? { messages: 0, bytes: 0 },
      pins: meters.map((m) => {
        const act = this.activity.get(m.id);
        const rec = this.pins.get(m.id);
        const activity = act ? Array.from(act.subarray(16, 16 * ((rec?.channelGroups ?? 0) + 1))) : [];
        act?.fill(0);
        return {
          id: m.id,
          voices: m.stats.voices,
          cpuPercent: m.stats.totalCpu / 100,
          lostNotes: m.stats.lostNotes,
          eventsLost: m.events.eventsLost,
          peakLeft: m.peakLeft,
          peakRight: m.peakRight,
          activity,
        };
      }),
    };
  }

  // ----- pins -----

  createPin(p: { name?: string }): PinInfo {
    const name = p.name ?? `Synth ${this.pins.size + 1}`;
    const pinId = this.engine.createPin(name);
    const node = this.engine.node(pinId);
    const rec: PinRecord = {
      id: pinId,
      name,
      volume: node.getVolume(),
      muted: false,
      channelGroups: node.getChannelGroups(),
      voices: 0,
      channels: [],
      waves: new Map(),
      instruments: new Map(),
      unloadedRaw: new Set(),
    };
    rec.channels = Array.from({ length: rec.channelGroups }, defaultGroup);
    rec.voices = this.portParams(pinId, 0, {}).voices;
    this.pins.set(pinId, rec);
    this.activity.set(pinId, new Uint8Array((rec.channelGroups + 1) * 16));
    if (this.audio.prefetchMs > 0) this.engine.setExtraPrefetch(pinId, this.audio.prefetchMs * 10_000);
    this.changed();
    return this.pinInfo(pinId);
  }

  removePin(p: { pinId: number }): Record<string, never> {
    this.pinRecord(p.pinId);
    this.engine.removePin(p.pinId);
    this.pins.delete(p.pinId);
    this.activity.delete(p.pinId);
    this.changed();
    return {};
  }

  renamePin(p: { pinId: number; name: string }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    rec.name = p.name;
    this.engine.renamePin(p.pinId, p.name);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  setPinVolume(p: { pinId: number; volume: number }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    this.engine.node(p.pinId).setVolume(Math.round(p.volume));
    rec.volume = this.engine.node(p.pinId).getVolume();
    this.changed();
    return this.pinInfo(p.pinId);
  }

  setPinMuted(p: { pinId: number; muted: boolean }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    rec.muted = p.muted;
    this.engine.setPinMuted(p.pinId, p.muted);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  setPinState(p: { pinId: number; state: keyof typeof KSSTATE }): PinInfo {
    this.pinRecord(p.pinId);
    this.engine.setPinState(p.pinId, KSSTATE[p.state] as KsState);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  /** KSPROPERTY_SYNTH_PORTPARAMETERS with the given fields flagged valid. */
  private portParams(pinId: number, valid: number, want: { voices?: number; channelGroups?: number }) {
    const request = encodePortParams({
      validParams: valid,
      voices: want.voices ?? 0,
      channelGroups: want.channelGroups ?? 0,
      audioChannels: 2,
      sampleRate: this.audio.sampleRate,
      effectsFlags: 0,
      share: 0,
    });
    const r = this.engine.property({ set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.PORTPARAMETERS, flags: KSPROPERTY_TYPE.GET, pinId, instance: request });
    if (!r.value) throw new ProtocolError(r.statusName, r.message ?? 'PORTPARAMETERS failed', null, r.hresult ?? null);
    return decodePortParams(r.value);
  }

  setChannelGroups(p: { pinId: number; groups: number }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    this.engine.node(p.pinId).setChannelGroups(p.groups);
    rec.channelGroups = this.engine.node(p.pinId).getChannelGroups();
    // Groups that stay keep their settings; new ones start at the defaults.
    while (rec.channels.length < rec.channelGroups) rec.channels.push(defaultGroup());
    rec.channels.length = rec.channelGroups;
    const act = new Uint8Array((rec.channelGroups + 1) * 16);
    this.activity.set(p.pinId, act);
    this.applyMutes(rec);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  setVoiceLimit(p: { pinId: number; voices: number }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    // Fields not flagged valid are reset to their defaults by the synth (reference §4.2): flag both.
    const got = this.portParams(p.pinId, SYNTH_PORTPARAMS.VOICES | SYNTH_PORTPARAMS.CHANNELGROUPS, { voices: p.voices, channelGroups: rec.channelGroups });
    rec.voices = got.voices;
    this.changed();
    return this.pinInfo(p.pinId);
  }

  setChannel(p: {
    pinId: number;
    group: number;
    channel: number;
    program?: number;
    bank?: number;
    volume?: number;
    pan?: number;
    mute?: boolean;
    solo?: boolean;
    drum?: boolean;
    priority?: number;
  }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    if (p.group > rec.channelGroups) {
      throw new ProtocolError('INVALID_PARAMS', `pin ${p.pinId} has ${rec.channelGroups} channel groups; group ${p.group} does not exist`, 'params.group');
    }
    const ch = rec.channels[p.group - 1][p.channel];
    const c = p.channel;
    const msgs: number[][] = [];
    if (p.drum !== undefined && p.drum !== ch.drum) {
      const block = BLOCK_OF_CHANNEL[c];
      const body = [0x40, 0x10 | block, 0x15, p.drum ? 1 : 0];
      const sum = (128 - (body.reduce((a, b) => a + b, 0) % 128)) % 128;
      msgs.push([0xf0, 0x41, 0x10, 0x42, 0x12, ...body, sum, 0xf7]);
      ch.drum = p.drum;
    }
    if (p.bank !== undefined) ch.bank = p.bank;
    if (p.program !== undefined || p.bank !== undefined) {
      if (p.program !== undefined) ch.program = p.program;
      msgs.push([0xb0 | c, 0, ch.bank >> 7], [0xb0 | c, 32, ch.bank & 127], [0xc0 | c, ch.program]);
    }
    if (p.volume !== undefined) {
      ch.volume = p.volume;
      msgs.push([0xb0 | c, 7, p.volume]);
    }
    if (p.pan !== undefined) {
      ch.pan = p.pan;
      msgs.push([0xb0 | c, 10, p.pan]);
    }
    if (p.priority !== undefined) {
      this.engine.node(p.pinId).setVoicePriority(p.group, c, p.priority);
      ch.priority = p.priority;
    }
    if (p.mute !== undefined || p.solo !== undefined) {
      if (p.mute !== undefined) ch.mute = p.mute;
      if (p.solo !== undefined) ch.solo = p.solo;
      this.applyMutes(rec);
    }
    if (msgs.length) this.sendMessages(p.pinId, p.group, msgs, this.engine.latencyTime());
    this.changed();
    return this.pinInfo(p.pinId);
  }

  /** Mute and solo become the ChannelMute filter's mask; newly silenced channels get all-notes-off. */
  private applyMutes(rec: PinRecord): void {
    const anySolo = rec.channels.some((g) => g.some((c) => c.solo));
    const mask = new Uint8Array((rec.channelGroups + 1) * 16);
    const off: Array<[number, number]> = [];
    rec.channels.forEach((g, gi) => {
      g.forEach((c, ci) => {
        if (c.mute || (anySolo && !c.solo)) {
          mask[(gi + 1) * 16 + ci] = 1;
          off.push([gi + 1, ci]);
        }
      });
    });
    this.engine.setChannelMask(rec.id, mask);
    const t = this.engine.latencyTime();
    for (const [g, c] of off) this.sendMessages(rec.id, g, [[0xb0 | c, 123, 0]], t);
  }

  /** Packs MIDI messages (channel messages or SysEx) for one group into an IRP and sends it. */
  sendMessages(pinId: number, group: number, messages: number[][], time: RefTime): void {
    let size = 0;
    for (const m of messages) size += 24 + m.length + 8;
    const buf = new DirectMusicBuffer(size);
    for (const m of messages) {
      if (m[0] === 0xf0) buf.packUnstructured(time, group, Uint8Array.from(m));
      else buf.packStructured(time, group, m[0] | ((m[1] ?? 0) << 8) | ((m[2] ?? 0) << 16));
      this.markActivity(pinId, group, m[0]);
      this.parts.recorder?.(time, group, m);
    }
    const r = this.engine.writeIrp(pinId, buf.raw(), buf.getStartTime());
    if (r.error) throw r.error;
  }

  markActivity(pinId: number, group: number, status: number): void {
    const act = this.activity.get(pinId);
    if (!act || status < 0x80 || status >= 0xf0) return;
    if (group === 0) {
      for (let g = 1; g * 16 < act.length; g++) act[g * 16 + (status & 15)] = 1;
    } else if (group * 16 + 16 <= act.length) act[group * 16 + (status & 15)] = 1;
  }

  /** sendMidi: bytes are one or more whole messages (running status allowed) for one group. */
  sendMidi(p: { pinId: number; group: number; bytes: number[]; time?: number }): { time: RefTime } {
    this.pinRecord(p.pinId);
    const time = p.time ?? this.engine.latencyTime();
    const msgs: number[][] = [];
    let running = 0;
    for (let i = 0; i < p.bytes.length; ) {
      const b = p.bytes[i];
      if (b === 0xf0) {
        const end = p.bytes.indexOf(0xf7, i);
        if (end < 0) throw new ProtocolError('INVALID_PARAMS', `SysEx starting at byte ${i} has no 0xF7`, `params.bytes.${i}`);
        msgs.push(p.bytes.slice(i, end + 1));
        i = end + 1;
        running = 0;
        continue;
      }
      let status = b;
      let start = i;
      if (b < 0x80) {
        if (!running) throw new ProtocolError('INVALID_PARAMS', `data byte 0x${b.toString(16)} at byte ${i} has no status`, `params.bytes.${i}`);
        status = running;
        start = i - 1;
      }
      const n = messageLength(status);
      if (n === 0) throw new ProtocolError('INVALID_PARAMS', `status byte 0x${status.toString(16)} at byte ${i} cannot be sent`, `params.bytes.${i}`);
      const data = b < 0x80 ? p.bytes.slice(i, i + n - 1) : p.bytes.slice(i + 1, i + n);
      if (data.length !== n - 1 || data.some((x) => x > 127)) {
        throw new ProtocolError('INVALID_PARAMS', `message at byte ${start + (b < 0x80 ? 1 : 0)} is incomplete or has a data byte above 127`, `params.bytes.${i}`);
      }
      msgs.push([status, ...data]);
      if (status < 0xf0) running = status;
      i += b < 0x80 ? n - 1 : n;
    }
    this.sendMessages(p.pinId, p.group, msgs, time);
    return { time };
  }

  panic(): Record<string, never> {
    const t = this.engine.latencyTime();
    for (const rec of this.pins.values()) {
      const msgs: number[][] = [];
      for (let c = 0; c < 16; c++) msgs.push([0xb0 | c, 120, 0], [0xb0 | c, 123, 0], [0xb0 | c, 64, 0]);
      this.sendMessages(rec.id, 0, msgs, t);
    }
    return {};
  }

  writeBuffer(p: { pinId: number; startTime: number; bytes: Uint8Array }) {
    this.pinRecord(p.pinId);
    const r = this.engine.writeIrp(p.pinId, p.bytes, p.startTime);
    return {
      records: r.records,
      events: r.events,
      error: r.error ? { code: `DMUS_E_${r.error.code}`, hresult: r.error.hresult, message: r.error.message } : null,
    };
  }

  property(p: { pinId?: number; set: string; id: number; flags: number; instance?: Uint8Array; value?: Uint8Array; valueSize?: number }) {
    if (p.pinId !== undefined) this.pinRecord(p.pinId);
    const r = this.engine.property({ ...p, set: p.set.toLowerCase() });
    // A SET may change what the session shows (volume, groups): re-read the basics.
    if (p.pinId !== undefined && p.flags & KSPROPERTY_TYPE.SET && r.status < 0x80000000) {
      const rec = this.pinRecord(p.pinId);
      const node = this.engine.node(p.pinId);
      rec.volume = node.getVolume();
      if (node.getChannelGroups() !== rec.channelGroups) this.setChannelGroups({ pinId: p.pinId, groups: node.getChannelGroups() });
      this.changed();
    }
    return { status: r.status, statusName: r.statusName, value: r.value ?? null, bytesReturned: r.bytesReturned, message: r.message ?? null, hresult: r.hresult ?? null };
  }

  // ----- collections and downloads -----

  /** `programs`: engine-internal (the offline render), see CollectionStore.loadFile. */
  async loadCollection(p: { path: string }, programs: ProgramFilter | null = null, onProgress?: LoadProgress): Promise<CollectionInfo> {
    const c = await this.collections.loadFile(p.path, false, programs, onProgress);
    this.changed();
    return collectionInfo(c);
  }

  async loadCollectionData(p: { name: string; bytes: Uint8Array }, onProgress?: LoadProgress): Promise<CollectionInfo> {
    // Keep a copy next to the session so the bank comes back after a restart.
    let path: string | null = null;
    const c = await this.collections.loadData(p.name, p.bytes, null, onProgress);
    if (this.options.dir) {
      path = join(this.options.dir, 'banks', `${c.id}-${p.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      saveBytesAtomic(path, p.bytes);
      c.path = path;
    }
    this.changed();
    return collectionInfo(c);
  }

  /** One open collection with its instrument list (state snapshots carry only a summary). */
  getCollection(p: { collectionId: number }): CollectionInfo {
    return collectionInfo(this.collections.get(p.collectionId));
  }

  closeCollection(p: { collectionId: number }): Record<string, never> {
    const c = this.collections.get(p.collectionId);
    for (const rec of this.pins.values()) {
      for (const [handle, i] of [...rec.instruments.entries()]) if (i.collectionId === c.id) this.unloadInstrument(rec, handle);
    }
    this.collections.close(p.collectionId);
    this.changed();
    return {};
  }

  private ensureWave(rec: PinRecord, c: OpenCollection, waveIndex: number): WaveOnPin {
    const key = `${c.id}:${waveIndex}`;
    let w = rec.waves.get(key);
    if (!w) {
      const wave = c.collection.waves[waveIndex];
      if (!wave) throw new DmusError('BADWAVELINK', `${c.name}: wave ${waveIndex} does not exist`);
      const dlId = this.ids.getDLId();
      const { downloadHandle } = this.engine.node(rec.id).download(packWaveDownload(wave, dlId, { scratch: this.waveScratch }));
      w = { handle: downloadHandle, dlId, users: 0 };
      rec.waves.set(key, w);
    }
    return w;
  }

  private wavesOf(col: DlsCollection, insIndex: number): number[] {
    const out = new Set<number>();
    for (const r of col.instruments[insIndex].regions) {
      const w = col.ptbl[r.wlnk.ulTableIndex];
      if (w !== undefined && w >= 0) out.add(w);
    }
    return [...out];
  }

  /** What the pin answers to DLSID queries: cdl conditions are evaluated against the synth that plays (reference §6.10). */
  private pinCapabilities(rec: PinRecord): SynthCapabilities {
    const node = this.engine.node(rec.id);
    return synthCapabilities(node.getCaps(), node.getWaveFormat().samplesPerSec);
  }

  private downloadIndex(
    rec: PinRecord,
    c: OpenCollection,
    index: number,
    as?: { bank: number; program: number; drum: boolean },
    capabilities: SynthCapabilities = this.pinCapabilities(rec),
  ): void {
    const ins = c.collection.instruments[index];
    const src = decodeLocale(ins.locale);
    const source = { bank: midiBank(ins.locale), program: src.program, drum: src.drum, name: '' };
    source.name = instrumentInfos(c.collection)[index].name;
    const patch = as ?? { bank: source.bank, program: source.program, drum: source.drum };
    // A new instrument on the same patch replaces the old one, as a later download does on Windows.
    for (const [handle, i] of rec.instruments) {
      if (i.patch && i.patch.bank === patch.bank && i.patch.program === patch.program && i.patch.drum === patch.drum) this.unloadInstrument(rec, handle);
    }
    const waveIdx = this.wavesOf(c.collection, index);
    const waveDlIds: number[] = [];
    const waveKeys: string[] = [];
    let bytes = 0;
    for (const w of waveIdx) {
      const on = this.ensureWave(rec, c, w);
      waveDlIds[w] = on.dlId;
      waveKeys.push(`${c.id}:${w}`);
      bytes += c.collection.waves[w].data.byteLength;
    }
    const dlId = this.ids.getDLId();
    const locale = as ? encodeLocale({ msb: as.bank >> 7, lsb: as.bank & 127, program: as.program, drum: as.drum }) : undefined;
    const buffer = packInstrumentDownload(c.collection, ins, dlId, waveDlIds, { patch: locale, capabilities });
    let handle: number;
    try {
      handle = this.engine.node(rec.id).download(buffer).downloadHandle;
    } catch (err) {
      // Waves downloaded only for this instrument go back out.
      for (const k of waveKeys) this.releaseWave(rec, k, 0);
      throw err;
    }
    for (const k of waveKeys) rec.waves.get(k)!.users++;
    rec.instruments.set(handle, { handle, collectionId: c.id, collectionPath: c.path, source, patch, waveKeys, kind: 'instrument', bytes: bytes + buffer.byteLength });
  }

  private releaseWave(rec: PinRecord, key: string, minUsers: number): void {
    const w = rec.waves.get(key);
    if (!w || w.users > minUsers) return;
    this.engine.node(rec.id).unload(w.handle);
    rec.waves.delete(key);
  }

  private unloadInstrument(rec: PinRecord, handle: number): void {
    const i = rec.instruments.get(handle);
    // As IDirectMusicPort::UnloadInstrument answers for an instrument not (or no longer) on the port.
    if (!i) throw new ProtocolError('DMUS_E_NOT_DOWNLOADED_TO_PORT', `pin ${rec.id} has no download ${handle}`, 'params.downloadId', DMUS_E.NOT_DOWNLOADED_TO_PORT);
    // Instruments before the waves they use (reference §5.9 step 3).
    this.engine.node(rec.id).unload(handle);
    rec.instruments.delete(handle);
    for (const k of i.waveKeys) {
      const w = rec.waves.get(k);
      if (!w) continue;
      w.users--;
      this.releaseWave(rec, k, 0);
    }
  }

  downloadInstrument(p: { pinId: number; collectionId: number; bank: number; program: number; drum: boolean; as?: { bank: number; program: number; drum: boolean } }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    const c = this.collections.get(p.collectionId);
    const { index } = this.collections.findInstrument(c, p.bank, p.program, p.drum);
    this.downloadIndex(rec, c, index, p.as);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  downloadCollection(p: { pinId: number; collectionId: number }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    const c = this.collections.get(p.collectionId);
    this.downloadAll(rec.id, c);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  /**
   * Downloads the instruments of a collection that `programs` takes (by program number and kind;
   * collection order, as downloadCollection does); every instrument when `programs` is null. The offline
   * render uses it with programsUsedBy(song) (song-programs.ts says why the output is the same).
   */
  downloadPrograms(p: { pinId: number; collectionId: number; programs: ProgramFilter | null }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    const c = this.collections.get(p.collectionId);
    const list = c.collection.instruments;
    const caps = this.pinCapabilities(rec);
    for (let index = 0; index < list.length; index++) {
      const l = decodeLocale(list[index].locale);
      if (p.programs === null || wantsProgram(p.programs, l.drum, l.program)) this.downloadIndex(rec, c, index, undefined, caps);
    }
    this.changed();
    return this.pinInfo(p.pinId);
  }

  private downloadAll(pinId: number, c: OpenCollection): void {
    const rec = this.pinRecord(pinId);
    const caps = this.pinCapabilities(rec);
    for (let index = 0; index < c.collection.instruments.length; index++) this.downloadIndex(rec, c, index, undefined, caps);
  }

  unload(p: { pinId: number; downloadId: number }): PinInfo {
    const rec = this.pinRecord(p.pinId);
    this.unloadInstrument(rec, p.downloadId);
    this.changed();
    return this.pinInfo(p.pinId);
  }

  downloadRaw(p: { pinId: number; bytes: Uint8Array }): { downloadHandle: number; free: boolean } {
    const rec = this.pinRecord(p.pinId);
    const r = this.engine.node(p.pinId).download(p.bytes);
    rec.instruments.set(r.downloadHandle, { handle: r.downloadHandle, collectionId: null, collectionPath: null, source: null, patch: null, waveKeys: [], kind: 'raw', bytes: p.bytes.byteLength });
    this.changed();
    return { downloadHandle: r.downloadHandle, free: r.free };
  }

  /**
   * IDirectMusicPortDownload::Unload of a raw download. The pin refuses a handle another pin issued
   * (DMUS_E_NOT_DOWNLOADED_TO_PORT) and one nobody issued (E_FAIL); unloading again a handle this
   * pin unloaded here succeeds, as a second Unload of the same buffer does (reference §5.10).
   */
  unloadRaw(p: { pinId: number; downloadHandle: number }): { pending: boolean } {
    const rec = this.pinRecord(p.pinId);
    let r: 'done' | 'pending';
    try {
      r = this.engine.node(p.pinId).unload(p.downloadHandle);
    } catch (err) {
      if (err instanceof DmusError && err.code === 'E_FAIL' && rec.unloadedRaw.has(p.downloadHandle)) return { pending: false };
      throw err;
    }
    rec.instruments.delete(p.downloadHandle);
    rec.unloadedRaw.add(p.downloadHandle);
    this.changed();
    return { pending: r === 'pending' };
  }

  /**
   * An offline copy of this session (same pins, groups, channels, banks, downloads), for rendering
   * to a file while the live session keeps playing. Returns the copy and its pin ids in order.
   */
  async cloneOffline(): Promise<{ copy: Session; pinIds: number[] }> {
    const copy = new Session({ dir: null, output: 'offline', defaults: false });
    copy.restoring = true;
    try {
      await copy.restore(this.snapshot());
    } finally {
      copy.restoring = false;
    }
    return { copy, pinIds: [...copy.pins.keys()] };
  }

  // ----- audio -----

  /** Output devices; with no PortAudio or no device, an empty list and the reason. */
  async listAudioDevices(): Promise<{ devices: Array<{ id: number; name: string; hostApi: string; maxOutputChannels: number; defaultSampleRate: number; isDefault: boolean }>; reason: string | null }> {
    try {
      const list = await this.engine.listDevices();
      const devices = list.outputs.map((d) => ({ id: d.id, name: d.name, hostApi: d.hostApi, maxOutputChannels: d.outputChannels, defaultSampleRate: d.defaultSampleRate, isDefault: d.isDefaultOutput }));
      return { devices, reason: devices.length ? null : 'no audio output device was found (no sound card, or no sound server running)' };
    } catch (err) {
      return { devices: [], reason: `audio devices cannot be listed: ${(err as Error).message}` };
    }
  }

  async setAudioSettings(p: Partial<AudioSettings>): Promise<AudioStatus> {
    const next = { ...this.audio, ...p };
    const rebuild = next.sampleRate !== this.audio.sampleRate || next.bufferFrames !== this.audio.bufferFrames;
    const restart = rebuild || next.deviceId !== this.audio.deviceId || next.latencyBuffers !== this.audio.latencyBuffers;
    if (rebuild) {
      // The synth's buffers are sized from the rate and block size: rebuild the render side and
      // replay the session into it (the same path as a restart).
      const saved = this.snapshot();
      saved.audio = next;
      const oldIds = [...this.pins.keys()];
      await this.engine.close();
      this.pins.clear();
      this.activity.clear();
      this.restoring = true;
      try {
        await this.restore(saved);
      } finally {
        this.restoring = false;
      }
      const newIds = [...this.pins.keys()];
      this.parts.pinsRemapped?.(new Map(oldIds.map((id, i) => [id, newIds[i]])));
    }
    this.audio = next;
    for (const rec of this.pins.values()) this.engine.setExtraPrefetch(rec.id, next.prefetchMs * 10_000);
    if (restart && this.options.output === 'live' && this.started) await this.startOutput();
    this.changed();
    return this.audioStatus();
  }
}

/** Same temp-and-rename scheme as the session file. */
function saveBytesAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}
