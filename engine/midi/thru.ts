/**
 * Seed concept: DirectMusic thru (IDirectMusicThru::ThruChannel): MIDI captured on an input
 * channel is played at once on a channel of a render pin's channel group. Purpose: pure routing
 * logic from a captured IRP (the capture pin packer's DirectMusicBuffer) to one DirectMusic buffer
 * per destination pin, ready for RenderPin.write.
 *
 * The thru map: (input index, input channel 0-15) -> (pin id, channel group, channel), one
 * destination per source channel as in ThruChannel; an unmapped channel is not thru'd.
 *
 * Inputs and capture groups: captured events carry the source in dwChannelGroup (reference §1.5).
 * The host calls CapturePin.receive(bytes, time, captureGroupOfInput(i)), i.e. group = input + 1,
 * because group 0 means "every group" in DirectMusic data.
 *
 * Time: live play should sound as soon as the buffer allows, so events are stamped with the
 * latency clock time the host passes (reference §2.3, §3.5), not with their capture time. Within
 * one routed buffer the k-th event is stamped latencyTime + k (100 ns steps): equal stamps would
 * let the sequencer's same-time rule put a note-off before the note-on of the same key when a
 * short note falls inside one capture IRP, leaving it stuck. k × 100 ns is inaudible.
 *
 * What is routed:
 *   message                                   thru
 *   channel voice (0x80-0xEF)                 if its (input, channel) is mapped: channel rewritten,
 *                                             group set, to the pin
 *   SysEx (unstructured, starts with F0)      with system: 'follow' (default) to every distinct
 *                                             (pin, group) that the input's channels map to, bytes
 *                                             unchanged (a GM reset from the keyboard reaches the
 *                                             synth it plays); with 'drop' not routed
 *   system common 0xF1-0xF6 (MTC, song pos.)  dropped: meaningless to a synth
 *   real-time 0xF8-0xFF (clock, sensing)      dropped: a record per clock tick for nothing
 *   other unstructured data                   dropped
 * Drops are counted in stats.
 * Threads: control side (the host's capture completion); allocates its output buffers.
 */
import { DirectMusicBuffer, readDirectMusicBuffer } from '../dmus/dmus-buffer.js';
import type { RefTime } from '../dmus/units.js';

/** The capture channel group the host gives input `inputIndex` (group 0 is broadcast). */
export function captureGroupOfInput(inputIndex: number): number {
  return inputIndex + 1;
}
/** The input index of a captured record's channel group. */
export function inputOfCaptureGroup(group: number): number {
  return group - 1;
}

export interface ThruEntry {
  /** Input index (0-based; its capture group is input + 1). */
  input: number;
  /** Input channel 0-15. */
  channel: number;
  /** Destination render pin. */
  pinId: number;
  /** Destination channel group (1-65535). */
  group: number;
  /** Destination channel 0-15. */
  destChannel: number;
}

export class ThruMapError extends Error {
  override name = 'ThruMapError';
  /** Index of the bad entry in the map given. */
  readonly entry: number;
  readonly field: keyof ThruEntry | 'duplicate';
  constructor(entry: number, field: keyof ThruEntry | 'duplicate', message: string) {
    super(`thru map entry ${entry}: ${message}`);
    this.entry = entry;
    this.field = field;
  }
}

/** Maps the 16 channels of an input one to one onto a pin's group. */
export function thruInputToGroup(input: number, pinId: number, group: number): ThruEntry[] {
  return Array.from({ length: 16 }, (_, ch) => ({ input, channel: ch, pinId, group, destChannel: ch }));
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Validates a thru map. knownPins: when given, every pinId must be in it. Throws ThruMapError
 * naming the first bad entry and field.
 */
export function validateThruMap(entries: readonly ThruEntry[], knownPins?: ReadonlySet<number>): void {
  if (!Array.isArray(entries)) throw new ThruMapError(-1, 'duplicate', 'the map must be an array of entries');
  const seen = new Map<number, number>();
  entries.forEach((e, i) => {
    if (typeof e !== 'object' || e === null) throw new ThruMapError(i, 'input', 'not an object');
    if (!isInt(e.input) || e.input < 0 || e.input > 65534) throw new ThruMapError(i, 'input', `input ${String(e.input)} must be an integer 0..65534`);
    if (!isInt(e.channel) || e.channel < 0 || e.channel > 15) throw new ThruMapError(i, 'channel', `input channel ${String(e.channel)} must be 0..15`);
    if (!isInt(e.pinId) || e.pinId < 1) throw new ThruMapError(i, 'pinId', `pin id ${String(e.pinId)} must be a positive integer`);
    if (knownPins && !knownPins.has(e.pinId)) throw new ThruMapError(i, 'pinId', `no render pin ${e.pinId}`);
    if (!isInt(e.group) || e.group < 1 || e.group > 65535) {
      throw new ThruMapError(i, 'group', `channel group ${String(e.group)} must be 1..65535 (0 means every group, not a thru destination)`);
    }
    if (!isInt(e.destChannel) || e.destChannel < 0 || e.destChannel > 15) throw new ThruMapError(i, 'destChannel', `destination channel ${String(e.destChannel)} must be 0..15`);
    const key = e.input * 16 + e.channel;
    const prev = seen.get(key);
    if (prev !== undefined) throw new ThruMapError(i, 'duplicate', `input ${e.input} channel ${e.channel} is already routed by entry ${prev} (one destination per channel)`);
    seen.set(key, i);
  });
}

/** One routed buffer for a render pin: pass to RenderPin.write(bytes, startTime). */
export interface ThruOutput {
  pinId: number;
  bytes: Uint8Array;
  startTime: RefTime;
}

export interface ThruOptions {
  /** Size of each output DirectMusic buffer (default 1024). */
  irpBytes?: number;
  /** SysEx policy (see the table above). Default 'follow'. */
  system?: 'follow' | 'drop';
}

export interface ThruStats {
  routed: number;
  sysexRouted: number;
  droppedUnmapped: number;
  droppedSystem: number;
  droppedRealTime: number;
  /** Messages larger than one output buffer. */
  droppedTooLarge: number;
  /** Captured buffers with an invalid record (the records before it were routed). */
  invalidBuffers: number;
}

interface Dest {
  pinId: number;
  group: number;
  channel: number;
}

export class ThruRouter {
  readonly stats: ThruStats = { routed: 0, sysexRouted: 0, droppedUnmapped: 0, droppedSystem: 0, droppedRealTime: 0, droppedTooLarge: 0, invalidBuffers: 0 };
  private map = new Map<number, Dest>();
  /** input -> distinct (pin, group) destinations, for SysEx. */
  private inputDests = new Map<number, Array<{ pinId: number; group: number }>>();
  private list: ThruEntry[] = [];
  private readonly irpBytes: number;
  private readonly system: 'follow' | 'drop';

  constructor(entries: readonly ThruEntry[] = [], options: ThruOptions = {}) {
    this.irpBytes = options.irpBytes ?? 1024;
    this.system = options.system ?? 'follow';
    if (!(this.irpBytes >= 24)) throw new RangeError(`irpBytes ${this.irpBytes} is too small: one event needs 24`);
    this.setMap(entries);
  }

  /** The current map (a copy). */
  get entries(): ThruEntry[] {
    return this.list.map((e) => ({ ...e }));
  }

  /** Replaces the map. On a validation error the old map stays in force. */
  setMap(entries: readonly ThruEntry[], knownPins?: ReadonlySet<number>): void {
    validateThruMap(entries, knownPins);
    const map = new Map<number, Dest>();
    const inputDests = new Map<number, Array<{ pinId: number; group: number }>>();
    for (const e of entries) {
      map.set(e.input * 16 + e.channel, { pinId: e.pinId, group: e.group, channel: e.destChannel });
      let d = inputDests.get(e.input);
      if (!d) inputDests.set(e.input, (d = []));
      if (!d.some((x) => x.pinId === e.pinId && x.group === e.group)) d.push({ pinId: e.pinId, group: e.group });
    }
    this.map = map;
    this.inputDests = inputDests;
    this.list = entries.map((e) => ({ input: e.input, channel: e.channel, pinId: e.pinId, group: e.group, destChannel: e.destChannel }));
  }

  /**
   * Routes one captured IRP (its used bytes and start time, or the DirectMusicBuffer itself),
   * stamping every event at `latencyTime` (+ k × 100 ns to keep order; see above).
   */
  route(irp: DirectMusicBuffer | { bytes: Uint8Array; startTime: RefTime }, latencyTime: RefTime): ThruOutput[] {
    const bytes = irp instanceof DirectMusicBuffer ? irp.raw() : irp.bytes;
    if (bytes.length === 0) return [];
    const start = irp instanceof DirectMusicBuffer ? irp.getStartTime() : irp.startTime;
    const { events, error } = readDirectMusicBuffer(bytes, start);
    if (error) this.stats.invalidBuffers++;
    const out: ThruOutput[] = [];
    const buffers = new Map<number, { buf: DirectMusicBuffer; k: number }>();
    const put = (pinId: number, group: number, data: Uint8Array, structured: boolean) => {
      let b = buffers.get(pinId);
      if (!b) buffers.set(pinId, (b = { buf: new DirectMusicBuffer(this.irpBytes), k: 0 }));
      if (!b.buf.fits(data.length)) {
        if (!b.buf.isEmpty) {
          out.push({ pinId, bytes: b.buf.raw().slice(), startTime: b.buf.getStartTime() });
          b.buf.flush();
        }
        if (!b.buf.fits(data.length)) {
          this.stats.droppedTooLarge++;
          return false;
        }
      }
      const t = latencyTime + b.k++;
      if (structured) b.buf.packStructured(t, group, data[0] | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16));
      else b.buf.packUnstructured(t, group, data);
      return true;
    };
    for (const e of events) {
      const input = inputOfCaptureGroup(e.channelGroup);
      const s = e.data[0];
      if (s >= 0x80 && s <= 0xef) {
        const d = this.map.get(input * 16 + (s & 0x0f));
        if (!d) {
          this.stats.droppedUnmapped++;
          continue;
        }
        const data = e.data.slice();
        data[0] = (s & 0xf0) | d.channel;
        if (put(d.pinId, d.group, data, true)) this.stats.routed++;
        continue;
      }
      if (s === 0xf0 && !e.structured) {
        const dests = this.system === 'follow' ? this.inputDests.get(input) : undefined;
        if (!dests) {
          this.stats.droppedSystem++;
          continue;
        }
        for (const d of dests) if (put(d.pinId, d.group, e.data, false)) this.stats.sysexRouted++;
        continue;
      }
      if (s >= 0xf8) this.stats.droppedRealTime++;
      else this.stats.droppedSystem++;
    }
    for (const [pinId, b] of buffers) {
      if (!b.buf.isEmpty) out.push({ pinId, bytes: b.buf.raw().slice(), startTime: b.buf.getStartTime() });
    }
    return out;
  }
}
