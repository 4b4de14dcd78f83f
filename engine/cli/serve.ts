/**
 * `dmus serve`: the engine for a browser or another process. Starts a session (restored from the
 * session folder), serves the built UI and the protocol on loopback, and prints one line:
 *   DMUS_SERVE_URL=http://127.0.0.1:<port>/?token=<token>
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

function defaultStaticDir(): string | undefined {
  for (const rel of ['../../dist/renderer', '../../../dist/renderer']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the engine for a browser or another process (loopback WebSocket with a token)',
  usage: 'dmus serve [--port N] [--static <dir>] [--session <dir>] [--offline]',
  details:
    'Prints DMUS_SERVE_URL=<url with token>. --session chooses the session folder (default: the user config folder);\n--offline renders no live audio (the clock stands still; for tests).',
  run: async (args, io) => {
    const { options } = parseArgs(args, { valued: ['port', 'static', 'session'], flags: ['offline'] });
    const port = options.port === undefined ? 0 : Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port ${options.port} is not a port number`);
    // Loaded here, not at the top: every `dmus` command imports this module (engine/cli.ts), and
    // the engine host, ws and zod would add a quarter of a second to each of them.
    const [{ startEngine }, { serveWebSocket }] = await Promise.all([import('../host/main.js'), import('../host/websocket-server.js')]);
    const engine = await startEngine({ sessionDir: typeof options.session === 'string' ? options.session : undefined, output: options.offline ? 'offline' : 'live' });
    const server = await serveWebSocket(engine, { port, staticDir: typeof options.static === 'string' ? options.static : defaultStaticDir() });
    io.out(`DMUS_SERVE_URL=${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = async () => {
        await server.close();
        await engine.close();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
