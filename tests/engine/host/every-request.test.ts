/**
 * Every request of the protocol, over the in-memory transport against a real engine session: each
 * is called once with valid parameters and answers with a result its schema accepts, and once
 * with malformed parameters, which gives INVALID_PARAMS and leaves the engine's state unchanged.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { packWaveDownload } from '../../../engine/dls/download.js';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSPROPERTY_SYNTH, KSPROPERTY_TYPE, KSPROPSETID } from '../../../engine/dmus/properties.js';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { writeSmf } from '../../../engine/midi/smf.js';
import type { RtMidiModule } from '../../../engine/midi/rtmidi.js';
import { type MethodName, methods } from '../../../engine/protocol/messages.js';
import { createClient, type ProtocolError } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';
import { BUILTIN_BANK } from '../../helpers/corpus.js';

const fakeRtMidi: RtMidiModule = {
  Input: class {
    getPortCount() {
      return 1;
    }
    getPortName() {
      return 'Keys';
    }
    openPort() {}
    openVirtualPort() {}
    closePort() {}
    ignoreTypes() {}
    on() {
      return this;
    }
  },
};

describe('every protocol request', () => {
  it('answers each valid request with a valid result, and each malformed one with INVALID_PARAMS', async () => {
    const session = new Session({ dir: null, output: 'offline' });
    await session.start();
    const server = new EngineServer(session, { midi: { load: async () => fakeRtMidi, backend: 'test', pollMs: 0 } });
    await server.midi.start();
    const [a, b] = createMemoryPair();
    server.attach(a);
    const client = createClient(b, { validate: true });
    await client.connected;
    const dir = mkdtempSync(join(tmpdir(), 'dmus-every-'));
    const bank = readFileSync(BUILTIN_BANK);
    const wave = readDls(new Uint8Array(bank)).waves[0];
    const called = new Set<MethodName>();
    const call = async <M extends MethodName>(m: M, p: Parameters<typeof client.call<M>>[1]) => {
      called.add(m);
      return client.call(m, p);
    };

    // Malformed parameters first: nothing may change.
    const before = await client.call('getState', {});
    for (const m of Object.keys(methods) as MethodName[]) {
      let err: ProtocolError | undefined;
      try {
        await client.call(m, { bogus: 1 } as never);
      } catch (e) {
        err = e as ProtocolError;
      }
      expect(err?.code, m).toBe('INVALID_PARAMS');
    }
    expect(await client.call('getState', {})).toEqual(before);

    // Then every request once, valid.
    await call('getState', {});
    const pin = await call('createPin', { name: 'Every' });
    await call('renamePin', { pinId: pin.id, name: 'Every request' });
    await call('setPinVolume', { pinId: pin.id, volume: -300 });
    await call('setPinMuted', { pinId: pin.id, muted: false });
    await call('setPinState', { pinId: pin.id, state: 'RUN' });
    await call('setChannelGroups', { pinId: pin.id, groups: 3 });
    await call('setVoiceLimit', { pinId: pin.id, voices: 48 });
    const col = await call('loadCollection', { path: BUILTIN_BANK });
    await call('loadCollectionData', { name: 'copy.dls', bytes: new Uint8Array(bank) });
    const withPiano = await call('downloadInstrument', { pinId: pin.id, collectionId: col.id, bank: 0, program: 0, drum: false });
    await call('setChannel', { pinId: pin.id, group: 2, channel: 0, program: 0, volume: 90, pan: 30, mute: false, solo: false, drum: false, priority: 0xc000000e });
    await call('sendMidi', { pinId: pin.id, group: 2, bytes: [0x90, 60, 100] });
    await call('panic', {});
    const buf = new DirectMusicBuffer(64);
    buf.packStructured(0, 1, 0x643c90);
    expect((await call('writeBuffer', { pinId: pin.id, startTime: 0, bytes: buf.raw() })).records).toBe(1);
    expect((await call('property', { pinId: pin.id, set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CAPS, flags: KSPROPERTY_TYPE.GET })).statusName).toBe('STATUS_SUCCESS');
    await call('unload', { pinId: pin.id, downloadId: withPiano.downloads[0].downloadId });
    await call('downloadCollection', { pinId: pin.id, collectionId: col.id });
    const raw = await call('downloadRaw', { pinId: pin.id, bytes: packWaveDownload(wave, 1_000_000) });
    await call('unloadRaw', { pinId: pin.id, downloadHandle: raw.downloadHandle });
    expect((await call('getCollection', { collectionId: col.id })).instruments.length).toBe(col.instruments.length);
    await call('closeCollection', { collectionId: col.id });
    await call('listAudioDevices', {});
    await call('setAudioSettings', { bufferFrames: 128, prefetchMs: 5 });
    await call('listMidiInputs', {});
    await call('openMidiInput', { name: 'Keys' });
    const pinNow = (await client.call('getState', {})).pins.find((p) => p.name === 'Every request')!;
    await call('setThruRoute', { input: 'Keys', inputChannel: 0, pinId: pinNow.id, group: 1, channel: 2 });
    await call('clearThruRoute', { input: 'Keys', inputChannel: 0 });
    await call('closeMidiInput', { name: 'Keys' });
    const song = writeSmf([
      { time: 0, group: 1, data: Uint8Array.of(0x90, 64, 100) },
      { time: 5_000_000, group: 1, data: Uint8Array.of(0x80, 64, 0) },
    ]);
    const songPath = join(dir, 'song.mid');
    (await import('node:fs')).writeFileSync(songPath, song);
    await call('openSong', { path: songPath });
    await call('openSongData', { name: 'song.mid', bytes: song });
    await call('play', { pinId: pinNow.id });
    await call('seek', { position: 1_000_000 });
    await call('stop', {});
    await call('startRecording', {});
    await call('sendMidi', { pinId: pinNow.id, group: 1, bytes: [0x90, 67, 100, 0x80, 67, 0] });
    await call('stopRecording', {});
    expect((await call('saveRecording', {})).events).toBeGreaterThanOrEqual(2);
    expect((await call('renderToWav', { path: join(dir, 'out.wav'), seconds: 0.5 })).frames).toBe(24000);
    await call('removePin', { pinId: pinNow.id });
    expect([...called].sort()).toEqual((Object.keys(methods) as MethodName[]).sort());
    await server.close();
  }, 60_000);
});
