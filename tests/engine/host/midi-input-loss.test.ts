/**
 * The MIDI input's losses reach the statistics the UI shows: a device that sends more bytes at once
 * than the capture pin's input ring holds (16 KB) loses the rest, and Stats.midiInputLost says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import type { RtMidiInput, RtMidiModule } from '../../../engine/midi/rtmidi.js';
import { Stats } from '../../../engine/protocol/messages.js';

/** One pretend MIDI device; play() sends bytes from it as one RtMidi message. */
function fakeMidi(device: string) {
  const listeners: Array<(dt: number, m: number[]) => void> = [];
  const module: RtMidiModule = {
    Input: class implements RtMidiInput {
      private open = false;
      getPortCount() {
        return 1;
      }
      getPortName() {
        return device;
      }
      openPort() {
        this.open = true;
      }
      openVirtualPort() {}
      closePort() {
        this.open = false;
      }
      ignoreTypes() {}
      on(_e: 'message', l: (dt: number, m: number[]) => void) {
        listeners.push((dt, m) => {
          if (this.open) l(dt, m);
        });
        return this;
      }
    },
  };
  return {
    module,
    play: (bytes: number[]) => {
      for (const l of listeners) l(0, bytes);
    },
  };
}

const servers: EngineServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('MIDI input losses in the statistics', () => {
  it('counts the bytes that overran the capture pin and reports them in Stats.midiInputLost', async () => {
    const midi = fakeMidi('Flooder');
    const session = new Session({ dir: null, output: 'offline' });
    await session.start();
    const server = new EngineServer(session, { midi: { load: async () => midi.module, backend: 'test', pollMs: 0 } });
    servers.push(server);
    await server.midi.start();
    server.midi.openMidiInput({ name: 'Flooder' });
    expect(Stats.parse(session.stats()).midiInputLost).toEqual({ messages: 0, bytes: 0 });
    // 20,000 active-sensing bytes in one message: 16,384 fit the input ring, 3,616 are lost.
    midi.play(new Array(20_000).fill(0xfe));
    const stats = Stats.parse(session.stats());
    expect(stats.midiInputLost?.bytes).toBe(20_000 - 16_384);
    // A normal message afterwards is not lost.
    midi.play([0x90, 60, 100]);
    expect(session.stats().midiInputLost?.bytes).toBe(20_000 - 16_384);
  });
});
