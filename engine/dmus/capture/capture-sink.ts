/**
 * Seed concept: the capture sink of the DMus port driver (seed "Allocator", reference §1.5, §1.8).
 * The capture miniport stream hands it kernel events holding raw MIDI input bytes, flagged
 * DMUS_KEF_EVENT_INCOMPLETE ("raw, unparsed"), time-stamped with the master clock. The capture
 * sink parses that byte stream and emits one time-stamped MIDI message per event to the packer.
 * Events that arrive COMPLETE (a miniport that already parses) pass through untouched.
 *
 * Parsing (MIDI 1.0):
 * - Running status: data bytes after a channel message reuse its status. System common messages
 *   (0xF0-0xF7) cancel running status; real-time bytes do not.
 * - Real-time bytes (0xF8-0xFF) may appear anywhere, even inside a SysEx or between the data bytes
 *   of a message; each becomes its own 1-byte event at once, and the interrupted message goes on.
 * - A SysEx (0xF0 ... 0xF7) may span many raw events. It becomes one message, time-stamped with
 *   the time of its 0xF0. A message longer than one allocator buffer is a chain of events with
 *   INCOMPLETE set on all but the last (the render-side convention, reference §1.3); the packer
 *   turns the chain into one record.
 * - A status byte inside a SysEx ends it (the SysEx is still delivered, counted as unterminated).
 * - A message's time is the time of the event that carried its first byte.
 * - Stray data bytes (no running status), a stray 0xF7 and the undefined 0xF4/0xF5/0xF9/0xFD are
 *   dropped, counted and reported through onError with the source group and byte index.
 *
 * Each source (usChannelGroup, e.g. the input port number) has its own parser state.
 * In STOP and ACQUIRE, captured data is discarded (IMXF::SetState semantics for capture).
 */
import type { Allocator } from '../allocator.js';
import { DMUS_KEF, INLINE_DATA_BYTES, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { isRealTime, messageLength } from '../midi-message.js';
import { KSSTATE, type KsState, MxfFilter } from '../mxf.js';
import type { RefTime } from '../units.js';

/** The largest SysEx the sink assembles; longer ones are delivered cut at this size and counted. */
export const MAX_SYSEX_BYTES = 65536;

export interface CaptureSinkStats {
  rawEvents: number;
  messages: number;
  sysex: number;
  realTime: number;
  strayBytes: number;
  unterminatedSysex: number;
  /** Messages lost because the allocator was empty (the allocator counts the failure too). */
  lostNoEvent: number;
  /** SysEx bytes dropped beyond MAX_SYSEX_BYTES. */
  truncatedSysexBytes: number;
}

export interface CaptureError {
  channelGroup: number;
  /** Index of the offending byte in this source's input stream (counted from the first byte). */
  byteIndex: number;
  message: string;
}

/** Parser state of one input source. */
class SourceParser {
  runningStatus = 0;
  /** Bytes of the message being assembled (a short message). */
  status = 0;
  need = 0;
  have = 0;
  d1 = 0;
  time: RefTime = 0;
  inSysex = false;
  sysexTime: RefTime = 0;
  sysexLength = 0;
  byteIndex = 0;
}

export class CaptureSink extends MxfFilter {
  readonly stats: CaptureSinkStats = {
    rawEvents: 0,
    messages: 0,
    sysex: 0,
    realTime: 0,
    strayBytes: 0,
    unterminatedSysex: 0,
    lostNoEvent: 0,
    truncatedSysexBytes: 0,
  };
  onError: ((error: CaptureError) => void) | undefined;

  private readonly sources = new Map<number, SourceParser>();
  /** SysEx assembly area of each source, allocated the first time that source sends a SysEx. */
  private readonly sysexBytes = new Map<number, Uint8Array>();

  constructor(allocator: Allocator) {
    super(allocator);
  }

  override setState(state: KsState): void {
    super.setState(state);
    if (state === KSSTATE.STOP || state === KSSTATE.ACQUIRE) this.sources.clear();
  }

  putMessage(e: KernelEvent): void {
    const a = this.allocator;
    while (e !== NULL_EVENT) {
      const f = a.fields;
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      if (this.state !== KSSTATE.RUN && this.state !== KSSTATE.PAUSE) {
        a.putMessage(e); // STOP / ACQUIRE: discard
      } else if ((f.usFlags[e] & DMUS_KEF.EVENT_INCOMPLETE) === 0) {
        // Already one whole message: straight to the packer.
        this.stats.messages++;
        this.output.putMessage(e);
      } else {
        this.stats.rawEvents++;
        this.parseRaw(e);
        a.putMessage(e);
      }
      e = next;
    }
  }

  private sourceOf(group: number): SourceParser {
    let s = this.sources.get(group);
    if (!s) {
      s = new SourceParser();
      this.sources.set(group, s);
    }
    return s;
  }

  private sysexArea(group: number): Uint8Array {
    let b = this.sysexBytes.get(group);
    if (!b) {
      b = new Uint8Array(MAX_SYSEX_BYTES);
      this.sysexBytes.set(group, b);
    }
    return b;
  }

  private parseRaw(e: KernelEvent): void {
    const a = this.allocator;
    const f = a.fields;
    const group = f.usChannelGroup[e];
    const time = f.ullPresTime100ns[e];
    const n = f.cbEvent[e];
    const s = this.sourceOf(group);
    for (let i = 0; i < n; i++) {
      const b = n <= INLINE_DATA_BYTES ? f.abData[e * INLINE_DATA_BYTES + i] : a.byteAt(e, i);
      this.parseByte(s, group, time, b);
      s.byteIndex++;
    }
  }

  private parseByte(s: SourceParser, group: number, time: RefTime, b: number): void {
    if (isRealTime(b)) {
      if (b === 0xf9 || b === 0xfd) {
        this.stray(s, group, b, 'undefined real-time status');
        return;
      }
      this.stats.realTime++;
      this.emitShort(group, time, b, 0, 0, 1);
      return;
    }
    if (b >= 0x80) {
      if (s.inSysex) {
        if (b === 0xf7) {
          this.appendSysex(s, group, b);
          this.finishSysex(s, group);
          return;
        }
        // Any other status ends the SysEx early.
        this.stats.unterminatedSysex++;
        this.finishSysex(s, group);
        this.onError?.({ channelGroup: group, byteIndex: s.byteIndex, message: `status byte 0x${b.toString(16)} interrupted a SysEx before its 0xF7` });
      }
      if (b === 0xf0) {
        s.inSysex = true;
        s.sysexTime = time;
        s.sysexLength = 0;
        s.runningStatus = 0;
        s.need = 0;
        this.appendSysex(s, group, b);
        return;
      }
      if (b === 0xf7) {
        this.stray(s, group, b, 'end of SysEx (0xF7) without a SysEx');
        return;
      }
      const len = messageLength(b);
      if (len === 0) {
        this.stray(s, group, b, 'undefined status byte');
        return;
      }
      if (b >= 0xf0) s.runningStatus = 0; // system common cancels running status
      else s.runningStatus = b;
      if (len === 1) {
        this.emitShort(group, time, b, 0, 0, 1);
        s.need = 0;
        return;
      }
      s.status = b;
      s.need = len - 1;
      s.have = 0;
      s.time = time;
      return;
    }
    // A data byte.
    if (s.inSysex) {
      this.appendSysex(s, group, b);
      return;
    }
    if (s.need === 0) {
      if (s.runningStatus === 0) {
        this.stray(s, group, b, 'data byte with no status (no running status)');
        return;
      }
      s.status = s.runningStatus;
      s.need = messageLength(s.status) - 1;
      s.have = 0;
      s.time = time;
    }
    if (s.have === 0) {
      s.d1 = b;
      s.have = 1;
      if (s.need === 1) {
        s.need = 0;
        this.emitShort(group, s.time, s.status, s.d1, 0, 2);
      }
      return;
    }
    s.need = 0;
    this.emitShort(group, s.time, s.status, s.d1, b, 3);
  }

  private stray(s: SourceParser, group: number, b: number, why: string): void {
    this.stats.strayBytes++;
    this.onError?.({
      channelGroup: group,
      byteIndex: s.byteIndex,
      message: `dropped byte 0x${b.toString(16).padStart(2, '0')}: ${why}`,
    });
  }

  private appendSysex(s: SourceParser, group: number, b: number): void {
    if (s.sysexLength >= MAX_SYSEX_BYTES) {
      this.stats.truncatedSysexBytes++;
      return;
    }
    this.sysexArea(group)[s.sysexLength++] = b;
  }

  private finishSysex(s: SourceParser, group: number): void {
    s.inSysex = false;
    const bytes = this.sysexArea(group);
    const total = s.sysexLength;
    s.sysexLength = 0;
    const a = this.allocator;
    const bs = a.getBufferSize();
    let head = NULL_EVENT;
    let tail = NULL_EVENT;
    for (let done = 0; done < total; ) {
      const n = Math.min(bs, total - done);
      const e = a.getMessage();
      if (e === NULL_EVENT || !a.setData(e, bytes, done, n)) {
        if (e !== NULL_EVENT) a.putMessage(e);
        if (head !== NULL_EVENT) a.putMessage(head);
        this.stats.lostNoEvent++;
        return;
      }
      const f = a.fields;
      f.usChannelGroup[e] = group;
      f.ullPresTime100ns[e] = s.sysexTime;
      done += n;
      if (done < total) f.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
      if (head === NULL_EVENT) head = e;
      else f.pNextEvt[tail] = e;
      tail = e;
    }
    this.stats.sysex++;
    this.stats.messages++;
    if (head !== NULL_EVENT) this.output.putMessage(head);
  }

  private emitShort(group: number, time: RefTime, status: number, d1: number, d2: number, length: number): void {
    const a = this.allocator;
    const e = a.getMessage();
    if (e === NULL_EVENT) {
      this.stats.lostNoEvent++;
      return;
    }
    const f = a.fields;
    f.usChannelGroup[e] = group;
    f.ullPresTime100ns[e] = time;
    a.setShortMessage(e, status, d1, d2, length);
    this.stats.messages++;
    this.output.putMessage(e);
  }
}
