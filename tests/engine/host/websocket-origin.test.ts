/**
 * Browser mode's WebSocket refuses pages from other origins: a site open in the same browser sends
 * its own Origin and is turned away with a 403 that says why, before any token is tried. The page
 * the engine serves itself (127.0.0.1, localhost or [::1] on its port) and local tools that send
 * no Origin connect and are served.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { originRefusal, ownOrigins, type RunningServer, serveWebSocket } from '../../../engine/host/websocket-server.js';
import { createClient } from '../../../engine/protocol/rpc.js';
import { decodeJson, encodeJson, type Transport } from '../../../engine/protocol/transport.js';

let engine: EngineServer;
let server: RunningServer;
let withDevServer: RunningServer;

beforeAll(async () => {
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  await session.start();
  engine = new EngineServer(session);
  server = await serveWebSocket(engine, { token: 'tok' });
  withDevServer = await serveWebSocket(engine, { token: 'tok', allowedOrigins: ['http://127.0.0.1:5173'] });
});
afterAll(async () => {
  await server.close();
  await withDevServer.close();
  await engine.close();
});

type Outcome = { open: true; ws: WebSocket } | { open: false; status: number; body: string };

/** Opens the engine socket with this Origin header (none when undefined). */
function attempt(url: string, origin: string | undefined): Promise<Outcome> {
  const ws = new WebSocket(url, origin === undefined ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ open: true, ws }));
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

function transportOf(ws: WebSocket): Transport {
  let handler: ((m: unknown) => void) | undefined;
  const closers: Array<(r: string) => void> = [];
  ws.on('message', (d) => handler?.(decodeJson(d.toString())));
  ws.on('close', () => {
    for (const c of closers) c('closed');
  });
  return {
    send: (m) => ws.send(encodeJson(m)),
    onMessage: (h) => {
      handler = h;
    },
    onClose: (h) => {
      closers.push(h);
    },
    close: () => ws.close(),
  };
}

async function servedOver(ws: WebSocket): Promise<string[]> {
  const client = createClient(transportOf(ws), { token: 'tok', validate: true });
  await client.connected;
  const pin = await client.call('createPin', { name: 'Allowed' });
  const names = (await client.call('getState', {})).pins.filter((p) => p.id === pin.id).map((p) => p.name);
  client.close();
  return names;
}

describe('WebSocket Origin check', () => {
  it("serves the engine's own page on each loopback name", async () => {
    for (const origin of ownOrigins(server.port)) {
      const r = await attempt(server.wsUrl, origin);
      expect(r.open, origin).toBe(true);
      if (r.open) expect(await servedOver(r.ws)).toEqual(['Allowed']);
    }
  });

  it('serves local tools that send no Origin', async () => {
    const r = await attempt(server.wsUrl, undefined);
    expect(r.open).toBe(true);
    if (r.open) expect(await servedOver(r.ws)).toEqual(['Allowed']);
  });

  it('refuses another site, another local port and file:// pages, saying why', async () => {
    for (const origin of ['https://evil.example', `http://127.0.0.1:${server.port + 1}`, 'http://localhost.evil.example', 'null']) {
      const r = await attempt(server.wsUrl, origin);
      expect(r, origin).toMatchObject({ open: false, status: 403 });
      if (!r.open) expect(r.body).toContain(`the engine accepts connections only from its own page (http://127.0.0.1:${server.port}) or local tools; refused the page at ${origin}`);
    }
  });

  it('allows an origin named in allowedOrigins (a development server) and still refuses the rest', async () => {
    const dev = await attempt(withDevServer.wsUrl, 'http://127.0.0.1:5173');
    expect(dev.open).toBe(true);
    if (dev.open) dev.ws.close();
    const other = await attempt(withDevServer.wsUrl, 'http://127.0.0.1:5174');
    expect(other).toMatchObject({ open: false, status: 403 });
  });

  it('refuses upgrades to other paths with a reason', async () => {
    const r = await attempt(server.wsUrl.replace('/engine', '/other'), undefined);
    expect(r).toMatchObject({ open: false, status: 403, body: 'the engine protocol is at /engine\n' });
  });

  it('compares origins as browsers send them (scheme and host are case-insensitive)', () => {
    const allowed = ownOrigins(4000);
    expect(originRefusal('HTTP://LOCALHOST:4000', allowed)).toBeNull();
    expect(originRefusal(undefined, allowed)).toBeNull();
    expect(originRefusal('http://localhost:4000.evil.example', allowed)).toMatch(/refused the page at/);
  });
});
