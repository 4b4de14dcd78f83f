/**
 * Wave reference counting in a pin (reference §5.10): a wave stays resident while any instrument
 * or voice uses it. Two instruments on one wave: unloading one leaves the wave and the other
 * instrument playing (rendered and measured); unloading both frees the wave.
 */
import { describe, expect, it } from 'vitest';
import { peak, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { instrumentDownload, sineWave, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';

/** Program `program` on channel 1, key 60 for 100 ms: the pitch heard, 0 when silent. */
function pitchOf(h: Harness, program: number): number {
  send(h, 0, 1, 0xc0, program);
  send(h, 0, 1, 0x90, 60, 100);
  const { L } = renderFrames(h, 4800);
  send(h, 0, 1, 0x80, 60, 0);
  renderFrames(h, 4800);
  return peak(L) > 0.01 ? zeroCrossingFrequency(L, 48000, 500) : 0;
}

function twoInstrumentsOnOneWave() {
  const h = makeHarness();
  const wave = h.stream.node.download(waveDownload(1, sineWave(480, 10), 48000)).downloadHandle; // 1 kHz at unity
  // Program 0 plays it at unity, program 1 an octave up: both link to wave id 1.
  const ins0 = h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 480 } }] })).downloadHandle;
  const ins1 = h.stream.node.download(instrumentDownload({ dlId: 3, patch: 1, regions: [{ waveDlId: 1, unityNote: 48, loop: { start: 0, length: 480 } }] })).downloadHandle;
  return { h, wave, ins0, ins1, waveBytes: h.stream.downloads.sampleBytes };
}

describe('a wave shared by two instruments', () => {
  it('unloading one instrument leaves the wave and the other instrument playing; unloading both frees it', () => {
    const { h, wave, ins0, ins1, waveBytes } = twoInstrumentsOnOneWave();
    expect(waveBytes).toBeGreaterThan(480 * 2 - 1); // 16-bit samples
    expect(pitchOf(h, 0)).toBeCloseTo(1000, 0);
    expect(pitchOf(h, 1)).toBeCloseTo(2000, 0);
    // The application unloads the wave first (out of order): still used by two instruments.
    expect(h.stream.node.unload(wave)).toBe('pending');
    expect(h.stream.node.unload(ins0)).toBe('done');
    h.stream.node.compact();
    expect(h.stream.downloads.isPending(wave)).toBe(true); // program 1 still links to it
    expect(h.stream.downloads.sampleBytes).toBe(waveBytes);
    expect(pitchOf(h, 0)).toBe(0);
    expect(pitchOf(h, 1)).toBeCloseTo(2000, 0);
    expect(h.stream.node.unload(ins1)).toBe('done');
    h.stream.node.compact();
    expect(h.stream.downloads.isPending(wave)).toBe(false);
    expect(h.stream.downloads.sampleBytes).toBe(0);
    expect(h.stream.downloads.downloadCount).toBe(0);
    expect(pitchOf(h, 1)).toBe(0);
  });

  it('in the usual order (instruments, then the wave) the wave goes only with its last user', () => {
    const { h, wave, ins0, ins1, waveBytes } = twoInstrumentsOnOneWave();
    expect(h.stream.node.unload(ins1)).toBe('done');
    expect(h.stream.downloads.sampleBytes).toBe(waveBytes);
    expect(pitchOf(h, 0)).toBeCloseTo(1000, 0);
    // A voice holds the wave too: unloading the last instrument and the wave mid-note keeps it until the note ends.
    send(h, 0, 1, 0xc0, 0);
    send(h, 0, 1, 0x90, 60, 100);
    renderFrames(h, 480);
    expect(h.stream.node.unload(ins0)).toBe('done');
    expect(h.stream.node.unload(wave)).toBe('pending');
    const held = renderFrames(h, 2400).L;
    expect(zeroCrossingFrequency(held, 48000)).toBeCloseTo(1000, 0);
    send(h, 0, 1, 0x80, 60, 0);
    renderFrames(h, 4800);
    h.stream.node.compact();
    expect(h.stream.downloads.sampleBytes).toBe(0);
    expect(h.stream.downloads.downloadCount).toBe(0);
  });
});
