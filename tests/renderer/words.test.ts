// Words and numbers the musician reads: engine errors, MIDI monitor lines, meter scale, formats.
import { describe, expect, it } from 'vitest';
import { describeMidi } from '../../renderer/src/midi/midi-monitor.js';
import { meterPosition } from '../../renderer/src/meters/peak-meter.js';
import { friendlyError } from '../../renderer/store/errors.js';
import { formatBank, formatBytes, formatDb, formatTime } from '../../renderer/store/selectors.js';
import { expectedLatencyMs } from '../../renderer/store/slices/audio.js';
import { createTelemetry, HISTORY_LENGTH, recentMidi } from '../../renderer/store/telemetry.js';

describe('friendlyError', () => {
  it.each([
    [{ code: 'CLOSED', message: 'connection closed' }, "Couldn't play the note: the audio engine is not connected right now (it may be restarting)."],
    [{ code: 'DMUS_E_NOTPCM', message: 'wave 3 is ADPCM' }, "Couldn't load the bank: a sample in the bank is compressed, which this synth does not play."],
    [{ code: 'NOT_FOUND', message: 'no pin 4' }, "Couldn't load the bank: it is no longer there (another window may have removed it)."],
    [new Error('boom'), "Couldn't load the bank: boom."],
  ])('%j', (err, text) => {
    expect(friendlyError(err, text.startsWith("Couldn't play") ? 'play the note' : 'load the bank').text).toBe(text);
  });
  it('keeps the engine words and where as the detail', () => {
    expect(friendlyError({ code: 'DMUS_E_BADWAVE', message: 'bad fmt chunk', where: 'LIST(wvpl)/wave[3]/fmt ' }, 'open x').detail).toBe('bad fmt chunk (at LIST(wvpl)/wave[3]/fmt )');
  });
});

describe('formats', () => {
  it('describes MIDI messages', () => {
    expect(describeMidi([0x91, 61, 0])).toBe('ch 2  Note off  C#4 (61) vel 0');
    expect(describeMidi([0xb0, 7, 100])).toBe('ch 1  Control  CC7 = 100');
    expect(describeMidi([0xc9, 0])).toBe('ch 10  Program  1');
    expect(describeMidi([0xe0, 0, 64])).toBe('ch 1  Pitch bend  0');
    expect(describeMidi([0xf0, 0x7e, 0xf7])).toBe('SysEx, 3 bytes');
  });
  it('scales meters over 60 dB', () => {
    expect(meterPosition(0)).toBe(0);
    expect(meterPosition(1)).toBe(1);
    expect(meterPosition(2)).toBe(1);
    expect(meterPosition(0.001)).toBeCloseTo(0, 5);
    expect(meterPosition(Number.NaN)).toBe(0);
  });
  it('formats banks, sizes, times and volume', () => {
    expect(formatBank(128 * 121 + 1)).toBe('121:1');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatTime(65.5e7)).toBe('1:05.5');
    expect(formatDb(-600)).toBe('-6.0 dB');
    expect(expectedLatencyMs({ bufferFrames: 256, latencyBuffers: 2, sampleRate: 48000 })).toBeCloseTo(10.667, 2);
  });
});

describe('telemetry', () => {
  const stats = (voices: number) => ({ masterTime: 0, latencyTime: 0, samplePosition: 0, underruns: 0, lastUnderrunAtMs: 0, lastUnderrunLateMs: 0, lastOnsetAtMs: 0, transportPosition: 0, pins: [{ id: 1, voices, cpuPercent: voices / 2, lostNotes: 0, eventsLost: 0, peakLeft: 0, peakRight: 0, activity: [] }] });
  it('keeps one minute of voices and CPU at 10 samples a second, oldest first', () => {
    const t = createTelemetry();
    for (let i = 0; i < HISTORY_LENGTH + 5; i++) t.pushStats(stats(i), i * 100);
    const h = t.history();
    expect(h.voices).toHaveLength(HISTORY_LENGTH);
    expect(h.voices[0]).toBe(5);
    expect(h.voices.at(-1)).toBe(HISTORY_LENGTH + 4);
    // messages faster than 10/s update the latest stats but not the history
    t.pushStats(stats(999), (HISTORY_LENGTH + 4) * 100 + 30);
    expect(t.history().voices.at(-1)).toBe(HISTORY_LENGTH + 4);
    expect(t.store.getState().stats?.pins[0].voices).toBe(999);
  });
  it('keeps the newest MIDI events for the monitor', () => {
    const t = createTelemetry();
    for (let i = 0; i < 300; i++) t.pushMidi({ events: [{ input: 'in', time: i, bytes: [0x90, i & 127, 1] }] });
    const recent = recentMidi(t.store.getState(), 3);
    expect(recent.map((e) => e.time)).toEqual([299, 298, 297]);
  });
});
