/**
 * Each pin keeps its own downloads and pins share nothing (issue 3): download handles are per pin,
 * as DirectMusic's are per port, so an unload given another pin's handle fails with
 * DMUS_E_NOT_DOWNLOADED_TO_PORT instead of unloading one of this pin's downloads; NULL or an
 * unknown handle (a value nobody issued, or a handle already unloaded) is E_FAIL, as the synth's
 * Unload answers it (reference §5.10). Sound is rendered and measured on both pins.
 */
import { describe, expect, it } from 'vitest';
import { DMUS_E, DmusError, HRESULT } from '../../../engine/dmus/errors.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { dispatchProperty, KSPROPERTY_SYNTH_DLS, KSPROPERTY_TYPE, KSPROPSETID } from '../../../engine/dmus/properties.js';
import { SynthMiniport } from '../../../engine/synth/miniport.js';
import { goertzel, peak, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { instrumentDownload, sineWave, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send } from '../../helpers/synth-harness.js';

/** A 1 kHz (10 cycles in 480 frames at 48 kHz) or 1.5 kHz looped sine, wave id `waveId`, instrument id `waveId + 1`. */
const sine = (waveId: number, cycles = 10) => waveDownload(waveId, sineWave(480, cycles), 48000);
const organ = (dlId: number, waveDlId: number, patch = 0) => instrumentDownload({ dlId, patch, regions: [{ waveDlId, unityNote: 60, loop: { start: 0, length: 480 } }] });

function expectDmus(fn: () => unknown, code: string): DmusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DmusError);
    expect((e as DmusError).code).toBe(code);
    return e as DmusError;
  }
  throw new Error(`expected ${code}`);
}

/** Plays key 60 for 100 ms and returns the frequency heard (0 when silent). */
function pitchOf(h: Harness): number {
  send(h, 0, 1, 0x90, 60, 100);
  const { L } = renderFrames(h, 4800);
  send(h, 0, 1, 0x80, 60, 0);
  renderFrames(h, 4800);
  return peak(L) > 0.01 ? zeroCrossingFrequency(L, 48000, 500) : 0;
}

/** Two pins of one synth (one miniport, two streams), as the port makes them. */
function twoPins(): [Harness, Harness] {
  const a = makeHarness();
  return [a, makeHarness({ miniport: a.miniport })];
}

describe('download handles are per pin', () => {
  it("an unload given another pin's handle fails with DMUS_E_NOT_DOWNLOADED_TO_PORT and unloads nothing", () => {
    const [a, b] = twoPins();
    // The same order on both pins: with per-pin numbering from 1 these handles were equal.
    const aw = a.stream.node.download(sine(1)).downloadHandle;
    const ai = a.stream.node.download(organ(2, 1)).downloadHandle;
    const bw = b.stream.node.download(sine(1, 15)).downloadHandle;
    const bi = b.stream.node.download(organ(2, 1)).downloadHandle;
    expect(new Set([aw, ai, bw, bi]).size).toBe(4);
    for (const h of [bw, bi]) {
      const e = expectDmus(() => a.stream.node.unload(h), 'NOT_DOWNLOADED_TO_PORT');
      expect(e.hresult).toBe(DMUS_E.NOT_DOWNLOADED_TO_PORT);
    }
    for (const h of [aw, ai]) expectDmus(() => b.stream.node.unload(h), 'NOT_DOWNLOADED_TO_PORT');
    expect(a.stream.downloads.downloadCount).toBe(2);
    expect(b.stream.downloads.downloadCount).toBe(2);
    expect(pitchOf(a)).toBeCloseTo(1000, 0);
    expect(pitchOf(b)).toBeCloseTo(1500, 0);
  });

  it('NULL, a value no pin issued and a handle already unloaded are unknown handles: E_FAIL (reference §5.10), nothing changes', () => {
    const [a] = twoPins();
    a.stream.node.download(sine(1));
    const ins = a.stream.node.download(organ(2, 1)).downloadHandle;
    const spare = a.stream.node.download(organ(3, 1, 1)).downloadHandle;
    for (const h of [0, -1, 1.5, 12345, 2 ** 31, 2 ** 53, spare + 1]) {
      const e = expectDmus(() => a.stream.node.unload(h), 'E_FAIL');
      expect(e.hresult).toBe(HRESULT.E_FAIL);
    }
    expect(a.stream.node.unload(spare)).toBe('done');
    // A second unload of the same handle: the synth no longer knows it.
    expect(expectDmus(() => a.stream.node.unload(spare), 'E_FAIL').message).toMatch(/unloaded already/);
    expect(a.stream.downloads.downloadCount).toBe(2);
    expect(pitchOf(a)).toBeCloseTo(1000, 0);
    expect(a.stream.node.unload(ins)).toBe('done');
    expectDmus(() => a.stream.node.unload(ins), 'E_FAIL');
  });

  it('KSPROPERTY_SYNTH_DLS_UNLOAD with another pin\'s handle: STATUS_UNSUCCESSFUL carrying DMUS_E_NOT_DOWNLOADED_TO_PORT', () => {
    const port = new PortDMus(new SynthMiniport({ createReverb: null, createChorus: null }), { sampleRate: 48_000, maxFramesPerBlock: 480, outputLatency: 400_000 });
    const p1 = port.createRenderPin();
    const p2 = port.createRenderPin();
    for (const p of [p1, p2]) p.setState(KSSTATE.RUN);
    const download = (pinId: number, buf: Uint8Array) => {
      const r = dispatchProperty(port, { set: KSPROPSETID.Synth_Dls, id: KSPROPERTY_SYNTH_DLS.DOWNLOAD, flags: KSPROPERTY_TYPE.GET, pinId, instance: buf });
      expect(r.statusName).toBe('STATUS_SUCCESS');
      return new DataView(r.value!.buffer, r.value!.byteOffset).getBigUint64(0, true);
    };
    const unload = (pinId: number, handle: bigint) => {
      const value = new Uint8Array(8);
      new DataView(value.buffer).setBigUint64(0, handle, true);
      return dispatchProperty(port, { set: KSPROPSETID.Synth_Dls, id: KSPROPERTY_SYNTH_DLS.UNLOAD, flags: KSPROPERTY_TYPE.SET, pinId, value });
    };
    download(p1.id, sine(1));
    const h1 = download(p1.id, organ(2, 1));
    download(p2.id, sine(1));
    const h2 = download(p2.id, organ(2, 1));
    const cross = unload(p1.id, h2);
    expect(cross.statusName).toBe('STATUS_UNSUCCESSFUL');
    expect(cross.hresult).toBe(DMUS_E.NOT_DOWNLOADED_TO_PORT);
    expect(unload(p1.id, 0n).hresult).toBe(HRESULT.E_FAIL);
    expect(unload(p1.id, h1).statusName).toBe('STATUS_SUCCESS');
    expect(unload(p1.id, h1).hresult).toBe(HRESULT.E_FAIL); // second unload: an unknown handle now
    expect(unload(p2.id, h2).statusName).toBe('STATUS_SUCCESS'); // pin 2's instrument was still there
  });
});

describe('pins share nothing for downloads', () => {
  it("one pin's downloads are absent from another; the same download ids load on both independently", () => {
    const [a, b] = twoPins();
    a.stream.node.download(sine(1));
    a.stream.node.download(organ(2, 1));
    expect(b.stream.downloads.downloadCount).toBe(0);
    expect(b.stream.downloads.sampleBytes).toBe(0);
    expect(b.stream.downloads.instrumentsByPatch.size).toBe(0);
    expect(pitchOf(b)).toBe(0); // a note on pin b finds no instrument
    // Pin b's instrument cannot link to pin a's wave: that wave id is not downloaded to b.
    expectDmus(() => b.stream.node.download(organ(2, 1)), 'BADWAVELINK');
    // The same ids, downloaded to b on their own: not ALREADY_DOWNLOADED.
    b.stream.node.download(sine(1, 15));
    b.stream.node.download(organ(2, 1));
    expect(pitchOf(a)).toBeCloseTo(1000, 0);
    expect(pitchOf(b)).toBeCloseTo(1500, 0);
    expectDmus(() => a.stream.node.download(sine(1)), 'ALREADY_DOWNLOADED');
  });

  it('unloading on one pin leaves the other playing: rendered and measured', () => {
    const [a, b] = twoPins();
    const aw = a.stream.node.download(sine(1)).downloadHandle;
    const ai = a.stream.node.download(organ(2, 1)).downloadHandle;
    b.stream.node.download(sine(1, 15));
    b.stream.node.download(organ(2, 1));
    // b holds a note across a's unloads.
    send(b, 0, 1, 0x90, 60, 100);
    renderFrames(b, 960);
    expect(a.stream.node.unload(ai)).toBe('done');
    expect(a.stream.node.unload(aw)).toBe('done');
    a.stream.node.compact();
    expect(a.stream.downloads.downloadCount).toBe(0);
    expect(a.stream.downloads.sampleBytes).toBe(0);
    const held = renderFrames(b, 4800).L;
    expect(goertzel(held, 48000, 1500)).toBeGreaterThan(0.1);
    expect(zeroCrossingFrequency(held, 48000)).toBeCloseTo(1500, 0);
    send(b, 0, 1, 0x80, 60, 0);
    renderFrames(b, 4800);
    expect(pitchOf(a)).toBe(0);
    expect(pitchOf(b)).toBeCloseTo(1500, 0); // and a new note on b still finds its instrument
  });
});
