/**
 * Starts the real engine in browser mode for the e2e tests: `node bin/dmus.mjs serve` with a fresh
 * session folder (so the defaults are built: "Synth 1" with the built-in bank), audio through the
 * null sink (a running clock with no sound device; CI has no sound card), and reads the one line
 * it prints: DMUS_SERVE_URL=http://127.0.0.1:N/?token=…
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Served {
  url: string;
  stop(): Promise<void>;
  /** Everything the engine wrote to stderr, for failure messages. */
  log(): string;
}

const ROOT = resolve(import.meta.dirname, '../..');

export async function startServe(options: { staticDir?: string; env?: Record<string, string> } = {}): Promise<Served> {
  const sessionDir = mkdtempSync(join(tmpdir(), 'dmus-e2e-session-'));
  const args = ['bin/dmus.mjs', 'serve', '--port', '0', '--session', sessionDir];
  if (options.staticDir) args.push('--static', options.staticDir);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DMUS_AUDIO: 'null', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`dmus serve printed no URL in 30 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /DMUS_SERVE_URL=(\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`dmus serve exited with ${code} before printing its URL\nstderr: ${stderr}`));
    });
  });
  return {
    url,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(sessionDir, { recursive: true, force: true });
    },
  };
}
