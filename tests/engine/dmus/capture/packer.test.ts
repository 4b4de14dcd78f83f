import { describe, expect, it } from 'vitest';
import { Allocator } from '../../../../engine/dmus/allocator.js';
import { Packer } from '../../../../engine/dmus/capture/packer.js';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../../../engine/dmus/dmus-buffer.js';
import { DMUS_KEF } from '../../../../engine/dmus/kernel-event.js';
import { KSSTATE } from '../../../../engine/dmus/mxf.js';
import { shortEvent } from '../../../helpers/mxf-recorder.js';

function setup() {
  const allocator = new Allocator({ initialEvents: 64, initialBuffers: 8, bufferSize: 16 });
  const packer = new Packer(allocator, 8);
  const done: DirectMusicBuffer[] = [];
  packer.onIrpComplete = (irp) => done.push(irp);
  packer.setState(KSSTATE.RUN);
  return { allocator, packer, done };
}

describe('Packer (events -> IRPs of DMUS_EVENTHEADER records)', () => {
  it('packs channel messages as structured records and completes the IRP on flush', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(256));
    packer.putMessage(shortEvent(allocator, 100, [0x90, 60, 100], 2));
    packer.putMessage(shortEvent(allocator, 150, [0xc1, 7], 2));
    expect(done).toHaveLength(0);
    packer.flush();
    expect(done).toHaveLength(1);
    const irp = done[0];
    const { events } = readDirectMusicBuffer(irp.raw(), irp.getStartTime());
    expect(events.map((e) => [e.time, e.channelGroup, e.structured, [...e.data]])).toEqual([
      [100, 2, true, [0x90, 60, 100]],
      [150, 2, true, [0xc1, 7]],
    ]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });

  it('packs a SysEx chain as one unstructured record', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(256));
    const sysex = Uint8Array.from({ length: 40 }, (_, i) => (i === 0 ? 0xf0 : i === 39 ? 0xf7 : i));
    const events = [0, 16, 32].map((off) => {
      const e = allocator.getMessage();
      allocator.setData(e, sysex, off, Math.min(16, 40 - off));
      allocator.fields.ullPresTime100ns[e] = 7;
      allocator.fields.usChannelGroup[e] = 1;
      return e;
    });
    const f = allocator.fields;
    f.usFlags[events[0]] = DMUS_KEF.EVENT_INCOMPLETE;
    f.usFlags[events[1]] = DMUS_KEF.EVENT_INCOMPLETE;
    f.pNextEvt[events[0]] = events[1];
    f.pNextEvt[events[1]] = events[2];
    packer.putMessage(events[0]);
    packer.flush();
    const { events: recs } = readDirectMusicBuffer(done[0].raw(), done[0].getStartTime());
    expect(recs).toHaveLength(1);
    expect(recs[0].structured).toBe(false);
    expect([...recs[0].data]).toEqual([...sysex]);
    expect(allocator.stats.eventsInUse).toBe(0);
    expect(allocator.stats.buffersInUse).toBe(0);
  });

  it('moves to the next IRP when one is full, and counts messages with no IRP to fill', () => {
    const { allocator, packer, done } = setup();
    packer.submitIrp(new DirectMusicBuffer(48)); // two 24-byte records
    packer.submitIrp(new DirectMusicBuffer(48));
    for (let i = 0; i < 5; i++) packer.putMessage(shortEvent(allocator, i, [0x90, 60 + i, 1]));
    // Both IRPs filled and completed as soon as they were full; the 5th message found no IRP.
    expect(done).toHaveLength(2);
    expect(packer.stats.lostNoIrp).toBe(1);
    packer.flush();
    expect(done).toHaveLength(2);
    const keys = done.flatMap((irp) => readDirectMusicBuffer(irp.raw(), irp.getStartTime()).events.map((e) => e.data[1]));
    expect(keys).toEqual([60, 61, 62, 63]);
    expect(allocator.stats.eventsInUse).toBe(0);
  });
});
