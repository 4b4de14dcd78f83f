import { describe, expect, it } from 'vitest';
import { DMUS_E, STATUS } from '../../../engine/dmus/errors.js';
import type { SynthCaps, SynthPortParams } from '../../../engine/dmus/miniport.js';
import {
  decodeGuid,
  decodePortParams,
  decodeSynthCaps,
  dispatchProperty,
  encodeGuid,
  encodePortParams,
  encodeSynthCaps,
  KSPROPERTY_SYNTH,
  KSPROPERTY_SYNTH_DLS,
  KSPROPERTY_TYPE,
  KSPROPSETID,
  PROPERTY_ITEMS,
  SYNTHCAPS_SIZE,
  unsupportedItems,
} from '../../../engine/dmus/properties.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { TestMiniport } from '../../helpers/test-miniport.js';

const { GET, SET, BASICSUPPORT } = KSPROPERTY_TYPE;

function setup() {
  const port = new PortDMus(new TestMiniport(), { sampleRate: 48_000, maxFramesPerBlock: 480, outputLatency: 400_000 });
  const pin = port.createRenderPin();
  pin.setState(KSSTATE.RUN);
  return { port, pin };
}

describe('property dispatcher (KSPROPSETID_Synth, _Synth_Dls, _SynthClock)', () => {
  it('covers every item of the three sets with the reference ids', () => {
    const ids = PROPERTY_ITEMS.map((i) => `${i.name}=${i.id}`);
    expect(ids).toEqual([
      'KSPROPERTY_SYNTH_VOLUME=0',
      'KSPROPERTY_SYNTH_VOLUMEBOOST=1',
      'KSPROPERTY_SYNTH_CAPS=2',
      'KSPROPERTY_SYNTH_PORTPARAMETERS=3',
      'KSPROPERTY_SYNTH_CHANNELGROUPS=4',
      'KSPROPERTY_SYNTH_VOICEPRIORITY=5',
      'KSPROPERTY_SYNTH_LATENCYCLOCK=6',
      'KSPROPERTY_SYNTH_RUNNINGSTATS=7',
      'KSPROPERTY_SYNTH_DLS_DOWNLOAD=0',
      'KSPROPERTY_SYNTH_DLS_UNLOAD=1',
      'KSPROPERTY_SYNTH_DLS_COMPACT=2',
      'KSPROPERTY_SYNTH_DLS_APPEND=3',
      'KSPROPERTY_SYNTH_DLS_WAVEFORMAT=4',
      'KSPROPERTY_SYNTH_MASTERCLOCK=0',
    ]);
  });

  it('routes pin items to the pin synth node and answers GET/SET with the byte layouts', () => {
    const { port, pin } = setup();
    const set = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CHANNELGROUPS, flags: SET, pinId: pin.id, value: Uint8Array.of(5, 0, 0, 0) });
    expect(set.status).toBe(STATUS.SUCCESS);
    const get = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CHANNELGROUPS, flags: GET, pinId: pin.id });
    expect([...get.value!]).toEqual([5, 0, 0, 0]);
    const vol = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.VOLUME, flags: SET, pinId: pin.id, value: Uint8Array.of(0x38, 0xff, 0xff, 0xff) });
    expect(vol.status).toBe(STATUS.SUCCESS);
    const v = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.VOLUME, flags: GET, pinId: pin.id });
    expect(new DataView(v.value!.buffer).getInt32(0, true)).toBe(-200);
  });

  it('follows the KS request rules: size query, too small, wrong verb, basic support', () => {
    const { port, pin } = setup();
    const base = { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CHANNELGROUPS, pinId: pin.id };
    const q = dispatchProperty(port, { ...base, flags: GET, valueSize: 0 });
    expect(q.statusName).toBe('STATUS_BUFFER_OVERFLOW');
    expect(q.bytesReturned).toBe(4);
    expect(dispatchProperty(port, { ...base, flags: GET, valueSize: 2 }).statusName).toBe('STATUS_BUFFER_TOO_SMALL');
    expect(dispatchProperty(port, { ...base, flags: SET, value: Uint8Array.of(1) }).statusName).toBe('STATUS_BUFFER_TOO_SMALL');
    const caps = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CAPS, flags: SET, pinId: pin.id, value: new Uint8Array(SYNTHCAPS_SIZE) });
    expect(caps.statusName).toBe('STATUS_INVALID_DEVICE_REQUEST');
    expect(caps.hresult).toBe(DMUS_E.SET_UNSUPPORTED);
    const bs = dispatchProperty(port, { ...base, flags: BASICSUPPORT });
    expect(new DataView(bs.value!.buffer).getUint32(0, true)).toBe(GET | SET);
    expect(dispatchProperty(port, { set: KSPROPSETID.Synth, id: 99, flags: GET, pinId: pin.id }).statusName).toBe('STATUS_NOT_FOUND');
    // A synth that refuses a value: the error travels with its message.
    const bad = dispatchProperty(port, { ...base, flags: SET, value: Uint8Array.of(0xe9, 0x03, 0, 0) }); // 1001
    expect(bad.statusName).toBe('STATUS_INVALID_PARAMETER');
    expect(bad.message).toMatch(/1001/);
  });

  it('latency clock (pin) and master clock (filter)', () => {
    const { port, pin } = setup();
    port.clock.advance(4800); // 100 ms
    const m = dispatchProperty(port, { set: KSPROPSETID.SynthClock, id: 0, flags: GET });
    const l = dispatchProperty(port, { set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.LATENCYCLOCK, flags: GET, pinId: pin.id });
    const master = Number(new DataView(m.value!.buffer).getBigUint64(0, true));
    const latency = Number(new DataView(l.value!.buffer).getBigUint64(0, true));
    expect(master).toBe(1_000_000);
    expect(latency - master).toBe(400_000);
    expect(latency - master).toBeLessThanOrEqual(2_000_000); // native: at most 200 ms ahead
  });

  it('answers "not supported yet" for items the synth lacks, loudly, and lists them', () => {
    const { port, pin } = setup();
    const r = dispatchProperty(port, { set: KSPROPSETID.Synth_Dls, id: KSPROPERTY_SYNTH_DLS.APPEND, flags: GET, pinId: pin.id });
    expect(r.statusName).toBe('STATUS_NOT_IMPLEMENTED');
    expect(r.message).toMatch(/getAppend is not supported yet by test miniport/);
    // The test miniport answers channel groups and volume only: everything else is listed.
    expect(unsupportedItems(pin.stream.node)).toEqual([
      'KSPROPERTY_SYNTH_VOLUMEBOOST',
      'KSPROPERTY_SYNTH_CAPS',
      'KSPROPERTY_SYNTH_PORTPARAMETERS',
      'KSPROPERTY_SYNTH_VOICEPRIORITY',
      'KSPROPERTY_SYNTH_RUNNINGSTATS',
      'KSPROPERTY_SYNTH_DLS_DOWNLOAD',
      'KSPROPERTY_SYNTH_DLS_UNLOAD',
      'KSPROPERTY_SYNTH_DLS_COMPACT',
      'KSPROPERTY_SYNTH_DLS_APPEND',
      'KSPROPERTY_SYNTH_DLS_WAVEFORMAT',
    ]);
  });

  it('refuses pin items sent to the filter or to a capture pin', () => {
    const { port } = setup();
    const cap = port.createCapturePin();
    expect(dispatchProperty(port, { set: KSPROPSETID.Synth, id: 4, flags: GET }).statusName).toBe('STATUS_INVALID_PARAMETER');
    expect(dispatchProperty(port, { set: KSPROPSETID.Synth, id: 4, flags: GET, pinId: cap.id }).statusName).toBe('STATUS_INVALID_DEVICE_REQUEST');
  });

  it('codecs: SYNTHCAPS (296 bytes), SYNTH_PORTPARAMS (28 bytes), GUIDs', () => {
    const caps: SynthCaps = {
      guid: '58c2b4d0-46e7-11d1-89ac-00a0c9054129',
      flags: 0x205,
      memorySize: 0x7fffffff,
      maxChannelGroups: 1000,
      maxVoices: 1000,
      maxAudioChannels: 2,
      effectFlags: 1,
      description: 'DMus Workstation Synth',
    };
    const b = encodeSynthCaps(caps);
    expect(b.length).toBe(296);
    expect([...b.subarray(0, 4)]).toEqual([0xd0, 0xb4, 0xc2, 0x58]); // Data1 little-endian
    expect(decodeSynthCaps(b)).toEqual(caps);
    const p: SynthPortParams = { validParams: 0x2b, voices: 64, channelGroups: 4, audioChannels: 2, sampleRate: 48000, effectsFlags: 1, share: 0 };
    expect(encodePortParams(p).length).toBe(28);
    expect(decodePortParams(encodePortParams(p))).toEqual(p);
    const g = new Uint8Array(16);
    encodeGuid(KSPROPSETID.Synth_Dls, g, 0);
    expect(decodeGuid(g, 0)).toBe(KSPROPSETID.Synth_Dls);
  });
});

describe('property items of the real synth', () => {
  it('the synth miniport answers every item: the "not supported yet" list is empty and can only stay so', async () => {
    const { SynthMiniport } = await import('../../../engine/synth/miniport.js');
    const port = new PortDMus(new SynthMiniport(), { sampleRate: 48_000, maxFramesPerBlock: 256 });
    const pin = port.createRenderPin();
    expect(unsupportedItems(pin.stream.node)).toEqual([]);
    // Every GET item of the pin answers with a value of its declared size.
    for (const item of PROPERTY_ITEMS.filter((i) => i.target === 'pin' && i.verbs & GET && !i.instanceSize)) {
      const r = dispatchProperty(port, { set: item.propSet, id: item.id, flags: GET, pinId: pin.id });
      expect(r.statusName, item.name).toBe('STATUS_SUCCESS');
      expect(r.bytesReturned, item.name).toBe(item.size);
    }
  });
});
