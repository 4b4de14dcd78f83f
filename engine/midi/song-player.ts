/**
 * Seed concept: the application side of a DirectMusic render pin (what dmusic.dll's performance
 * layer does with a sequence): it turns a parsed song (engine/midi/smf.ts) into DirectMusic
 * buffers (IRPs, reference §2) and hands them to a render pin AHEAD of time. The pin's sequencer
 * then releases each event at its presentation time, so playback timing is as exact as the
 * sequencer and never depends on when pump() happens to run.
 *
 *   song events ──► pump(latencyClockNow) ──► DirectMusicBuffer records ──► write(bytes, startTime)
 *                   everything due before now + lookahead            (RenderPin.write)
 *
 * Times: song time s plays at master time anchorMaster + (s - anchorSong). An event that is
 * already late when pumped keeps its own time: the sequencer plays past events at once, in time
 * order (reference §3.6), which keeps note-on/note-off pairs in order where clamping them to one
 * time would let the same-time rule swap them.
 *
 * Control messages (seek, stop) cannot recall events already written ahead; so they are stamped
 * just after the last event written (and no earlier than the latency clock): queued notes still
 * play, then they are cut. With a 100 ms lookahead, a seek or stop takes effect within 100 ms.
 *
 * Seek chase (state restored at the seek point, per channel the song uses), in this order at one
 * time stamp (the sequencer's same-time rows put SysEx first, then bank/program, then controls):
 *
 *   what                                                      why
 *   CC64 = 0, CC123 for all 16 channels of every used group   end held notes and the pedal
 *   every SysEx/escape before the seek point, in order        GM/GS resets and setup
 *   CC121 (reset all controllers)                             undo controllers set later in the song
 *   CC0/CC32 + program in effect (program 0, bank 0 when the  the right instrument; a default when the
 *     song changes program only later)                        song has not chosen one yet
 *   CC1..119 last values (CC7 100 / CC10 64 defaults when     volume, pan, pedals, effects sends;
 *     the song sets them only later; RPN/NRPN excluded)       121 does not reset volume and pan
 *   each RPN/NRPN parameter's last data entry, then the last  pitch-bend range and tunings; data entry
 *     selected parameter                                      only means something with its address
 *   pitch bend, channel pressure                              continuous state
 *
 * Data increment/decrement (CC96/97) is not chased (rare in files).
 * Threads: control side only (allocates); the render pin's write() does the real-time-safe part.
 */
import { DirectMusicBuffer, dmusEventSize, qwordAlign } from '../dmus/dmus-buffer.js';
import type { RefTime } from '../dmus/units.js';
import type { Song, SmfEvent } from './smf.js';

/** Hands an IRP to a render pin: the buffer's used bytes (yours to keep) and its start time. */
export type WriteIrp = (bytes: Uint8Array, startTime: RefTime) => void;

export interface SongPlayerOptions {
  /** How far ahead of the latency clock events are written, 100 ns (e.g. 1,000,000 = 100 ms). */
  lookaheadRefTime: RefTime;
  /** Size of each DirectMusic buffer written (rounded up to 8 bytes). */
  irpBytes: number;
}

/** An IRP of a whole song, for offline rendering. */
export interface SongIrp {
  bytes: Uint8Array;
  startTime: RefTime;
}

/** A message sent to a channel group (control messages of seek and stop). */
export interface GroupMessage {
  group: number;
  data: number[];
}

function isPlayable(e: SmfEvent): boolean {
  return e.kind !== 'meta';
}

/** Packs records into IRP-sized DirectMusic buffers, handing each full one to `write`. */
class IrpWriter {
  private readonly buffer: DirectMusicBuffer;
  constructor(irpBytes: number) {
    this.buffer = new DirectMusicBuffer(irpBytes);
  }
  put(time: RefTime, group: number, data: ArrayLike<number>, structured: boolean, write: WriteIrp): void {
    if (!this.buffer.fits(data.length)) this.flush(write);
    if (structured) this.buffer.packStructured(time, group, data[0] | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16));
    else this.buffer.packUnstructured(time, group, data instanceof Uint8Array ? data : Uint8Array.from(data));
  }
  flush(write: WriteIrp): void {
    if (this.buffer.isEmpty) return;
    const start = this.buffer.getStartTime();
    const bytes = this.buffer.raw().slice();
    this.buffer.flush();
    write(bytes, start);
  }
}

function checkFits(events: readonly SmfEvent[], irpBytes: number): void {
  if (!(irpBytes >= 24)) throw new RangeError(`irpBytes ${irpBytes} is too small: one 3-byte event needs 24`);
  const max = qwordAlign(irpBytes);
  for (const e of events) {
    if (isPlayable(e) && dmusEventSize(e.data.length) > max) {
      throw new RangeError(
        `a ${e.data.length}-byte ${e.kind} event (track ${e.track}, tick ${e.tick}) needs a ${dmusEventSize(e.data.length)}-byte record; irpBytes is ${irpBytes}`,
      );
    }
  }
}

/** Channel state chased up to a point of the song. */
class ChannelChase {
  program = -1;
  bankMsb = -1;
  bankLsb = -1;
  /** Bank values at the last program change. */
  programBankMsb = -1;
  programBankLsb = -1;
  readonly cc = new Int16Array(128).fill(-1);
  /** Last selected parameter: 'r' (RPN) or 'n' (NRPN) with its MSB/LSB. */
  selKind: 'r' | 'n' | '' = '';
  rpnMsb = 127;
  rpnLsb = 127;
  nrpnMsb = 127;
  nrpnLsb = 127;
  /** key `${kind}:${msb}:${lsb}` -> [data MSB, data LSB or -1], in first-set order. */
  readonly params = new Map<string, [number, number]>();
  pitchBend = -1;
  pressure = -1;
}

const RPN_NRPN_CCS = new Set([6, 38, 96, 97, 98, 99, 100, 101]);

/**
 * The control messages that restore, at song time `songTime`, the state a song had built up to
 * that point (the table at the top of this file). Exported for tests and for the host.
 */
export function chaseState(song: Song, songTime: RefTime): GroupMessage[] {
  const state = new Map<number, ChannelChase>(); // key group * 16 + channel
  const later = new Map<number, { program: boolean; cc7: boolean; cc10: boolean }>();
  const groups = new Set<number>();
  const sysex: GroupMessage[] = [];
  for (const e of song.events) {
    if (e.kind === 'meta') continue;
    if (e.kind !== 'channel') {
      if (e.time < songTime) sysex.push({ group: e.group, data: [...e.data] });
      continue;
    }
    groups.add(e.group);
    const key = e.group * 16 + (e.status & 0x0f);
    const kind = e.status & 0xf0;
    if (e.time >= songTime) {
      // Only remember what the song sets later, to send a default for it now.
      let l = later.get(key);
      if (!l) later.set(key, (l = { program: false, cc7: false, cc10: false }));
      if (kind === 0xc0) l.program = true;
      if (kind === 0xb0 && e.data[1] === 7) l.cc7 = true;
      if (kind === 0xb0 && e.data[1] === 10) l.cc10 = true;
      continue;
    }
    let c = state.get(key);
    if (!c) state.set(key, (c = new ChannelChase()));
    const d1 = e.data[1];
    const d2 = e.data[2];
    switch (kind) {
      case 0xc0:
        c.program = d1;
        c.programBankMsb = c.bankMsb;
        c.programBankLsb = c.bankLsb;
        break;
      case 0xd0:
        c.pressure = d1;
        break;
      case 0xe0:
        c.pitchBend = d1 | (d2 << 7);
        break;
      case 0xb0:
        if (d1 === 0) c.bankMsb = d2;
        else if (d1 === 32) c.bankLsb = d2;
        else if (d1 === 101) {
          c.rpnMsb = d2;
          c.selKind = 'r';
        } else if (d1 === 100) {
          c.rpnLsb = d2;
          c.selKind = 'r';
        } else if (d1 === 99) {
          c.nrpnMsb = d2;
          c.selKind = 'n';
        } else if (d1 === 98) {
          c.nrpnLsb = d2;
          c.selKind = 'n';
        } else if (d1 === 6 || d1 === 38) {
          const msb = c.selKind === 'r' ? c.rpnMsb : c.nrpnMsb;
          const lsb = c.selKind === 'r' ? c.rpnLsb : c.nrpnLsb;
          if (c.selKind !== '' && !(msb === 127 && lsb === 127)) {
            const pk = `${c.selKind}:${msb}:${lsb}`;
            const v = c.params.get(pk) ?? [0, -1];
            if (d1 === 6) {
              v[0] = d2;
              v[1] = -1; // a new MSB resets the fine part (common synth behaviour)
            } else v[1] = d2;
            c.params.set(pk, v);
          }
        } else if (d1 === 121) {
          // Reset all controllers (RP-015): pedals, modulation, expression, bend, pressure, RPN selection.
          for (const n of [1, 11, 64, 65, 66, 67]) c.cc[n] = -1;
          c.pitchBend = -1;
          c.pressure = -1;
          c.selKind = '';
          c.rpnMsb = c.rpnLsb = c.nrpnMsb = c.nrpnLsb = 127;
        } else if (d1 < 120) c.cc[d1] = d2;
        break;
      default:
        break; // notes and poly pressure: not state
    }
  }
  const out: GroupMessage[] = [];
  const sortedGroups = [...groups].sort((a, b) => a - b);
  for (const g of sortedGroups) {
    for (let ch = 0; ch < 16; ch++) {
      out.push({ group: g, data: [0xb0 | ch, 64, 0] });
      out.push({ group: g, data: [0xb0 | ch, 123, 0] });
    }
  }
  out.push(...sysex);
  const keys = new Set([...state.keys(), ...later.keys()]);
  for (const key of [...keys].sort((a, b) => a - b)) {
    const g = Math.floor(key / 16);
    const ch = key % 16;
    const c = state.get(key) ?? new ChannelChase();
    const l = later.get(key);
    const cc = (n: number, v: number) => out.push({ group: g, data: [0xb0 | ch, n, v] });
    cc(121, 0);
    if (c.program >= 0) {
      if (c.programBankMsb >= 0) cc(0, c.programBankMsb);
      if (c.programBankLsb >= 0) cc(32, c.programBankLsb);
      out.push({ group: g, data: [0xc0 | ch, c.program] });
    } else if (l?.program) {
      cc(0, 0);
      cc(32, 0);
      out.push({ group: g, data: [0xc0 | ch, 0] });
    }
    // Bank select sent after the last program change stays pending, as on the wire.
    if (c.bankMsb >= 0 && c.bankMsb !== c.programBankMsb) cc(0, c.bankMsb);
    if (c.bankLsb >= 0 && c.bankLsb !== c.programBankLsb) cc(32, c.bankLsb);
    for (let n = 1; n < 120; n++) {
      if (n === 32 || RPN_NRPN_CCS.has(n)) continue;
      if (c.cc[n] >= 0) cc(n, c.cc[n]);
      else if (n === 7 && l?.cc7) cc(7, 100);
      else if (n === 10 && l?.cc10) cc(10, 64);
    }
    for (const [pk, [msb, lsb]] of c.params) {
      const [kind, pm, pl] = pk.split(':');
      cc(kind === 'r' ? 101 : 99, Number(pm));
      cc(kind === 'r' ? 100 : 98, Number(pl));
      cc(6, msb);
      if (lsb >= 0) cc(38, lsb);
    }
    if (c.selKind === 'r') {
      cc(101, c.rpnMsb);
      cc(100, c.rpnLsb);
    } else if (c.selKind === 'n') {
      cc(99, c.nrpnMsb);
      cc(98, c.nrpnLsb);
    } else if (c.params.size > 0) {
      cc(101, 127);
      cc(100, 127);
    }
    if (c.pitchBend >= 0) out.push({ group: g, data: [0xe0 | ch, c.pitchBend & 0x7f, c.pitchBend >> 7] });
    if (c.pressure >= 0) out.push({ group: g, data: [0xd0 | ch, c.pressure] });
  }
  return out;
}

/** All notes off and sustain off on every channel of the given groups. */
export function allNotesOff(groups: readonly number[]): GroupMessage[] {
  const out: GroupMessage[] = [];
  for (const g of groups) {
    for (let ch = 0; ch < 16; ch++) {
      out.push({ group: g, data: [0xb0 | ch, 64, 0] });
      out.push({ group: g, data: [0xb0 | ch, 123, 0] });
    }
  }
  return out;
}

function isStructured(data: ArrayLike<number>): boolean {
  const s = data[0];
  return s >= 0x80 && s <= 0xef;
}

/** The whole song as IRPs at song time (0 = the start), for offline rendering. */
export function packSong(song: Song, irpBytes: number): SongIrp[] {
  checkFits(song.events, irpBytes);
  const out: SongIrp[] = [];
  const w = new IrpWriter(irpBytes);
  const write: WriteIrp = (bytes, startTime) => out.push({ bytes, startTime });
  for (const e of song.events) {
    if (!isPlayable(e)) continue;
    w.put(e.time, e.group, e.data, e.kind === 'channel', write);
  }
  w.flush(write);
  return out;
}

export interface SongPlayerStats {
  eventsSent: number;
  irpsWritten: number;
  /** Events whose time was already before the latency clock when they were written. */
  lateEvents: number;
}

export class SongPlayer {
  readonly song: Song;
  readonly stats: SongPlayerStats = { eventsSent: 0, irpsWritten: 0, lateEvents: 0 };
  /** Called once when every event was sent and the latency clock passed the song's end. */
  onEnd: (() => void) | undefined;

  private readonly lookahead: RefTime;
  private readonly events: SmfEvent[];
  private readonly writer: IrpWriter;
  private next = 0;
  private isPlaying = false;
  private anchorSong: RefTime = 0;
  private anchorMaster: RefTime = 0;
  /** Position while stopped, or the song time of the seek to anchor at the next pump. */
  private songPos: RefTime = 0;
  private reanchor = false;
  private pending: GroupMessage[] = [];
  /** `pending` holds a seek chase (which already ends held notes). */
  private chasePending = false;
  private lastSent: RefTime = Number.NEGATIVE_INFINITY;
  private lastNow: RefTime | undefined;
  private ended = false;

  constructor(song: Song, opts: SongPlayerOptions) {
    if (!(opts.lookaheadRefTime >= 0)) throw new RangeError(`lookahead ${opts.lookaheadRefTime} must be >= 0`);
    checkFits(song.events, opts.irpBytes);
    this.song = song;
    this.lookahead = opts.lookaheadRefTime;
    this.events = song.events.filter(isPlayable);
    this.writer = new IrpWriter(opts.irpBytes);
  }

  get duration(): RefTime {
    return this.song.duration;
  }
  get playing(): boolean {
    return this.isPlaying;
  }

  /** Song time at the latency clock of the last pump (or where a stopped player will resume). */
  get position(): RefTime {
    if (!this.isPlaying || this.reanchor || this.lastNow === undefined) return this.songPos;
    const p = this.anchorSong + (this.lastNow - this.anchorMaster);
    return Math.min(this.duration, Math.max(this.anchorSong, p));
  }

  /** Plays from the current position; that position sounds at master time `atMasterTime`. */
  start(atMasterTime: RefTime): void {
    if (this.isPlaying) return;
    this.anchorMaster = Math.max(atMasterTime, this.lastSent + 1);
    this.anchorSong = this.songPos;
    this.isPlaying = true;
    this.ended = false;
    this.reanchor = false;
    if (this.songPos > 0 && !this.chasePending) {
      this.pending = chaseState(this.song, this.songPos);
      this.chasePending = true;
    }
  }

  /** Moves to song time `songTime`: notes off, then the state in effect there (see the table). */
  seek(songTime: RefTime): void {
    const t = Math.min(this.duration, Math.max(0, songTime));
    this.songPos = t;
    this.next = this.firstAtOrAfter(t);
    this.pending = chaseState(this.song, t);
    this.chasePending = true;
    this.ended = false;
    if (this.isPlaying) this.reanchor = true;
  }

  /**
   * Stops; the position stays (start() resumes there). All notes off and sustain off go out
   * now when a clock and a writer are given, else at the next pump().
   */
  stop(latencyClockNow?: RefTime, write?: WriteIrp): void {
    if (this.isPlaying) this.songPos = this.position;
    this.isPlaying = false;
    this.reanchor = false;
    this.next = this.firstAtOrAfter(this.songPos);
    this.pending = allNotesOff(this.song.channelGroups);
    this.chasePending = false;
    if (latencyClockNow !== undefined && write) this.pump(latencyClockNow, write);
  }

  /**
   * Packs every event due before latencyClockNow + lookahead into DirectMusic buffers and hands
   * them to `write`. Returns the number of events written.
   */
  pump(latencyClockNow: RefTime, write: WriteIrp): number {
    this.lastNow = latencyClockNow;
    let sent = 0;
    const counting: WriteIrp = (bytes, startTime) => {
      this.stats.irpsWritten++;
      write(bytes, startTime);
    };
    if (this.pending.length > 0) {
      const at = Math.max(latencyClockNow, this.lastSent + 1);
      if (this.reanchor) {
        this.anchorMaster = at;
        this.anchorSong = this.songPos;
        this.reanchor = false;
      }
      for (const m of this.pending) this.writer.put(at, m.group, m.data, isStructured(m.data), counting);
      sent += this.pending.length;
      this.lastSent = at;
      this.pending = [];
      this.chasePending = false;
    }
    if (this.isPlaying) {
      const horizon = latencyClockNow + this.lookahead;
      const ev = this.events;
      const offset = this.anchorMaster - this.anchorSong;
      while (this.next < ev.length) {
        const e = ev[this.next];
        const t = e.time + offset;
        if (t >= horizon) break;
        if (t < latencyClockNow) this.stats.lateEvents++;
        this.writer.put(t, e.group, e.data, e.kind === 'channel', counting);
        if (t > this.lastSent) this.lastSent = t;
        this.next++;
        sent++;
      }
    }
    this.writer.flush(counting);
    this.stats.eventsSent += sent;
    if (this.isPlaying && !this.ended && this.next >= this.events.length && latencyClockNow >= this.anchorMaster + (this.duration - this.anchorSong)) {
      this.ended = true;
      this.isPlaying = false;
      this.songPos = this.duration;
      this.onEnd?.();
    }
    return sent;
  }

  private firstAtOrAfter(t: RefTime): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].time < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
