/**
 * Test helper: a live Session whose render side runs on the real render worker (compiled by
 * buildForWorker), with the null audio output (DMUS_AUDIO=null), as the engine runs it in play.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RenderWorkerClient } from '../../../engine/host/render-worker-client.js';
import { Session } from '../../../engine/host/session.js';
import { buildForWorker } from '../sink/build-for-worker.js';

export interface WorkerSession {
  session: Session;
  /** The client the session created for its render worker. */
  client: RenderWorkerClient;
  /** Closes the session (and its worker) and restores DMUS_AUDIO. */
  close(): Promise<void>;
}

export async function startWorkerSession(): Promise<WorkerSession> {
  const out = buildForWorker(['engine/host/render-worker.ts']);
  const workerUrl = pathToFileURL(join(out, 'engine/host/render-worker.js'));
  let client: RenderWorkerClient | undefined;
  const session = new Session({
    dir: null,
    output: 'live',
    renderThread: (o) => {
      client = new RenderWorkerClient({ ...o, workerUrl });
      return client;
    },
  });
  process.env.DMUS_AUDIO = 'null';
  await session.start();
  if (!client) throw new Error('the session did not create its render worker');
  return {
    session,
    client,
    close: async () => {
      delete process.env.DMUS_AUDIO;
      await session.close();
    },
  };
}
