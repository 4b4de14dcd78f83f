/**
 * The engine process entry. In the Electron app it runs as a utility process: main sends
 * { type: 'dmus:connect' } with a MessagePort for each window, and the engine serves the protocol
 * on it (main relays nothing). From the command line (`dmus serve`) the same engine serves a
 * loopback WebSocket instead. The session folder comes from DMUS_SESSION_DIR (main passes the app's
 * userData folder); the session is restored on start, so a restarted engine picks up where it was.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { messagePortTransport } from '../protocol/transports/message-port.js';
import { RenderWorkerClient } from './render-worker-client.js';
import { EngineServer } from './server.js';
import { Session } from './session.js';

export function defaultSessionDir(): string {
  if (process.env.DMUS_SESSION_DIR) return process.env.DMUS_SESSION_DIR;
  const base = process.env.XDG_CONFIG_HOME ?? (process.platform === 'win32' ? (process.env.APPDATA ?? homedir()) : join(homedir(), '.config'));
  return join(base, 'dmus-workstation');
}

export async function startEngine(options: { sessionDir?: string | null; output?: 'live' | 'offline'; renderThread?: 'worker' | 'inline' } = {}): Promise<EngineServer> {
  const output = options.output ?? 'live';
  // Live audio renders on its own thread (render-worker.ts); offline sessions render inline.
  const worker = (options.renderThread ?? (output === 'live' ? 'worker' : 'inline')) === 'worker';
  const session = new Session({
    dir: options.sessionDir === undefined ? defaultSessionDir() : options.sessionDir,
    output,
    renderThread: worker ? (o) => new RenderWorkerClient(o) : undefined,
  });
  await session.start();
  const server = new EngineServer(session);
  await server.midi.start();
  return server;
}

/** The parts of Electron's utility-process `process.parentPort` the handshake uses. */
export interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: unknown[] }) => void): void;
  postMessage(message: unknown): void;
}

export interface UtilityProcessDeps {
  /** Starts the engine (default: startEngine() on the session folder main passes in the environment). */
  start?: () => Promise<Pick<EngineServer, 'attach'>>;
  /** Ends the process after a start-up failure (default: process.exit). */
  exit?: (code: number) => void;
}

/**
 * Utility-process mode, the engine's side of the handshake with electron/engine-process.ts: start
 * the engine, then post {type:'dmus:ready'} and serve the port of every {type:'dmus:connect'}
 * message main sends (other messages are ignored). A start-up failure is posted as
 * {type:'dmus:fatal', message} (main shows it to the musician) before the process exits with 1.
 */
export async function runUtilityProcess(parentPort: ParentPort, deps: UtilityProcessDeps = {}): Promise<void> {
  const start = deps.start ?? (() => startEngine());
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  let engine: Pick<EngineServer, 'attach'>;
  try {
    engine = await start();
  } catch (err) {
    parentPort.postMessage({ type: 'dmus:fatal', message: err instanceof Error ? err.message : String(err) });
    exit(1);
    return;
  }
  parentPort.on('message', (e) => {
    const data = e?.data as { type?: string } | undefined;
    const port = e?.ports?.[0];
    if (data?.type === 'dmus:connect' && port) {
      engine.attach(messagePortTransport(port as Parameters<typeof messagePortTransport>[0]));
    }
  });
  parentPort.postMessage({ type: 'dmus:ready' });
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (parentPort) void runUtilityProcess(parentPort);
