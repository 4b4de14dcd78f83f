/**
 * Unloading downloads through the session (the "dmusic.dll" port level, reference §5.10):
 * - unloadRaw is IDirectMusicPortDownload::Unload: unloading again a handle it unloaded succeeds;
 *   another pin's handle is refused with DMUS_E_NOT_DOWNLOADED_TO_PORT, a handle nobody issued
 *   with E_FAIL (the synth's answer), and neither touches this pin's downloads;
 * - unload (IDirectMusicPort::UnloadInstrument) of a download that is not on the pin answers
 *   DMUS_E_NOT_DOWNLOADED_TO_PORT.
 * - a wave two downloaded instruments share is downloaded to the pin once and stays while either
 *   is there (dmusic.dll's reference count, §5.9-5.10).
 * Sound is rendered offline and measured per pin (one at 1 kHz, the other at 1.5 kHz).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DMUS_E, DmusError } from '../../../engine/dmus/errors.js';
import { Session } from '../../../engine/host/session.js';
import { ProtocolError } from '../../../engine/protocol/protocol-error.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { fixtureCollection } from '../../helpers/dls-fixtures.js';
import { goertzel, zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { instrumentDownload, sineWave, waveDownload } from '../../helpers/synth-downloads.js';

const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

async function twoPinSession() {
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  sessions.push(session);
  await session.start();
  const rate = session.audioStatus().settings.sampleRate;
  const a = session.createPin({ name: 'A' }).id;
  const b = session.createPin({ name: 'B' }).id;
  // The same download ids on both pins; pin A's wave is 1 kHz, pin B's 1.5 kHz (at the session's rate).
  const load = (pinId: number, hz: number) => {
    const frames = rate / 100; // 10 ms: a whole number of cycles at both pitches
    const wave = session.downloadRaw({ pinId, bytes: waveDownload(1, sineWave(frames, hz / 100), rate) }).downloadHandle;
    const ins = session.downloadRaw({ pinId, bytes: instrumentDownload({ dlId: 2, patch: 0, regions: [{ waveDlId: 1, loop: { start: 0, length: frames } }] }) }).downloadHandle;
    return { wave, ins };
  };
  return { session, rate, a, b, pa: load(a, 1000), pb: load(b, 1500) };
}

/** Level of 1 kHz and 1.5 kHz in 100 ms of a held middle C on both pins. */
function listen(s: Session, rate: number, pins: number[]): { k1: number; k15: number } {
  for (const pinId of pins) s.sendMidi({ pinId, group: 1, bytes: [0x90, 60, 100] });
  const n = Math.round(rate / 10);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  s.localEngine().renderFrames(l, r);
  for (const pinId of pins) s.sendMidi({ pinId, group: 1, bytes: [0x80, 60, 0] });
  s.localEngine().renderFrames(new Float32Array(n), new Float32Array(n));
  const from = Math.round(n / 2);
  return { k1: goertzel(l, rate, 1000, from), k15: goertzel(l, rate, 1500, from) };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('unloading through the session (port level, reference §5.10)', () => {
  it("unloadRaw of another pin's handle fails with DMUS_E_NOT_DOWNLOADED_TO_PORT; both pins keep playing", async () => {
    const { session, rate, a, b, pa, pb } = await twoPinSession();
    for (const h of [pb.ins, pb.wave]) {
      const e = thrown(() => session.unloadRaw({ pinId: a, downloadHandle: h }));
      expect(e).toBeInstanceOf(DmusError);
      expect((e as DmusError).code).toBe('NOT_DOWNLOADED_TO_PORT');
      expect((e as DmusError).hresult).toBe(DMUS_E.NOT_DOWNLOADED_TO_PORT);
    }
    expect((thrown(() => session.unloadRaw({ pinId: b, downloadHandle: pa.ins })) as DmusError).code).toBe('NOT_DOWNLOADED_TO_PORT');
    expect((thrown(() => session.unloadRaw({ pinId: a, downloadHandle: 0 })) as DmusError).code).toBe('E_FAIL');
    expect(session.pinInfo(a).downloads).toHaveLength(2);
    expect(session.pinInfo(b).downloads).toHaveLength(2);
    const both = listen(session, rate, [a, b]);
    expect(both.k1).toBeGreaterThan(0.05);
    expect(both.k15).toBeGreaterThan(0.05);
  });

  it('a second unloadRaw of the same handle succeeds; unloading on one pin leaves the other playing', async () => {
    const { session, rate, a, b, pa } = await twoPinSession();
    expect(session.unloadRaw({ pinId: a, downloadHandle: pa.ins })).toEqual({ pending: false });
    expect(session.unloadRaw({ pinId: a, downloadHandle: pa.ins })).toEqual({ pending: false });
    expect(session.unloadRaw({ pinId: a, downloadHandle: pa.wave })).toEqual({ pending: false });
    expect(session.unloadRaw({ pinId: a, downloadHandle: pa.wave })).toEqual({ pending: false });
    expect(session.pinInfo(a).downloads).toHaveLength(0);
    // The synth itself does not know the handle any more: straight to the pin, it is E_FAIL.
    expect((thrown(() => session.engine.node(a).unload(pa.ins)) as DmusError).code).toBe('E_FAIL');
    const after = listen(session, rate, [a, b]);
    expect(after.k1).toBeLessThan(0.001);
    expect(after.k15).toBeGreaterThan(0.05);
  });

  it('unload of a download that is not on the pin answers DMUS_E_NOT_DOWNLOADED_TO_PORT', async () => {
    const { session, a, b, pb } = await twoPinSession();
    const e = thrown(() => session.unload({ pinId: a, downloadId: pb.ins }));
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('DMUS_E_NOT_DOWNLOADED_TO_PORT');
    expect((e as ProtocolError).hresult).toBe(DMUS_E.NOT_DOWNLOADED_TO_PORT);
    session.unload({ pinId: b, downloadId: pb.ins });
    expect((thrown(() => session.unload({ pinId: b, downloadId: pb.ins })) as ProtocolError).code).toBe('DMUS_E_NOT_DOWNLOADED_TO_PORT');
    expect(session.pinInfo(a).downloads).toHaveLength(2);
  });

  it('a wave shared by two downloaded instruments stays while either is on the pin, and goes with the last', async () => {
    const session = new Session({ dir: null, output: 'offline', defaults: false });
    sessions.push(session);
    await session.start();
    const rate = session.audioStatus().settings.sampleRate;
    const pinId = session.createPin({}).id;
    // The fixture bank: Sine Piano (bank 0 program 0) uses waves 0 and 1, Sine Lead (bank 8/1 program 81) waves 0 and 2.
    const col = await session.loadCollectionData({ name: 'fixture.dls', bytes: writeDls(fixtureCollection()) });
    const free = () => session.engine.node(pinId).getRunningStats().freeMemory;
    const empty = free();
    const framesHeld = () => (empty - free()) / 2; // 16-bit sample frames the pin holds
    session.downloadInstrument({ pinId, collectionId: col.id, bank: 0, program: 0, drum: false });
    const lead = session.downloadInstrument({ pinId, collectionId: col.id, bank: 8 * 128 + 1, program: 81, drum: false });
    const [piano, sineLead] = lead.downloads;
    // Three waves, the shared one once: 256 + 101 + 64 frames (each with its interpolation guards).
    const all = framesHeld();
    expect(all).toBeGreaterThanOrEqual(256 + 101 + 64);
    expect(all).toBeLessThan(256 + 101 + 64 + 3 * 8);
    session.unload({ pinId, downloadId: piano.downloadId });
    const shared = framesHeld();
    expect(all - shared).toBeGreaterThanOrEqual(101); // the piano's own wave went
    expect(shared).toBeGreaterThanOrEqual(256 + 64); // the shared one stayed
    // Sine Lead, low velocity: its region on the shared 16-bit wave (unity 60, -12 cents, 22.05 kHz).
    for (const [cc, v] of [[0, 8], [32, 1]]) session.sendMidi({ pinId, group: 1, bytes: [0xb0, cc, v] });
    session.sendMidi({ pinId, group: 1, bytes: [0xc0, 81] });
    session.sendMidi({ pinId, group: 1, bytes: [0x90, 60, 40] });
    const n = Math.round(rate / 5);
    const l = new Float32Array(n);
    session.localEngine().renderFrames(l, new Float32Array(n));
    session.sendMidi({ pinId, group: 1, bytes: [0x80, 60, 0] });
    session.localEngine().renderFrames(new Float32Array(n), new Float32Array(n));
    expect(zeroCrossingFrequency(l, rate, Math.floor(n / 2))).toBeCloseTo((22050 / 64) * 2 ** (-12 / 1200), 0);
    session.unload({ pinId, downloadId: sineLead.downloadId });
    session.engine.node(pinId).compact();
    expect(framesHeld()).toBe(0);
  });
});
