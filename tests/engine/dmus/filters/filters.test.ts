import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { ChannelGroupMap } from '../../../../engine/dmus/filters/channel-group-map.js';
import { ChannelMute } from '../../../../engine/dmus/filters/channel-mute.js';
import { Transpose } from '../../../../engine/dmus/filters/transpose.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { RecordingSink, shortEvent } from '../../../helpers/mxf-recorder.js';

function chain<T extends ChannelMute | Transpose | ChannelGroupMap>(make: (a: Allocator) => T) {
  const a = new Allocator({ initialEvents: 32 });
  const f = make(a);
  const out = new RecordingSink(a);
  f.connectOutput(out);
  f.setState(KSSTATE.RUN);
  return { a, f, out };
}

describe('transform filters', () => {
  it('ChannelMute drops note-ons of muted channels only; note-offs and controllers pass', () => {
    const { a, f, out } = chain((x) => new ChannelMute(x, 2));
    const mask = new Uint8Array(3 * 16);
    mask[2 * 16 + 3] = 1; // group 2, channel 4
    f.setMask(mask);
    f.putMessage(shortEvent(a, 0, [0x93, 60, 100], 2)); // muted
    f.putMessage(shortEvent(a, 0, [0x93, 60, 100], 1)); // same channel, group 1: plays
    f.putMessage(shortEvent(a, 0, [0x83, 60, 0], 2)); // note-off passes
    f.putMessage(shortEvent(a, 0, [0xb3, 7, 90], 2)); // controller passes
    expect(out.events.map((e) => [e.group, e.bytes[0]])).toEqual([
      [1, 0x93],
      [2, 0x83],
      [2, 0xb3],
    ]);
    expect(f.dropped).toBe(1);
    expect(a.stats.eventsInUse).toBe(0);
  });

  it('Transpose shifts notes, leaves drums, drops notes pushed out of range', () => {
    const { a, f, out } = chain((x) => new Transpose(x, 5));
    f.putMessage(shortEvent(a, 0, [0x90, 60, 100]));
    f.putMessage(shortEvent(a, 0, [0x99, 36, 100])); // drum channel 10
    f.putMessage(shortEvent(a, 0, [0x90, 125, 100])); // 130: out of range
    expect(out.events.map((e) => e.bytes)).toEqual([
      [0x90, 65, 100],
      [0x99, 36, 100],
    ]);
    expect(f.dropped).toBe(1);
  });

  it('ChannelGroupMap remaps groups, optionally drops unmapped ones', () => {
    const { a, f, out } = chain((x) => new ChannelGroupMap(x, { 1: 3 }, true));
    f.putMessage(shortEvent(a, 0, [0x90, 60, 100], 1));
    f.putMessage(shortEvent(a, 0, [0x90, 60, 100], 2));
    expect(out.events.map((e) => e.group)).toEqual([3]);
    expect(f.dropped).toBe(1);
    expect(() => f.set(70000, 1)).toThrow(RangeError);
  });
});
