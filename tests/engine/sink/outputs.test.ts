import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { AudioOutputError, createAudioOutput, openWithFallback } from '../../../engine/sink/audio-output.js';
import { NullOutput } from '../../../engine/sink/null-output.js';
import { WavFileOutput, wavHeader } from '../../../engine/sink/wav-file-output.js';
import { WaveSink } from '../../../engine/sink/wave-sink.rt.js';
import { SineMiniport } from './sine-miniport.js';

const RATE = 48000;
const dir = mkdtempSync(join(tmpdir(), 'dmus-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sineSession(freq = 440, amp = 0.5, block = 128) {
  const mp = new SineMiniport({ continuous: { freq, amp } });
  const port = new PortDMus(mp, { sampleRate: RATE, maxFramesPerBlock: block });
  port.createRenderPin().setState(KSSTATE.RUN);
  const sink = new WaveSink(port);
  return { port, sink, pull: (l: Float32Array, r: Float32Array, n: number) => sink.renderBlock(l, r, n) };
}

function parseWav(b: Buffer) {
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.readUInt32LE(4)).toBe(b.length - 8);
  expect(b.toString('ascii', 8, 12)).toBe('WAVE');
  let off = 12;
  const chunks: Record<string, { off: number; size: number }> = {};
  while (off < b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    chunks[id] = { off: off + 8, size };
    off += 8 + size;
  }
  expect(off).toBe(b.length);
  const fmt = chunks['fmt '];
  return {
    tag: b.readUInt16LE(fmt.off),
    channels: b.readUInt16LE(fmt.off + 2),
    rate: b.readUInt32LE(fmt.off + 4),
    byteRate: b.readUInt32LE(fmt.off + 8),
    blockAlign: b.readUInt16LE(fmt.off + 12),
    bits: b.readUInt16LE(fmt.off + 14),
    fact: chunks.fact ? b.readUInt32LE(chunks.fact.off) : undefined,
    data: b.subarray(chunks.data.off, chunks.data.off + chunks.data.size),
  };
}

async function renderWav(path: string, format: 'pcm16' | 'float32', frames: number, block = 128) {
  const s = sineSession(440, 0.5, block);
  const out = new WavFileOutput({ path, format, totalFrames: frames });
  const fmt = await out.open({ sampleRate: RATE, framesPerBuffer: block, pull: s.pull });
  out.start();
  await out.stop();
  return { fmt, out, port: s.port };
}

describe('WavFileOutput', () => {
  it('writes a 16-bit PCM stereo WAV with correct sizes and samples; the clock advanced by the frames', async () => {
    const path = join(dir, 'a.wav');
    const frames = 48000 + 77; // not a whole number of blocks
    const { fmt, out, port } = await renderWav(path, 'pcm16', frames);
    expect(fmt).toMatchObject({ kind: 'wav-file', sampleRate: RATE, channels: 2, sampleFormat: 'pcm16', outputLatencyFrames: 0 });
    const w = parseWav(readFileSync(path));
    expect(w).toMatchObject({ tag: 1, channels: 2, rate: RATE, byteRate: RATE * 4, blockAlign: 4, bits: 16 });
    expect(w.data.length).toBe(frames * 4);
    expect(out.stats.framesPlayed).toBe(frames);
    expect(port.clock.samplePosition).toBe(frames);
    for (const i of [0, 1, 100, 12345, frames - 1]) {
      const want = Math.round(0.5 * Math.sin((2 * Math.PI * 440 * i) / RATE) * 32767);
      expect(Math.abs(w.data.readInt16LE(i * 4) - want)).toBeLessThanOrEqual(1);
      expect(w.data.readInt16LE(i * 4 + 2)).toBe(w.data.readInt16LE(i * 4));
    }
  });

  it('writes 32-bit float with a fact chunk; samples are the float mix', async () => {
    const path = join(dir, 'f.wav');
    await renderWav(path, 'float32', 1000);
    const w = parseWav(readFileSync(path));
    expect(w).toMatchObject({ tag: 3, channels: 2, blockAlign: 8, bits: 32, fact: 1000 });
    expect(w.data.length).toBe(8000);
    expect(w.data.readFloatLE(8 * 10)).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 440 * 10) / RATE), 6);
  });

  it('is deterministic: the same input gives identical bytes, whatever the block size', async () => {
    const a = join(dir, 'd1.wav');
    const b = join(dir, 'd2.wav');
    const c = join(dir, 'd3.wav');
    await renderWav(a, 'pcm16', 30_000);
    await renderWav(b, 'pcm16', 30_000);
    await renderWav(c, 'pcm16', 30_000, 100);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(true);
  });

  it('clamps 16-bit output and stops early with a valid header', async () => {
    const path = join(dir, 'clip.wav');
    const s = sineSession(440, 3, 128);
    const out = new WavFileOutput({ path, format: 'pcm16', totalFrames: 10_000_000 });
    await out.open({ sampleRate: RATE, framesPerBuffer: 128, pull: s.pull });
    out.start();
    await new Promise((r) => setTimeout(r, 30));
    await out.stop();
    const w = parseWav(readFileSync(path));
    const frames = w.data.length / 4;
    expect(frames).toBe(out.stats.framesPlayed);
    expect(frames).toBeGreaterThan(0);
    expect(frames).toBeLessThan(10_000_000);
    let max = 0;
    for (let i = 0; i < frames; i++) max = Math.max(max, w.data.readInt16LE(i * 4));
    expect(max).toBe(32767);
  });

  it('writes NaN and infinite samples as 0 and full scale in 16-bit PCM (the clamp lets NaN through to the integer store)', async () => {
    const path = join(dir, 'nan.wav');
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, -0.25, 2, -2, -0];
    const out = new WavFileOutput({ path, format: 'pcm16', totalFrames: values.length });
    await out.open({
      sampleRate: RATE,
      framesPerBuffer: values.length,
      pull: (l, r, n) => {
        for (let i = 0; i < n; i++) {
          l[i] = values[i];
          r[i] = -values[i];
        }
      },
    });
    out.start();
    await out.done;
    const w = parseWav(readFileSync(path));
    const left = values.map((_, i) => w.data.readInt16LE(i * 4));
    const right = values.map((_, i) => w.data.readInt16LE(i * 4 + 2));
    expect(left).toEqual([0, 32767, -32767, 16384, -8192, 32767, -32767, 0]);
    expect(right).toEqual([0, -32767, 32767, -16383, 8192, -32767, 32767, 0]);
  });

  it('wavHeader of an empty file is a valid WAV; an unwritable path is an IO AudioOutputError', async () => {
    const h = Buffer.from(wavHeader('pcm16', 44100, 0));
    expect(parseWav(h).data.length).toBe(0);
    const out = new WavFileOutput({ path: join(dir, 'no', 'such', 'dir.wav'), totalFrames: 1 });
    await expect(out.open({ sampleRate: RATE, framesPerBuffer: 128, pull: () => {} })).rejects.toMatchObject({ name: 'AudioOutputError', code: 'IO' });
  });
});

describe('NullOutput', () => {
  it('pulls in real time, drift-corrected, and keeps the master clock on the wall clock', async () => {
    const s = sineSession();
    const out = new NullOutput({ reason: 'test' });
    const fmt = await out.open({ sampleRate: RATE, framesPerBuffer: 128, pull: s.pull });
    expect(fmt.name).toMatch(/test/);
    const t0 = performance.now();
    out.start();
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (performance.now() - t0) / 1000;
    await out.stop();
    const expected = elapsed * RATE;
    // Rendered position = consumed + one block ahead, within a few blocks of timer jitter.
    expect(Math.abs(s.port.clock.samplePosition - expected)).toBeLessThan(6 * 128);
    expect(out.stats.pulls).toBe(s.port.clock.samplePosition / 128);
    const after = s.port.clock.samplePosition;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.port.clock.samplePosition).toBe(after); // stopped
  });

  it('catches up after a stall (counting an underrun); skips a stall longer than maxCatchUpMs', async () => {
    const s = sineSession();
    const out = new NullOutput({ maxCatchUpMs: 150 });
    await out.open({ sampleRate: RATE, framesPerBuffer: 128, pull: s.pull });
    const t0 = performance.now();
    out.start();
    await new Promise((r) => setTimeout(r, 50));
    const busy = (ms: number) => {
      const t = performance.now();
      while (performance.now() - t < ms);
    };
    const u0 = out.stats.underruns;
    busy(100); // caught up
    await new Promise((r) => setTimeout(r, 50));
    expect(out.stats.underruns).toBe(u0 + 1);
    const el1 = (performance.now() - t0) / 1000;
    expect(Math.abs(s.port.clock.samplePosition - el1 * RATE)).toBeLessThan(6 * 128);
    const u1 = out.stats.underruns;
    busy(400); // skipped: the clock slips by about 400 ms
    await new Promise((r) => setTimeout(r, 50));
    expect(out.stats.underruns).toBe(u1 + 1);
    const el2 = (performance.now() - t0) / 1000;
    const slip = el2 * RATE - s.port.clock.samplePosition;
    expect(slip).toBeGreaterThan(0.3 * RATE);
    expect(slip).toBeLessThan(0.45 * RATE);
    await out.stop();
  });
});

describe('audio-output factory', () => {
  it('creates backends lazily and falls back to the null output when the chosen one fails to open', async () => {
    const s = sineSession();
    const wav = await createAudioOutput({ kind: 'wav-file', path: join(dir, 'x.wav'), totalFrames: 10 });
    expect(wav.kind).toBe('wav-file');
    const r = await openWithFallback({ kind: 'wav-file', path: join(dir, 'missing', 'x.wav'), totalFrames: 10 }, { sampleRate: RATE, framesPerBuffer: 128, pull: s.pull });
    expect(r.output.kind).toBe('null');
    expect(r.fallback).toBeInstanceOf(AudioOutputError);
    expect(r.fallback?.code).toBe('IO');
    expect(r.format.name).toMatch(/IO: cannot write/);
    await r.output.stop();
  });
});
