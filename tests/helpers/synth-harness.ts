/**
 * Drives one SynthStream the way the port does: kernel events from an Allocator into stream.mxf,
 * audio out of stream.sink.render in blocks. Used by the synth tests and the benchmark.
 */
import { Allocator } from '../../engine/dmus/allocator.js';
import { SampleClock } from '../../engine/dmus/clocks.js';
import { DMUS_KEF, NULL_EVENT } from '../../engine/dmus/kernel-event.js';
import { DMUS_STREAM_TYPE } from '../../engine/dmus/miniport.js';
import { KSSTATE } from '../../engine/dmus/mxf.js';
import { SynthMiniport, type SynthMiniportOptions } from '../../engine/synth/miniport.js';
import type { SynthStream } from '../../engine/synth/stream.js';

export interface Harness {
  allocator: Allocator;
  clock: SampleClock;
  miniport: SynthMiniport;
  stream: SynthStream;
  rate: number;
  block: number;
  position: number;
}

export function makeHarness(opts: { rate?: number; block?: number; miniport?: SynthMiniport; options?: SynthMiniportOptions; allocator?: Allocator; run?: boolean } = {}): Harness {
  const rate = opts.rate ?? 48000;
  const block = opts.block ?? 256;
  const allocator = opts.allocator ?? new Allocator({ initialEvents: 8192, initialBuffers: 256 });
  const clock = new SampleClock(rate);
  // Effects off unless asked for: level and pitch measurements want the dry signal.
  const miniport = opts.miniport ?? new SynthMiniport(opts.options ?? { createReverb: null, createChorus: null });
  const stream = miniport.newStream({ pinId: 0, streamType: DMUS_STREAM_TYPE.MIDI_RENDER, allocator, masterClock: clock, sampleRate: rate, maxFramesPerBlock: block });
  if (opts.run !== false) stream.mxf.setState(KSSTATE.RUN);
  return { allocator, clock, miniport, stream, rate, block, position: 0 };
}

/** Reference time of a sample position (events due exactly at that sample). */
export const timeOfSample = (h: Harness, sample: number) => (sample * 10_000_000) / h.rate;

/** Builds a short event (not yet sent). */
export function shortEvent(h: Harness, time: number, group: number, bytes: number[]): number {
  const a = h.allocator;
  const e = a.getMessage();
  if (e === NULL_EVENT) throw new Error('allocator exhausted');
  a.setShortMessage(e, bytes[0], bytes[1] ?? 0, bytes[2] ?? 0, bytes.length);
  a.fields.ullPresTime100ns[e] = time;
  a.fields.usChannelGroup[e] = group;
  return e;
}

/** Sends a channel message at `time` (100 ns) to channel group `group`. */
export function send(h: Harness, time: number, group: number, ...bytes: number[]): void {
  h.stream.mxf.putMessage(shortEvent(h, time, group, bytes));
}

/** Sends a SysEx, split into INCOMPLETE chunks of `chunk` bytes (as the unpacker does for long ones). */
export function sendSysex(h: Harness, time: number, group: number, bytes: number[], chunk = 256): void {
  const a = h.allocator;
  const src = Uint8Array.from(bytes);
  for (let off = 0; off < src.length; off += chunk) {
    const len = Math.min(chunk, src.length - off);
    const e = a.getMessage();
    a.setData(e, src, off, len);
    a.fields.ullPresTime100ns[e] = time;
    a.fields.usChannelGroup[e] = group;
    if (off + len < src.length) a.fields.usFlags[e] = DMUS_KEF.EVENT_INCOMPLETE;
    h.stream.mxf.putMessage(e);
  }
}

/** Renders `frames` frames in blocks of h.block; returns the planar stereo output. */
export function renderFrames(h: Harness, frames: number): { L: Float32Array; R: Float32Array } {
  const L = new Float32Array(frames);
  const R = new Float32Array(frames);
  let done = 0;
  while (done < frames) {
    const n = Math.min(h.block, frames - done);
    h.stream.render(L, R, done, n, h.position);
    h.position += n;
    h.clock.advance(n);
    done += n;
  }
  return { L, R };
}

export const seconds = (h: Harness, s: number) => Math.round(s * h.rate);
