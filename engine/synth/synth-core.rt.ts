/**
 * Seed concept: the render half of one DMus miniport stream (= one render pin = one independent
 * virtual synth, reference §3.1, §3.6, §7): the time-ordered pending-event queue, MIDI/GM/GS
 * handling per channel group, voice allocation and stealing (§7.6), the mixer with its two mono
 * send buses (CC91 reverb, CC93 chorus) and the output gain staging (§7.7).
 *
 * Render half: everything is sized in the constructor (prepare) from the voice count, the channel
 * groups and maxFramesPerBlock; enqueue() and render() never allocate.
 *
 *   kernel events ─► enqueue (sorted by ullPresTime100ns, fixed size)
 *   render(block): ─► for each span between events (split at every event's sample position):
 *                        apply due events ─► voices (interp → filter → gain/pan) ─► L R | reverb | chorus
 *                        (each voice updates its parameters every SUB_BLOCK = 64 samples of the span;
 *                        128 or 256 past its attack when only envelope hold/decay/release move them;
 *                        once for the span when they cannot move: EG1 sustain, no LFO/EG routing)
 *                   ─► reverb(send) + chorus(send) added ─► × (volume + boost) × master ─► out
 */
import type { Allocator } from '../dmus/allocator.js';
import type { SynthSinkClock } from '../dmus/clocks.js';
import { DMUS_KEF, NULL_EVENT, type KernelEvent } from '../dmus/kernel-event.js';
import type { IMXF } from '../dmus/mxf.js';
import { ChannelStates, patchKey, RPN_NULL, RX_OFF, resetAllControllers, resetChannel } from './channels.rt.js';
import { F_RGN_OPTION_SELFNONEXCLUSIVE, SYNTH_GAIN } from './constants.js';
import type { Instrument } from './download-model.js';
import { VoicePool } from './voices.rt.js';

/** The send-effect contract engine/synth/effects implements (Reverb, Chorus): ADDS wet output. */
export interface SendEffect {
  process(input: Float64Array, outL: Float64Array, outR: Float64Array, frames: number): void;
  reset(): void;
}

/** Parameter update period: envelopes, LFOs and dynamic connections run per sub-block. */
export { SUB_BLOCK } from './voices.rt.js';
/** One render call in this many is timed for RUNNINGSTATS CPU figures. */
const CPU_SAMPLE_EVERY = 64;
/** Longest SysEx the stream reassembles from INCOMPLETE chunks. */
const SYSEX_MAX = 8192;
/** GS part (block) -> MIDI channel index (§7.1). */
const GS_PART_TO_CHANNEL = [9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];

export interface CoreStats {
  voiceFrames: number;
  frames: number;
  /** Render time of the timed calls, and the frames those calls rendered. */
  renderMs: number;
  timedFrames: number;
  lostNotes: number;
  stolenVoices: number;
  droppedEvents: number;
  peak: number;
}

export class SynthCore {
  readonly sampleRate: number;
  readonly maxFrames: number;
  readonly allocator: Allocator;
  readonly clock: SynthSinkClock;
  channels: ChannelStates;
  pool: VoicePool;
  voiceLimit: number;
  /** Instruments by patchKey (channels.rt.ts); owned by the control half (DownloadSet), read at note-on. */
  instruments: Map<number, Instrument>;
  running = false;
  /** 1/100 dB. */
  volume: number = SYNTH_GAIN.DEFAULT_VOLUME;
  volumeBoost: number = SYNTH_GAIN.DEFAULT_VOLUME_BOOST;
  /** GM master volume SysEx value 0..127 (MSB). */
  masterVolume = 127;
  reverb: SendEffect | null = null;
  chorus: SendEffect | null = null;
  readonly stats: CoreStats = { voiceFrames: 0, frames: 0, renderMs: 0, timedFrames: 0, lostNotes: 0, stolenVoices: 0, droppedEvents: 0, peak: 0 };
  /** Where played events go: the stream IMXF's output, the allocator unless one is connected. */
  played: IMXF;

  // Active-voice list (dense), free slots, and the count of non-fading voices (the voice limit).
  private activeList: Int32Array;
  private activeCount = 0;
  private freeList: Int32Array;
  private freeCount = 0;
  private sounding = 0;

  // Pending events sorted by presentation time (stable for equal times).
  private readonly qEvt: Int32Array;
  private readonly qTime: Float64Array;
  private readonly qSample: Float64Array;
  private qHead = 0;
  private qTail = 0;

  private readonly sysex = new Uint8Array(SYSEX_MAX);
  private readonly times = new Float64Array(2);
  /** Render calls since the statistics were last read (the first call after a read is timed). */
  renderCalls = 0;
  private sysexLen = 0;
  private sysexGroup = 0;

  /** Mix and send buses in float64: voices accumulate without a float32 conversion per access. */
  readonly mixL: Float64Array;
  readonly mixR: Float64Array;
  readonly sendReverb: Float64Array;
  readonly sendChorus: Float64Array;

  constructor(opts: {
    sampleRate: number;
    maxFrames: number;
    voices: number;
    groups: number;
    allocator: Allocator;
    clock: SynthSinkClock;
    instruments: Map<number, Instrument>;
    queueSize?: number;
  }) {
    this.sampleRate = opts.sampleRate;
    this.maxFrames = opts.maxFrames;
    this.allocator = opts.allocator;
    this.played = opts.allocator;
    this.clock = opts.clock;
    this.instruments = opts.instruments;
    this.channels = new ChannelStates(opts.groups);
    this.voiceLimit = opts.voices;
    this.pool = new VoicePool(1, opts.sampleRate);
    this.activeList = new Int32Array(1);
    this.freeList = new Int32Array(1);
    this.prepareVoices(opts.voices);
    const q = opts.queueSize ?? 8192;
    this.qEvt = new Int32Array(q);
    this.qTime = new Float64Array(q);
    this.qSample = new Float64Array(q);
    this.mixL = new Float64Array(opts.maxFrames);
    this.mixR = new Float64Array(opts.maxFrames);
    this.sendReverb = new Float64Array(opts.maxFrames);
    this.sendChorus = new Float64Array(opts.maxFrames);
  }

  /**
   * prepare() for the voice pool: `voices` playing plus the extra pool DDKSynth keeps for voices
   * being faded out after a steal (voices/4, at least 4; §3.7). ALLOCATES; control half only.
   * Voices that were sounding are dropped (port parameters are set when a pin opens).
   */
  prepareVoices(voices: number): void {
    for (let i = 0; i < this.activeCount; i++) this.pool.free(this.activeList[i]);
    const capacity = voices + Math.max(4, voices >> 2);
    this.voiceLimit = voices;
    this.pool = new VoicePool(capacity, this.sampleRate, this.maxFrames);
    this.activeList = new Int32Array(capacity);
    this.freeList = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeList[i] = capacity - 1 - i;
    this.freeCount = capacity;
    this.activeCount = 0;
    this.sounding = 0;
  }

  /** Changes the channel-group count keeping the groups that stay. ALLOCATES; control half. */
  setGroups(groups: number): void {
    const limit = groups * 16;
    for (let i = this.activeCount - 1; i >= 0; i--) {
      const v = this.activeList[i];
      if (this.pool.chan[v] >= limit) this.removeActive(i);
    }
    this.channels = new ChannelStates(groups, this.channels);
  }

  get activeVoices(): number {
    return this.activeCount;
  }
  get queuedEvents(): number {
    return this.qTail - this.qHead;
  }

  // ------------------------------------------------------------------ queue (IMXF::PutMessage)

  /**
   * Takes an event or a pNextEvt chain: each event is detached from the chain and queued by its
   * presentation time (a package stays whole). Does not allocate. When the queue is full, the
   * earliest queued event is applied at once (early rather than lost: a lost note-off would hang).
   */
  enqueue(e: KernelEvent): void {
    const f = this.allocator.fields;
    while (e !== NULL_EVENT) {
      const next = f.pNextEvt[e];
      f.pNextEvt[e] = NULL_EVENT;
      this.insert(e);
      e = next;
    }
  }

  /**
   * Inserts by time (stable). The sample position is converted once here through the sink clock
   * (resampled by resync() when SyncToMaster moves the offset). Only handles cross calls: a double
   * argument or result of a call V8 does not inline is boxed, i.e. allocated.
   */
  private insert(e: KernelEvent): void {
    if (this.qTail === this.qEvt.length) {
      if (this.qHead === 0) {
        const first = this.qEvt[this.qHead++];
        this.stats.droppedEvents++;
        this.processEvent(first);
        this.played.putMessage(first);
      }
      // Then make room at the end (without it, the new event went past the array's end).
      this.qEvt.copyWithin(0, this.qHead, this.qTail);
      this.qTime.copyWithin(0, this.qHead, this.qTail);
      this.qSample.copyWithin(0, this.qHead, this.qTail);
      this.qTail -= this.qHead;
      this.qHead = 0;
    }
    const f = this.allocator.fields;
    const tq = this.qTime;
    tq[this.qTail] = f.ullPresTime100ns[e];
    const t = tq[this.qTail];
    let i = this.qTail;
    while (i > this.qHead && tq[i - 1] > t) {
      this.qEvt[i] = this.qEvt[i - 1];
      tq[i] = tq[i - 1];
      this.qSample[i] = this.qSample[i - 1];
      i--;
    }
    this.qEvt[i] = e;
    tq[i] = t;
    this.qSample[i] = this.clock.refTimeToSample(t);
    this.qTail++;
  }

  /** Recomputes the queued events' sample positions after the sink clock moved (SyncToMaster). */
  resync(): void {
    for (let i = this.qHead; i < this.qTail; i++) this.qSample[i] = this.clock.refTimeToSample(this.qTime[i]);
  }

  /** Returns every queued event to the allocator (STOP, close). */
  flushQueue(): void {
    for (let i = this.qHead; i < this.qTail; i++) this.allocator.putMessage(this.qEvt[i]);
    this.qHead = 0;
    this.qTail = 0;
    this.sysexLen = 0;
  }

  // ------------------------------------------------------------------ render (ISynthSinkDMus::Render)

  /**
   * OVERWRITES left/right [offset, offset+frames) with sample positions [samplePosition, +frames).
   * Events due before the block apply at its start; others at sample round(T × rate). No allocation.
   */
  render(left: Float32Array, right: Float32Array, offset: number, frames: number, samplePosition: number): void {
    // CPU use is sampled on one render call in CPU_SAMPLE_EVERY: reading a clock returns a boxed
    // double (a small allocation), which the render path must not do on every call.
    const sample = this.renderCalls++ % CPU_SAMPLE_EVERY === 0;
    if (sample) this.times[0] = performance.now();
    let done = 0;
    while (done < frames) {
      const n = Math.min(this.maxFrames, frames - done);
      this.renderChunk(n, samplePosition + done);
      this.output(left, right, offset + done, n);
      done += n;
    }
    const st = this.stats;
    if (sample) {
      this.times[1] = performance.now();
      st.renderMs += this.times[1] - this.times[0];
      st.timedFrames += frames;
    }
    st.frames += frames;
  }

  private renderChunk(n: number, pos0: number): void {
    const L = this.mixL;
    const R = this.mixR;
    L.fill(0, 0, n);
    R.fill(0, 0, n);
    this.sendReverb.fill(0, 0, n);
    this.sendChorus.fill(0, 0, n);
    if (!this.running) return;
    let cursor = 0;
    while (cursor < n) {
      let next = n;
      while (this.qHead < this.qTail) {
        const s = this.qSample[this.qHead] - pos0;
        if (s > cursor) {
          next = s;
          break;
        }
        const e = this.qEvt[this.qHead++];
        this.processEvent(e);
        this.played.putMessage(e);
      }
      if (this.qHead === this.qTail) this.qHead = this.qTail = 0;
      // Voices split the span into SUB_BLOCK parameter updates themselves (static ones don't).
      const segEnd = Math.min(next, n);
      this.renderVoices(cursor, segEnd - cursor);
      cursor = segEnd;
    }
    // Both effects add their wet output straight into the (float64) mix, after the voices.
    if (this.reverb !== null) this.applyEffect(this.reverb, this.sendReverb, n);
    if (this.chorus !== null) this.applyEffect(this.chorus, this.sendChorus, n);
  }

  /** Runs a send effect on a send bus; it adds its wet stereo output to the mix. */
  private applyEffect(fx: SendEffect, bus: Float64Array, n: number): void {
    fx.process(bus, this.mixL, this.mixR, n);
  }

  private renderVoices(i0: number, n: number): void {
    const pool = this.pool;
    const ch = this.channels;
    pool.beginPass(i0, n);
    for (let i = this.activeCount - 1; i >= 0; i--) {
      const v = this.activeList[i];
      if (!pool.render(v, ch, this.mixL, this.mixR, this.sendReverb, this.sendChorus, i0, n)) this.removeActive(i);
    }
    pool.endPass(this.mixL, this.mixR, this.sendReverb, this.sendChorus);
    this.stats.voiceFrames += this.activeCount * n;
  }

  /** Output gain staging (§7.7): volume + boost (capped at +6 dB like native) × GM master volume. */
  private output(left: Float32Array, right: Float32Array, off: number, n: number): void {
    let sum = this.volume + this.volumeBoost;
    if (sum > SYNTH_GAIN.MAX_SUMMED_GAIN) sum = SYNTH_GAIN.MAX_SUMMED_GAIN;
    let g = 10 ** (sum / 2000);
    const mv = this.masterVolume;
    g *= mv >= 127 ? 1 : mv <= 0 ? 0 : (mv / 127) ** 2;
    const L = this.mixL;
    const R = this.mixR;
    let peak = this.stats.peak;
    for (let i = 0; i < n; i++) {
      const l = L[i] * g;
      const r = R[i] * g;
      left[off + i] = l;
      right[off + i] = r;
      const al = l < 0 ? -l : l;
      const ar = r < 0 ? -r : r;
      if (al > peak) peak = al;
      if (ar > peak) peak = ar;
    }
    this.stats.peak = peak;
  }

  // ------------------------------------------------------------------ events

  private processEvent(e: KernelEvent): void {
    const a = this.allocator;
    const f = a.fields;
    const flags = f.usFlags[e];
    if ((flags & DMUS_KEF.PACKAGE_EVENT) !== 0) {
      // A package is handled atomically by recursing into its own chain (DDKSynth).
      let inner = f.pPackageEvt[e];
      while (inner !== NULL_EVENT) {
        this.processEvent(inner);
        inner = a.fields.pNextEvt[inner];
      }
      return;
    }
    const n = f.cbEvent[e];
    if (n === 0) return;
    const group = f.usChannelGroup[e];
    const b0 = a.byteAt(e, 0);
    const incomplete = (flags & DMUS_KEF.EVENT_INCOMPLETE) !== 0;
    if (b0 === 0xf0 || (this.sysexLen > 0 && (b0 < 0x80 || b0 === 0xf7))) {
      // SysEx, possibly in INCOMPLETE chunks: reassemble, then act on the whole message.
      if (b0 === 0xf0) {
        this.sysexLen = 0;
        this.sysexGroup = group;
      }
      for (let i = 0; i < n; i++) {
        if (this.sysexLen < SYSEX_MAX) this.sysex[this.sysexLen++] = a.byteAt(e, i);
      }
      if (!incomplete) {
        this.handleSysex(this.sysexGroup, this.sysexLen);
        this.sysexLen = 0;
      }
      return;
    }
    if (b0 < 0x80) return;
    if (b0 === 0xff) {
      this.resetGroups(0);
      return;
    }
    if (b0 >= 0xf0) return;
    const d1 = n > 1 ? a.byteAt(e, 1) & 0x7f : 0;
    const d2 = n > 2 ? a.byteAt(e, 2) & 0x7f : 0;
    if (group === 0) {
      // Channel group 0 is "every group" (§2.4).
      for (let g = 1; g <= this.channels.groups; g++) this.channelMessage(g, b0, d1, d2);
    } else if (group <= this.channels.groups) {
      this.channelMessage(group, b0, d1, d2);
    }
  }

  /**
   * A channel voice message for channel group g (1-based). Public for direct driving in tests.
   * Every channel slot (GS part) of the group that receives on the message's MIDI channel takes it:
   * normally just the slot of that channel; the GS Rx-channel SysEx can move a part to another
   * channel or to none (§7.5; DDKSynth RecordMIDI loops over its parts the same way).
   */
  channelMessage(g: number, status: number, d1: number, d2: number): void {
    const base = (g - 1) * 16;
    const midi = status & 15;
    const ch = this.channels;
    // No part of the group moved (every song without GS Rx-channel SysEx): the channel's own slot.
    if (ch.rxMoved[g - 1] === 0) {
      this.slotMessage(base + midi, status, d1, d2);
      return;
    }
    const rx = ch.rx;
    for (let m = 0; m < 16; m++) {
      if (rx[base + m] === midi) this.slotMessage(base + m, status, d1, d2);
    }
  }

  /** A channel voice message for channel slot c (index into ChannelStates). */
  private slotMessage(c: number, status: number, d1: number, d2: number): void {
    const ch = this.channels;
    switch (status & 0xf0) {
      case 0x80:
        this.noteOff(c, d1);
        break;
      case 0x90:
        if (d2 === 0) this.noteOff(c, d1);
        else this.noteOn(c, d1, d2);
        break;
      case 0xa0:
        ch.polyPressure[c * 128 + d1] = d2;
        this.refreshChannel(c);
        break;
      case 0xb0:
        this.controlChange(c, d1, d2);
        break;
      case 0xc0:
        // The bank select only takes effect at the program change (§7.2).
        ch.program[c] = d1;
        ch.patchMsb[c] = ch.cc[c * 128];
        ch.patchLsb[c] = ch.cc[c * 128 + 32];
        break;
      case 0xd0:
        ch.channelPressure[c] = d1;
        this.refreshChannel(c);
        break;
      case 0xe0:
        ch.pitchBend[c] = (d2 << 7) | d1;
        this.refreshChannel(c);
        break;
    }
  }

  /**
   * Instrument for the channel's patch with the Microsoft fallbacks (§6.9, §7.2): the exact patch;
   * else a drum part takes kit 0 (0x80000000 | 0, whatever its bank and program were, as DDKSynth
   * retries with F_INSTRUMENT_DRUMS alone); in XG mode bank MSB 127 means drums (the kit of the
   * program, else kit 0); any other melodic patch takes the GM instrument (MSB = LSB = 0, same
   * program). Nothing found: undefined (the note is silent).
   */
  private findInstrument(c: number): Instrument | undefined {
    const ch = this.channels;
    const m = this.instruments;
    const hit = m.get(ch.patchKeyOf(c));
    if (hit !== undefined) return hit;
    if (ch.drum[c] !== 0) return m.get(patchKey(true, 0, 0, 0));
    // Not a drum channel but a drum part: XG's bank MSB 127.
    if (ch.isDrumPart(c)) return m.get(patchKey(true, 0, 0, ch.program[c])) ?? m.get(patchKey(true, 0, 0, 0));
    return m.get(ch.program[c]);
  }

  private noteOn(c: number, key: number, vel: number): void {
    const inst = this.findInstrument(c);
    if (inst === undefined || inst.unloaded) return; // notes naming unloaded instruments are ignored
    const pool = this.pool;
    const regions = inst.regions;
    // Cuts run before any voice of this note starts, so layered regions of this note all play.
    for (let r = 0; r < regions.length; r++) {
      const rg = regions[r];
      if (key < rg.keyLow || key > rg.keyHigh || vel < rg.velLow || vel > rg.velHigh) continue;
      const selfExclusive = (rg.options & F_RGN_OPTION_SELFNONEXCLUSIVE) === 0;
      for (let i = 0; i < this.activeCount; i++) {
        const v = this.activeList[i];
        if (pool.chan[v] !== c) continue;
        const vr = pool.region[v];
        // Exclusive class: same channel, same instrument, same key group (§6.7).
        if (rg.keyGroup !== 0 && pool.inst[v] === inst && vr !== null && vr.keyGroup === rg.keyGroup) this.fadeVoice(v);
        // Not self-non-exclusive: the same key of the same region is re-triggered.
        else if (selfExclusive && vr === rg && pool.key[v] === key) this.fadeVoice(v);
      }
    }
    for (let r = 0; r < regions.length; r++) {
      const rg = regions[r];
      if (key < rg.keyLow || key > rg.keyHigh || vel < rg.velLow || vel > rg.velHigh) continue;
      const v = this.allocVoice(c);
      if (v < 0) {
        this.stats.lostNotes++;
        continue;
      }
      pool.start(v, rg, inst, c, key, vel, this.channels);
      this.activeList[this.activeCount++] = v;
      this.sounding++;
    }
  }

  private noteOff(c: number, key: number): void {
    const pool = this.pool;
    const sustain = this.channels.cc[c * 128 + 64] >= 64;
    for (let i = 0; i < this.activeCount; i++) {
      const v = this.activeList[i];
      if (pool.chan[v] !== c || pool.key[v] !== key || pool.keyDown[v] === 0) continue;
      pool.keyDown[v] = 0;
      if (sustain) pool.sustained[v] = 1;
      else if (pool.sostenuto[v] === 0) pool.release(v);
    }
  }

  private allNotesOff(c: number): void {
    const pool = this.pool;
    const sustain = this.channels.cc[c * 128 + 64] >= 64;
    for (let i = 0; i < this.activeCount; i++) {
      const v = this.activeList[i];
      if (pool.chan[v] !== c || pool.keyDown[v] === 0) continue;
      pool.keyDown[v] = 0;
      pool.sostenuto[v] = 0;
      if (sustain) pool.sustained[v] = 1;
      else pool.release(v);
    }
  }

  /** All sound off: every voice of the channel fades in about a millisecond. */
  private allSoundOff(c: number): void {
    for (let i = 0; i < this.activeCount; i++) {
      const v = this.activeList[i];
      if (this.pool.chan[v] === c) this.fadeVoice(v);
    }
  }

  private pedalRelease(c: number): void {
    const pool = this.pool;
    const ch = this.channels;
    const sustain = ch.cc[c * 128 + 64] >= 64;
    const sostenuto = ch.cc[c * 128 + 66] >= 64;
    for (let i = 0; i < this.activeCount; i++) {
      const v = this.activeList[i];
      if (pool.chan[v] !== c || pool.keyDown[v] !== 0) continue;
      if (!sostenuto) pool.sostenuto[v] = 0;
      if (!sustain && pool.sustained[v] !== 0 && pool.sostenuto[v] === 0) {
        pool.sustained[v] = 0;
        pool.release(v);
      } else if (!sostenuto && !sustain && pool.sustained[v] === 0 && pool.released[v] === 0) {
        pool.release(v);
      }
    }
  }

  private controlChange(c: number, num: number, val: number): void {
    const ch = this.channels;
    const base = c * 128;
    const was = ch.cc[base + num];
    ch.cc[base + num] = val;
    switch (num) {
      case 6: {
        const rpn = ch.rpn[c];
        if (rpn === 0) ch.bendRange[c] = val;
        else if (rpn === 1) ch.fineTune[c] = (val << 7) | (ch.fineTune[c] & 0x7f);
        else if (rpn === 2) ch.coarseTune[c] = val;
        break;
      }
      case 38:
        if (ch.rpn[c] === 1) ch.fineTune[c] = (ch.fineTune[c] & 0x3f80) | val;
        break;
      case 98:
      case 99:
        // Selecting an NRPN nulls the current RPN, so data entry is then ignored (§7.3).
        ch.rpn[c] = RPN_NULL;
        break;
      case 100:
        ch.rpn[c] = (ch.rpn[c] & 0x3f80) | val;
        break;
      case 101:
        ch.rpn[c] = (val << 7) | (ch.rpn[c] & 0x7f);
        break;
      case 64:
        if (val < 64 && was >= 64) this.pedalRelease(c);
        break;
      case 66:
        if (val >= 64 && was < 64) {
          const pool = this.pool;
          for (let i = 0; i < this.activeCount; i++) {
            const v = this.activeList[i];
            if (pool.chan[v] === c && pool.keyDown[v] !== 0) pool.sostenuto[v] = 1;
          }
        } else if (val < 64 && was >= 64) this.pedalRelease(c);
        break;
      case 120:
        this.allSoundOff(c);
        return;
      case 121:
        resetAllControllers(ch, c, val);
        this.pedalRelease(c);
        break;
      case 123:
      case 124:
      case 125:
      case 126:
      case 127:
        // All notes off; omni/mono/poly mode messages imply it (§7.3).
        this.allNotesOff(c);
        return;
    }
    this.refreshChannel(c);
  }

  /** Re-evaluates the level connections of the channel's voices after a controller change. */
  private refreshChannel(c: number): void {
    const pool = this.pool;
    const ch = this.channels;
    for (let i = 0; i < this.activeCount; i++) {
      const v = this.activeList[i];
      if (pool.chan[v] === c) pool.evalLevels(v, ch);
    }
  }

  private handleSysex(group: number, len: number): void {
    const b = this.sysex;
    if (len < 5 || b[0] !== 0xf0) return;
    // GM System On (7E xx 09 01), GM2 On (09 03): full reset, leaving GS and XG mode.
    if (b[1] === 0x7e && b[3] === 0x09 && (b[4] === 0x01 || b[4] === 0x03)) {
      this.resetGroups(group);
      return;
    }
    // Master volume (7F xx 04 01 lsb msb F7): the MSB, DDKSynth ignores the LSB. A message cut
    // short (its F7 where the MSB belongs) changes nothing.
    if (b[1] === 0x7f && b[3] === 0x04 && b[4] === 0x01 && len >= 8 && b[6] < 0x80) {
      this.masterVolume = b[6];
      return;
    }
    // XG System On (43 1n 4C 00 00 7E 00): full reset, XG mode; part 0 (MIDI ch 10) gets bank
    // MSB 127 instead of the drum flag (§7.2; DDKSynth RecordSysEx).
    if (b[1] === 0x43 && (b[2] & 0xf0) === 0x10 && len >= 9 && b[3] === 0x4c && b[4] === 0x00 && b[5] === 0x00 && b[6] === 0x7e && b[7] === 0x00) {
      this.resetGroups(group);
      const ch = this.channels;
      const first = group === 0 ? 1 : group;
      const last = group === 0 ? ch.groups : Math.min(group, ch.groups);
      for (let g = first; g <= last; g++) {
        ch.xgMode[g - 1] = 1;
        const c = (g - 1) * 16 + GS_PART_TO_CHANNEL[0];
        ch.drum[c] = 0;
        ch.cc[c * 128] = 127;
        ch.patchMsb[c] = 127;
      }
      return;
    }
    // Roland GS DT1: 41 dev 42 12 a1 a2 a3 data... sum F7 (the checksum is not checked, §7.5).
    if (b[1] === 0x41 && b[3] === 0x42 && b[4] === 0x12 && len >= 10) {
      const a1 = b[5];
      const a2 = b[6];
      const a3 = b[7];
      const data = b[8];
      if (data >= 0x80) return;
      const ch = this.channels;
      const first = group === 0 ? 1 : group;
      const last = group === 0 ? ch.groups : Math.min(group, ch.groups);
      if (a1 === 0x40 && a2 === 0x00 && a3 === 0x7f) {
        this.resetGroups(group);
        for (let g = first; g <= last; g++) ch.gsMode[g - 1] = 1;
        return;
      }
      if (a1 !== 0x40 || (a2 & 0xf0) !== 0x10) return;
      // Part (block) x of 40 1x ..: its channel slot (§7.1).
      const midi = GS_PART_TO_CHANNEL[a2 & 15];
      if (a3 === 0x15) {
        // Use-for-rhythm: 0 normal, 1/2 drum part.
        for (let g = first; g <= last; g++) ch.drum[(g - 1) * 16 + midi] = data !== 0 ? 1 : 0;
      } else if (a3 === 0x02) {
        // Rx channel: 0x00-0x0F = MIDI channel 1-16, 0x10 = OFF (Roland's encoding).
        const rx = data < 16 ? data : RX_OFF;
        for (let g = first; g <= last; g++) {
          ch.rx[(g - 1) * 16 + midi] = rx;
          ch.rxMoved[g - 1] = 1;
        }
      } else if (a3 >= 0x40 && a3 <= 0x4b) {
        // Scale tuning, GS mode only: one byte per note class from a3 - 0x40 on, 64 = 0 cents,
        // each step a cent (-64..+63); the bytes run up to the checksum before F7.
        const count = len - 10;
        for (let g = first; g <= last; g++) {
          if (ch.gsMode[g - 1] === 0) continue;
          const base = ((g - 1) * 16 + midi) * 12;
          for (let i = 0; i < count && a3 - 0x40 + i < 12; i++) {
            const d = b[8 + i];
            if (d >= 0x80) break;
            ch.scaleTune[base + a3 - 0x40 + i] = d - 64;
          }
        }
      }
    }
  }

  /**
   * GM On / GS Reset / XG On / system reset for one group (0 = all): all sound off, controllers,
   * programs, parts and tunings reset, GS and XG mode left (the caller enters the new mode).
   */
  private resetGroups(group: number): void {
    const first = group === 0 ? 1 : group;
    const last = group === 0 ? this.channels.groups : Math.min(group, this.channels.groups);
    for (let g = first; g <= last; g++) {
      for (let m = 0; m < 16; m++) {
        const c = (g - 1) * 16 + m;
        this.allSoundOff(c);
        resetChannel(this.channels, c, true);
      }
      this.channels.gsMode[g - 1] = 0;
      this.channels.xgMode[g - 1] = 0;
      this.channels.rxMoved[g - 1] = 0;
    }
    this.masterVolume = 127;
  }

  /** Silences every voice immediately (state change out of RUN). */
  killAll(): void {
    for (let i = this.activeCount - 1; i >= 0; i--) this.removeActive(i);
  }

  // ------------------------------------------------------------------ voice allocation

  private fadeVoice(v: number): void {
    if (!this.pool.isFading(v)) {
      this.pool.fade(v);
      this.sounding--;
    }
  }

  private removeActive(i: number): void {
    const v = this.activeList[i];
    if (!this.pool.isFading(v)) this.sounding--;
    this.pool.free(v);
    this.activeList[i] = this.activeList[--this.activeCount];
    this.freeList[this.freeCount++] = v;
  }

  /**
   * A free voice for channel c. At the voice limit, steals the sounding voice with the lowest
   * channel priority, the oldest among equals (§7.6); it fades out in ~1 ms from the extra pool.
   * Returns -1 (note lost) if every sounding voice outranks the new note's channel.
   */
  private allocVoice(c: number): number {
    const pool = this.pool;
    if (this.sounding >= this.voiceLimit) {
      const prio = this.channels.priority;
      let victim = -1;
      let vp = 0;
      let va = 0;
      for (let i = 0; i < this.activeCount; i++) {
        const v = this.activeList[i];
        if (pool.isFading(v)) continue;
        const p = prio[pool.chan[v]];
        const a = pool.age[v];
        if (victim < 0 || p < vp || (p === vp && a < va)) {
          victim = v;
          vp = p;
          va = a;
        }
      }
      if (victim < 0 || vp > prio[c]) return -1;
      this.fadeVoice(victim);
      this.stats.stolenVoices++;
      this.stats.lostNotes++;
    }
    if (this.freeCount === 0) {
      // The extra pool is full of fading voices: cut the one closest to silence.
      let best = -1;
      let bestLeft = 0;
      for (let i = 0; i < this.activeCount; i++) {
        const v = this.activeList[i];
        const left = pool.fadeLeft[v];
        if (left > 0 && (best < 0 || left < bestLeft)) {
          best = i;
          bestLeft = left;
        }
      }
      if (best < 0) return -1;
      this.removeActive(best);
    }
    return this.freeList[--this.freeCount];
  }
}
