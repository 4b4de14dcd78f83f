import { describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { METER, METER_STRIDE, WaveSink } from '../../../engine/sink/wave-sink.rt.js';
import { measureAllocations } from '../../helpers/no-alloc.js';
import { SineMiniport } from './sine-miniport.js';

const RATE = 48000;
const B = 128;

function setup(opts: { freqs?: number[]; amp?: number; prefetch?: number; block?: number } = {}) {
  const block = opts.block ?? B;
  // One miniport per pin so each pin can have its own continuous sine.
  const freqs = opts.freqs ?? [440];
  const mp = new SineMiniport({ continuous: { freq: freqs[0], amp: opts.amp ?? 0.25 }, schedulePreFetch: opts.prefetch ?? 0 });
  const port = new PortDMus(mp, { sampleRate: RATE, maxFramesPerBlock: block });
  const pins = freqs.map((f, i) => {
    const pin = port.createRenderPin(`P${i}`);
    mp.streams[i].continuousFreq = f;
    pin.setState(KSSTATE.RUN);
    return pin;
  });
  const sink = new WaveSink(port);
  return { mp, port, pins, sink };
}

const sine = (f: number, a: number, s: number) => a * Math.sin(((2 * Math.PI) / RATE) * f * s);

describe('WaveSink', () => {
  it('mixes two running pins sample-exactly and advances the master clock', () => {
    const { port, sink } = setup({ freqs: [440, 1000], amp: 0.25 });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    for (let b = 0; b < 10; b++) {
      const pos = port.clock.samplePosition;
      sink.renderBlock(l, r, B);
      for (let i = 0; i < B; i++) {
        const want = sine(440, 0.25, pos + i) + sine(1000, 0.25, pos + i);
        expect(l[i]).toBeCloseTo(want, 6);
        expect(r[i]).toBeCloseTo(want, 6);
      }
    }
    expect(port.clock.samplePosition).toBe(10 * B);
    expect(port.clock.getTime()).toBe(Math.round((10 * B * 1e7) / RATE));
  });

  it('overwrites the output buffers (no accumulation from the previous content)', () => {
    const { sink } = setup({ freqs: [440], amp: 0 });
    const l = new Float32Array(B).fill(7);
    const r = new Float32Array(B).fill(-7);
    sink.renderBlock(l, r, B);
    expect(Math.max(...l.map(Math.abs))).toBe(0);
    expect(Math.max(...r.map(Math.abs))).toBe(0);
  });

  it('ramps a gain change linearly over one block, then holds it', () => {
    const { port, pins, sink } = setup({ freqs: [440], amp: 0.5 });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    sink.renderBlock(l, r, B);
    sink.setGain(pins[0].id, 0.5);
    const pos = port.clock.samplePosition;
    sink.renderBlock(l, r, B);
    for (let i = 0; i < B; i++) {
      const g = 1 + ((0.5 - 1) * (i + 1)) / B;
      expect(l[i]).toBeCloseTo(g * sine(440, 0.5, pos + i), 5);
    }
    // Largest step between neighbouring samples stays small (no zipper jump).
    const pos2 = port.clock.samplePosition;
    sink.renderBlock(l, r, B);
    for (let i = 0; i < B; i++) expect(l[i]).toBeCloseTo(0.5 * sine(440, 0.5, pos2 + i), 5);
    expect(sink.getGain(pins[0].id)).toBe(0.5);
  });

  it('mute ramps to silence in one block; the muted pin keeps rendering (its time runs on)', () => {
    const { mp, pins, sink } = setup({ freqs: [440, 1000], amp: 0.25 });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    sink.renderBlock(l, r, B);
    sink.setMute(pins[1].id, true);
    sink.renderBlock(l, r, B); // ramp down
    const calls = mp.streams[1].renderCalls;
    sink.renderBlock(l, r, B);
    const slot = METER_STRIDE * (sink.slotOf(pins[1].id) + 1);
    expect(sink.meters[slot + METER.PEAK_L]).toBe(0);
    expect(mp.streams[1].renderCalls).toBe(calls + 1);
    expect(sink.isMuted(pins[1].id)).toBe(true);
    // Unmuted: back to the sum.
    sink.setMute(pins[1].id, false);
    sink.renderBlock(l, r, B);
    sink.renderBlock(l, r, B);
    expect(sink.meters[slot + METER.PEAK_L]).toBeGreaterThan(0.2);
  });

  it('a pin that is not RUNNING is not rendered and adds silence', () => {
    const { mp, pins, sink } = setup({ freqs: [440, 1000], amp: 0.25 });
    pins[1].setState(KSSTATE.PAUSE);
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    sink.renderBlock(l, r, B);
    expect(mp.streams[1].renderCalls).toBe(0);
    expect(l[10]).toBeCloseTo(sine(440, 0.25, 10), 6);
  });

  it('measures per-pin and master peaks, and a held peak that decays', () => {
    const { pins, sink } = setup({ freqs: [440, 1000], amp: 0.25 });
    sink.setGain(pins[1].id, 0.5);
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    for (let i = 0; i < 100; i++) sink.renderBlock(l, r, B); // > 1 period of 440 Hz
    const m = sink.meters;
    expect(m[METER_STRIDE * 1 + METER.PEAK_L]).toBeGreaterThan(0.24);
    expect(m[METER_STRIDE * 1 + METER.PEAK_L]).toBeLessThanOrEqual(0.25);
    expect(m[METER_STRIDE * 2 + METER.PEAK_L]).toBeLessThanOrEqual(0.125 + 1e-6);
    expect(m[METER.PEAK_L]).toBeLessThanOrEqual(0.375 + 1e-6);
    expect(m[METER.HELD_L]).toBeGreaterThan(0.3);
    expect(Array.from(sink.pinIds)).toEqual(pins.map((p) => p.id));
    // Silence the pins: the held peak falls by 20 dB in 1.5 s.
    sink.setMute(pins[0].id, true);
    sink.setMute(pins[1].id, true);
    const held0 = m[METER.HELD_L];
    const blocks = Math.round((1.5 * RATE) / B);
    for (let i = 0; i < blocks; i++) sink.renderBlock(l, r, B);
    expect(m[METER.PEAK_L]).toBe(0);
    expect(m[METER.HELD_L] / held0).toBeGreaterThan(0.08);
    expect(m[METER.HELD_L] / held0).toBeLessThan(0.12);
  });

  it('soft clip keeps a hot mix inside ±1 and leaves quiet samples untouched; none passes it on', () => {
    const { sink } = setup({ freqs: [100, 100, 100], amp: 0.6 });
    const l = new Float32Array(B * 4);
    const r = new Float32Array(B * 4);
    for (let i = 0; i < 10; i++) sink.renderBlock(l, r, B * 4);
    expect(sink.meters[METER.PEAK_L]).toBeGreaterThan(1.5);
    sink.clip = 'soft';
    let maxAbs = 0;
    for (let b = 0; b < 20; b++) {
      sink.renderBlock(l, r, B * 4);
      for (const x of l) maxAbs = Math.max(maxAbs, Math.abs(x));
    }
    expect(maxAbs).toBeLessThan(1);
    expect(maxAbs).toBeGreaterThan(0.95);
    const quiet = setup({ freqs: [440], amp: 0.5 });
    quiet.sink.clip = 'soft';
    const q = new Float32Array(B);
    quiet.sink.renderBlock(q, new Float32Array(B), B);
    for (let i = 0; i < B; i++) expect(q[i]).toBeCloseTo(sine(440, 0.5, i), 6);
  });

  it('one pin with the soft clip: blocks inside the knee pass as x, a block that crosses it is bent, sample for sample as the formula', () => {
    // The single-pin path takes a whole block in one loop only while every sample is at or below
    // the knee; a block with one sample past it must come out exactly as the general clip loop.
    for (const amp of [0.5, 0.79, 0.95]) {
      const { port, sink } = setup({ freqs: [440], amp });
      sink.clip = 'soft';
      const knee = sink.softClipKnee;
      const range = 1 - knee;
      const l = new Float32Array(B);
      const r = new Float32Array(B);
      let peak = 0;
      for (let b = 0; b < 40; b++) {
        const pos = port.clock.samplePosition;
        sink.renderBlock(l, r, B);
        let blockPeak = 0;
        for (let i = 0; i < B; i++) {
          let want = Math.fround(Math.fround(sine(440, amp, pos + i)));
          if (want > knee) want = Math.fround(knee + range * Math.tanh((want - knee) / range));
          else if (want < -knee) want = Math.fround(-knee - range * Math.tanh((-want - knee) / range));
          expect(l[i]).toBeCloseTo(want, 6);
          expect(r[i]).toBe(l[i]);
          blockPeak = Math.max(blockPeak, Math.abs(l[i]));
        }
        expect(sink.meters[METER.PEAK_L]).toBeCloseTo(blockPeak, 6);
        peak = Math.max(peak, blockPeak);
      }
      if (amp < knee) expect(peak).toBeCloseTo(amp, 3);
      else expect(peak).toBeLessThan(amp);
      expect(sink.takePeak()).toBeCloseTo(peak, 6);
    }
  });

  it('replaces non-finite samples by 0 and counts them', () => {
    const { mp, sink } = setup({ freqs: [440], amp: 0.5 });
    mp.streams[0].continuousAmp = Number.NaN;
    const l = new Float32Array(B);
    sink.renderBlock(l, new Float32Array(B), B);
    expect(l.every((x) => x === 0)).toBe(true);
    expect(sink.nonFiniteSamples).toBe(2 * B);
  });

  it('one non-finite sample in a block: only it becomes 0 (counted), the rest and the peaks as without it', () => {
    const clean = setup({ freqs: [440], amp: 0.5 });
    clean.mp.streams[0].continuousAmp = 0.5;
    const hit = setup({ freqs: [440], amp: 0.5 });
    hit.mp.streams[0].continuousAmp = 0.5;
    const stream = hit.mp.streams[0];
    const render = stream.render.bind(stream);
    stream.render = (left, right, offset, frames, pos) => {
      render(left, right, offset, frames, pos);
      left[offset + 5] = Number.NaN;
    };
    const a = new Float32Array(B);
    const b = new Float32Array(B);
    const ar = new Float32Array(B);
    const br = new Float32Array(B);
    for (let k = 0; k < 3; k++) {
      clean.sink.renderBlock(a, ar, B);
      hit.sink.renderBlock(b, br, B);
      expect(b[5]).toBe(0);
      for (let i = 0; i < B; i++) if (i !== 5) expect(b[i]).toBe(a[i]);
      expect(br).toEqual(ar);
      let peakL = 0;
      for (const x of b) peakL = Math.max(peakL, Math.abs(x));
      expect(hit.sink.meters[METER.PEAK_L]).toBe(peakL);
      expect(hit.sink.meters[METER.PEAK_R]).toBe(clean.sink.meters[METER.PEAK_R]);
    }
    expect(hit.sink.nonFiniteSamples).toBe(3);
    expect(clean.sink.nonFiniteSamples).toBe(0);
  });

  it('splits a request larger than maxFramesPerBlock, servicing once per chunk', () => {
    const { mp, port, sink } = setup({ freqs: [440], amp: 0.25, block: 64 });
    const l = new Float32Array(200);
    const r = new Float32Array(200);
    sink.renderBlock(l, r, 200);
    expect(mp.streams[0].renderCalls).toBe(4); // 64 + 64 + 64 + 8
    expect(port.clock.samplePosition).toBe(200);
    for (let i = 0; i < 200; i++) expect(l[i]).toBeCloseTo(sine(440, 0.25, i), 6);
  });

  it('services sample-accurately: an event is released at the first block that starts at or after its time', () => {
    const { mp, pins, port, sink } = setup({ freqs: [440], amp: 0 });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    const buf = new DirectMusicBuffer(64);
    // Note-on exactly at sample 5·B, note-off at 5·B + 1 (one sample later, so same block).
    buf.packStructured(port.clock.timeOfSample(5 * B), 1, 0x7f4590);
    buf.packStructured(port.clock.timeOfSample(7 * B + 1), 1, 0x004580);
    pins[0].write(buf.raw(), buf.getStartTime());
    const firstNonZero: number[] = [];
    for (let b = 0; b < 10; b++) {
      const pos = port.clock.samplePosition;
      sink.renderBlock(l, r, B);
      for (let i = 0; i < B; i++) if (l[i] !== 0) firstNonZero.push(pos + i);
    }
    const s = mp.streams[0];
    // Released by the notify at the start of block 5 and block 8 (7·B + 1 is due after 7·B).
    expect(Array.from(s.arrivals.subarray(0, s.arrivalCount))).toEqual([5 * B, 8 * B]);
    // Sound starts at 5·B + 1 (sin(0) = 0). Without prefetch the note-off (due at 7·B + 1) only
    // reaches the synth at the block starting 8·B, so the tone lasts to the end of block 7.
    expect(firstNonZero[0]).toBe(5 * B + 1);
    expect(firstNonZero.at(-1)).toBe(8 * B - 1);
  });

  it('with a prefetch the event reaches the synth early and sounds at its exact sample', () => {
    const { mp, pins, port, sink } = setup({ freqs: [440], amp: 0, prefetch: port48k(B) });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    const buf = new DirectMusicBuffer(64);
    const onset = 3 * B + 37;
    buf.packStructured(port.clock.timeOfSample(onset), 1, 0x7f4590);
    pins[0].write(buf.raw(), buf.getStartTime());
    let first = -1;
    for (let b = 0; b < 6; b++) {
      const pos = port.clock.samplePosition;
      sink.renderBlock(l, r, B);
      for (let i = 0; i < B; i++) if (first < 0 && l[i] !== 0) first = pos + i;
    }
    expect(mp.streams[0].arrivals[0]).toBe(3 * B); // released one block early
    expect(first).toBe(onset + 1); // sin(0) = 0 at the onset sample itself
  });

  it('keeps gain and mute of a pin across syncPins, and meters a pin created later', () => {
    const { port, pins, sink } = setup({ freqs: [440], amp: 0.25 });
    sink.setGain(pins[0].id, 0.3);
    const p2 = port.createRenderPin('late');
    p2.setState(KSSTATE.RUN);
    sink.setMute(p2.id, true);
    sink.syncPins();
    expect(sink.pinIds.length).toBe(2);
    expect(sink.meters.length).toBe(3 * METER_STRIDE);
    expect(sink.getGain(pins[0].id)).toBe(0.3);
    const l = new Float32Array(B);
    for (let i = 0; i < 50; i++) sink.renderBlock(l, new Float32Array(B), B);
    expect(sink.meters[2 * METER_STRIDE + METER.PEAK_L]).toBe(0);
    port.closePin(p2.id);
    sink.syncPins();
    expect(sink.pinIds.length).toBe(1);
  });

  it('allocates nothing per block', async () => {
    const { pins, sink } = setup({ freqs: [440, 1000, 220], amp: 0.2 });
    const l = new Float32Array(B);
    const r = new Float32Array(B);
    let k = 0;
    const step = () => {
      if ((k++ & 63) === 0) sink.setGain(pins[0].id, (k & 128) === 0 ? 0.5 : 1);
      sink.renderBlock(l, r, B);
    };
    // Exact method (tests/helpers/no-alloc.ts): every allocation below step() over 20,000 blocks.
    // Under 1 byte a block (20 KB in all: sampling noise and a late JIT compilation or two, once);
    // 16 bytes a block would be 320 KB. The sites say where, should it fail.
    const report = await measureAllocations(step, 20_000, 20_000);
    expect(report.bytes / report.iterations < 1 ? [] : report.sites).toEqual([]);
  });
});

function port48k(frames: number): number {
  return (frames * 1e7) / RATE;
}
