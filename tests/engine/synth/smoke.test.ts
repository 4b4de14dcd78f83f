import { describe, it, expect } from 'vitest';
import { instrumentDownload, sineWave, waveDownload } from '../../helpers/synth-downloads.js';
import { makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';
import { zeroCrossingFrequency, peak } from '../../helpers/audio-analysis.js';

describe('smoke', () => {
  it('plays a looped sine at the right pitch', () => {
    const h = makeHarness();
    h.stream.node.download(waveDownload(1, sineWave(480, 10), 48000)); // 1000 Hz at unity
    h.stream.node.download(instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 480 } }] }));
    send(h, 0, 1, 0x90, 60, 127);
    const { L } = renderFrames(h, 48000);
    console.log(zeroCrossingFrequency(L, 48000, 1000), peak(L));
    expect(zeroCrossingFrequency(L, 48000, 1000)).toBeCloseTo(1000, 1);
  });
});
