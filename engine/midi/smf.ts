/**
 * Seed concept: the Standard MIDI File (SMF 1.0), the song source of the offline render (issue 4,
 * "Offline render through the same stack") and of the song player, and the recorder's output.
 * Purpose: read formats 0 and 1 into one time-sorted list of events stamped in 100 ns reference
 * time (RefTime) with their DirectMusic channel group, and write format 1 files.
 *
 * Reading rules (and why):
 * - Running status for channel messages. Meta and SysEx events do NOT cancel it here, although
 *   SMF 1.0 says they should: files that rely on it exist, and a valid file reads the same either
 *   way (a data byte right after a meta event is otherwise an error).
 * - Events that only make sense on a wire (0xF1-0xF6, 0xF8-0xFE as status) are errors: an SMF
 *   track holds channel messages, F0/F7 SysEx and FF meta events only.
 * - SysEx: `F0 <vlq len> data` is sent as F0 + data. When data does not end in F7 the SysEx is
 *   divided, and the following `F7 <len> data` packets are its continuations. An F7 packet with no
 *   SysEx open is an escape: raw bytes sent as they are (real-time bytes, a SysEx split by hand).
 * - Channel groups (DirectMusic §2.4): the MIDI port meta event FF 21 01 pp makes the track's
 *   following events play on group pp + 1, so songs with more than 16 channels play on several
 *   groups. As in common practice (Cakewalk/SONAR writes it so), a MIDI channel prefix FF 20 01 cc
 *   scopes the meta and SysEx events that follow it, up to the next channel message: a port event
 *   inside that scope applies to channel cc of the track only; an unscoped one to the track's other
 *   channels. SysEx under a prefix goes to that channel's group.
 * - Tempo (FF 51) events of every track form one tempo map (format 0 and 1). A tick's time is
 *   computed from the exact integer sum of (ticks × µs per quarter × 10) over the tempo segments
 *   before it and divided by the ticks per quarter ONCE, so no rounding accumulates across tempo
 *   changes: each event is within half a 100 ns unit of its exact time.
 * - SMPTE division (negative high byte: -24, -25, -29 = 29.97 drop frame, -30): ticks are frames /
 *   ticks per frame, tempo events do not change time.
 * - Format 2 (independent sequences) is refused by readSmf with a clear error; readSmfSequences
 *   reads each of its tracks as its own song.
 * - A RIFF RMID wrapper is unwrapped.
 *
 * Bad files throw SmfError naming the track, the byte offset in the file and what was wrong. The
 * reader is one linear pass with bounds checks, so its time and memory are bounded by the file
 * size (every event consumes at least two bytes of the file); files over `maxBytes` are refused.
 */
import { messageLength } from '../dmus/midi-message.js';
import { REFTIME_PER_SECOND, type RefTime } from '../dmus/units.js';

/** Meta event types (SMF 1.0, RP-019 for the port). */
export const SMF_META = {
  SEQUENCE_NUMBER: 0x00,
  TEXT: 0x01,
  COPYRIGHT: 0x02,
  TRACK_NAME: 0x03,
  INSTRUMENT_NAME: 0x04,
  LYRIC: 0x05,
  MARKER: 0x06,
  CUE_POINT: 0x07,
  CHANNEL_PREFIX: 0x20,
  PORT: 0x21,
  END_OF_TRACK: 0x2f,
  TEMPO: 0x51,
  SMPTE_OFFSET: 0x54,
  TIME_SIGNATURE: 0x58,
  KEY_SIGNATURE: 0x59,
  SEQUENCER_SPECIFIC: 0x7f,
} as const;

/** 120 beats per minute. */
export const DEFAULT_TEMPO_US = 500_000;
/** Largest port a port meta event can name (one data byte): groups 1..256 are writable. */
export const MAX_SMF_PORT = 255;

/**
 * channel: a channel voice message; sysex: an F0 packet (data starts with F0);
 * sysex-continuation: an F7 packet continuing a divided SysEx; escape: an F7 packet of raw bytes;
 * meta: an FF event (not sent to a synth).
 */
export type SmfEventKind = 'channel' | 'sysex' | 'sysex-continuation' | 'escape' | 'meta';

export interface SmfEvent {
  /** Absolute tick in its track. */
  tick: number;
  /** Absolute time from the start of the song, 100 ns. */
  time: RefTime;
  /** Track (chunk) index, from 0. */
  track: number;
  /** Index of the event in its track. */
  index: number;
  /** DirectMusic channel group, from 1 (port meta event + 1). */
  group: number;
  kind: SmfEventKind;
  /** Channel messages: the status byte (running status resolved); SysEx 0xF0/0xF7; meta 0xFF. */
  status: number;
  /** Meta type, or -1. */
  metaType: number;
  /** channel: the whole message, status included; sysex: the bytes sent (F0 ...);
   *  continuation/escape: the packet's bytes; meta: the payload. */
  data: Uint8Array;
  /** Channel (0-15) named by a channel prefix in effect for a meta or SysEx event, or -1. */
  channelPrefix: number;
  /** Byte offset of the event (its delta time) in the file. */
  offset: number;
}

export interface SmfTrack {
  index: number;
  name: string | undefined;
  /** Every event of the track in file order, meta events included. */
  events: SmfEvent[];
  /** Tick of the end-of-track event (or of the last event when it is missing). */
  endTick: number;
  hasEndOfTrack: boolean;
}

export interface TempoChange {
  tick: number;
  time: RefTime;
  microsecondsPerQuarter: number;
}

export interface TimeSignature {
  tick: number;
  time: RefTime;
  numerator: number;
  denominator: number;
  clocksPerClick: number;
  thirtySecondsPerQuarter: number;
}

export type SmfDivision =
  | { type: 'ppq'; ticksPerQuarter: number }
  | { type: 'smpte'; framesPerSecond: 24 | 25 | 29.97 | 30; ticksPerFrame: number };

export interface Song {
  format: 0 | 1 | 2;
  division: SmfDivision;
  tracks: SmfTrack[];
  /** Every event of every track, sorted by time (stable: track order, then file order). */
  events: SmfEvent[];
  /** Tempo changes in effect (empty for SMPTE division); tick 0 tempo is 120 bpm unless set. */
  tempoMap: TempoChange[];
  timeSignatures: TimeSignature[];
  /** Time of the last end of track (or last event). */
  duration: RefTime;
  /** Channel groups carrying channel messages, ascending. */
  channelGroups: number[];
  /** Things that were odd but readable (missing end of track, unknown chunks, ...). */
  warnings: string[];
}

export class SmfError extends Error {
  override name = 'SmfError';
  /** Track index (from 0), or null for the header and the file layout. */
  readonly track: number | null;
  /** Byte offset in the file. */
  readonly offset: number;
  readonly reason: string;
  constructor(reason: string, offset: number, track: number | null) {
    super(`${track === null ? 'MIDI file header' : `MIDI file track ${track}`}, byte offset ${offset}: ${reason}`);
    this.track = track;
    this.offset = offset;
    this.reason = reason;
  }
}

export interface SmfReadOptions {
  /** Files larger than this are refused (default 64 MiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** A track longer than 2^32 ticks is corrupt, not music (weeks at any sane resolution). */
const MAX_TICK = 2 ** 32;

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}

/** round(num / den) for non-negative integers, exact while num < 2^53 (BigInt beyond). */
export function divRound(num: number, den: number): number {
  if (num <= Number.MAX_SAFE_INTEGER) {
    let q = Math.floor(num / den);
    let r = num - q * den;
    while (r < 0) {
      q--;
      r += den;
    }
    while (r >= den) {
      q++;
      r -= den;
    }
    return 2 * r >= den ? q + 1 : q;
  }
  const n = BigInt(Math.round(num));
  const d = BigInt(den);
  return Number((2n * n + d) / (2n * d));
}

/** Latin-1 text of a meta payload (SMF text has no declared encoding). */
function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Unwraps a RIFF RMID file to its SMF `data` chunk. */
function unwrapRmid(bytes: Uint8Array): { data: Uint8Array; base: number } {
  if (bytes.length >= 12 && fourcc(bytes, 0) === 'RIFF' && fourcc(bytes, 8) === 'RMID') {
    let o = 12;
    while (o + 8 <= bytes.length) {
      const id = fourcc(bytes, o);
      const len = bytes[o + 4] | (bytes[o + 5] << 8) | (bytes[o + 6] << 16) | ((bytes[o + 7] << 24) >>> 0);
      if (id === 'data') {
        if (len > bytes.length - o - 8) throw new SmfError(`RMID data chunk declares ${len} bytes, only ${bytes.length - o - 8} remain`, o, null);
        return { data: bytes.subarray(o + 8, o + 8 + len), base: o + 8 };
      }
      o += 8 + len + (len & 1);
    }
    throw new SmfError('RIFF RMID file without a data chunk', 12, null);
  }
  return { data: bytes, base: 0 };
}

interface RawFile {
  format: 0 | 1 | 2;
  division: SmfDivision;
  tracks: SmfTrack[];
  warnings: string[];
}

function parseDivision(d: number): SmfDivision {
  if ((d & 0x8000) === 0) {
    if (d === 0) throw new SmfError('division of 0 ticks per quarter note', 12, null);
    return { type: 'ppq', ticksPerQuarter: d };
  }
  const fps = 256 - (d >> 8);
  const tpf = d & 0xff;
  if (tpf === 0) throw new SmfError('SMPTE division with 0 ticks per frame', 12, null);
  switch (fps) {
    case 24:
    case 25:
    case 30:
      return { type: 'smpte', framesPerSecond: fps, ticksPerFrame: tpf };
    case 29:
      return { type: 'smpte', framesPerSecond: 29.97, ticksPerFrame: tpf };
    default:
      throw new SmfError(`SMPTE division with ${fps} frames per second (only 24, 25, 29 and 30 exist)`, 12, null);
  }
}

/** Per-track reading state for channel groups. */
class PortScope {
  trackPort = 0;
  readonly channelPort = new Int16Array(16).fill(-1);
  prefix = -1;
  groupOf(channel: number): number {
    const p = channel >= 0 ? this.channelPort[channel] : -1;
    return (p >= 0 ? p : this.trackPort) + 1;
  }
}

function readTrack(b: Uint8Array, start: number, end: number, base: number, trackIndex: number, warnings: string[]): SmfTrack {
  const events: SmfEvent[] = [];
  const scope = new PortScope();
  let p = start;
  let tick = 0;
  let running = 0;
  let sysexOpen = false;
  let name: string | undefined;
  let hasEnd = false;
  const fail = (reason: string, at: number): never => {
    throw new SmfError(reason, base + at, trackIndex);
  };
  const vlq = (): number => {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      if (p >= end) fail('truncated variable-length quantity at the end of the track', p);
      const c = b[p++];
      v = v * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) return v;
    }
    return fail('bad variable-length quantity: more than 4 bytes', p - 4);
  };
  while (p < end) {
    const at = p;
    tick += vlq();
    if (tick > MAX_TICK) fail(`absurd delta time: the track reaches tick ${tick}`, at);
    if (p >= end) fail('truncated event: the track ends after a delta time', p);
    const s = b[p];
    const ev = (kind: SmfEventKind, status: number, metaType: number, data: Uint8Array, group: number, prefix: number): SmfEvent => {
      const e: SmfEvent = { tick, time: 0, track: trackIndex, index: events.length, group, kind, status, metaType, data, channelPrefix: prefix, offset: base + at };
      events.push(e);
      return e;
    };
    if (s === 0xff) {
      if (p + 1 >= end) fail('truncated meta event', p);
      const type = b[p + 1];
      p += 2;
      const lenAt = p;
      const len = vlq();
      if (len > end - p) fail(`meta event FF ${hex(type).slice(2)} declares ${len} data bytes, only ${end - p} remain in the track`, lenAt);
      const data = b.subarray(p, p + len);
      p += len;
      const prefix = scope.prefix;
      ev('meta', 0xff, type, data, scope.groupOf(prefix), prefix);
      if (type === SMF_META.END_OF_TRACK) {
        hasEnd = true;
        if (p < end) warnings.push(`track ${trackIndex}: ${end - p} bytes after the end-of-track event ignored`);
        break;
      }
      if (type === SMF_META.CHANNEL_PREFIX) {
        if (len >= 1 && data[0] < 16) scope.prefix = data[0];
        else warnings.push(`track ${trackIndex}, byte offset ${base + at}: malformed channel prefix ignored`);
      } else if (type === SMF_META.PORT) {
        if (len >= 1) {
          if (scope.prefix >= 0) scope.channelPort[scope.prefix] = data[0];
          else scope.trackPort = data[0];
        } else warnings.push(`track ${trackIndex}, byte offset ${base + at}: malformed MIDI port event ignored`);
      } else if (type === SMF_META.TRACK_NAME && name === undefined) {
        name = text(data);
      } else if (type === SMF_META.TEMPO) {
        if (len !== 3) fail(`tempo event with ${len} data bytes (needs 3)`, at);
        if ((data[0] << 16) + (data[1] << 8) + data[2] === 0) fail('tempo of 0 microseconds per quarter note', at);
      } else if (type === SMF_META.TIME_SIGNATURE && len < 4) {
        fail(`time signature with ${len} data bytes (needs 4)`, at);
      }
      continue;
    }
    if (s === 0xf0 || s === 0xf7) {
      p++;
      const lenAt = p;
      const len = vlq();
      if (len > end - p) fail(`SysEx ${hex(s)} declares ${len} bytes, only ${end - p} remain in the track`, lenAt);
      const payload = b.subarray(p, p + len);
      p += len;
      const prefix = scope.prefix;
      const group = scope.groupOf(prefix);
      if (s === 0xf0) {
        const data = new Uint8Array(len + 1);
        data[0] = 0xf0;
        data.set(payload, 1);
        ev('sysex', 0xf0, -1, data, group, prefix);
        sysexOpen = len === 0 || payload[len - 1] !== 0xf7;
      } else if (sysexOpen) {
        if (len > 0) ev('sysex-continuation', 0xf7, -1, payload.slice(), group, prefix);
        sysexOpen = len === 0 || payload[len - 1] !== 0xf7;
      } else if (len > 0) {
        ev('escape', 0xf7, -1, payload.slice(), group, prefix);
      }
      continue;
    }
    let status: number;
    if (s & 0x80) {
      if (s > 0xef) fail(`status byte ${hex(s)} cannot start an event in a MIDI file (only channel messages, F0, F7 and FF can)`, p);
      status = s;
      running = s;
      p++;
    } else {
      if (running === 0) fail(`running status without a status byte (data byte ${hex(s)} where an event should start)`, p);
      status = running;
    }
    const n = messageLength(status);
    if (p + n - 1 > end) fail(`truncated ${hex(status)} message: the track ends inside it`, p);
    const data = new Uint8Array(n);
    data[0] = status;
    for (let i = 1; i < n; i++) {
      const d = b[p++];
      if (d & 0x80) fail(`data byte ${hex(d)} of a ${hex(status)} message has its top bit set`, p - 1);
      data[i] = d;
    }
    sysexOpen = false;
    scope.prefix = -1; // a channel prefix lasts up to the next channel message
    ev('channel', status, -1, data, scope.groupOf(status & 0x0f), -1);
  }
  if (!hasEnd) warnings.push(`track ${trackIndex}: no end-of-track event`);
  return { index: trackIndex, name, events, endTick: tick, hasEndOfTrack: hasEnd };
}

function readFile(input: Uint8Array, options: SmfReadOptions): RawFile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.length > maxBytes) throw new SmfError(`file of ${input.length} bytes is larger than the ${maxBytes}-byte limit`, 0, null);
  const { data: b, base } = unwrapRmid(input);
  if (b.length < 14 || fourcc(b, 0) !== 'MThd') {
    throw new SmfError(b.length < 4 || fourcc(b, 0) !== 'MThd' ? 'not a Standard MIDI File (no MThd chunk)' : 'truncated header chunk', base, null);
  }
  const hlen = u32be(b, 4);
  if (hlen < 6) throw new SmfError(`header chunk of ${hlen} bytes (needs 6)`, base + 4, null);
  if (hlen > b.length - 8) throw new SmfError(`truncated chunk: MThd declares ${hlen} bytes, only ${b.length - 8} remain`, base + 4, null);
  const format = (b[8] << 8) | b[9];
  const ntrks = (b[10] << 8) | b[11];
  if (format > 2) throw new SmfError(`unknown SMF format ${format} (0, 1 and 2 exist)`, base + 8, null);
  const division = parseDivision((b[12] << 8) | b[13]);
  const warnings: string[] = [];
  const tracks: SmfTrack[] = [];
  let o = 8 + hlen;
  while (o + 8 <= b.length) {
    const id = fourcc(b, o);
    const len = u32be(b, o + 4);
    const remain = b.length - o - 8;
    if (id === 'MTrk') {
      if (len > remain) throw new SmfError(`truncated chunk: MTrk declares ${len} bytes, only ${remain} remain in the file`, base + o + 4, tracks.length);
      tracks.push(readTrack(b, o + 8, o + 8 + len, base, tracks.length, warnings));
    } else {
      // Unknown chunks are skipped (SMF 1.0: "expect and ignore").
      if (!/^[\x20-\x7e]{4}$/.test(id)) throw new SmfError(`garbage where a chunk should start (bytes ${[...b.subarray(o, o + 4)].map(hex).join(' ')})`, base + o, null);
      if (len > remain) {
        warnings.push(`chunk '${id}' at byte offset ${base + o} runs past the end of the file; ignored`);
        break;
      }
      warnings.push(`unknown chunk '${id}' at byte offset ${base + o} skipped`);
    }
    o += 8 + len;
  }
  if (o < b.length && o + 8 > b.length) warnings.push(`${b.length - o} trailing bytes after the last chunk ignored`);
  if (tracks.length === 0) throw new SmfError('the file has no MTrk chunk', base + 8 + hlen, null);
  if (tracks.length !== ntrks) warnings.push(`the header announces ${ntrks} tracks, the file has ${tracks.length}`);
  if (format === 0 && tracks.length > 1) warnings.push('format 0 file with several tracks: read as format 1');
  return { format: format as 0 | 1 | 2, division, tracks, warnings };
}

/**
 * The tempo map as exact integer segments: time(tick) = divRound(acc + (tick - tick0) × us × 10, ppq).
 * For SMPTE division: time(tick) = divRound(tick × 10^7 × k, frames × tpf × k) (k = 1001/1000 for 29.97).
 */
class TimeMap {
  private readonly ticks: number[] = [];
  private readonly acc: number[] = [];
  private readonly tempo: number[] = [];
  private readonly num: number;
  private readonly den: number;
  private readonly smpte: boolean;

  constructor(division: SmfDivision, tempoEvents: SmfEvent[]) {
    if (division.type === 'smpte') {
      this.smpte = true;
      const drop = division.framesPerSecond === 29.97;
      this.num = REFTIME_PER_SECOND * (drop ? 1001 : 1);
      this.den = (drop ? 30_000 : division.framesPerSecond) * division.ticksPerFrame;
      return;
    }
    this.smpte = false;
    this.num = 10; // µs -> 100 ns
    this.den = division.ticksPerQuarter;
    this.ticks.push(0);
    this.acc.push(0);
    this.tempo.push(DEFAULT_TEMPO_US);
    for (const e of tempoEvents) {
      const us = (e.data[0] << 16) + (e.data[1] << 8) + e.data[2];
      const last = this.ticks.length - 1;
      if (e.tick === this.ticks[last]) {
        this.tempo[last] = us; // several tempos at one tick: the last one wins
        continue;
      }
      this.acc.push(this.acc[last] + (e.tick - this.ticks[last]) * this.tempo[last] * this.num);
      this.ticks.push(e.tick);
      this.tempo.push(us);
    }
  }

  /** Segment of a tick (binary search: the last segment starting at or before it). */
  private segment(tick: number): number {
    let lo = 0;
    let hi = this.ticks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.ticks[mid] <= tick) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  time(tick: number): RefTime {
    if (this.smpte) return divRound(tick * this.num, this.den);
    const i = this.segment(tick);
    return divRound(this.acc[i] + (tick - this.ticks[i]) * this.tempo[i] * this.num, this.den);
  }

  changes(): TempoChange[] {
    if (this.smpte) return [];
    return this.ticks.map((tick, i) => ({ tick, time: this.time(tick), microsecondsPerQuarter: this.tempo[i] }));
  }
}

function buildSong(format: 0 | 1 | 2, division: SmfDivision, tracks: SmfTrack[], warnings: string[]): Song {
  const all: SmfEvent[] = [];
  for (const t of tracks) for (const e of t.events) all.push(e);
  // Array.prototype.sort is stable: equal ticks keep track order, then file order.
  all.sort((a, b) => a.tick - b.tick);
  const tempoEvents = all.filter((e) => e.kind === 'meta' && e.metaType === SMF_META.TEMPO);
  const map = new TimeMap(division, tempoEvents);
  const groups = new Set<number>();
  for (const e of all) {
    e.time = map.time(e.tick);
    if (e.kind === 'channel') groups.add(e.group);
  }
  let duration = 0;
  for (const t of tracks) duration = Math.max(duration, map.time(t.endTick));
  const timeSignatures: TimeSignature[] = all
    .filter((e) => e.kind === 'meta' && e.metaType === SMF_META.TIME_SIGNATURE)
    .map((e) => ({
      tick: e.tick,
      time: e.time,
      numerator: e.data[0],
      denominator: 2 ** e.data[1],
      clocksPerClick: e.data[2],
      thirtySecondsPerQuarter: e.data[3],
    }));
  return {
    format,
    division,
    tracks,
    events: all,
    tempoMap: map.changes(),
    timeSignatures,
    duration,
    channelGroups: [...groups].sort((a, b) => a - b),
    warnings,
  };
}

/** Reads a format 0 or 1 Standard MIDI File (or RMID). Format 2 is refused: see readSmfSequences. */
export function readSmf(bytes: Uint8Array, options: SmfReadOptions = {}): Song {
  const raw = readFile(bytes, options);
  if (raw.format === 2) {
    throw new SmfError('format 2 (independent sequences) cannot play as one song; read it with readSmfSequences', 8, null);
  }
  return buildSong(raw.format, raw.division, raw.tracks, raw.warnings);
}

/** Reads any format; a format 2 file gives one song per track (each with its own tempo map). */
export function readSmfSequences(bytes: Uint8Array, options: SmfReadOptions = {}): Song[] {
  const raw = readFile(bytes, options);
  if (raw.format !== 2) return [buildSong(raw.format, raw.division, raw.tracks, raw.warnings)];
  return raw.tracks.map((t) => {
    const events = t.events.map((e) => ({ ...e, track: 0 }));
    return buildSong(0, raw.division, [{ ...t, index: 0, events }], raw.warnings.slice());
  });
}

/** Note-on counts (velocity > 0) per group and channel, and totals; for tools and tests. */
export interface SongStats {
  events: number;
  channelMessages: number;
  notes: number;
  sysex: number;
  /** key `${group}:${channel}` (channel 0-15) -> note-ons. */
  notesByChannel: Map<string, number>;
}

export function songStats(song: Song): SongStats {
  const notesByChannel = new Map<string, number>();
  let channelMessages = 0;
  let notes = 0;
  let sysex = 0;
  for (const e of song.events) {
    if (e.kind === 'channel') {
      channelMessages++;
      if ((e.status & 0xf0) === 0x90 && e.data[2] > 0) {
        notes++;
        const key = `${e.group}:${e.status & 0x0f}`;
        notesByChannel.set(key, (notesByChannel.get(key) ?? 0) + 1);
      }
    } else if (e.kind !== 'meta') sysex++;
  }
  return { events: song.events.length, channelMessages, notes, sysex, notesByChannel };
}

// ---------------------------------------------------------------------------------------------
// Writer

/** One event to write, at an absolute tick. `data` as in SmfEvent. */
export interface SmfWriteEvent {
  tick: number;
  kind: SmfEventKind;
  data: Uint8Array;
  /** For kind 'meta'. */
  metaType?: number;
}

export interface SmfWriteTrack {
  /** Written as a track name meta event at tick 0. */
  name?: string;
  /** Written as a port meta event (FF 21 01 pp) at tick 0. */
  port?: number;
  events: SmfWriteEvent[];
}

export interface SmfWriteFile {
  format: 0 | 1;
  ticksPerQuarter: number;
  tracks: SmfWriteTrack[];
}

/** Growable byte sink for the writer (control side; allocation is fine here). */
class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }
  bytes(v: ArrayLike<number>): void {
    this.ensure(v.length);
    for (let i = 0; i < v.length; i++) this.buf[this.length++] = v[i] & 0xff;
  }
  u32be(v: number): void {
    this.bytes([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
  }
  vlq(v: number): void {
    if (!(v >= 0 && v <= 0x0fffffff && Number.isInteger(v))) throw new RangeError(`value ${v} does not fit a MIDI variable-length quantity`);
    const out = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
    this.bytes(out);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function encodeTrack(track: SmfWriteTrack, trackIndex: number): Uint8Array {
  const w = new ByteWriter();
  let last = 0;
  let running = 0;
  const meta = (tick: number, type: number, data: ArrayLike<number>) => {
    w.vlq(tick - last);
    last = tick;
    w.bytes([0xff, type]);
    w.vlq(data.length);
    w.bytes(data);
    running = 0; // explicit status after a meta event, as SMF 1.0 asks
  };
  if (track.name !== undefined) meta(0, SMF_META.TRACK_NAME, [...track.name].map((c) => c.charCodeAt(0) & 0xff));
  if (track.port !== undefined) {
    if (!(Number.isInteger(track.port) && track.port >= 0 && track.port <= MAX_SMF_PORT)) {
      throw new RangeError(`track ${trackIndex}: port ${track.port} outside 0..${MAX_SMF_PORT}`);
    }
    meta(0, SMF_META.PORT, [track.port]);
  }
  const events = track.events.slice().sort((a, b) => a.tick - b.tick);
  let end = 0;
  for (const e of events) {
    if (!(Number.isInteger(e.tick) && e.tick >= 0)) throw new RangeError(`track ${trackIndex}: tick ${e.tick} is not a non-negative integer`);
    end = Math.max(end, e.tick);
    if (e.kind === 'meta') {
      if (e.metaType === SMF_META.END_OF_TRACK) continue; // written once, at the end
      meta(e.tick, e.metaType ?? SMF_META.TEXT, e.data);
      continue;
    }
    if (e.kind === 'sysex') {
      if (e.data[0] !== 0xf0) throw new RangeError(`track ${trackIndex}: a sysex event must start with F0`);
      w.vlq(e.tick - last);
      last = e.tick;
      w.byte(0xf0);
      w.vlq(e.data.length - 1);
      w.bytes(e.data.subarray(1));
      running = 0;
      continue;
    }
    if (e.kind === 'sysex-continuation' || e.kind === 'escape') {
      w.vlq(e.tick - last);
      last = e.tick;
      w.byte(0xf7);
      w.vlq(e.data.length);
      w.bytes(e.data);
      running = 0;
      continue;
    }
    const status = e.data[0];
    const n = messageLength(status);
    if (status < 0x80 || status > 0xef || e.data.length < n) {
      throw new RangeError(`track ${trackIndex}: [${[...e.data].map(hex).join(' ')}] is not a channel message`);
    }
    w.vlq(e.tick - last);
    last = e.tick;
    if (status !== running) w.byte(status);
    running = status;
    for (let i = 1; i < n; i++) w.byte(e.data[i] & 0x7f);
  }
  meta(end, SMF_META.END_OF_TRACK, []);
  return w.result();
}

/** Encodes a Standard MIDI File from tracks of absolute-tick events. */
export function encodeSmf(file: SmfWriteFile): Uint8Array {
  if (!(Number.isInteger(file.ticksPerQuarter) && file.ticksPerQuarter > 0 && file.ticksPerQuarter < 0x8000)) {
    throw new RangeError(`ticks per quarter ${file.ticksPerQuarter} outside 1..32767`);
  }
  if (file.format === 0 && file.tracks.length !== 1) throw new RangeError('a format 0 file has exactly one track');
  const w = new ByteWriter();
  w.bytes([0x4d, 0x54, 0x68, 0x64]);
  w.u32be(6);
  w.bytes([0, file.format, (file.tracks.length >> 8) & 0xff, file.tracks.length & 0xff]);
  w.bytes([(file.ticksPerQuarter >> 8) & 0xff, file.ticksPerQuarter & 0xff]);
  file.tracks.forEach((t, i) => {
    const body = encodeTrack(t, i);
    w.bytes([0x4d, 0x54, 0x72, 0x6b]);
    w.u32be(body.length);
    w.bytes(body);
  });
  return w.result();
}

/** An event to record: absolute time (100 ns from the start of the recording), group, bytes. */
export interface TimedMidiEvent {
  time: RefTime;
  group: number;
  /** A channel message, a whole SysEx (F0 ... F7), or other raw bytes (written as an F7 escape). */
  data: Uint8Array;
}

export interface WriteSmfOptions {
  ticksPerQuarter?: number;
  microsecondsPerQuarter?: number;
  /** Name of the tempo track (the song title). */
  name?: string;
}

/** The tick of a time at a constant tempo: round(time × ppq / (µs per quarter × 10)). */
export function timeToTick(time: RefTime, ticksPerQuarter: number, microsecondsPerQuarter: number): number {
  return divRound(Math.max(0, time) * ticksPerQuarter, microsecondsPerQuarter * 10);
}

/**
 * Writes events as a format 1 file for the recorder: track 0 is the tempo track (name, 4/4, one
 * tempo), then one track per channel group, ascending, each named "Group N" with a port meta
 * event (port N - 1). Times are converted to ticks at the constant tempo, rounded to the nearest
 * tick. Groups must be 1..256 (the port event holds one byte).
 */
export function writeSmf(events: readonly TimedMidiEvent[], options: WriteSmfOptions = {}): Uint8Array {
  const ppq = options.ticksPerQuarter ?? 480;
  const us = options.microsecondsPerQuarter ?? DEFAULT_TEMPO_US;
  if (!(Number.isInteger(us) && us > 0 && us < 0x1000000)) throw new RangeError(`tempo ${us} µs per quarter outside 1..16777215`);
  const byGroup = new Map<number, SmfWriteEvent[]>();
  for (const e of events) {
    if (!(Number.isInteger(e.group) && e.group >= 1 && e.group <= MAX_SMF_PORT + 1)) {
      throw new RangeError(`channel group ${e.group} cannot be written to a MIDI file (port meta events name groups 1..${MAX_SMF_PORT + 1})`);
    }
    if (e.data.length === 0) continue;
    const s = e.data[0];
    const kind: SmfEventKind = s === 0xf0 ? 'sysex' : s >= 0x80 && s <= 0xef && e.data.length >= messageLength(s) ? 'channel' : 'escape';
    let list = byGroup.get(e.group);
    if (!list) byGroup.set(e.group, (list = []));
    list.push({ tick: timeToTick(e.time, ppq, us), kind, data: e.data });
  }
  const tempoTrack: SmfWriteTrack = {
    events: [
      { tick: 0, kind: 'meta', metaType: SMF_META.TIME_SIGNATURE, data: Uint8Array.of(4, 2, 24, 8) },
      { tick: 0, kind: 'meta', metaType: SMF_META.TEMPO, data: Uint8Array.of((us >> 16) & 0xff, (us >> 8) & 0xff, us & 0xff) },
    ],
  };
  if (options.name !== undefined) tempoTrack.name = options.name;
  const tracks: SmfWriteTrack[] = [tempoTrack];
  for (const group of [...byGroup.keys()].sort((a, b) => a - b)) {
    tracks.push({ name: `Group ${group}`, port: group - 1, events: byGroup.get(group)! });
  }
  return encodeSmf({ format: 1, ticksPerQuarter: ppq, tracks });
}

/** A parsed song as writer tracks (same format, ticks and events), for round trips. */
export function songToWriteFile(song: Song): SmfWriteFile {
  if (song.division.type !== 'ppq') throw new RangeError('only ticks-per-quarter songs can be written');
  return {
    format: song.format === 0 ? 0 : 1,
    ticksPerQuarter: song.division.ticksPerQuarter,
    tracks: song.tracks.map((t) => ({
      events: t.events.map((e) => (e.kind === 'meta' ? { tick: e.tick, kind: e.kind, data: e.data, metaType: e.metaType } : { tick: e.tick, kind: e.kind, data: e.data })),
    })),
  };
}
