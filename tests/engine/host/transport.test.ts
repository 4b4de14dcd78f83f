/**
 * The song transport over the protocol: open a MIDI file, play it into a pin (the pump writes IRPs
 * ahead of the latency clock), stop (all notes off), seek, and render the session to a WAV file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { writeSmf } from '../../../engine/midi/smf.js';
import { createClient } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';

const servers: EngineServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start() {
  const session = new Session({ dir: null, output: 'offline' });
  await session.start();
  const server = new EngineServer(session);
  servers.push(server);
  const [a, b] = createMemoryPair();
  server.attach(a);
  const client = createClient(b, { validate: true });
  await client.connected;
  return { client, session };
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

describe('song transport', () => {
  it('plays a song into a pin, stops with all notes off, seeks, renders to WAV', async () => {
    const { client, session } = await start();
    // A held chord on group 3 (port 2): play must give the pin a third channel group.
    const smf = writeSmf([
      { time: 0, group: 3, data: Uint8Array.of(0x90, 60, 100) },
      { time: 0, group: 3, data: Uint8Array.of(0x90, 64, 100) },
      { time: 40_000_000, group: 3, data: Uint8Array.of(0x80, 60, 0) },
      { time: 40_000_000, group: 3, data: Uint8Array.of(0x80, 64, 0) },
    ]);
    const info = await client.call('openSongData', { name: 'chord.mid', bytes: smf });
    expect(info.channelGroups).toBe(1);
    expect(info.duration).toBeGreaterThanOrEqual(40_000_000);
    const pinId = (await client.call('getState', {})).pins[0].id;
    const t = await client.call('play', {});
    expect(t.playing).toBe(true);
    expect((await client.call('getState', {})).pins[0].channelGroups).toBe(3);
    const l = new Float32Array(9600);
    const r = new Float32Array(9600);
    session.localEngine().renderFrames(l, r);
    expect(rms(l)).toBeGreaterThan(0.005);
    expect(session.stats().pins[0].voices).toBeGreaterThanOrEqual(2);
    const stopped = await client.call('stop', {});
    expect(stopped.playing).toBe(false);
    // Render past the release: the notes went to release and die out.
    for (let i = 0; i < 40; i++) session.localEngine().renderFrames(l, r);
    expect(rms(l)).toBeLessThan(0.001);
    const seek = await client.call('seek', { position: 20_000_000 });
    expect(seek.position).toBe(20_000_000);
    const out = join(mkdtempSync(join(tmpdir(), 'dmus-wav-')), 'session.wav');
    const w = await client.call('renderToWav', { path: out, seconds: 1, pinId });
    expect(w.frames).toBe(48000);
    expect(w.peak).toBeGreaterThan(0.01);
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('refuses to play without a song and names a bad MIDI file', async () => {
    const { client } = await start();
    await expect(client.call('play', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('openSongData', { name: 'x.mid', bytes: Uint8Array.of(1, 2, 3) })).rejects.toThrow(/MThd|header|not a/i);
  });
});
