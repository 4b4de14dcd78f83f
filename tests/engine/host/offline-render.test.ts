/**
 * Offline render through the whole stack (SMF -> IRPs -> unpacker -> sequencer -> synth -> wave
 * sink -> WAV): a song on two channel groups (port meta events) plays both groups, the render is
 * deterministic, and the notes start where the song says.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli.js';
import { renderSongToWav } from '../../../engine/host/offline-render.js';
import { readSmf, writeSmf } from '../../../engine/midi/smf.js';

const dir = mkdtempSync(join(tmpdir(), 'dmus-render-'));

/** 16-bit stereo WAV -> left channel floats. */
function readWavLeft(path: string): { rate: number; left: Float32Array } {
  const b = readFileSync(path);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rate = v.getUint32(24, true);
  let o = 12;
  while (String.fromCharCode(...b.subarray(o, o + 4)) !== 'data') o += 8 + v.getUint32(o + 4, true);
  const n = v.getUint32(o + 4, true) / 4;
  const left = new Float32Array(n);
  for (let i = 0; i < n; i++) left[i] = v.getInt16(o + 8 + i * 4, true) / 32768;
  return { rate, left };
}

function firstOnset(x: Float32Array, from = 0, threshold = 0.01): number {
  for (let i = from; i < x.length; i++) if (Math.abs(x[i]) > threshold) return i;
  return -1;
}

describe('offline render (dmus render)', () => {
  // Group 1: a note at 0.5 s; group 2 (port 1): a note at 1.0 s on the SAME MIDI channel.
  const smf = writeSmf([
    { time: 5_000_000, group: 1, data: Uint8Array.of(0x90, 60, 110) },
    { time: 7_000_000, group: 1, data: Uint8Array.of(0x80, 60, 0) },
    { time: 10_000_000, group: 2, data: Uint8Array.of(0x90, 72, 110) },
    { time: 12_000_000, group: 2, data: Uint8Array.of(0x80, 72, 0) },
  ]);
  const songPath = join(dir, 'two-groups.mid');
  writeFileSync(songPath, smf);

  it('plays both channel groups, each note at its time, deterministically', async () => {
    const song = readSmf(smf);
    expect(song.channelGroups).toEqual([1, 2]);
    const a = join(dir, 'a.wav');
    const b = join(dir, 'b.wav');
    const ra = await renderSongToWav({ song, out: a, sampleRate: 48000, tailSeconds: 0.5 });
    await renderSongToWav({ song, out: b, sampleRate: 48000, tailSeconds: 0.5 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(ra.lostNotes).toBe(0);
    const { rate, left } = readWavLeft(a);
    expect(rate).toBe(48000);
    expect(left.length).toBe(Math.ceil(1.7 * 48000));
    // Silence before the first note, then sound from 0.5 s; the group-2 note comes in at 1.0 s.
    const on1 = firstOnset(left);
    expect(on1).toBeGreaterThanOrEqual(24000);
    expect(on1).toBeLessThan(24000 + 480);
    // Between the first note's release tail and the second note, find the second onset by energy rise.
    const energy = (from: number, n: number) => {
      let s = 0;
      for (let i = from; i < from + n; i++) s += left[i] * left[i];
      return s / n;
    };
    expect(energy(48000, 2400)).toBeGreaterThan(energy(46000, 1900) * 2);
  });

  it('reports the peak of what it wrote (float WAV: the largest |sample| in the file)', async () => {
    const song = readSmf(smf);
    const out = join(dir, 'peak.wav');
    const r = await renderSongToWav({ song, out, sampleRate: 48000, tailSeconds: 0.5, format: 'float32' });
    const b = readFileSync(out);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let o = 12;
    while (String.fromCharCode(...b.subarray(o, o + 4)) !== 'data') o += 8 + v.getUint32(o + 4, true);
    let peak = 0;
    for (let p = o + 8; p + 4 <= o + 8 + v.getUint32(o + 4, true); p += 4) peak = Math.max(peak, Math.abs(v.getFloat32(p, true)));
    expect(peak).toBeGreaterThan(0.01);
    expect(r.peak).toBe(peak);
  });

  it('the command writes the file and reports; bad input exits non-zero with the error', async () => {
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) };
    const wav = join(dir, 'cli.wav');
    expect(await main(['render', songPath, '--out', wav, '--rate', '44100'], io)).toBe(0);
    expect(out).toMatch(/44100 Hz.*0 notes lost/);
    expect(readWavLeft(wav).rate).toBe(44100);
    const bad = join(dir, 'bad.mid');
    writeFileSync(bad, Uint8Array.of(0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1));
    expect(await main(['render', bad, '--out', join(dir, 'x.wav')], io)).toBe(1);
    expect(err).toMatch(/dmus render: /);
    expect(await main(['render', songPath], io)).toBe(2);
  });

  it('the installed bin renders from its bundle the same bytes as from the modules, and ignores a stale bundle', () => {
    const bundle = 'dist/engine/bundle/render-main.js';
    const source = 'dist/engine/cli/render-main.js';
    // `npm run build:engine` (and so `npm ci`) makes the bundle after tsc.
    expect(existsSync(bundle)).toBe(true);
    const run = (out: string, env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['bin/dmus.mjs', 'render', songPath, '--out', out, '--quiet'], { encoding: 'utf8', env: { ...process.env, ...env } });
    const a = run(join(dir, 'bundled.wav'));
    const b = run(join(dir, 'modules.wav'), { DMUS_NO_BUNDLE: '1' });
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(a.stdout).toMatch(/0 notes lost/);
    expect(readFileSync(join(dir, 'bundled.wav')).equals(readFileSync(join(dir, 'modules.wav')))).toBe(true);
    // Errors and exit codes are the same through either path.
    const bad = spawnSync(process.execPath, ['bin/dmus.mjs', 'render', join(dir, 'missing.mid'), '--out', join(dir, 'y.wav')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^dmus render: .*missing\.mid/);
    expect(spawnSync(process.execPath, ['bin/dmus.mjs', 'render'], { encoding: 'utf8' }).status).toBe(2);
    // In a copy of the install whose bundle is broken: a bundle newer than all its modules is what
    // runs (its error shows); one older than any of them (tsc run on its own after a change) is not.
    const root = mkdtempSync(join(tmpdir(), 'dmus-bin-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist/engine/bundle'), { recursive: true });
    copyFileSync('bin/dmus.mjs', join(root, 'bin/dmus.mjs'));
    for (const name of readdirSync('dist/engine')) if (name !== 'bundle') symlinkSync(resolve('dist/engine', name), join(root, 'dist/engine', name));
    // The list of bundled modules, checked against the bundle's age.
    const modules = JSON.parse(readFileSync('dist/engine/bundle/modules.json', 'utf8')) as string[];
    expect(modules).toContain('synth/voices.rt.js');
    copyFileSync('dist/engine/bundle/modules.json', join(root, 'dist/engine/bundle/modules.json'));
    const broken = join(root, 'dist/engine/bundle/render-main.js');
    writeFileSync(broken, "throw new Error('broken bundle ran');\n");
    const runCopy = (out: string) => spawnSync(process.execPath, [join(root, 'bin/dmus.mjs'), 'render', songPath, '--out', out, '--quiet'], { encoding: 'utf8' });
    const fresh = runCopy(join(root, 'fresh.wav'));
    expect(fresh.status).not.toBe(0);
    expect(fresh.stderr).toMatch(/broken bundle ran/);
    // Older than one of its modules (here all of them): not used.
    const t = statSync(source).mtime.getTime() - 60_000;
    utimesSync(broken, new Date(t), new Date(t));
    const stale = runCopy(join(root, 'stale.wav'));
    expect(stale.stderr).not.toMatch(/broken bundle ran/);
    expect(stale.status).toBe(0);
    expect(readFileSync(join(root, 'stale.wav')).equals(readFileSync(join(dir, 'modules.wav')))).toBe(true);
    // Fresh again but without its list of modules: not used either.
    utimesSync(broken, new Date(), new Date());
    writeFileSync(join(root, 'dist/engine/bundle/modules.json'), 'not json');
    expect(runCopy(join(root, 'nolist.wav')).status).toBe(0);
  });
});
