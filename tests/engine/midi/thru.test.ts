import { describe, expect, it } from 'vitest';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import {
  captureGroupOfInput,
  type ThruEntry,
  ThruMapError,
  type ThruOutput,
  ThruRouter,
  thruInputToGroup,
  validateThruMap,
} from '../../../engine/midi/thru.js';

function captured(records: Array<[time: number, input: number, bytes: number[]]>, size = 1024): DirectMusicBuffer {
  const b = new DirectMusicBuffer(size);
  for (const [t, input, bytes] of records) {
    const g = captureGroupOfInput(input);
    if (bytes[0] === 0xf0) b.packUnstructured(t, g, Uint8Array.from(bytes));
    else b.packStructured(t, g, bytes[0] | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16));
  }
  return b;
}

function decode(outs: ThruOutput[]) {
  return outs.flatMap((o) => readDirectMusicBuffer(o.bytes, o.startTime).events.map((e) => [o.pinId, e.time, e.channelGroup, e.structured, [...e.data]]));
}

describe('ThruRouter', () => {
  const map: ThruEntry[] = [
    { input: 0, channel: 0, pinId: 1, group: 1, destChannel: 0 },
    { input: 0, channel: 1, pinId: 1, group: 2, destChannel: 9 },
    { input: 0, channel: 2, pinId: 2, group: 1, destChannel: 5 },
    { input: 1, channel: 0, pinId: 2, group: 3, destChannel: 15 },
  ];

  it('rewrites channel and group per pin and stamps everything at the latency clock (+k × 100 ns)', () => {
    const r = new ThruRouter(map);
    const irp = captured([
      [1000, 0, [0x90, 60, 100]],
      [1010, 0, [0x91, 36, 90]],
      [1020, 0, [0xe2, 0, 64]],
      [1030, 1, [0x90, 62, 80]],
      [1040, 0, [0x93, 1, 1]], // channel 3: unmapped
      [1050, 0, [0x80, 60, 0]],
    ]);
    const out = r.route(irp, 5_000_000);
    expect(decode(out)).toEqual([
      [1, 5_000_000, 1, true, [0x90, 60, 100]],
      [1, 5_000_001, 2, true, [0x99, 36, 90]],
      [1, 5_000_002, 1, true, [0x80, 60, 0]],
      [2, 5_000_000, 1, true, [0xe5, 0, 64]],
      [2, 5_000_001, 3, true, [0x9f, 62, 80]],
    ]);
    expect(r.stats).toMatchObject({ routed: 5, droppedUnmapped: 1 });
    // The raw bytes form works the same.
    expect(decode(r.route({ bytes: irp.raw(), startTime: irp.getStartTime() }, 5_000_000))).toEqual(decode(out));
  });

  it('note-on and note-off of one key in one IRP keep their order through the sequencer rule', () => {
    const r = new ThruRouter(thruInputToGroup(0, 7, 4));
    const out = r.route(captured([[0, 0, [0x90, 60, 100]], [5, 0, [0x80, 60, 0]]]), 100);
    const ev = decode(out);
    expect(ev.map((e) => e[1])).toEqual([100, 101]); // distinct times: the note-off cannot jump ahead
  });

  it('SysEx follows the input to each distinct destination; real-time and system common are dropped', () => {
    const r = new ThruRouter(map);
    const b = new DirectMusicBuffer(512);
    b.packUnstructured(0, 1, Uint8Array.of(0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7));
    b.packStructured(1, 1, 0xf8);
    b.packStructured(2, 1, 0xfe);
    b.packStructured(3, 1, 0x1af1); // MTC quarter frame
    b.packStructured(4, 1, 0x00_00_f2 | (10 << 8)); // song position
    const out = decode(r.route(b, 900));
    expect(out).toEqual([
      [1, 900, 1, false, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
      [1, 901, 2, false, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
      [2, 900, 1, false, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
    ]);
    expect(r.stats).toMatchObject({ sysexRouted: 3, droppedRealTime: 2, droppedSystem: 2 });
    const drop = new ThruRouter(map, { system: 'drop' });
    expect(drop.route(b, 900)).toEqual([]);
    expect(drop.stats.droppedSystem).toBe(3);
  });

  it('splits a pin output over several buffers when it does not fit one', () => {
    const r = new ThruRouter(thruInputToGroup(0, 1, 1), { irpBytes: 48 }); // two 24-byte records each
    const recs = Array.from({ length: 5 }, (_, i) => [i, 0, [0x90, 60 + i, 100]] as [number, number, number[]]);
    const out = r.route(captured(recs), 10);
    expect(out.map((o) => o.bytes.length)).toEqual([48, 48, 24]);
    expect(decode(out).map((e) => e[1])).toEqual([10, 11, 12, 13, 14]);
    // A SysEx larger than one output buffer is dropped and counted.
    const big = new DirectMusicBuffer(256);
    big.packUnstructured(0, 1, new Uint8Array(40).fill(1).fill(0xf0, 0, 1));
    expect(r.route(big, 0)).toEqual([]);
    expect(r.stats.droppedTooLarge).toBe(1);
  });

  it('validates maps with errors naming the entry and field; a bad map leaves the old one', () => {
    const bad: Array<[Partial<ThruEntry>, string, RegExp]> = [
      [{ input: -1 }, 'input', /input -1 must be an integer/],
      [{ channel: 16 }, 'channel', /input channel 16 must be 0..15/],
      [{ pinId: 0 }, 'pinId', /pin id 0 must be a positive integer/],
      [{ group: 0 }, 'group', /channel group 0 must be 1..65535 \(0 means every group/],
      [{ group: 70000 }, 'group', /channel group 70000/],
      [{ destChannel: 1.5 }, 'destChannel', /destination channel 1.5/],
    ];
    for (const [patch, field, msg] of bad) {
      const entries = [map[0], { ...map[1], ...patch }];
      let err: unknown;
      try {
        validateThruMap(entries);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ThruMapError);
      expect((err as ThruMapError).entry).toBe(1);
      expect((err as ThruMapError).field).toBe(field);
      expect((err as ThruMapError).message).toMatch(msg);
    }
    expect(() => validateThruMap([map[0], { ...map[1], channel: 0 }])).toThrow(/entry 1: input 0 channel 0 is already routed by entry 0/);
    expect(() => validateThruMap(map, new Set([1]))).toThrow(/entry 2: no render pin 2/);
    const r = new ThruRouter(map);
    expect(() => r.setMap([{ ...map[0], group: 0 }])).toThrow(ThruMapError);
    expect(r.entries).toEqual(map);
  });
});
