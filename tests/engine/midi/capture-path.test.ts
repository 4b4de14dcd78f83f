/**
 * The MIDI capture path from raw input bytes through a real PortDMus capture pin
 * (UartCaptureStream -> CaptureSink -> Packer -> IRPs), then thru routing into a real render pin
 * and recording to a MIDI file. This always runs (no MIDI subsystem needed); tests/midi/ does the
 * same with real RtMidi over JACK where the platform allows it.
 */
import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../engine/midi/recorder.js';
import { readSmf } from '../../../engine/midi/smf.js';
import { captureGroupOfInput, ThruRouter } from '../../../engine/midi/thru.js';
import { captureHarness } from '../../helpers/midi-capture.js';

describe('capture path: raw bytes -> capture pin -> DirectMusic buffer records', () => {
  it('parses running status, split messages, SysEx across callbacks and interleaved real-time bytes', () => {
    const h = captureHarness();
    const g = captureGroupOfInput(2);
    // Callback 1 at 1 ms: note-on, then running status, then half a message.
    h.capture.receive([0x90, 60, 100, 62, 90, 0xb0], 10_000, g);
    h.block();
    // Callback 2: the rest of the controller, a clock byte in the middle of a SysEx, then its end.
    h.capture.receive([7, 99, 0xf0, 0x41, 0x10, 0xf8, 0x42], 120_000, g);
    h.capture.receive([0x12, 0xf7, 0x80, 60, 0], 130_000, g);
    h.block();
    h.block();
    expect(h.records()).toEqual([
      [10_000, g, true, [0x90, 60, 100]],
      [10_000, g, true, [0x90, 62, 90]],
      [10_000, g, true, [0xb0, 7, 99]], // time of its first byte
      [120_000, g, true, [0xf8]], // real-time byte: its own event, at once
      [120_000, g, false, [0xf0, 0x41, 0x10, 0x42, 0x12, 0xf7]],
      [130_000, g, true, [0x80, 60, 0]],
    ]);
    expect(h.capture.allocator.stats.eventsInUse).toBe(0);
  });

  it('two inputs keep separate parser state and their own capture groups', () => {
    const h = captureHarness();
    h.capture.receive([0x90, 60], 0, 1);
    h.capture.receive([0x91, 40, 1], 0, 2);
    h.capture.receive([100, 61, 101], 50, 1); // completes input 0's note, then running status
    h.block();
    expect(h.records()).toEqual([
      [0, 2, true, [0x91, 40, 1]],
      [0, 1, true, [0x90, 60, 100]],
      [50, 1, true, [0x90, 61, 101]],
    ]);
  });
});

describe('capture -> thru -> render pin', () => {
  it('a note played on input 0 channel 0 sounds on pin 2, group 3, channel 5 at the latency clock', () => {
    const h = captureHarness({ renderPins: 1 });
    const pin = h.renders[0];
    const thru = new ThruRouter([{ input: 0, channel: 0, pinId: pin.id, group: 3, destChannel: 5 }]);
    h.capture.onIrpComplete = (irp) => {
      for (const o of thru.route(irp, h.port.latencyClock.getTime())) if (o.pinId === pin.id) pin.write(o.bytes, o.startTime);
      h.capture.submitIrp(irp);
    };
    h.block();
    const t = h.port.clock.getTime();
    h.capture.receive([0x90, 64, 110], t, captureGroupOfInput(0));
    h.capture.receive([0x91, 64, 110], t, captureGroupOfInput(0)); // channel 1: not routed
    for (let i = 0; i < 5; i++) h.block();
    const rel = h.miniport.streams[0].released;
    expect(rel.map((r) => [r.group, r.bytes])).toEqual([[3, [0x95, 64, 110]]]);
    // Stamped at the latency clock of the block that completed the IRP: master + 10 ms output latency.
    expect(rel[0].time).toBe(t + 100_000);
    expect(rel[0].at).toBe(rel[0].time);
  });
});

describe('Recorder', () => {
  it('record -> save -> read gives the same events and times within a tick, groups as tracks', () => {
    const h = captureHarness({ irpBytes: 256 });
    const rec = new Recorder({ name: 'take' });
    const start = 3_000_000;
    rec.start(start);
    h.capture.onIrpComplete = (irp) => {
      rec.addBuffer(irp);
      h.capture.submitIrp(irp);
    };
    // A deterministic pseudo-random performance on two inputs (groups 1 and 2).
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const sent: Array<[number, number, number[]]> = [];
    let time = start;
    for (let i = 0; i < 300; i++) {
      time += Math.floor(rand() * 200_000);
      const input = rand() < 0.5 ? 0 : 1;
      const ch = Math.floor(rand() * 16);
      const key = 36 + Math.floor(rand() * 48);
      const msg = rand() < 0.1 ? [0xb0 | ch, 7, Math.floor(rand() * 128)] : [0x90 | ch, key, 1 + Math.floor(rand() * 126)];
      sent.push([time, captureGroupOfInput(input), msg]);
      sent.push([time + 50_000, captureGroupOfInput(input), msg[0] >= 0xb0 ? [0xe0 | ch, 0, 64] : [0x80 | ch, key, 0]]);
    }
    sent.push([time + 60_000, 1, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]]);
    sent.sort((a, b) => a[0] - b[0]);
    // Feed in time order, block by block, as the MIDI callbacks would.
    let k = 0;
    while (k < sent.length) {
      const blockEnd = h.port.clock.getTime() + 100_000;
      while (k < sent.length && sent[k][0] < blockEnd) {
        h.capture.receive(sent[k][2], sent[k][0], sent[k][1]);
        h.capture.receive([0xfe], sent[k][0], sent[k][1]); // active sensing: not recorded
        k++;
      }
      h.block();
    }
    h.block();
    rec.stop(h.port.clock.getTime());
    expect(rec.stats.events).toBe(sent.length);
    const song = readSmf(rec.save());
    expect(song.tracks.map((t) => t.name)).toEqual(['take', 'Group 1', 'Group 2']);
    const tick = 5_000_000 / 480;
    const got = song.events.filter((e) => e.kind !== 'meta');
    expect(got).toHaveLength(sent.length);
    // Same events per group in the same order, each within half a tick of its capture time.
    for (const g of [1, 2]) {
      const want = sent.filter((s) => s[1] === g);
      const have = got.filter((e) => e.group === g);
      expect(have.map((e) => [...e.data])).toEqual(want.map((s) => s[2]));
      for (let i = 0; i < want.length; i++) expect(Math.abs(have[i].time - (want[i][0] - start))).toBeLessThanOrEqual(tick / 2 + 1);
    }
    expect(rec.stats.droppedRealTime).toBe(sent.length);
    expect(rec.stats.closedAtStop).toBe(0);
  });

  it('stop() ends held notes and a held pedal; events outside the take are not recorded', () => {
    const rec = new Recorder();
    rec.add(0, 1, Uint8Array.of(0x90, 60, 1));
    rec.start(1000);
    rec.add(500, 1, Uint8Array.of(0x90, 61, 1));
    rec.add(2000, 1, Uint8Array.of(0x90, 62, 1));
    rec.add(2000, 0, Uint8Array.of(0xb3, 64, 127)); // group 0 is written as group 1
    rec.add(3000, 2, Uint8Array.of(0x92, 70, 1));
    rec.add(4000, 2, Uint8Array.of(0x92, 70, 0));
    rec.stop(5_001_000);
    rec.add(6_000_000, 1, Uint8Array.of(0x90, 63, 1));
    expect(rec.stats.droppedOutside).toBe(3);
    expect(rec.stats.closedAtStop).toBe(2);
    const song = rec.toSong();
    expect(song.events.filter((e) => e.kind === 'channel').map((e) => [e.tick, e.group, [...e.data]])).toEqual([
      [0, 1, [0x90, 62, 1]],
      [0, 1, [0xb3, 64, 127]],
      [0, 2, [0x92, 70, 1]],
      [0, 2, [0x92, 70, 0]],
      [480, 1, [0x80, 62, 0]],
      [480, 1, [0xb3, 64, 0]],
    ]);
  });
});
