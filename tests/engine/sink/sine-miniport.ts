/**
 * A fake miniport for the wave sink tests (IMiniportDMus + ISynthSinkDMus): each render stream is
 * a one-voice sine synth whose output is known exactly.
 *
 * - `continuous`: the stream always sounds a sine of that frequency and amplitude, phase 0 at
 *   sample position 0 (so any block can be checked against the formula).
 * - note-on (0x9n, velocity > 0): a sine of the note's frequency, amplitude `noteAmplitude`·vel/127,
 *   starting at the event's own sample (refTimeToSample of its presentation time), or at the start
 *   of the block being rendered if that time is already past; note-off stops it at its sample.
 *   With schedulePreFetch = one block or more the events arrive early and the onset is sample-exact.
 * Render allocates nothing; events go back to the allocator when read.
 */
import type { Allocator } from '../../../engine/dmus/allocator.js';
import { refTimeToSample, sampleToRefTime } from '../../../engine/dmus/clocks.js';
import { NULL_EVENT } from '../../../engine/dmus/kernel-event.js';
import type { IMiniportDMus, ISynthSinkDMus, MiniportStream, NewStreamArgs } from '../../../engine/dmus/miniport.js';
import { KSSTATE, MxfFilter } from '../../../engine/dmus/mxf.js';

export interface SineMiniportOptions {
  continuous?: { freq: number; amp: number };
  noteAmplitude?: number;
  schedulePreFetch?: number;
}

const PENDING = 64;

export class SineStream extends MxfFilter implements ISynthSinkDMus {
  readonly rate: number;
  continuousFreq = 0;
  continuousAmp = 0;
  noteAmplitude: number;
  /** Sample positions at which events were handed to this stream (the service routine's timing). */
  readonly arrivals = new Float64Array(1024);
  arrivalCount = 0;
  renderCalls = 0;
  lastRenderPosition = -1;
  /** Sample position of the block being rendered (events in the past start here). */
  private position = 0;
  private freq = 0;
  private amp = 0;
  private start = Number.POSITIVE_INFINITY;
  private stop = Number.POSITIVE_INFINITY;
  // Pending note changes: sample, kind (1 on, 0 off), freq, amp.
  private readonly pSample = new Float64Array(PENDING);
  private readonly pKind = new Uint8Array(PENDING);
  private readonly pFreq = new Float64Array(PENDING);
  private readonly pAmp = new Float64Array(PENDING);
  private pending = 0;

  constructor(allocator: Allocator, rate: number, noteAmplitude: number) {
    super(allocator);
    this.rate = rate;
    this.noteAmplitude = noteAmplitude;
  }

  putMessage(e: number): void {
    const a = this.allocator;
    let x = e;
    while (x !== NULL_EVENT) {
      const f = a.fields;
      if (this.arrivalCount < this.arrivals.length) this.arrivals[this.arrivalCount++] = this.position;
      const status = a.byteAt(x, 0) & 0xf0;
      const key = a.byteAt(x, 1);
      const vel = a.byteAt(x, 2);
      const sample = Math.max(this.position, refTimeToSample(f.ullPresTime100ns[x], this.rate));
      if (this.pending < PENDING && (status === 0x90 || status === 0x80)) {
        const on = status === 0x90 && vel > 0;
        const i = this.pending++;
        this.pSample[i] = sample;
        this.pKind[i] = on ? 1 : 0;
        this.pFreq[i] = 440 * 2 ** ((key - 69) / 12);
        this.pAmp[i] = (this.noteAmplitude * vel) / 127;
      }
      x = f.pNextEvt[x];
    }
    a.putMessage(e);
  }

  render(left: Float32Array, right: Float32Array, offset: number, frames: number, samplePosition: number): void {
    this.renderCalls++;
    this.lastRenderPosition = samplePosition;
    const w = (2 * Math.PI) / this.rate;
    for (let i = 0; i < frames; i++) {
      const s = samplePosition + i;
      // Apply pending changes due at this sample (few; linear scan is fine in a test).
      for (let k = 0; k < this.pending; k++) {
        if (this.pSample[k] <= s) {
          if (this.pKind[k] === 1) {
            this.start = this.pSample[k];
            this.stop = Number.POSITIVE_INFINITY;
            this.freq = this.pFreq[k];
            this.amp = this.pAmp[k];
          } else {
            this.stop = this.pSample[k];
          }
          this.pending--;
          this.pSample[k] = this.pSample[this.pending];
          this.pKind[k] = this.pKind[this.pending];
          this.pFreq[k] = this.pFreq[this.pending];
          this.pAmp[k] = this.pAmp[this.pending];
          k--;
        }
      }
      let v = this.continuousAmp * Math.sin(w * this.continuousFreq * s);
      if (s >= this.start && s < this.stop) v += this.amp * Math.sin(w * this.freq * (s - this.start));
      left[offset + i] = v;
      right[offset + i] = v;
    }
    this.position = samplePosition + frames;
  }

  syncToMaster(): void {}
  sampleToRefTime(sample: number): number {
    return sampleToRefTime(sample, this.rate);
  }
  refTimeToSample(rt: number): number {
    return refTimeToSample(rt, this.rate);
  }
}

export class SineMiniport implements IMiniportDMus {
  readonly name = 'sine test miniport';
  readonly streams: SineStream[] = [];
  readonly options: SineMiniportOptions;
  constructor(options: SineMiniportOptions = {}) {
    this.options = options;
  }
  newStream(args: NewStreamArgs): MiniportStream {
    const s = new SineStream(args.allocator, args.sampleRate, this.options.noteAmplitude ?? 0.5);
    if (this.options.continuous) {
      s.continuousFreq = this.options.continuous.freq;
      s.continuousAmp = this.options.continuous.amp;
    }
    this.streams.push(s);
    return { mxf: s, sink: s, schedulePreFetch: this.options.schedulePreFetch ?? 0, close: () => s.setState(KSSTATE.STOP) };
  }
}
