/**
 * DLS downloads into the miniport synth (reference §5): buffers built byte by byte in
 * tests/helpers/synth-downloads.ts are accepted; every kind of bad buffer is refused with its
 * DMUS_E_* code and the byte offset, and nothing already loaded is disturbed; wave reference
 * counting and pending unloads; notes naming unloaded instruments are ignored.
 */
import { describe, expect, it } from 'vitest';
import { DmusError } from '../../../engine/dmus/errors.js';
import { peak, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { assembleDownload, instrumentDownload, sineWave, tcRaw, to8bit, waveDownload } from '../../helpers/synth-downloads.js';
import { makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';

const sine1k = () => waveDownload(1, sineWave(480, 10), 48000);
const looped = (dlId: number, patch: number, waveDlId = 1) =>
  instrumentDownload({ dlId, patch, regions: [{ waveDlId, unityNote: 60, loop: { start: 0, length: 480 } }] });

function expectDmus(fn: () => unknown, code: string, where?: RegExp): DmusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DmusError);
    const d = e as DmusError;
    expect(d.code).toBe(code);
    if (where) expect(d.where ?? '').toMatch(where);
    return d;
  }
  throw new Error(`expected ${code}`);
}

function playsAt(h: ReturnType<typeof makeHarness>, key = 60, group = 1): number {
  send(h, 0, group, 0x90, key, 100);
  const { L } = renderFrames(h, 4800);
  send(h, 0, group, 0x80, key, 0);
  renderFrames(h, 4800);
  return peak(L) > 0.01 ? zeroCrossingFrequency(L, 48000, 500) : 0;
}

describe('DLS download parsing', () => {
  it('accepts a 16-bit wave and a DLS2 instrument, returns handles, Free = TRUE (the synth copied the bytes)', () => {
    const h = makeHarness();
    const buf = sine1k();
    const w = h.stream.node.download(buf);
    expect(w.free).toBe(true);
    buf.fill(0); // the caller's buffer is not ours: scribbling on it changes nothing
    const i = h.stream.node.download(looped(2, 0));
    expect(i.downloadHandle).not.toBe(w.downloadHandle);
    expect(playsAt(h)).toBeCloseTo(1000, 0);
  });

  it('accepts 8-bit unsigned PCM', () => {
    const h = makeHarness();
    h.stream.node.download(waveDownload(1, to8bit(sineWave(480, 10)), 48000));
    h.stream.node.download(looped(2, 0));
    expect(playsAt(h)).toBeCloseTo(1000, 0);
  });

  it('accepts a type-1 download with DMUS_ARTICPARAMS (DLS1 articulation converted to connections)', () => {
    const h = makeHarness();
    h.stream.node.download(sine1k());
    const zero = -0x80000000;
    // LFO(6) VolEG(6) PitchEG(7) Misc(1): a 50 ms attack, full sustain, 100 ms release, centre pan.
    const params = [0, zero, 0, 0, 0, 0, tcRaw(0.05), zero, 1000 * 65536, tcRaw(0.1), 0, 0, zero, zero, 1000 * 65536, zero, 0, 0, 0, 0];
    h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, articParams: params, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, 4800);
    // 50 ms linear attack: at 25 ms the level is about half of the level at 80 ms.
    const early = peak(L, 1100, 1300);
    const late = peak(L, 3800, 4000);
    expect(early / late).toBeGreaterThan(0.4);
    expect(early / late).toBeLessThan(0.6);
  });

  it('refuses a bad offset table with DMUS_E_BADOFFSETTABLE naming the byte', () => {
    const h = makeHarness();
    const b = sine1k();
    new DataView(b.buffer).setUint32(16, 12, true); // ulOffsetTable[0] points into the header
    expectDmus(() => h.stream.node.download(b), 'BADOFFSETTABLE', /byte 16/);
    const c = sine1k();
    new DataView(c.buffer).setUint32(20, 100000, true); // chunk 1 beyond cbSize
    expectDmus(() => h.stream.node.download(c), 'BADOFFSETTABLE', /byte 20/);
    const d = sine1k();
    new DataView(d.buffer).setUint32(12, d.length + 4, true); // cbSize larger than the buffer
    expectDmus(() => h.stream.node.download(d), 'BADOFFSETTABLE', /byte 12/);
    expectDmus(() => h.stream.node.download(new Uint8Array(10)), 'BADOFFSETTABLE', /byte 0/);
  });

  it('refuses non-PCM, non-mono and bad wave data sizes', () => {
    const h = makeHarness();
    expectDmus(() => h.stream.node.download(waveDownload(1, sineWave(64, 1), 48000, { formatTag: 3 })), 'NOTPCM', /byte 36/);
    expectDmus(() => h.stream.node.download(waveDownload(1, sineWave(64, 1), 48000, { channels: 2 })), 'NOTMONO', /byte 38/);
    const b = sine1k();
    const dataChunk = new DataView(b.buffer).getUint32(20, true);
    new DataView(b.buffer).setUint32(dataChunk, 1 << 20, true);
    expectDmus(() => h.stream.node.download(b), 'BADWAVE', new RegExp(`byte ${dataChunk}`));
  });

  it('refuses unknown and unsupported types, duplicate ids, bad wave links, bad articulations and instruments', () => {
    const h = makeHarness();
    h.stream.node.download(sine1k());
    expectDmus(() => h.stream.node.download(assembleDownload(9, 7, [new Uint8Array(32)])), 'UNKNOWNDOWNLOAD', /dwDLType/);
    for (const t of [4, 5, 6]) expectDmus(() => h.stream.node.download(assembleDownload(t, 7, [new Uint8Array(32)])), 'E_NOTIMPL');
    expectDmus(() => h.stream.node.download(sine1k()), 'ALREADY_DOWNLOADED', /byte 4/);
    const badLink = instrumentDownload({ dlId: 3, patch: 0, regions: [{ waveDlId: 99 }] });
    const e = expectDmus(() => h.stream.node.download(badLink), 'BADWAVELINK');
    expect(e.message).toMatch(/99/);
    const badArt = instrumentDownload({ dlId: 4, patch: 0, regions: [{ waveDlId: 1, art: [[{ src: 0, dst: 3, scale: 100 }]] }] });
    // CONNECTIONLIST.cbSize must be 8: find the list chunk (last chunk) and break it.
    const v = new DataView(badArt.buffer);
    const n = v.getUint32(8, true);
    const listOff = v.getUint32(16 + 4 * (n - 1), true);
    v.setUint32(listOff, 12, true);
    expectDmus(() => h.stream.node.download(badArt), 'BADARTICULATION', new RegExp(`byte ${listOff}`));
    const badKeys = instrumentDownload({ dlId: 5, patch: 0, regions: [{ waveDlId: 1, keyLow: 70, keyHigh: 60 }] });
    expectDmus(() => h.stream.node.download(badKeys), 'BADINSTRUMENT', /byte \d+/);
    const badLoop = instrumentDownload({ dlId: 6, patch: 0, regions: [{ waveDlId: 1, loop: { start: 5000, length: 10 } }] });
    expectDmus(() => h.stream.node.download(badLoop), 'BADINSTRUMENT', /byte \d+/);
  });

  it('a bad download never disturbs what is already loaded', () => {
    const h = makeHarness();
    h.stream.node.download(sine1k());
    h.stream.node.download(looped(2, 0));
    const before = h.stream.downloads.downloadCount;
    expectDmus(() => h.stream.node.download(instrumentDownload({ dlId: 3, patch: 0, regions: [{ waveDlId: 42 }] })), 'BADWAVELINK');
    expectDmus(() => h.stream.node.download(assembleDownload(2, 9, [new Uint8Array(4)])), 'BADWAVE');
    expect(h.stream.downloads.downloadCount).toBe(before);
    expect(playsAt(h)).toBeCloseTo(1000, 0);
    // The failed ids were not taken: they can be downloaded properly now.
    h.stream.node.download(waveDownload(9, sineWave(480, 20), 48000));
    h.stream.node.download(looped(3, 1, 9));
  });

  it('unload: instruments at once (later notes ignored), waves pending while instruments or voices use them', () => {
    const h = makeHarness();
    const w = h.stream.node.download(sine1k()).downloadHandle;
    const i = h.stream.node.download(looped(2, 0)).downloadHandle;
    expect(h.stream.node.unload(w)).toBe('pending'); // the instrument still links to it
    send(h, 0, 1, 0x90, 60, 100);
    renderFrames(h, 480);
    expect(h.stream.node.unload(i)).toBe('done');
    // The playing voice keeps the wave alive.
    expect(h.stream.downloads.isPending(w)).toBe(true);
    const { L } = renderFrames(h, 480);
    expect(peak(L)).toBeGreaterThan(0.1);
    send(h, 0, 1, 0x80, 60, 0);
    renderFrames(h, 4800);
    h.stream.node.compact();
    expect(h.stream.downloads.isPending(w)).toBe(false);
    // A note naming the unloaded instrument is ignored.
    send(h, 0, 1, 0x90, 60, 100);
    expect(peak(renderFrames(h, 960).L)).toBe(0);
    expectDmus(() => h.stream.node.unload(12345), 'E_FAIL'); // a handle nobody issued (reference §5.10)
  });

  it('hostile buffers cost bounded time: shared articulation chains are refused, a 100,000-connection list compiles in linear time', () => {
    const h = makeHarness();
    h.stream.node.download(sine1k());
    const u32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer).setUint32(o, v >>> 0, true);
    const region = (artIdx: number, next: number) => {
      const g = new Uint8Array(72);
      const v = new DataView(g.buffer);
      v.setUint16(2, 127, true);
      v.setUint16(6, 127, true);
      u32(g, 12, artIdx);
      u32(g, 16, next);
      u32(g, 32, 1); // wave id 1
      u32(g, 36, 20);
      v.setUint16(40, 60, true);
      u32(g, 52, 1); // one forward loop over the whole wave
      u32(g, 56, 16);
      u32(g, 68, 480);
      return g;
    };
    // 3000 regions, each starting at a different place of one 3000-long DMUS_ARTICULATION2 chain:
    // 4.5 M chain visits if walked region by region.
    const R = 3000;
    const chunks: Uint8Array[] = [new Uint8Array(24)];
    u32(chunks[0], 4, 1);
    for (let i = 0; i < R; i++) chunks.push(region(R + 1 + i, i + 1 < R ? i + 2 : 0));
    const list = new Uint8Array(20);
    u32(list, 0, 8);
    u32(list, 4, 1);
    for (let j = 0; j < R; j++) {
      const a = new Uint8Array(12);
      u32(a, 0, 2 * R + 1);
      u32(a, 8, j + 1 < R ? R + 2 + j : 0);
      chunks.push(a);
    }
    chunks.push(list);
    let t0 = performance.now();
    expectDmus(() => h.stream.node.download(assembleDownload(3, 2, chunks)), 'BADARTICULATION', /byte \d+/);
    expect(performance.now() - t0).toBeLessThan(500);
    // One region whose list holds 100,000 connections with distinct (source, control, destination).
    const C = 100_000;
    const big = new Uint8Array(8 + 12 * C);
    const v = new DataView(big.buffer);
    v.setUint32(0, 8, true);
    v.setUint32(4, C, true);
    for (let i = 0; i < C; i++) {
      v.setUint16(8 + 12 * i, 0x80 + (i & 0x7f), true);
      v.setUint16(10 + 12 * i, i >> 7, true);
      v.setUint16(12 + 12 * i, 0x0003, true); // PITCH, scale 0: compiled away
    }
    const art = new Uint8Array(12);
    u32(art, 0, 3);
    t0 = performance.now();
    h.stream.node.download(assembleDownload(3, 3, [chunks[0], region(2, 0), art, big]));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(playsAt(h)).toBeCloseTo(1000, 0);
  });
});
