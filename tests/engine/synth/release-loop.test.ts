/**
 * Loop types through the synth (reference §6.8): WLOOP_TYPE_RELEASE loops while the key is held
 * and, at note-off, leaves the loop and plays the rest of the sample; both constants seen in the
 * wild (1 in the XP+ headers, Wine and DLS2; 2 in the Win2000 headers) behave so. A forward loop
 * (0) keeps looping through the release. Rendered and measured: the wave's loop is 1 kHz, the tail
 * after it 2 kHz, and a long release keeps the voice audible through the tail.
 */
import { describe, expect, it } from 'vitest';
import { CONN_DST, CONN_SRC, WLOOP_TYPE } from '../../../engine/dls/constants.js';
import { goertzel, peak } from '../../helpers/audio-analysis.js';
import { instrumentDownload, tcRaw, waveDownload } from '../../helpers/synth-downloads.js';
import { makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';

const RATE = 48000;
const LOOP_START = 480;
const LOOP_LENGTH = 480;
const TAIL = 4800; // 100 ms of 2 kHz after the loop

/** 10 ms of 1 kHz, the 10 ms loop (1 kHz, whole cycles), then 100 ms of 2 kHz: 120 ms in all. */
function wave(): Int16Array {
  const out = new Int16Array(LOOP_START + LOOP_LENGTH + TAIL);
  for (let i = 0; i < out.length; i++) {
    const hz = i < LOOP_START + LOOP_LENGTH ? 1000 : 2000;
    out[i] = Math.round(20000 * Math.sin((2 * Math.PI * hz * i) / RATE));
  }
  return out;
}

function voiceWithLoop(type: number) {
  const h = makeHarness();
  h.stream.node.download(waveDownload(1, wave(), RATE));
  h.stream.node.download(
    instrumentDownload({
      dlId: 2,
      patch: 0,
      regions: [
        {
          waveDlId: 1,
          unityNote: 60,
          loop: { type, start: LOOP_START, length: LOOP_LENGTH },
          art: [[{ src: CONN_SRC.NONE, dst: CONN_DST.EG1_RELEASETIME, raw: tcRaw(2) }]], // 2 s release: the tail stays audible
        },
      ],
    }),
  );
  return h;
}

/** Holds key 60 for 200 ms (beyond the 120 ms wave), then releases it; returns both parts. */
function holdAndRelease(type: number): { held: Float32Array; released: Float32Array } {
  const h = voiceWithLoop(type);
  send(h, 0, 1, 0x90, 60, 100);
  const held = renderFrames(h, 9600).L;
  send(h, 0, 1, 0x80, 60, 0);
  const released = renderFrames(h, 14400).L;
  return { held, released };
}

describe('release loops through the synth', () => {
  for (const [name, type] of [
    ['WLOOP_TYPE_RELEASE (1)', WLOOP_TYPE.RELEASE],
    ['WLOOP_TYPE_RELEASE, Win2000 constant (2)', WLOOP_TYPE.RELEASE_WIN2000],
  ] as const) {
    it(`${name}: loops while held, plays out the tail after note-off, then stops`, () => {
      expect(type).toBe(name.includes('(2)') ? 2 : 1);
      const { held, released } = holdAndRelease(type);
      // Held for 200 ms, far past the wave's 120 ms: still the 1 kHz loop, never the tail.
      expect(goertzel(held, RATE, 1000, 4800, 9600)).toBeGreaterThan(0.2);
      expect(goertzel(held, RATE, 2000, 1200, 9600)).toBeLessThan(0.01);
      // After note-off the voice finishes the loop pass (at most 10 ms), then plays the 2 kHz tail ...
      expect(goertzel(released, RATE, 2000, 960, 4800)).toBeGreaterThan(0.2);
      expect(goertzel(released, RATE, 1000, 960, 4800)).toBeLessThan(0.01);
      // ... for 100 ms, and then the sample has ended: silence, though the release has 2 s to go.
      expect(peak(released, 480 + TAIL + 240)).toBe(0);
    });
  }

  it('WLOOP_TYPE_FORWARD (0) keeps looping through the release: no tail, still sounding', () => {
    const { held, released } = holdAndRelease(WLOOP_TYPE.FORWARD);
    expect(goertzel(held, RATE, 1000, 4800, 9600)).toBeGreaterThan(0.2);
    expect(goertzel(released, RATE, 2000, 960, 14400)).toBeLessThan(0.01);
    expect(goertzel(released, RATE, 1000, 9600, 14400)).toBeGreaterThan(0.02); // 200-300 ms into the 2 s release
  });
});
