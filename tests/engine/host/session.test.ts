/**
 * The engine host over the in-memory transport: every request a client can make, the typed errors
 * of bad requests, and the state staying intact after them. Sound is checked by rendering offline.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectMusicBuffer } from '../../../engine/dmus/dmus-buffer.js';
import { KSPROPERTY_SYNTH, KSPROPERTY_TYPE, KSPROPSETID } from '../../../engine/dmus/properties.js';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { type EngineClient, type ProtocolError, createClient } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';
import { BUILTIN_BANK } from '../../helpers/corpus.js';

const servers: EngineServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(dir: string | null = null, defaults = true): Promise<{ client: EngineClient; server: EngineServer; session: Session }> {
  const session = new Session({ dir, output: 'offline', defaults });
  await session.start();
  const server = new EngineServer(session);
  servers.push(server);
  const [a, b] = createMemoryPair();
  server.attach(a);
  const client = createClient(b, { validate: true });
  await client.connected;
  return { client, server, session };
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

describe('engine host session', () => {
  it('starts on the built-in defaults: one pin with the GM bank downloaded, and it plays', async () => {
    const { client, session } = await start();
    const state = await client.call('getState', {});
    expect(state.pins).toHaveLength(1);
    expect(state.collections[0].builtIn).toBe(true);
    expect(state.collections[0].instrumentCount).toBeGreaterThanOrEqual(129);
    expect(state.pins[0].downloads.filter((d) => d.kind === 'instrument').length).toBe(state.collections[0].instrumentCount);
    // The snapshot carries a summary; the instrument list (every region) comes from getCollection.
    expect(state.collections[0]).not.toHaveProperty('instruments');
    const full = await client.call('getCollection', { collectionId: state.collections[0].id });
    expect(full.instruments).toHaveLength(state.collections[0].instrumentCount);
    expect(full.instruments.find((i) => i.program === 0 && !i.drum)?.regions.length).toBeGreaterThan(0);
    const pinId = state.pins[0].id;
    await client.call('sendMidi', { pinId, group: 1, bytes: [0x90, 60, 100] });
    const l = new Float32Array(24000);
    const r = new Float32Array(24000);
    session.localEngine().renderFrames(l, r);
    expect(rms(l)).toBeGreaterThan(0.005);
    const stats = session.stats();
    expect(stats.pins[0].voices).toBeGreaterThan(0);
  });

  it('pins: create, rename, groups, voices, volume, mute, state; a second pin is independent', async () => {
    const { client, session } = await start(null, false);
    const a = await client.call('createPin', { name: 'Lead' });
    const b = await client.call('createPin', {});
    expect(b.name).toBe('Synth 2');
    expect((await client.call('renamePin', { pinId: b.id, name: 'Pads' })).name).toBe('Pads');
    const g = await client.call('setChannelGroups', { pinId: b.id, groups: 3 });
    expect(g.channelGroups).toBe(3);
    expect(g.channels).toHaveLength(3);
    expect((await client.call('setVoiceLimit', { pinId: b.id, voices: 64 })).voices).toBe(64);
    expect((await client.call('setPinVolume', { pinId: b.id, volume: -600 })).volume).toBe(-600);
    expect((await client.call('setPinState', { pinId: b.id, state: 'PAUSE' })).state).toBe('PAUSE');
    expect((await client.call('getState', {})).pins.map((p) => [p.name, p.channelGroups])).toEqual([
      ['Lead', 2],
      ['Pads', 3],
    ]);
    // Raw KS property: CHANNELGROUPS of pin a is untouched by pin b.
    const r = await client.call('property', { pinId: a.id, set: KSPROPSETID.Synth, id: KSPROPERTY_SYNTH.CHANNELGROUPS, flags: KSPROPERTY_TYPE.GET });
    expect(r.statusName).toBe('STATUS_SUCCESS');
    expect(new DataView(r.value!.buffer, r.value!.byteOffset).getUint32(0, true)).toBe(2);
    await client.call('removePin', { pinId: a.id });
    expect(session.getState().pins.map((p) => p.id)).toEqual([b.id]);
  });

  it('collections: load a DLS from a path and from bytes, download one instrument with remapping, unload', async () => {
    const { client } = await start(null, false);
    const pin = await client.call('createPin', {});
    const col = await client.call('loadCollection', { path: BUILTIN_BANK });
    expect(col.format).toBe('DLS2');
    expect(col.instruments.length).toBe(129);
    const piano = col.instruments.find((i) => !i.drum && i.program === 0 && i.bank === 0)!;
    const after = await client.call('downloadInstrument', { pinId: pin.id, collectionId: col.id, bank: 0, program: 0, drum: false, as: { bank: 0, program: 5, drum: false } });
    const d = after.downloads.find((x) => x.kind === 'instrument')!;
    expect(d.source?.name).toBe(piano.name);
    expect(d.patch).toEqual({ bank: 0, program: 5, drum: false });
    const unloaded = await client.call('unload', { pinId: pin.id, downloadId: d.downloadId });
    expect(unloaded.downloads).toHaveLength(0);
    const bytes = new Uint8Array(readFileSync(BUILTIN_BANK));
    const col2 = await client.call('loadCollectionData', { name: 'copy.dls', bytes });
    expect(col2.instruments.length).toBe(129);
  });

  it('answers bad requests with typed errors and keeps its state', async () => {
    const { client } = await start(null, false);
    const pin = await client.call('createPin', {});
    const before = await client.call('getState', {});
    const fail = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e as ProtocolError;
      }
      throw new Error('expected a failure');
    };
    expect((await fail(client.call('createPin', { name: 42 } as never))).code).toBe('INVALID_PARAMS');
    expect((await fail(client.call('nope' as never, {} as never))).code).toBe('UNKNOWN_METHOD');
    expect((await fail(client.call('removePin', { pinId: 999 }))).code).toBe('NOT_FOUND');
    expect((await fail(client.call('setChannelGroups', { pinId: pin.id, groups: 5000 }))).where).toBe('params.groups');
    expect((await fail(client.call('sendMidi', { pinId: pin.id, group: 1, bytes: [0x40, 1] }))).message).toMatch(/data byte 0x40 at byte 0 has no status/);
    expect((await fail(client.call('loadCollection', { path: '/nonexistent/bank.dls' }))).code).toBe('IO');
    const junk = await fail(client.call('loadCollectionData', { name: 'junk.dls', bytes: new Uint8Array(64) }));
    expect(junk.code).toBe('DMUS_E_NOTADLSCOL');
    const raw = await fail(client.call('downloadRaw', { pinId: pin.id, bytes: new Uint8Array(16) }));
    expect(raw.code).toMatch(/^DMUS_E_/);
    // A bad DirectMusic buffer: the records before the bad one play; the error names the offset.
    const buf = new DirectMusicBuffer(64);
    buf.packStructured(0, 1, 0x643c90);
    buf.packStructured(0, 1, 0x643e90);
    const bytes = Uint8Array.from(buf.raw());
    bytes[24 + 20] = 0;
    const w = await client.call('writeBuffer', { pinId: pin.id, startTime: 0, bytes });
    expect(w.records).toBe(1);
    expect(w.error?.code).toBe('DMUS_E_INVALID_EVENT');
    expect(w.error?.message).toMatch(/byte offset 24/);
    expect(await client.call('getState', {})).toEqual(before);
  });

  it('saves the session atomically on every change and restores it on start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-session-'));
    const first = await start(dir, false);
    const pin = await first.client.call('createPin', { name: 'Keys' });
    await first.client.call('setChannelGroups', { pinId: pin.id, groups: 3 });
    const col = await first.client.call('loadCollection', { path: BUILTIN_BANK });
    await first.client.call('downloadInstrument', { pinId: pin.id, collectionId: col.id, bank: 0, program: 0, drum: false, as: { bank: 0, program: 9, drum: false } });
    await first.client.call('setChannel', { pinId: pin.id, group: 2, channel: 0, program: 9, volume: 90, pan: 20 });
    const saved = JSON.parse(readFileSync(join(dir, 'session.json'), 'utf8'));
    expect(saved.pins[0].channelGroups).toBe(3);
    await first.server.close();
    // A new engine on the same folder (what a restart after a crash does).
    const second = await start(dir, false);
    const state = await second.client.call('getState', {});
    expect(state.pins.map((p) => [p.name, p.channelGroups])).toEqual([['Keys', 3]]);
    expect(state.pins[0].downloads.map((d) => d.patch)).toEqual([{ bank: 0, program: 9, drum: false }]);
    expect(state.pins[0].channels[1][0]).toMatchObject({ program: 9, volume: 90, pan: 20 });
    // A damaged file is kept aside and the engine starts anyway.
    await second.server.close();
    writeFileSync(join(dir, 'session.json'), '{"version": 1, "pins": "oops"}');
    const errors: string[] = [];
    const session = new Session({ dir, output: 'offline', defaults: false });
    session.onError((e) => errors.push(e.message));
    await session.start();
    expect(errors[0]).toMatch(/damaged.*kept as/);
    await session.close();
  });
});
