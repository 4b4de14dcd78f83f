/**
 * The SF3 import on a real bank: Debian's TimGM6mb.sf2 (136 presets, 520 samples, stereo pairs,
 * loops) made into an SF3 the way MuseScore does it (tests/helpers/sf3-encode.ts, oggenc at
 * quality 4). The SF3 must hold the same instruments, regions and wave lengths as the SF2, and a
 * song rendered with it must sound like the same song rendered with the SF2: same loudness
 * envelope, same level (Vorbis is lossy, so not the same samples).
 * Needs oggenc and the bank (apt-get install vorbis-tools timgm6mb-soundfont; .ci/run does).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waveFrames } from '../../../engine/dls/collection.js';
import { loadBank } from '../../../engine/dls/load-bank.js';
import { renderSongToWav } from '../../../engine/host/offline-render.js';
import { encodeSmf, readSmf, type SmfWriteEvent } from '../../../engine/midi/smf.js';
import { envelope, rms } from '../../helpers/audio-analysis.js';
import { TIMGM6MB_SF2 } from '../../helpers/dls-fixtures.js';
import { haveOggenc, sf2ToSf3 } from '../../helpers/sf3-encode.js';

const ready = existsSync(TIMGM6MB_SF2) && haveOggenc();
if (!ready) console.warn(`SF3 real-bank test skipped: needs oggenc and ${TIMGM6MB_SF2} (apt-get install vorbis-tools timgm6mb-soundfont)`);

const msg = (tick: number, ...b: number[]): SmfWriteEvent => ({ tick, kind: 'channel', data: Uint8Array.from(b) });

/** 8 s: piano chords, a bass line, strings (stereo samples), a lead and drums. */
function song(): Uint8Array {
  const ev: SmfWriteEvent[] = [msg(0, 0xc0, 0), msg(0, 0xc1, 33), msg(0, 0xc2, 48), msg(0, 0xc3, 81)];
  const chords = [
    [60, 64, 67],
    [57, 60, 64],
    [53, 57, 60],
    [55, 59, 62],
  ];
  for (let bar = 0; bar < 4; bar++) {
    const t = bar * 1920;
    const c = chords[bar];
    for (const k of c) ev.push(msg(t, 0x90, k, 90), msg(t + 1800, 0x80, k, 0));
    for (const k of c) ev.push(msg(t, 0x92, k - 12, 60), msg(t + 1900, 0x82, k - 12, 0));
    for (let b = 0; b < 4; b++) ev.push(msg(t + 480 * b, 0x91, c[0] - 24, 100), msg(t + 480 * b + 400, 0x81, c[0] - 24, 0));
    for (let b = 0; b < 8; b++) ev.push(msg(t + 240 * b, 0x93, c[b % 3] + 12, 80), msg(t + 240 * b + 200, 0x83, c[b % 3] + 12, 0));
    for (let b = 0; b < 8; b++) ev.push(msg(t + 240 * b, 0x99, b % 2 ? 38 : 36, 100), msg(t + 240 * b + 60, 0x89, b % 2 ? 38 : 36, 0));
  }
  return encodeSmf({ format: 0, ticksPerQuarter: 480, tracks: [{ events: ev }] });
}

function left(path: string): Float32Array {
  const b = readFileSync(path);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Float32Array.from({ length: (b.length - 44) >> 2 }, (_, i) => v.getInt16(44 + 4 * i, true) / 32768);
}

function correlation(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe.skipIf(!ready)('SF3 import on a real bank (TimGM6mb as SF3)', () => {
  it('holds what the SF2 holds and a song sounds the same with it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-sf3-real-'));
    const sf2Bytes = new Uint8Array(readFileSync(TIMGM6MB_SF2));
    const sf3 = sf2ToSf3(sf2Bytes);
    expect(sf3.bytes.length).toBeLessThan(sf2Bytes.length * 0.7);
    const a = await loadBank(sf2Bytes);
    const b = await loadBank(sf3.bytes);
    expect(b.format).toBe('SF3');
    expect(b.collection.instruments.map((i) => [i.locale.ulBank, i.locale.ulInstrument, i.regions.length])).toEqual(a.collection.instruments.map((i) => [i.locale.ulBank, i.locale.ulInstrument, i.regions.length]));
    expect(b.collection.waves.map((w) => waveFrames(w))).toEqual(a.collection.waves.map((w) => waveFrames(w)));

    const songPath = join(dir, 'song.mid');
    writeFileSync(songPath, song());
    const sf3Path = join(dir, 'TimGM6mb.sf3');
    writeFileSync(sf3Path, sf3.bytes);
    const s = readSmf(song());
    await renderSongToWav({ song: s, bankPath: TIMGM6MB_SF2, out: join(dir, 'sf2.wav'), sampleRate: 48000, tailSeconds: 0.5 });
    await renderSongToWav({ song: s, bankPath: sf3Path, out: join(dir, 'sf3.wav'), sampleRate: 48000, tailSeconds: 0.5 });
    const x = left(join(dir, 'sf2.wav'));
    const y = left(join(dir, 'sf3.wav'));
    expect(y.length).toBe(x.length);
    expect(rms(x)).toBeGreaterThan(0.02);
    // Same loudness over time (10 ms windows) and the same level to within 0.3 dB (measured: 0.9998, 0.05 dB, difference -23 dB).
    expect(correlation(envelope(x, 480), envelope(y, 480))).toBeGreaterThan(0.995);
    expect(Math.abs(20 * Math.log10(rms(y) / rms(x)))).toBeLessThan(0.3);
    // The difference is coding noise, well below the music.
    const d = Float32Array.from(x, (v, i) => v - y[i]);
    expect(20 * Math.log10(rms(d) / rms(x))).toBeLessThan(-18);
  });
});
