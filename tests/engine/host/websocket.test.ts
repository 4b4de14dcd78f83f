/**
 * The loopback WebSocket transport: the same protocol as the in-memory pair, a token required,
 * malformed frames answered with typed errors while the engine keeps serving.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { type RunningServer, serveWebSocket } from '../../../engine/host/websocket-server.js';
import { PROTOCOL_VERSION } from '../../../engine/protocol/messages.js';
import { createClient } from '../../../engine/protocol/rpc.js';
import { decodeJson, encodeJson, type Transport } from '../../../engine/protocol/transport.js';

function clientTransport(url: string): Promise<Transport & { raw: WebSocket }> {
  const ws = new WebSocket(url);
  let handler: ((m: unknown) => void) | undefined;
  const closers: Array<(r: string) => void> = [];
  ws.on('message', (d) => handler?.(decodeJson(d.toString())));
  ws.on('close', () => {
    for (const c of closers) c('closed');
  });
  return new Promise((resolve, reject) => {
    ws.on('open', () =>
      resolve({
        raw: ws,
        send: (m) => ws.send(encodeJson(m)),
        onMessage: (h) => {
          handler = h;
        },
        onClose: (h) => {
          closers.push(h);
        },
        close: () => ws.close(),
      }),
    );
    ws.on('error', reject);
  });
}

let engine: EngineServer;
let server: RunningServer;
let staticDir: string;

beforeAll(async () => {
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  await session.start();
  engine = new EngineServer(session);
  staticDir = mkdtempSync(join(tmpdir(), 'dmus-ui-'));
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>DMus</title>');
  server = await serveWebSocket(engine, { staticDir, token: 'secret-token' });
});
afterAll(async () => {
  await server.close();
  await engine.close();
});

describe('WebSocket transport (browser mode)', () => {
  it('serves the UI on loopback and refuses paths outside it', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>DMus</title>');
    const outside = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fetc/passwd`);
    expect(outside.status).toBe(403);
  });

  it('carries the protocol, bytes included, with the token', async () => {
    const t = await clientTransport(server.wsUrl);
    const client = createClient(t, { token: 'secret-token', validate: true });
    expect(await client.connected).toBe('dmus-engine');
    const pin = await client.call('createPin', { name: 'Over WS' });
    const w = await client.call('writeBuffer', { pinId: pin.id, startTime: 0, bytes: new Uint8Array([3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x90, 60, 100, 0]) });
    expect(w).toEqual({ records: 1, events: 1, error: null });
    const stats = await new Promise((resolve) => client.on('onStats', resolve));
    expect(stats).toHaveProperty('masterTime');
    client.close();
  });

  it('refuses a client without the right token', async () => {
    const t = await clientTransport(server.wsUrl);
    const client = createClient(t, { token: 'wrong' });
    await expect(client.connected).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers junk frames with BAD_MESSAGE and keeps serving', async () => {
    const t = await clientTransport(server.wsUrl);
    const client = createClient(t, { token: 'secret-token' });
    await client.connected;
    const errors: unknown[] = [];
    t.raw.on('message', (d) => {
      const m = decodeJson(d.toString()) as { t: string };
      if (m.t === 'err') errors.push(m);
    });
    t.raw.send('this is not json');
    t.raw.send(JSON.stringify({ t: 'req', id: 7, method: 'createPin', params: { name: 5 } }));
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ error: { code: 'BAD_MESSAGE' } });
    expect(errors[1]).toMatchObject({ id: 7, error: { code: 'INVALID_PARAMS', where: 'params.name' } });
    expect((await client.call('getState', {})).version).toBe(PROTOCOL_VERSION);
    client.close();
  });
});
