import { describe, expect, it } from 'vitest';
import { DirectMusicBuffer, readDirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { Transpose } from '../../../engine/dmus/filters/transpose.js';
import { KSSTATE } from '../../../engine/dmus/mxf.js';
import { PortDMus } from '../../../engine/dmus/port.js';
import { TestMiniport } from '../../helpers/test-miniport.js';

describe('PortDMus (IPortDMus role)', () => {
  it('runs several render pins, each with its own chain and allocator', () => {
    const miniport = new TestMiniport(0);
    const port = new PortDMus(miniport, { sampleRate: 48_000, maxFramesPerBlock: 480 });
    const a = port.createRenderPin('A');
    const b = port.createRenderPin('B');
    expect(a.allocator).not.toBe(b.allocator);
    a.setState(KSSTATE.RUN);
    b.setState(KSSTATE.RUN);
    // KS walks the states one at a time.
    expect(miniport.streams[0].states).toEqual([KSSTATE.ACQUIRE, KSSTATE.PAUSE, KSSTATE.RUN]);
    const buf = new DirectMusicBuffer(256);
    buf.packStructured(100_000, 1, 0x643c90);
    buf.packStructured(200_000, 1, 0x003c80);
    a.write(buf.raw(), buf.getStartTime());
    buf.flush();
    buf.packStructured(150_000, 2, 0x7f4091);
    b.write(buf.raw(), buf.getStartTime());
    // Blocks of 10 ms (100_000 units): the service routine releases what is due.
    for (let i = 0; i < 4; i++) {
      port.notify();
      port.clock.advance(480);
    }
    expect(miniport.streams[0].released.map((r) => [r.time, r.at])).toEqual([
      [100_000, 100_000],
      [200_000, 200_000],
    ]);
    expect(miniport.streams[1].released.map((r) => [r.time, r.group, r.bytes])).toEqual([[150_000, 2, [0x91, 0x40, 0x7f]]]);
    expect(a.allocator.stats.eventsInUse).toBe(0);
    expect(b.allocator.stats.eventsInUse).toBe(0);
  });

  it('a miniport prefetch makes the sequencer release events that much early', () => {
    const miniport = new TestMiniport(100_000);
    const port = new PortDMus(miniport, { sampleRate: 48_000, maxFramesPerBlock: 480 });
    const pin = port.createRenderPin();
    pin.setState(KSSTATE.RUN);
    const buf = new DirectMusicBuffer(64);
    buf.packStructured(150_000, 1, 0x643c90);
    pin.write(buf.raw(), 150_000);
    port.notify(0);
    expect(miniport.streams[0].released).toHaveLength(0);
    port.notify(50_000);
    expect(miniport.streams[0].released).toHaveLength(1);
  });

  it('inserts transform filters in the one wiring place, and STOP returns everything', () => {
    const miniport = new TestMiniport(0);
    const port = new PortDMus(miniport, { sampleRate: 48_000, maxFramesPerBlock: 480 });
    const pin = port.createRenderPin();
    const transpose = new Transpose(pin.allocator, 12);
    pin.addFilter(transpose);
    pin.setState(KSSTATE.RUN);
    const buf = new DirectMusicBuffer(64);
    buf.packStructured(10, 1, 0x643c90);
    buf.packStructured(1e9, 1, 0x643e90); // far future: still queued at STOP
    pin.write(buf.raw(), 10);
    port.notify(100);
    expect(miniport.streams[0].released.map((r) => r.bytes[1])).toEqual([0x3c + 12]);
    pin.setState(KSSTATE.STOP);
    expect(pin.sequencer.length).toBe(0);
    expect(pin.allocator.stats.eventsInUse).toBe(0);
    pin.removeFilter(transpose);
    pin.setState(KSSTATE.RUN);
    buf.flush();
    buf.packStructured(200, 1, 0x643c90);
    pin.write(buf.raw(), 200);
    port.notify(300);
    expect(miniport.streams[0].released.map((r) => r.bytes[1])).toEqual([0x3c + 12, 0x3c]);
  });

  it('capture pin: raw bytes in, time-stamped IRPs out', () => {
    const port = new PortDMus(new TestMiniport(), { sampleRate: 48_000, maxFramesPerBlock: 480 });
    const cap = port.createCapturePin();
    const done: DirectMusicBuffer[] = [];
    cap.onIrpComplete = (irp) => done.push(irp);
    for (let i = 0; i < 4; i++) cap.submitIrp(new DirectMusicBuffer(512));
    cap.setState(KSSTATE.RUN);
    cap.receive([0x90, 60], 1_000, 1);
    cap.receive([100, 0xf8, 62, 90], 2_000, 1); // running status for the 2nd note
    cap.receive([0xf0, 0x43, 0x10], 3_000, 2);
    cap.receive([0x4c, 0x00, 0x00, 0x7e, 0x00, 0xf7], 4_000, 2);
    port.notify();
    expect(done).toHaveLength(1);
    const { events } = readDirectMusicBuffer(done[0].raw(), done[0].getStartTime());
    expect(events.map((e) => [e.time, e.channelGroup, e.structured, [...e.data]])).toEqual([
      [1_000, 1, true, [0x90, 60, 100]],
      [2_000, 1, true, [0xf8]],
      [2_000, 1, true, [0x90, 62, 90]],
      [3_000, 2, false, [0xf0, 0x43, 0x10, 0x4c, 0x00, 0x00, 0x7e, 0x00, 0xf7]],
    ]);
    expect(cap.allocator.stats.eventsInUse).toBe(0);
  });

  it('capture pin: counts what it loses (no IRP to fill, a message too large, the input ring overrun)', () => {
    const port = new PortDMus(new TestMiniport(), { sampleRate: 48_000, maxFramesPerBlock: 480 });
    const cap = port.createCapturePin();
    const done: DirectMusicBuffer[] = [];
    cap.onIrpComplete = (irp) => done.push(irp);
    cap.submitIrp(new DirectMusicBuffer(48)); // room for two 3-byte messages
    cap.setState(KSSTATE.RUN);
    for (let k = 0; k < 5; k++) cap.receive([0x90, 60 + k, 100], 1_000 * k, 1);
    port.notify();
    expect(done).toHaveLength(1);
    expect(readDirectMusicBuffer(done[0].raw(), done[0].getStartTime()).events.map((e) => e.data[1])).toEqual([60, 61]);
    expect(cap.eventsLost).toBe(3);
    // An IRP again, too small for a 60-byte SysEx: counted, not cut.
    cap.submitIrp(new DirectMusicBuffer(48));
    cap.receive([0xf0, ...new Array(58).fill(1), 0xf7], 9_000, 1);
    port.notify();
    expect(cap.packer.stats.lostTooLarge).toBe(1);
    expect(cap.eventsLost).toBe(4);
    // More bytes than the input ring holds before a service: the rest are overrun bytes.
    cap.receive(new Array(20_000).fill(0xf8), 10_000, 1);
    expect(cap.bytesOverrun).toBe(20_000 - 16_384);
    expect(cap.eventsLost).toBe(4);
    expect(cap.allocator.stats.eventsInUse).toBe(0);
  });

  it('closes pins and refuses unknown ones', () => {
    const port = new PortDMus(new TestMiniport(), { sampleRate: 44_100, maxFramesPerBlock: 256 });
    const pin = port.createRenderPin();
    pin.setState(KSSTATE.RUN);
    port.closePin(pin.id);
    expect(port.renderPins).toHaveLength(0);
    expect(() => port.closePin(pin.id)).toThrow(/no pin/);
    expect(() => pin.setState(9 as never)).toThrow(/not a KS state/);
  });
});
