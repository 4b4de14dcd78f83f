/**
 * DLS2 conditions (`cdl `, reference §6.10) are evaluated against the pin that will play the
 * download, not a fixed table: its SYNTHCAPS flags and memory, and the rate it renders at. A
 * region guarded by "SamplePlaybackRate >= 44100" plays on a 48 kHz session, the one guarded by
 * "< 44100" on a 22.05 kHz one (rendered and measured); the capability table follows the caps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DlsCollection, DlsWave } from '../../../engine/dls/collection.js';
import { buildCondition, evaluateCondition, synthCapabilities } from '../../../engine/dls/conditions.js';
import { DLS_CDL, DLSID } from '../../../engine/dls/constants.js';
import { writeDls } from '../../../engine/dls/dls-writer.js';
import { SYNTH_PC } from '../../../engine/dmus/properties.js';
import { Session } from '../../../engine/host/session.js';
import { zeroCrossingFrequency } from '../../helpers/audio-analysis.js';

const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

const rateAtLeast = (hz: number) => buildCondition([{ query: DLSID.SamplePlaybackRate }, { const: hz }, DLS_CDL.GE]);
const rateBelow = (hz: number) => buildCondition([{ query: DLSID.SamplePlaybackRate }, { const: hz }, DLS_CDL.LT]);

/** `cycles` sine cycles in 441 frames at 22.05 kHz: 50 Hz per cycle. */
function sine(cycles: number): DlsWave {
  const data = new Uint8Array(882);
  const v = new DataView(data.buffer);
  for (let i = 0; i < 441; i++) v.setInt16(2 * i, Math.round(20000 * Math.sin((2 * Math.PI * cycles * i) / 441)), true);
  return {
    fmt: { wFormatTag: 1, nChannels: 1, nSamplesPerSec: 22050, nAvgBytesPerSec: 44100, nBlockAlign: 2, wBitsPerSample: 16 },
    data,
    wsmp: { usUnityNote: 60, sFineTune: 0, lAttenuation: 0, fulOptions: 0, loops: [{ ulType: 0, ulStart: 0, ulLength: 441 }] },
    info: [],
    unknown: [],
  };
}

/** Program 0: a 500 Hz region for output rates >= 44.1 kHz, a 1 kHz one for lower rates. */
function rateDependentBank(): Uint8Array {
  const region = (wave: number, cdl: Uint8Array) => ({
    listType: 'rgn2' as const,
    cdl,
    rgnh: { RangeKey: { usLow: 0, usHigh: 127 }, RangeVelocity: { usLow: 0, usHigh: 127 }, fusOptions: 0, usKeyGroup: 0, usLayer: 0 },
    wlnk: { fusOptions: 0, usPhaseGroup: 0, ulChannel: 1, ulTableIndex: wave },
    articulations: [],
    unknown: [],
  });
  const col: DlsCollection = {
    instruments: [{ locale: { ulBank: 0, ulInstrument: 0 }, regions: [region(0, rateAtLeast(44100)), region(1, rateBelow(44100))], articulations: [], info: [], unknown: [] }],
    ptbl: [0, 1],
    waves: [sine(10), sine(20)],
    info: [],
    unknown: [],
    warnings: [],
  };
  return writeDls(col);
}

async function pitchAtRate(sampleRate: number): Promise<number> {
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  sessions.push(session);
  await session.start();
  await session.setAudioSettings({ sampleRate });
  const pinId = session.createPin({}).id;
  const col = await session.loadCollectionData({ name: 'rates.dls', bytes: rateDependentBank() });
  const pin = session.downloadInstrument({ pinId, collectionId: col.id, bank: 0, program: 0, drum: false });
  expect(pin.downloads).toHaveLength(1);
  session.sendMidi({ pinId, group: 1, bytes: [0x90, 60, 100] });
  const n = Math.round(sampleRate / 5);
  const l = new Float32Array(n);
  session.localEngine().renderFrames(l, new Float32Array(n));
  return zeroCrossingFrequency(l, sampleRate, Math.floor(n / 4));
}

describe("cdl conditions evaluated against the pin's own capabilities", () => {
  it('a session at 48 kHz plays the ">= 44.1 kHz" region, one at 22.05 kHz the "< 44.1 kHz" region', async () => {
    expect(await pitchAtRate(48000)).toBeCloseTo(500, 0);
    expect(await pitchAtRate(22050)).toBeCloseTo(1000, 0);
  });

  it('synthCapabilities answers from SYNTHCAPS flags, MemorySize and the rate', () => {
    const ev = (cdl: Uint8Array, c: ReturnType<typeof synthCapabilities>) => evaluateCondition(cdl, c);
    const soft = synthCapabilities({ flags: SYNTH_PC.DLS | SYNTH_PC.DLS2 | SYNTH_PC.SOFTWARESYNTH, memorySize: SYNTH_PC.SYSTEMMEMORY }, 32000);
    const gmHardware = synthCapabilities({ flags: SYNTH_PC.DLS | SYNTH_PC.GMINHARDWARE, memorySize: 4 * 1024 * 1024 }, 44100);
    expect(soft.query(DLSID.SamplePlaybackRate)).toBe(32000);
    expect(ev(rateBelow(44100), soft)).toBe(true);
    expect(ev(rateAtLeast(44100), gmHardware)).toBe(true);
    expect([DLSID.SupportsDLS1, DLSID.SupportsDLS2, DLSID.GMInHardware, DLSID.GSInHardware, DLSID.XGInHardware].map((id) => soft.query(id))).toEqual([1, 1, 0, 0, 0]);
    expect([DLSID.SupportsDLS1, DLSID.SupportsDLS2, DLSID.GMInHardware].map((id) => gmHardware.query(id))).toEqual([1, 0, 1]);
    expect(gmHardware.query(DLSID.SampleMemorySize)).toBe(4 * 1024 * 1024);
    const bigEnough = buildCondition([{ query: DLSID.SampleMemorySize }, { const: 8 * 1024 * 1024 }, DLS_CDL.GE]);
    expect(ev(bigEnough, soft)).toBe(true);
    expect(ev(bigEnough, gmHardware)).toBe(false);
  });
});
