/**
 * The MIDI side of the host: a keyboard (a fake RtMidi module) -> capture pin -> thru -> synth
 * pin, the monitor notification, re-routing, and recording keyboard and on-screen notes to a
 * standard MIDI file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { readSmf } from '../../../engine/midi/smf.js';
import type { RtMidiInput, RtMidiModule } from '../../../engine/midi/rtmidi.js';
import { createClient } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';

/** A pretend MIDI system: `ports` are the device names; `play` sends bytes from a device. */
function fakeMidi(ports: string[]) {
  const inputs: Array<{ port?: string; virtual?: string; listener?: (dt: number, m: number[]) => void }> = [];
  const module: RtMidiModule = {
    Input: class implements RtMidiInput {
      private readonly me: (typeof inputs)[number] = {};
      constructor() {
        inputs.push(this.me);
      }
      getPortCount() {
        return ports.length;
      }
      getPortName(i: number) {
        return ports[i] ?? '';
      }
      openPort(i: number) {
        this.me.port = ports[i];
      }
      openVirtualPort(name: string) {
        this.me.virtual = name;
      }
      closePort() {
        this.me.port = undefined;
      }
      ignoreTypes() {}
      on(_e: 'message', l: (dt: number, m: number[]) => void) {
        this.me.listener = l;
        return this;
      }
    },
  };
  const play = (device: string, bytes: number[]) => {
    for (const i of inputs) if (i.port === device) i.listener?.(0, bytes);
  };
  return { module, play };
}

const servers: EngineServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start() {
  const midi = fakeMidi(['Keystation 49']);
  const session = new Session({ dir: null, output: 'offline' });
  await session.start();
  const server = new EngineServer(session, { midi: { load: async () => midi.module, backend: 'test', pollMs: 0 } });
  servers.push(server);
  await server.midi.start();
  const [a, b] = createMemoryPair();
  server.attach(a);
  const client = createClient(b, { validate: true });
  await client.connected;
  return { client, session, midi };
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

describe('MIDI host (capture, thru, monitor, recording)', () => {
  it('lists inputs with the virtual port; an opened keyboard plays the first pin through thru', async () => {
    const { client, session, midi } = await start();
    const status = await client.call('listMidiInputs', {});
    expect(status.available).toBe(true);
    expect(status.virtualPort).toBe('DMus Workstation');
    expect(status.inputs.map((i) => i.name)).toEqual(['Keystation 49']);
    const opened = await client.call('openMidiInput', { name: 'Keystation 49' });
    expect(opened.inputs[0].open).toBe(true);
    const state = await client.call('getState', {});
    expect(state.thru.filter((r) => r.input === 'Keystation 49')).toHaveLength(16);
    const monitor: unknown[] = [];
    client.on('onMidiInput', (m) => monitor.push(...m.events));
    session.stats();
    midi.play('Keystation 49', [0x90, 60, 100]);
    const l = new Float32Array(4800);
    const r = new Float32Array(4800);
    session.localEngine().renderFrames(l, r);
    expect(rms(l)).toBeGreaterThan(0.003);
    expect(session.stats().pins[0].voices).toBeGreaterThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 80));
    expect(monitor).toEqual([expect.objectContaining({ input: 'Keystation 49', bytes: [0x90, 60, 100] })]);
  });

  it('routes an input channel to another group and channel; bad routes are refused', async () => {
    const { client, session, midi } = await start();
    const pinId = (await client.call('getState', {})).pins[0].id;
    await client.call('openMidiInput', { name: 'Keystation 49' });
    await client.call('setThruRoute', { input: 'Keystation 49', inputChannel: 0, pinId, group: 2, channel: 3 });
    session.stats();
    midi.play('Keystation 49', [0x90, 64, 100]);
    const act = session.stats().pins[0].activity;
    expect(act[16 + 3]).toBe(1); // group 2, channel 4
    expect(act[0]).toBe(0);
    await expect(client.call('setThruRoute', { input: 'Keystation 49', inputChannel: 0, pinId, group: 9, channel: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS', where: 'params.group' });
    await expect(client.call('openMidiInput', { name: 'Nope' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('records the keyboard and on-screen notes and saves a MIDI file', async () => {
    const { client, session, midi } = await start();
    const pinId = (await client.call('getState', {})).pins[0].id;
    await client.call('openMidiInput', { name: 'Keystation 49' });
    const rec = await client.call('startRecording', {});
    expect(rec.recording).toBe(true);
    midi.play('Keystation 49', [0x90, 60, 100]);
    await client.call('sendMidi', { pinId, group: 2, bytes: [0x91, 67, 90] });
    const l = new Float32Array(24000);
    session.localEngine().renderFrames(l, new Float32Array(24000));
    midi.play('Keystation 49', [0x80, 60, 0]);
    await client.call('sendMidi', { pinId, group: 2, bytes: [0x81, 67, 0] });
    const stopped = await client.call('stopRecording', {});
    expect(stopped.recording).toBe(false);
    expect(stopped.recordedEvents).toBeGreaterThanOrEqual(4);
    const saved = await client.call('saveRecording', {});
    const song = readSmf(saved.bytes!);
    const notes = song.events.filter((e) => e.kind === 'channel' && (e.data[0] & 0xf0) === 0x90);
    expect(notes.map((e) => [e.group, e.data[1]]).sort()).toEqual([
      [1, 60],
      [2, 67],
    ]);
  });
});
