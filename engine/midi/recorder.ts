/**
 * Seed concept: the capture side of a DirectMusic application, recording what the capture pins
 * deliver. Purpose: collect captured IRPs (DirectMusicBuffers of time-stamped events, from the
 * capture pin's packer) into a song and save it as a Standard MIDI File: format 1, a tempo track,
 * then one track per channel group with a port meta event (engine/midi/smf.ts writeSmf).
 *
 * - Times: master-clock time minus the recording's start time, converted to ticks at a constant
 *   tempo (120 bpm, 480 ticks per quarter by default) by rounding to the nearest tick, so a saved
 *   and re-read event is within half a tick of its captured time.
 * - Channel group: the record's dwChannelGroup (for captured data, the source input; for routed
 *   data, the destination group). Group 0 ("every group") is written as group 1.
 * - Real-time bytes (0xF8-0xFF: clock, active sensing) are not recorded: a MIDI file's timing is its
 *   own, and active sensing has no meaning in a file. Other system messages are written as F7
 *   escapes, SysEx as F0 events.
 * - stop() ends notes still held and lifts a held sustain pedal at the stop time, so the file
 *   never has a hanging note.
 * - Events before start() or after stop() are not recorded (counted).
 * Threads: control side (the host's capture completion); allocates.
 */
import { type DirectMusicBuffer, readDirectMusicBuffer } from '../dmus/dmus-buffer.js';
import type { RefTime } from '../dmus/units.js';
import { readSmf, type Song, type TimedMidiEvent, writeSmf } from './smf.js';

export interface RecorderOptions {
  ticksPerQuarter?: number;
  microsecondsPerQuarter?: number;
  /** Name of the tempo track (the song title). */
  name?: string;
}

export interface RecorderStats {
  events: number;
  droppedRealTime: number;
  /** Events stamped before start() or after stop(). */
  droppedOutside: number;
  invalidIrps: number;
  /** Note-offs and pedal releases added by stop(). */
  closedAtStop: number;
}

export class Recorder {
  readonly stats: RecorderStats = { events: 0, droppedRealTime: 0, droppedOutside: 0, invalidIrps: 0, closedAtStop: 0 };
  private readonly options: RecorderOptions;
  private readonly recorded: TimedMidiEvent[] = [];
  private startTime: RefTime | undefined;
  private stopTime: RefTime | undefined;
  /** key group * 2048 + channel * 128 + key -> note-ons not yet ended. */
  private readonly held = new Map<number, number>();
  /** key group * 16 + channel -> sustain down. */
  private readonly pedal = new Set<number>();

  constructor(options: RecorderOptions = {}) {
    this.options = options;
  }

  get recording(): boolean {
    return this.startTime !== undefined && this.stopTime === undefined;
  }

  /** The events recorded so far, times relative to the start (a copy). */
  get events(): TimedMidiEvent[] {
    return this.recorded.map((e) => ({ ...e }));
  }

  /** Starts recording: master time `atMasterTime` becomes time 0 of the song. */
  start(atMasterTime: RefTime): void {
    this.startTime = atMasterTime;
    this.stopTime = undefined;
    this.recorded.length = 0;
    this.held.clear();
    this.pedal.clear();
  }

  /** Records a captured DirectMusic buffer. */
  addBuffer(irp: DirectMusicBuffer): void {
    if (!irp.isEmpty) this.addIrp(irp.raw(), irp.getStartTime());
  }

  /** Records a captured IRP given as its used bytes and start time. */
  addIrp(bytes: Uint8Array, startTime: RefTime): void {
    const { events, error } = readDirectMusicBuffer(bytes, startTime);
    if (error) this.stats.invalidIrps++;
    for (const e of events) this.add(e.time, e.channelGroup, e.data);
  }

  /** Records one message at master time `time`. */
  add(time: RefTime, channelGroup: number, data: Uint8Array): void {
    if (!this.recording || this.startTime === undefined || time < this.startTime) {
      this.stats.droppedOutside++;
      return;
    }
    if (data.length === 0) return;
    const s = data[0];
    if (s >= 0xf8) {
      this.stats.droppedRealTime++;
      return;
    }
    const group = channelGroup === 0 ? 1 : channelGroup;
    this.track(group, data);
    this.recorded.push({ time: time - this.startTime, group, data: data.slice() });
    this.stats.events++;
  }

  private track(group: number, data: Uint8Array): void {
    const kind = data[0] & 0xf0;
    const ch = data[0] & 0x0f;
    if (kind === 0x90 || kind === 0x80) {
      const key = group * 2048 + ch * 128 + data[1];
      const n = this.held.get(key) ?? 0;
      if (kind === 0x90 && data[2] > 0) this.held.set(key, n + 1);
      else if (n > 1) this.held.set(key, n - 1);
      else this.held.delete(key);
    } else if (kind === 0xb0 && data[1] === 64) {
      if (data[2] >= 64) this.pedal.add(group * 16 + ch);
      else this.pedal.delete(group * 16 + ch);
    } else if (kind === 0xb0 && (data[1] === 123 || data[1] === 120)) {
      for (const k of [...this.held.keys()]) if (Math.floor(k / 128) === group * 16 + ch) this.held.delete(k);
    }
  }

  /** Stops recording at master time `atMasterTime`, ending held notes and pedals there. */
  stop(atMasterTime: RefTime): void {
    if (!this.recording || this.startTime === undefined) return;
    let t = Math.max(0, atMasterTime - this.startTime);
    for (const e of this.recorded) if (e.time > t) t = e.time; // never before what was recorded
    for (const [key, count] of [...this.held].sort((a, b) => a[0] - b[0])) {
      const group = Math.floor(key / 2048);
      const ch = Math.floor(key / 128) % 16;
      for (let i = 0; i < count; i++) this.recorded.push({ time: t, group, data: Uint8Array.of(0x80 | ch, key % 128, 0) });
      this.stats.closedAtStop += count;
    }
    for (const k of [...this.pedal].sort((a, b) => a - b)) {
      this.recorded.push({ time: t, group: Math.floor(k / 16), data: Uint8Array.of(0xb0 | k % 16, 64, 0) });
      this.stats.closedAtStop++;
    }
    this.held.clear();
    this.pedal.clear();
    this.stopTime = atMasterTime;
  }

  /** The recording as a Standard MIDI File (format 1; see the top of this file). */
  save(): Uint8Array {
    const opts: Parameters<typeof writeSmf>[1] = {
      ticksPerQuarter: this.options.ticksPerQuarter ?? 480,
      microsecondsPerQuarter: this.options.microsecondsPerQuarter ?? 500_000,
    };
    if (this.options.name !== undefined) opts.name = this.options.name;
    return writeSmf(this.recorded, opts);
  }

  /** The recording as a song (what reading the saved file gives). */
  toSong(): Song {
    return readSmf(this.save());
  }
}
