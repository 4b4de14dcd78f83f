/**
 * Seed concept: the sequencer of the DMus port driver (seed "DMus Port Driver", reference §1.8,
 * §3.6): it orders kernel events by presentation time and passes each one to the miniport stream
 * when `master clock now >= presTime - SchedulePreFetch`. With DONT_HOLD_FOR_SEQUENCING it passes
 * events on at once (still in arrival order) and the miniport schedules them itself.
 *
 * Same-time rule. Events with equal ullPresTime100ns leave in this order, and in arrival order
 * within one row (a stable sort). The rule only reorders events of DIFFERENT rows, and it is what
 * a musician expects when two things are stamped with the same time:
 *
 *   row  events                                        why first
 *   0    SysEx, system common and real-time (0xF0-0xFF) a GM/GS reset at T must not wipe out the
 *                                                      program or controllers also sent at T
 *   1    bank select (CC0, CC32) and program change    the patch must be chosen before notes at T
 *   2    other control changes, pitch bend, pressure   controllers (volume, RPN, pedal, bend) apply
 *                                                      to the notes starting at T
 *   3    note-off (0x8n, or 0x9n with velocity 0)      a note ending at T on key K must end before
 *                                                      a note at T on key K starts (retrigger)
 *   4    note-on (0x9n with velocity > 0)              last
 *
 * Continuation chunks of a SysEx (INCOMPLETE events) are row 0 and stay contiguous and in order,
 * because arrival order is kept within a row. A package event takes the row of its first event.
 *
 * Storage: a binary min-heap of event handles in an Int32Array as large as the allocator's pool
 * (an event can be queued at most once), grown only when the allocator grows (control side).
 * putMessage and service never allocate.
 */
import type { Allocator } from '../allocator.js';
import { DMUS_KEF, DONT_HOLD_FOR_SEQUENCING, INLINE_DATA_BYTES, type KernelEvent, NULL_EVENT } from '../kernel-event.js';
import { KSSTATE, type KsState, MxfFilter } from '../mxf.js';
import type { RefTime } from '../units.js';

export const SAME_TIME_ROW = {
  SYSTEM: 0,
  PATCH: 1,
  CONTROL: 2,
  NOTE_OFF: 3,
  NOTE_ON: 4,
} as const;

/** The row of a payload given its first bytes (status, data1, data2). */
export function sameTimeRow(status: number, data1: number, data2: number): number {
  if (status >= 0xf0 || status < 0x80) return SAME_TIME_ROW.SYSTEM; // < 0x80: a raw continuation
  const kind = status & 0xf0;
  if (kind === 0x80) return SAME_TIME_ROW.NOTE_OFF;
  if (kind === 0x90) return data2 === 0 ? SAME_TIME_ROW.NOTE_OFF : SAME_TIME_ROW.NOTE_ON;
  if (kind === 0xc0) return SAME_TIME_ROW.PATCH;
  if (kind === 0xb0 && (data1 === 0 || data1 === 32)) return SAME_TIME_ROW.PATCH;
  return SAME_TIME_ROW.CONTROL;
}

export interface SequencerStats {
  queued: number;
  released: number;
  /** Events that arrived while the pin was in STOP and went straight back to the allocator. */
  discardedInStop: number;
  /** Events thrown back to the allocator by a transition to STOP. */
  flushedByStop: number;
  /** Highest queue length seen. */
  peakQueued: number;
}

export class Sequencer extends MxfFilter {
  readonly stats: SequencerStats = { queued: 0, released: 0, discardedInStop: 0, flushedByStop: 0, peakQueued: 0 };
  /** SchedulePreFetch of the miniport stream, 100 ns; DONT_HOLD_FOR_SEQUENCING = pass at once. */
  schedulePreFetch: RefTime;

  private heap: Int32Array;
  private size = 0;
  private seq: Float64Array;
  private row: Uint8Array;
  private nextSeq = 0;
  /** service()'s time, handed to serviceAt() in memory. */
  private readonly now = new Float64Array(1);

  constructor(allocator: Allocator, schedulePreFetch: RefTime = 0) {
    super(allocator);
    this.schedulePreFetch = schedulePreFetch;
    const cap = allocator.capacity;
    this.heap = new Int32Array(cap);
    this.seq = new Float64Array(cap);
    this.row = new Uint8Array(cap);
    allocator.onGrow((capacity) => this.grow(capacity));
  }

  /** Events waiting. */
  get length(): number {
    return this.size;
  }

  /** Presentation time of the next event, or Infinity when empty. */
  peekTime(): RefTime {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.allocator.fields.ullPresTime100ns[this.heap[0]];
  }

  /** IMXF::PutMessage: queues every event of the chain (each gets its own heap slot). */
  putMessage(e: KernelEvent): void {
    const f = this.allocator.fields;
    while (e !== NULL_EVENT) {
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      if (this.state === KSSTATE.STOP) {
        this.stats.discardedInStop++;
        this.allocator.putMessage(e);
      } else if (this.schedulePreFetch === DONT_HOLD_FOR_SEQUENCING && this.state === KSSTATE.RUN && this.size === 0) {
        this.stats.released++;
        this.output.putMessage(e);
      } else {
        this.push(e);
      }
      e = next;
    }
  }

  /**
   * The service routine: releases, in order, every event due at master time `now`
   * (presTime − SchedulePreFetch <= now). Only in RUN: the presentation time stands still in
   * PAUSE and STOP. Returns the number released. Never allocates (but see serviceAt).
   */
  service(now: RefTime): number {
    this.now[0] = now;
    return this.serviceAt(this.now, 0);
  }

  /**
   * service() with the master time in times[index]: the port's per-block entry. A double handed
   * to a call V8 does not inline travels as a freshly boxed heap number (16 bytes a call), and a
   * master time past 2^31 × 100 ns (214 s) is always a double; read from memory, it is not.
   */
  serviceAt(times: Float64Array, index: number): number {
    if (this.state !== KSSTATE.RUN) return 0;
    const f = this.allocator.fields;
    const horizon = this.schedulePreFetch === DONT_HOLD_FOR_SEQUENCING ? Number.POSITIVE_INFINITY : times[index] + this.schedulePreFetch;
    let n = 0;
    while (this.size > 0 && f.ullPresTime100ns[this.heap[0]] <= horizon) {
      const e = this.pop();
      n++;
      this.output.putMessage(e);
    }
    this.stats.released += n;
    return n;
  }

  override setState(state: KsState): void {
    super.setState(state);
    if (state === KSSTATE.STOP) {
      // "In STOP, throw queued data back to the allocator."
      while (this.size > 0) {
        this.stats.flushedByStop++;
        this.allocator.putMessage(this.pop());
      }
      this.nextSeq = 0;
    }
  }

  // ----- the heap -----

  private rowOf(e: KernelEvent): number {
    const a = this.allocator;
    const f = a.fields;
    if ((f.usFlags[e] & DMUS_KEF.PACKAGE_EVENT) !== 0) {
      const inner = f.pPackageEvt[e];
      return inner === NULL_EVENT ? SAME_TIME_ROW.SYSTEM : this.rowOf(inner);
    }
    const cb = f.cbEvent[e];
    if (cb === 0) return SAME_TIME_ROW.SYSTEM;
    if (cb <= INLINE_DATA_BYTES) {
      const d = e * INLINE_DATA_BYTES;
      return sameTimeRow(f.abData[d], cb > 1 ? f.abData[d + 1] : 0, cb > 2 ? f.abData[d + 2] : 0);
    }
    return sameTimeRow(a.byteAt(e, 0), a.byteAt(e, 1), a.byteAt(e, 2));
  }

  /** a before b? (time, then row, then arrival). */
  private before(a: KernelEvent, b: KernelEvent): boolean {
    const t = this.allocator.fields.ullPresTime100ns;
    const ta = t[a];
    const tb = t[b];
    if (ta !== tb) return ta < tb;
    const ra = this.row[a];
    const rb = this.row[b];
    if (ra !== rb) return ra < rb;
    return this.seq[a] < this.seq[b];
  }

  private push(e: KernelEvent): void {
    this.row[e] = this.rowOf(e);
    this.seq[e] = this.nextSeq++;
    const h = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(e, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = e;
    this.stats.queued++;
    if (this.size > this.stats.peakQueued) this.stats.peakQueued = this.size;
  }

  private pop(): KernelEvent {
    const h = this.heap;
    const top = h[0];
    const last = h[--this.size];
    let i = 0;
    const n = this.size;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h[r], h[l]) ? r : l;
      if (!this.before(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    if (n > 0) h[i] = last;
    return top;
  }

  /** Follows the allocator's growth. ALLOCATES: control side only. */
  private grow(capacity: number): void {
    const heap = new Int32Array(capacity);
    heap.set(this.heap.subarray(0, this.size));
    const seq = new Float64Array(capacity);
    seq.set(this.seq);
    const row = new Uint8Array(capacity);
    row.set(this.row);
    this.heap = heap;
    this.seq = seq;
    this.row = row;
  }
}
