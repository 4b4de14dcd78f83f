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

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: unknown[] }) => void): void;
  postMessage(message: unknown): void;
}

/** Utility-process mode: serve every MessagePort main hands over. */
async function runUtilityProcess(parentPort: ParentPort): Promise<void> {
  const engine = await startEngine();
  parentPort.on('message', (e) => {
    const data = e.data as { type?: string } | undefined;
    if (data?.type === 'dmus:connect' && e.ports[0]) {
      engine.attach(messagePortTransport(e.ports[0] as Parameters<typeof messagePortTransport>[0]));
    }
  });
  parentPort.postMessage({ type: 'dmus:ready' });
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (parentPort) {
  runUtilityProcess(parentPort).catch((err) => {
    parentPort.postMessage({ type: 'dmus:fatal', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
}
