// Electron menu commands become the same store actions as the buttons: dialogs give paths, the
// engine opens them; play/stop and record toggle from the mirrored state; export WAV picks a length.
import { describe, expect, it } from 'vitest';
import { createClient } from '../../engine/protocol/rpc.js';
import type { DmusBridge } from '../../renderer/src/bridge.js';
import { createEngineLink } from '../../renderer/src/engine-client.js';
import { runMenuCommand } from '../../renderer/src/shell-commands.js';
import { createApp } from '../../renderer/store/index.js';
import { createFakeEngine } from '../helpers/fake-engine.js';

async function setup(answers: { open?: string | null; save?: string | null } = {}) {
  const engine = createFakeEngine();
  const link = createEngineLink();
  const app = createApp(link);
  link.attach(createClient(engine.pair()));
  await link.call('getState', {});
  await app.store.getState().refresh();
  const asked: string[] = [];
  const bridge = {
    platform: 'electron',
    openFile: async (kind: string) => {
      asked.push(`open:${kind}`);
      return answers.open === undefined ? `/music/file.${kind === 'bank' ? 'dls' : 'mid'}` : answers.open;
    },
    saveFile: async (kind: string) => {
      asked.push(`save:${kind}`);
      return answers.save === undefined ? `/music/out.${kind === 'wav-out' ? 'wav' : 'mid'}` : answers.save;
    },
  } as unknown as DmusBridge;
  const run = (cmd: Parameters<typeof runMenuCommand>[0]) => runMenuCommand(cmd, bridge, app.store.getState);
  return { engine, app, store: app.store, run, asked };
}

describe('menu commands', () => {
  it('open bank: dialog, then the engine opens the path; the Instruments panel is shown', async () => {
    const { run, engine, store, asked } = await setup();
    await run({ command: 'open-bank' });
    expect(asked).toEqual(['open:bank']);
    expect(engine.calls.find((c) => c.method === 'loadCollection')?.params).toEqual({ path: '/music/file.dls' });
    expect(store.getState().panel).toBe('instruments');
  });

  it('does nothing when the dialog is cancelled', async () => {
    const { run, engine } = await setup({ open: null });
    await run({ command: 'open-song' });
    expect(engine.calls.some((c) => c.method === 'openSong')).toBe(false);
  });

  it('open recent, play/stop toggling, record toggling, panic', async () => {
    const { run, engine, store } = await setup();
    await run({ command: 'open-recent', kind: 'song', path: '/music/a.mid' });
    expect(store.getState().session?.transport.song?.name).toBe('a.mid');
    await run({ command: 'play-stop' });
    expect(engine.state.transport.playing).toBe(true);
    await run({ command: 'play-stop' });
    expect(engine.state.transport.playing).toBe(false);
    await run({ command: 'record' });
    expect(engine.state.transport.recording).toBe(true);
    await run({ command: 'record' });
    expect(engine.state.transport.recording).toBe(false);
    await run({ command: 'panic' });
    expect(engine.calls.some((c) => c.method === 'panic')).toBe(true);
  });

  it('export WAV renders the whole open song (plus a tail) to the chosen path', async () => {
    const { run, engine } = await setup();
    await run({ command: 'open-recent', kind: 'song', path: '/music/a.mid' });
    await run({ command: 'export-wav' });
    expect(engine.calls.find((c) => c.method === 'renderToWav')?.params).toEqual({ path: '/music/out.wav', seconds: 62 });
  });

  it('save recording writes through the engine to the chosen path', async () => {
    const { run, engine, store } = await setup();
    await store.getState().startRecording();
    await store.getState().stopRecording();
    await run({ command: 'save-recording' });
    expect(engine.calls.find((c) => c.method === 'saveRecording')?.params).toEqual({ path: '/music/out.mid' });
  });
});
