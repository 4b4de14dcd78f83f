/**
 * The miniport stream as the port sees it (reference §3, §4, §7): channel groups (independent,
 * group 0 broadcast, resizing keeps state), pins independent, property items (CAPS,
 * PORTPARAMETERS clamping, VOICEPRIORITY, RUNNINGSTATS, VOLUME/BOOST), GM/GS SysEx (also
 * reassembled from INCOMPLETE chunks), package events, states, and voice stealing.
 */
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../engine/dmus/allocator.js';
import { KsStatusError } from '../../../engine/dmus/errors.js';
import { DMUS_KEF } from '../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { DAUD, SYNTH_PC, SYNTH_PORTPARAMS } from '../../../engine/synth/constants.js';
import { SynthMiniport } from '../../../engine/synth/miniport.js';
import { goertzel, maxStep, peak, rms, toDb } from '../../helpers/audio-analysis.js';
import { instrumentDownload, sineWave, waveDownload } from '../../helpers/synth-downloads.js';
import { type Harness, makeHarness, renderFrames, send, sendSysex, shortEvent, timeOfSample } from '../../helpers/synth-harness.js';

const RATE = 48000;

/** Patch 0 = 1000 Hz sine, patch 1 = 1500 Hz sine, drum kit 0 = 2000 Hz sine (all looped). */
function load(h: Harness): void {
  const n = h.stream.node;
  n.download(waveDownload(1, sineWave(480, 10), RATE));
  n.download(waveDownload(2, sineWave(480, 15), RATE));
  n.download(waveDownload(3, sineWave(480, 20), RATE));
  n.download(instrumentDownload({ dlId: 10, patch: 0, regions: [{ waveDlId: 1, loop: { start: 0, length: 480 } }] }));
  n.download(instrumentDownload({ dlId: 11, patch: 1, regions: [{ waveDlId: 2, loop: { start: 0, length: 480 } }] }));
  n.download(instrumentDownload({ dlId: 12, patch: 0x80000000, regions: [{ waveDlId: 3, loop: { start: 0, length: 480 } }] }));
}
const amp = (x: Float32Array, f: number) => goertzel(x, RATE, f, 2400);
const now = (h: Harness) => timeOfSample(h, h.position);

describe('channel groups', () => {
  it('channel 1 of group 2 is independent of channel 1 of group 1', () => {
    const h = makeHarness();
    load(h);
    send(h, 0, 2, 0xc0, 1); // group 2 ch 1: program 1 (1500 Hz)
    send(h, 0, 1, 0x90, 60, 127);
    send(h, 0, 2, 0x90, 60, 127);
    send(h, 0, 2, 0xe0, 0x7f, 0x7f); // bend group 2 only: 1500 Hz -> +2 semitones
    send(h, 0, 2, 0xb0, 7, 50);
    const { L } = renderFrames(h, 9600);
    expect(amp(L, 1000)).toBeGreaterThan(0.3); // group 1 untouched: no bend, full CC7 100
    expect(amp(L, 1500)).toBeLessThan(0.01);
    const bent = 1500 * 2 ** ((200 * 8191) / 8192 / 1200);
    expect(amp(L, bent)).toBeGreaterThan(0.05);
    expect(toDb(amp(L, bent) / amp(L, 1000))).toBeCloseTo(40 * Math.log10(50 / 100), 0);
  });

  it('group 0 broadcasts to every group; groups beyond the count are ignored', () => {
    const h = makeHarness();
    load(h);
    h.stream.node.setChannelGroups(3);
    send(h, 0, 0, 0xc0, 1);
    send(h, 0, 3, 0x90, 60, 127);
    send(h, 0, 4, 0x90, 72, 127); // group 4 does not exist
    const { L } = renderFrames(h, 9600);
    expect(amp(L, 1500)).toBeGreaterThan(0.3);
    expect(h.stream.core.activeVoices).toBe(1);
  });

  it('changing the group count keeps the state of the groups that stay', () => {
    const h = makeHarness();
    load(h);
    expect(h.stream.node.getChannelGroups()).toBe(2);
    send(h, 0, 2, 0xc0, 1);
    renderFrames(h, 256);
    h.stream.node.setVoicePriority(2, 3, DAUD.HIGH);
    h.stream.node.setChannelGroups(5);
    h.stream.node.setChannelGroups(2);
    expect(h.stream.node.getVoicePriority(2, 3)).toBe(DAUD.HIGH);
    send(h, now(h), 2, 0x90, 60, 127);
    expect(amp(renderFrames(h, 9600).L, 1500)).toBeGreaterThan(0.3);
    expect(() => h.stream.node.setChannelGroups(0)).toThrow(KsStatusError);
    expect(() => h.stream.node.setChannelGroups(1001)).toThrow(KsStatusError);
  });

  it('channel 10 of every group is a drum channel; GS use-for-rhythm SysEx (in INCOMPLETE chunks) changes it', () => {
    const h = makeHarness();
    load(h);
    send(h, 0, 2, 0x99, 60, 127); // ch 10 group 2 -> drum kit 0
    let L = renderFrames(h, 9600).L;
    expect(amp(L, 2000)).toBeGreaterThan(0.3);
    send(h, now(h), 2, 0xb9, 123, 0);
    renderFrames(h, 4800);
    // GS: part 2 (block 2 = MIDI ch 2) use for rhythm = 1, split into 4-byte chunks.
    sendSysex(h, now(h), 2, [0xf0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x12, 0x15, 0x01, 0x18, 0xf7], 4);
    send(h, now(h), 2, 0x91, 60, 127);
    L = renderFrames(h, 9600).L;
    expect(amp(L, 2000)).toBeGreaterThan(0.3);
    expect(h.allocator.stats.eventsInUse).toBe(0);
  });

  it('GM System On resets controllers and programs; master volume SysEx scales the output', () => {
    const h = makeHarness();
    load(h);
    send(h, 0, 1, 0xc0, 1);
    send(h, 0, 1, 0x90, 60, 127);
    const before = rms(renderFrames(h, 9600).L, 2400);
    sendSysex(h, now(h), 1, [0xf0, 0x7f, 0x7f, 0x04, 0x01, 0x00, 64, 0xf7]);
    const quieter = rms(renderFrames(h, 9600).L, 2400);
    expect(toDb(quieter / before)).toBeCloseTo(40 * Math.log10(64 / 127), 0);
    sendSysex(h, now(h), 1, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(0); // all sound off
    send(h, now(h), 1, 0x90, 60, 127);
    const L = renderFrames(h, 9600).L;
    expect(amp(L, 1000)).toBeGreaterThan(0.3); // program back to 0
    expect(rms(L, 2400)).toBeCloseTo(before, 2); // master volume back to full
  });

  it('CC121 resets volume and pan only with a non-zero data byte (the Microsoft quirk); CC120/123 silence', () => {
    const h = makeHarness();
    load(h);
    send(h, 0, 1, 0xb0, 7, 40);
    send(h, 0, 1, 0x90, 60, 127);
    const low = rms(renderFrames(h, 4800).L, 2400);
    send(h, now(h), 1, 0xb0, 121, 0);
    expect(rms(renderFrames(h, 4800).L, 2400)).toBeCloseTo(low, 3);
    send(h, now(h), 1, 0xb0, 121, 1);
    expect(toDb(rms(renderFrames(h, 4800).L, 2400) / low)).toBeCloseTo(40 * Math.log10(100 / 40), 0);
    send(h, now(h), 1, 0xb0, 123, 0);
    renderFrames(h, 4800);
    expect(h.stream.core.activeVoices).toBe(0);
    send(h, now(h), 1, 0x90, 60, 127);
    renderFrames(h, 480);
    send(h, now(h), 1, 0xb0, 120, 0);
    const off = renderFrames(h, 480).L;
    expect(peak(off, 100)).toBe(0);
  });
});

describe('pins (streams) and states', () => {
  it('two streams of one miniport are independent virtual synths', () => {
    const miniport = new SynthMiniport();
    const allocator = new Allocator();
    const a = makeHarness({ miniport, allocator });
    const b = makeHarness({ miniport, allocator });
    load(a);
    expect(miniport.openStreams).toBe(2);
    a.stream.node.setVolume(-1200);
    send(a, 0, 1, 0x90, 60, 127);
    send(b, 0, 1, 0x90, 60, 127); // b has no downloads: silent
    expect(peak(renderFrames(b, 4800).L)).toBe(0);
    expect(b.stream.node.getVolume()).toBe(0);
    load(b);
    send(b, now(b), 1, 0x90, 60, 127);
    const la = renderFrames(a, 9600).L;
    const lb = renderFrames(b, 9600).L;
    expect(toDb(rms(la, 4800) / rms(lb, 4800))).toBeCloseTo(-12, 1);
    b.stream.close();
    expect(miniport.openStreams).toBe(1);
  });

  it('package events are handled as a unit and every event returns to the allocator', () => {
    const h = makeHarness();
    load(h);
    const a = h.allocator;
    const pkg = a.getMessage();
    const on1 = shortEvent(h, 0, 1, [0x90, 60, 127]);
    const on2 = shortEvent(h, 0, 2, [0x90, 72, 127]);
    a.fields.pNextEvt[on1] = on2;
    a.fields.usFlags[pkg] = DMUS_KEF.PACKAGE_EVENT;
    a.fields.pPackageEvt[pkg] = on1;
    a.fields.usChannelGroup[pkg] = 1;
    h.stream.mxf.putMessage(pkg);
    renderFrames(h, 256);
    expect(h.stream.core.activeVoices).toBe(2);
    expect(a.stats.eventsInUse).toBe(0);
  });

  it('a chain is queued event by event; STOP returns queued events to the allocator and silences', () => {
    const h = makeHarness();
    load(h);
    const a = h.allocator;
    const e1 = shortEvent(h, 0, 1, [0x90, 60, 127]);
    const e2 = shortEvent(h, timeOfSample(h, 48000), 1, [0x90, 64, 127]);
    a.fields.pNextEvt[e1] = e2;
    h.stream.mxf.putMessage(e1);
    renderFrames(h, 512);
    expect(h.stream.core.activeVoices).toBe(1);
    expect(a.stats.eventsInUse).toBe(1);
    h.stream.mxf.setState(KSSTATE.PAUSE);
    expect(h.stream.core.activeVoices).toBe(0);
    expect(peak(renderFrames(h, 256).L)).toBe(0);
    h.stream.mxf.setState(KSSTATE.STOP);
    expect(a.stats.eventsInUse).toBe(0);
  });
});

describe('send effects (engine/synth/effects on the CC91 / CC93 buses)', () => {
  const tail = (cc91: number, cc93: number) => {
    const h = makeHarness({ options: {} }); // default miniport options: Reverb and Chorus present
    load(h);
    send(h, 0, 1, 0xb0, 91, cc91);
    send(h, 0, 1, 0xb0, 93, cc93);
    send(h, 0, 1, 0x90, 60, 127);
    const dry = renderFrames(h, 9600).L;
    send(h, now(h), 1, 0x80, 60, 0);
    renderFrames(h, 480); // the voice ends at once (0 s release)
    expect(h.stream.core.activeVoices).toBe(0);
    return { caps: h.stream.node.getCaps(), dry: rms(dry, 4800), after: rms(renderFrames(h, 9600).L, 0, 4800) };
  };
  it('CC91 feeds the reverb (a tail after the voice ended), CC91 0 and CC93 0 leave none', () => {
    const wet = tail(127, 0);
    expect(wet.caps.effectFlags).toBe(3);
    expect(wet.caps.flags & SYNTH_PC.REVERB).toBeTruthy();
    expect(wet.after).toBeGreaterThan(wet.dry * 0.01);
    const none = tail(0, 0);
    expect(none.after).toBeLessThan(1e-6);
    const chorus = tail(0, 127);
    expect(chorus.after).toBeGreaterThan(0); // the chorus delay line still sounds just after
  });
});

describe('properties', () => {
  it('CAPS and WAVEFORMAT', () => {
    const h = makeHarness();
    const caps = h.stream.node.getCaps();
    expect(caps.flags & SYNTH_PC.DLS).toBeTruthy();
    expect(caps.flags & SYNTH_PC.DLS2).toBeTruthy();
    expect(caps.flags & SYNTH_PC.SOFTWARESYNTH).toBeTruthy();
    expect(caps.memorySize).toBe(SYNTH_PC.SYSTEMMEMORY);
    expect(caps.maxChannelGroups).toBe(1000);
    expect(caps.maxVoices).toBe(1000);
    expect(caps.maxAudioChannels).toBe(2);
    expect(h.stream.node.getWaveFormat()).toMatchObject({ formatTag: 1, channels: 2, samplesPerSec: RATE, bitsPerSample: 16, blockAlign: 4 });
    expect(h.stream.node.getAppend()).toBe(2);
  });

  it('PORTPARAMETERS: voices and groups clamped to 1..1000, rate and channels fixed by the wave pin, defaults for unflagged fields', () => {
    const h = makeHarness();
    const P = SYNTH_PORTPARAMS;
    const all = P.VOICES | P.CHANNELGROUPS | P.AUDIOCHANNELS | P.SAMPLERATE | P.EFFECTS | P.SHARE;
    let r = h.stream.node.getPortParameters({ validParams: all, voices: 5000, channelGroups: 0, audioChannels: 1, sampleRate: 22050, effectsFlags: 4, share: 1 });
    expect(r.changed).toBe(true);
    expect(r.params).toMatchObject({ voices: 1000, channelGroups: 1, audioChannels: 2, sampleRate: RATE, share: 0 });
    expect(r.params.effectsFlags & 4).toBe(0);
    expect(h.stream.node.getChannelGroups()).toBe(1);
    r = h.stream.node.getPortParameters({ validParams: P.VOICES | P.CHANNELGROUPS, voices: 64, channelGroups: 16, audioChannels: 0, sampleRate: 0, effectsFlags: 0, share: 0 });
    expect(r.changed).toBe(false);
    expect(r.params.voices).toBe(64);
    expect(h.stream.node.getChannelGroups()).toBe(16);
    r = h.stream.node.getPortParameters({ validParams: 0, voices: 0, channelGroups: 0, audioChannels: 0, sampleRate: 0, effectsFlags: 0, share: 0 });
    expect(r.params).toMatchObject({ voices: 32, channelGroups: 2, audioChannels: 2, sampleRate: RATE });
  });

  it('VOICEPRIORITY defaults to DAUD_STANDARD | channel offset (channel 10 highest)', () => {
    const h = makeHarness();
    expect(h.stream.node.getVoicePriority(1, 9)).toBe((DAUD.STANDARD | 0x0f) >>> 0);
    expect(h.stream.node.getVoicePriority(2, 0)).toBe((DAUD.STANDARD | 0x0e) >>> 0);
    expect(h.stream.node.getVoicePriority(1, 15)).toBe(DAUD.STANDARD >>> 0);
    expect(() => h.stream.node.getVoicePriority(3, 0)).toThrow(KsStatusError);
    expect(() => h.stream.node.getVoicePriority(0, 0)).toThrow(KsStatusError);
  });

  it('VOLUME and VOLUMEBOOST default to 0 and +600 and add', () => {
    const h = makeHarness();
    expect(h.stream.node.getVolume()).toBe(0);
    expect(h.stream.node.getVolumeBoost()).toBe(600);
    load(h);
    send(h, 0, 1, 0x90, 60, 127);
    const ref = rms(renderFrames(h, 4800).L, 2400);
    h.stream.node.setVolumeBoost(0);
    h.stream.node.setVolume(-300);
    expect(toDb(rms(renderFrames(h, 4800).L, 2400) / ref)).toBeCloseTo(-9, 1);
  });

  it('RUNNINGSTATS: voices, CPU, lost notes, free memory, peak volume in dB × 100', () => {
    const h = makeHarness();
    const empty = h.stream.node.getRunningStats();
    load(h);
    send(h, 0, 1, 0x90, 60, 127);
    send(h, 0, 1, 0x90, 64, 127);
    renderFrames(h, 9600);
    const s = h.stream.node.getRunningStats();
    expect(s.voices).toBe(2);
    expect(s.totalCpu).toBeGreaterThan(0);
    expect(s.cpuPerVoice).toBeGreaterThan(0);
    expect(s.lostNotes).toBe(0);
    expect(s.freeMemory).toBeLessThan(empty.freeMemory);
    // Two 0.8 sines at -4.15 dB (CC7 100), -3 dB pan, +6 dB boost: peak ≈ 2 × 0.6995 (they do align).
    expect(s.peakVolume).toBeGreaterThan(-200);
    expect(s.peakVolume).toBeLessThan(400);
    send(h, now(h), 1, 0xb0, 120, 0);
    renderFrames(h, 9600);
    h.stream.node.getRunningStats();
    renderFrames(h, 4800);
    expect(h.stream.node.getRunningStats().peakVolume).toBe(-9600);
  });
});

describe('voice stealing', () => {
  it('at the voice limit the lowest-priority, then oldest, voice is stolen: counted, faded in ~1 ms without a click', () => {
    const h = makeHarness();
    load(h);
    h.stream.node.getPortParameters({ validParams: SYNTH_PORTPARAMS.VOICES, voices: 3, channelGroups: 0, audioChannels: 0, sampleRate: 0, effectsFlags: 0, share: 0 });
    send(h, 0, 1, 0xbf, 10, 0); // ch 16 hard left (lowest default priority)
    send(h, 0, 1, 0xb0, 10, 127); // ch 1 hard right
    send(h, 0, 1, 0x9f, 60, 127); // ch 16: oldest-but-one, lowest priority
    send(h, 0, 1, 0x90, 48, 127); // ch 1
    send(h, 0, 1, 0x90, 53, 127);
    renderFrames(h, 4800);
    // The fourth note steals: the ch 16 voice (lowest priority) although a ch 1 voice is older.
    send(h, now(h) + timeOfSample(h, 100), 1, 0x90, 57, 127);
    const { L, R } = renderFrames(h, 4800);
    expect(peak(L, 200)).toBeLessThan(1e-6); // ch 16 (left) is gone after the fade
    expect(peak(L, 0, 100)).toBeGreaterThan(0.3);
    // No click: the largest step while fading is no bigger than the sine's own slope.
    const slope = peak(L, 0, 100) * ((2 * Math.PI * 1000) / RATE);
    expect(maxStep(L, 95, 200)).toBeLessThan(slope * 1.05);
    expect(rms(R, 400)).toBeGreaterThan(0.3);
    expect(h.stream.core.stats.stolenVoices).toBe(1);
    expect(h.stream.node.getRunningStats().lostNotes).toBe(1);
    expect(h.stream.core.activeVoices).toBe(3);
  });

  it('a note whose channel ranks below every sounding voice is lost (counted)', () => {
    const h = makeHarness();
    load(h);
    h.stream.node.getPortParameters({ validParams: SYNTH_PORTPARAMS.VOICES, voices: 1, channelGroups: 0, audioChannels: 0, sampleRate: 0, effectsFlags: 0, share: 0 });
    h.stream.node.setVoicePriority(1, 0, DAUD.CRITICAL);
    send(h, 0, 1, 0x90, 60, 127);
    send(h, 0, 1, 0x91, 60, 127);
    renderFrames(h, 960);
    expect(h.stream.core.activeVoices).toBe(1);
    expect(h.stream.node.getRunningStats().lostNotes).toBe(1);
  });
});
