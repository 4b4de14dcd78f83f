/**
 * The engine server reports progress while a bank loads (onProgress): a start, the samples it has
 * decoded so far (an SF3's Ogg Vorbis samples take a while), and the end, all before the load's
 * answer, so the window's progress bar moves and then goes away.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GEN } from '../../../engine/dls/sf2/sf2-to-dls.js';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import type { NotificationData } from '../../../engine/protocol/messages.js';
import { createClient, type EngineClient } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';
import { buildSf2 } from '../../helpers/dls-sf2-builder.js';

const OGG = new Uint8Array(readFileSync(new URL('../../fixtures/tone-440hz-22050.ogg', import.meta.url)));
const SAMPLES = 6;

/** An SF3 with SAMPLES presets, each on its own Ogg Vorbis sample. */
function sf3(): Uint8Array {
  const idx = Array.from({ length: SAMPLES }, (_, i) => i);
  return buildSf2({
    version: [3, 1],
    samples: idx.map((i) => ({ name: `tone ${i}`, frames: new Int16Array(0), ogg: OGG, loop: [5512, 11000] as [number, number], pitch: 69, rate: 22050 })),
    instruments: idx.map((i) => ({ name: `Tone ${i}`, zones: [{ gens: [{ oper: GEN.sampleModes, amount: 1 }, { oper: GEN.sampleID, amount: i }] }] })),
    presets: idx.map((i) => ({ name: `Tone ${i}`, preset: i, bank: 0, zones: [{ gens: [{ oper: GEN.instrument, amount: i }] }] })),
  });
}

type Progress = NotificationData<'onProgress'>;
const servers: EngineServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function connect(): Promise<{ client: EngineClient; log: Array<{ progress: Progress } | { answer: string }> }> {
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  await session.start();
  const server = new EngineServer(session);
  servers.push(server);
  const [a, b] = createMemoryPair();
  server.attach(a);
  const client = createClient(b, { validate: true });
  await client.connected;
  const log: Array<{ progress: Progress } | { answer: string }> = [];
  client.on('onProgress', (progress) => log.push({ progress }));
  return { client, log };
}

function checkReport(log: Array<{ progress: Progress } | { answer: string }>, name: string) {
  const answerAt = log.findIndex((e) => 'answer' in e);
  const before = log.slice(0, answerAt).map((e) => (e as { progress: Progress }).progress);
  // Nothing arrives after the answer: the bar is gone when the bank appears.
  expect(log.slice(answerAt + 1)).toEqual([]);
  expect(before[0]).toEqual({ task: `loading ${name}`, done: 0, total: 1 });
  expect(before.at(-1)).toEqual({ task: `loading ${name}`, done: 1, total: 1 });
  const decoding = before.filter((p) => p.task === `decoding the samples of ${name}`);
  // Samples decoded so far, rising, never "finished" before the end notice says so.
  expect(decoding.length).toBeGreaterThan(0);
  for (const p of decoding) {
    expect(p.total).toBe(SAMPLES);
    expect(p.done).toBeLessThan(p.total);
  }
  const done = decoding.map((p) => p.done);
  expect(done).toEqual([...done].sort((x, y) => x - y));
  expect(done.at(-1)).toBe(SAMPLES - 1);
}

describe('onProgress while a bank loads', () => {
  it('reports the start, the decoded samples and the end of a bank sent as bytes, before the answer', async () => {
    const { client, log } = await connect();
    const c = await client.call('loadCollectionData', { name: 'tones.sf3', bytes: sf3() });
    log.push({ answer: c.name });
    expect(c.instruments).toHaveLength(SAMPLES);
    checkReport(log, 'tones.sf3');
  });

  it('reports the same for a bank opened by path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmus-progress-'));
    dirs.push(dir);
    const path = join(dir, 'tones.sf3');
    writeFileSync(path, sf3());
    const { client, log } = await connect();
    const c = await client.call('loadCollection', { path });
    log.push({ answer: c.name });
    checkReport(log, path);
  });

  it('ends the report when the bank cannot be read, so no bar is left behind', async () => {
    const { client, log } = await connect();
    await expect(client.call('loadCollectionData', { name: 'broken.sf3', bytes: new TextEncoder().encode('RIFF0000sfbkjunk') })).rejects.toBeTruthy();
    const seen = log.map((e) => (e as { progress: Progress }).progress);
    expect(seen[0]).toEqual({ task: 'loading broken.sf3', done: 0, total: 1 });
    expect(seen.at(-1)).toEqual({ task: 'loading broken.sf3', done: 1, total: 1 });
  });
});
