/**
 * engine/host/song-programs.ts: the offline render downloads only the instruments a song can
 * select. Checked as a musician would notice it: the WAV is the same, byte for byte, as with the
 * whole bank downloaded, while far fewer instruments (and waves) are converted.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSessionToWav } from '../../../engine/host/offline-render.js';
import { Session } from '../../../engine/host/session.js';
import { programsUsedBy } from '../../../engine/host/song-programs.js';
import { encodeSmf, readSmf, type SmfWriteEvent } from '../../../engine/midi/smf.js';
import { GEN } from '../../../engine/dls/sf2/sf2-to-dls.js';
import { BUILTIN_BANK } from '../../helpers/corpus.js';
import { buildSf2 } from '../../helpers/dls-sf2-builder.js';

const msg = (tick: number, ...bytes: number[]): SmfWriteEvent => ({ tick, kind: 'channel', data: Uint8Array.from(bytes) });

/** Two groups: a bank-selected program that the bank lacks (falls back to bank 0), drums, a lead. */
function song(): Uint8Array {
  const g1: SmfWriteEvent[] = [msg(0, 0xb0, 0, 8), msg(0, 0xc0, 24), msg(0, 0xc1, 33), msg(0, 0xc9, 0)];
  const g2: SmfWriteEvent[] = [msg(0, 0xc0, 81), msg(480, 0xc0, 48)];
  for (let b = 0; b < 8; b++) {
    const t = b * 240;
    g1.push(msg(t, 0x90, 60 + (b % 5), 90), msg(t + 200, 0x80, 60 + (b % 5), 0));
    g1.push(msg(t, 0x91, 36 + b, 100), msg(t + 220, 0x81, 36 + b, 0));
    g1.push(msg(t, 0x99, b % 2 ? 38 : 36, 110), msg(t + 60, 0x89, b % 2 ? 38 : 36, 0));
    g2.push(msg(t, 0x90, 72 + b, 80), msg(t + 120, 0x80, 72 + b, 0));
  }
  return encodeSmf({
    format: 1,
    ticksPerQuarter: 480,
    tracks: [
      { port: 0, events: g1 },
      { port: 1, events: g2 },
    ],
  });
}

/** A small SoundFont: a looped saw-like wave on programs 0, 24, 33, 48, 81 and 100 (unused), and a kit. */
function sf2(): Uint8Array {
  const saw = Int16Array.from({ length: 400 }, (_, i) => ((i * 163) % 400) * 60 - 12000);
  const presets = [0, 24, 33, 48, 81, 100].map((program, k) => ({ name: `P${program}`, preset: program, bank: 0, zones: [{ gens: [{ oper: GEN.instrument, amount: k % 2 }] }] }));
  return buildSf2({
    samples: [
      { name: 'saw', frames: saw, loop: [40, 360], pitch: 60 },
      { name: 'hit', frames: Int16Array.from({ length: 2000 }, (_, i) => Math.round(20000 * Math.exp(-i / 300) * Math.sin(i * 0.3))), pitch: 60 },
    ],
    instruments: [
      { name: 'Saw', zones: [{ gens: [{ oper: GEN.sampleModes, amount: 1 }, { oper: GEN.sampleID, amount: 0 }] }] },
      { name: 'Saw2', zones: [{ gens: [{ oper: GEN.sampleModes, amount: 1 }, { oper: GEN.coarseTune, amount: 7 }, { oper: GEN.sampleID, amount: 0 }] }] },
      { name: 'Hit', zones: [{ gens: [{ oper: GEN.sampleID, amount: 1 }] }] },
    ],
    presets: [...presets, { name: 'Kit', preset: 0, bank: 128, zones: [{ gens: [{ oper: GEN.instrument, amount: 2 }] }] }],
  });
}

async function render(out: string, whole: boolean, bank = BUILTIN_BANK, smf = song()): Promise<{ instruments: number; bytes: Buffer }> {
  const s = readSmf(smf);
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  await session.setAudioSettings({ sampleRate: 48000, bufferFrames: 256 });
  await session.start();
  try {
    const pin = session.createPin({ name: 'render' });
    session.setChannelGroups({ pinId: pin.id, groups: 2 });
    const programs = whole ? null : programsUsedBy(s);
    const c = await session.loadCollection({ path: bank }, programs);
    const info = whole ? session.downloadCollection({ pinId: pin.id, collectionId: c.id }) : session.downloadPrograms({ pinId: pin.id, collectionId: c.id, programs });
    await renderSessionToWav(session, { pinId: pin.id, song: s, out, seconds: 3 });
    return { instruments: info.downloads.filter((d) => d.kind === 'instrument').length, bytes: readFileSync(out) };
  } finally {
    await session.close();
  }
}

/** Peak of a 16-bit WAV's samples (after the 44-byte header the WAV sink writes). */
function peakOf(wav: Buffer): number {
  const pcm = new Int16Array(wav.buffer, wav.byteOffset + 44, (wav.length - 44) >> 1);
  let peak = 0;
  for (const x of pcm) peak = Math.max(peak, Math.abs(x));
  return peak;
}

describe('programsUsedBy', () => {
  const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);

  it('lists, per kind, 0 and every program a program change selects, on any channel and group', () => {
    const f = programsUsedBy(readSmf(song()));
    if (f === null || !('melodic' in f)) throw new Error('expected programs per kind');
    expect(sorted(f.melodic)).toEqual([0, 24, 33, 48, 81]);
    // Channel 10 plays notes (kit 0) and selects program 0.
    expect(sorted(f.drums)).toEqual([0]);
  });

  it('a song with no notes on channel 10 needs no drum kit; one without melodic notes no melodic program 0', () => {
    const piano = encodeSmf({ format: 0, ticksPerQuarter: 480, tracks: [{ events: [msg(0, 0x90, 60, 100), msg(240, 0x80, 60, 0), msg(240, 0xc1, 5)] }] });
    const f = programsUsedBy(readSmf(piano));
    if (f === null || !('melodic' in f)) throw new Error('expected programs per kind');
    expect(sorted(f.melodic)).toEqual([0, 5]);
    expect(sorted(f.drums)).toEqual([]);
    const kit = encodeSmf({ format: 0, ticksPerQuarter: 480, tracks: [{ events: [msg(0, 0xc9, 25), msg(0, 0x99, 36, 100), msg(240, 0x89, 36, 0)] }] });
    const k = programsUsedBy(readSmf(kit));
    if (k === null || !('melodic' in k)) throw new Error('expected programs per kind');
    expect(sorted(k.melodic)).toEqual([]);
    expect(sorted(k.drums)).toEqual([0, 25]);
  });

  it('a song with SysEx (which could make any channel a drum channel) takes every program number of both kinds', () => {
    const bytes = encodeSmf({
      format: 0,
      ticksPerQuarter: 480,
      tracks: [{ events: [{ tick: 0, kind: 'sysex', data: Uint8Array.of(0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x11, 0x15, 0x02, 0x18, 0xf7) }, msg(0, 0xc1, 7), msg(10, 0x91, 60, 100)] }],
    });
    const f = programsUsedBy(readSmf(bytes));
    if (f === null || 'melodic' in f) throw new Error('expected one plain set');
    expect(sorted(f)).toEqual([0, 7]);
  });

  it('gives up (null: download everything) when raw F7 escape bytes could hide a program change', () => {
    const bytes = encodeSmf({ format: 0, ticksPerQuarter: 480, tracks: [{ events: [{ tick: 0, kind: 'escape', data: Uint8Array.of(0xc0, 5) }, msg(10, 0x90, 60, 100)] }] });
    expect(programsUsedBy(readSmf(bytes))).toBeNull();
  });

  it('renders the same WAV, byte for byte, as with the whole bank downloaded, from far fewer instruments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-programs-'));
    const whole = await render(join(dir, 'whole.wav'), true);
    const some = await render(join(dir, 'some.wav'), false);
    expect(whole.instruments).toBe(129);
    // Programs 0, 24, 33, 48, 81 melodic plus the standard kit (drum program 0).
    expect(some.instruments).toBe(6);
    expect(some.bytes.equals(whole.bytes)).toBe(true);
    // Not silence: the comparison is between two songs that sound.
    expect(peakOf(some.bytes)).toBeGreaterThan(3000);
  });

  it('an SF2 converted only for the song renders the same WAV as the whole SoundFont', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-programs-sf2-'));
    const bank = join(dir, 'small.sf2');
    writeFileSync(bank, sf2());
    const whole = await render(join(dir, 'whole.wav'), true, bank);
    const some = await render(join(dir, 'some.wav'), false, bank);
    expect(whole.instruments).toBe(7);
    expect(some.instruments).toBe(6); // program 100 is not converted
    expect(some.bytes.equals(whole.bytes)).toBe(true);
    expect(peakOf(some.bytes)).toBeGreaterThan(3000);
  });

  it('a piano piece downloads no kit from the SF2 and still renders the same WAV as the whole SoundFont', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-programs-piano-'));
    const bank = join(dir, 'small.sf2');
    writeFileSync(bank, sf2());
    const piano = encodeSmf({
      format: 0,
      ticksPerQuarter: 480,
      tracks: [{ events: [msg(0, 0xc0, 24), msg(0, 0x90, 60, 100), msg(0, 0x90, 64, 90), msg(600, 0x80, 60, 0), msg(600, 0x80, 64, 0), msg(600, 0x90, 67, 110), msg(1200, 0x80, 67, 0)] }],
    });
    const whole = await render(join(dir, 'whole.wav'), true, bank, piano);
    const some = await render(join(dir, 'some.wav'), false, bank, piano);
    expect(whole.instruments).toBe(7);
    expect(some.instruments).toBe(2); // programs 0 and 24, no kit
    expect(some.bytes.equals(whole.bytes)).toBe(true);
    expect(peakOf(some.bytes)).toBeGreaterThan(3000);
  });
});
