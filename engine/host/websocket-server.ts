/**
 * Browser mode and remote control: one HTTP server bound to loopback only, serving the built UI
 * (static files) and the engine protocol over a WebSocket at /engine. A random per-session token
 * is required: in the WebSocket's hello, and in the page URL that `dmus serve` prints, so another
 * web page in the same browser cannot drive the engine. Upgrades are refused unless they come from
 * a loopback address, to /engine, and either without an Origin header (local tools: `ws`, scripts)
 * or from the page this server serves (http://127.0.0.1:<port>, http://localhost:<port>,
 * http://[::1]:<port>) or an origin named in `allowedOrigins`. A browser always sends Origin, so
 * another site open in the same browser is refused before it can even try a token.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_BYTES } from '../protocol/messages.js';
import { decodeJson, encodeJson, type Transport } from '../protocol/transport.js';
import type { EngineServer } from './server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The protocol over one WebSocket (text frames of JSON; bytes as base64). */
export function websocketTransport(ws: WebSocket): Transport {
  let handler: ((m: unknown) => void) | undefined;
  const closeHandlers: Array<(r: string) => void> = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.close(1003, 'binary frames are not part of the protocol');
      return;
    }
    let msg: unknown;
    try {
      msg = decodeJson(data.toString());
    } catch {
      // Not JSON: answer like any malformed message (the RPC layer names the problem).
      msg = { t: 'invalid-json' };
    }
    handler?.(msg);
  });
  ws.on('close', (_code, reason) => {
    for (const h of closeHandlers) h(reason.toString() || 'socket closed');
  });
  return {
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(encodeJson(message));
    },
    onMessage(h) {
      handler = h;
    },
    onClose(h) {
      closeHandlers.push(h);
    },
    close(reason = 'closed') {
      ws.close(1000, reason.slice(0, 120));
    },
  };
}

function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

export interface ServeOptions {
  port?: number;
  /** Folder of the built UI (index.html). Omitted: the protocol only. */
  staticDir?: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  /** Page origins allowed besides this server's own (e.g. a development server), exactly as browsers send them. */
  allowedOrigins?: readonly string[];
}

/** The origins of the page this server serves on `port`: the loopback names a browser may use. */
export function ownOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

/**
 * Why an upgrade's Origin is refused, or null when it may connect: no Origin (a local tool, not a
 * browser page) or one of `allowed`.
 */
export function originRefusal(origin: string | undefined, allowed: readonly string[]): string | null {
  if (origin === undefined) return null;
  if (allowed.includes(origin.toLowerCase())) return null;
  return `the engine accepts connections only from its own page (${allowed[0]}) or local tools; refused the page at ${origin.slice(0, 200)}`;
}

function refuse(socket: { write(s: string): unknown; destroy(): void }, reason: string): void {
  const body = `${reason}\n`;
  socket.write(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}

export interface RunningServer {
  url: string;
  wsUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function serveWebSocket(engine: EngineServer, options: ServeOptions = {}): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = options.staticDir ? resolve(options.staticDir) : null;
  const http: Server = createServer((req, res) => {
    if (!isLoopback(req)) {
      res.writeHead(403).end('loopback only');
      return;
    }
    if (!root) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('this engine serves the protocol only (ws /engine)');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const path = normalize(join(root, rel));
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(403).end('outside the UI folder');
      return;
    }
    const file = existsSync(path) && statSync(path).isFile() ? path : join(root, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('the UI is not built (npm run build:renderer)');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.ceil(MAX_BYTES * 1.4) });
  let allowed: string[] = [];
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!isLoopback(req)) return refuse(socket, 'the engine accepts connections from this machine only');
    if (url.pathname !== '/engine') return refuse(socket, 'the engine protocol is at /engine');
    const why = originRefusal(req.headers.origin, allowed);
    if (why) return refuse(socket, why);
    wss.handleUpgrade(req, socket, head, (ws) => {
      engine.attach(websocketTransport(ws), token);
    });
  });
  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(options.port ?? 0, '127.0.0.1', () => res());
  });
  const port = (http.address() as AddressInfo).port;
  allowed = [...ownOrigins(port), ...(options.allowedOrigins ?? [])].map((o) => o.toLowerCase());
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    wsUrl: `ws://127.0.0.1:${port}/engine`,
    token,
    port,
    close: () =>
      new Promise<void>((res) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => res());
        http.closeAllConnections?.();
      }),
  };
}
