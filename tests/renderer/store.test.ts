// The bound store against the fake engine over the real RPC layer: it mirrors what the engine
// reports, actions wait for the engine's answer, errors land where the musician acted, and fast
// data goes to the telemetry store, not to React state.
import { describe, expect, it } from 'vitest';
import { ProtocolError, createClient } from '../../engine/protocol/rpc.js';
import { createApp } from '../../renderer/store/index.js';
import { HISTORY_LENGTH } from '../../renderer/store/telemetry.js';
import { createEngineLink } from '../../renderer/src/engine-client.js';
import { createFakeEngine } from '../helpers/fake-engine.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

async function connected(options: Parameters<typeof createFakeEngine>[0] = {}) {
  const engine = createFakeEngine(options);
  const link = createEngineLink();
  const app = createApp(link);
  link.attach(createClient(engine.pair(), { validate: true }));
  await link.call('getState', {});
  const ready = () => app.store.getState().session?.collections.every((c) => c.instruments.length === c.instrumentCount) === true;
  for (let i = 0; i < 10 && !ready(); i++) await flush();
  return { engine, link, app, store: app.store };
}

describe('store', () => {
  it('reads the session when the engine connects and selects the first pin', async () => {
    const { store } = await connected();
    const s = store.getState();
    expect(s.link.state).toBe('connected');
    expect(s.link.engine).toBe('fake-engine');
    expect(s.session?.pins.map((p) => p.name)).toEqual(['Synth 1']);
    expect(s.selectedPinId).toBe(1);
  });

  it('asks for the instrument list of each collection once (snapshots carry only a summary)', async () => {
    const { store, engine } = await connected();
    const asked = () => engine.calls.filter((c) => c.method === 'getCollection').length;
    const bank = store.getState().session!.collections[0];
    expect(bank.instrumentCount).toBeGreaterThan(0);
    expect(bank.instruments).toHaveLength(bank.instrumentCount);
    expect(asked()).toBe(1);
    // Changes that are not about collections bring new snapshots, not new list requests.
    await store.getState().createPin('Pads');
    await store.getState().setChannelGroups(2, 3);
    await flush();
    expect(asked()).toBe(1);
    expect(store.getState().session!.collections[0].instruments).toBe(bank.instruments);
    // A bank opened later: its list comes with the load's answer, or (when the engine's snapshot
    // naming it arrives first) from one request; then no more, whatever changes.
    await store.getState().loadBankData('mine.dls', new TextEncoder().encode('RIFF....DLS '));
    await flush();
    const afterLoad = asked();
    expect(afterLoad).toBeLessThanOrEqual(2);
    expect(store.getState().session!.collections.map((c) => c.instruments.length === c.instrumentCount)).toEqual([true, true]);
    await store.getState().setChannelGroups(2, 2);
    await store.getState().createPin('Keys');
    await flush();
    expect(asked()).toBe(afterLoad);
  });

  it('creates a second pin and sets 3 channel groups, as the engine answers', async () => {
    const { store, engine } = await connected();
    const pin = await store.getState().createPin('Pads');
    expect(pin?.id).toBe(2);
    expect(store.getState().selectedPinId).toBe(2);
    await store.getState().setChannelGroups(2, 3);
    const mirrored = store.getState().session?.pins.find((p) => p.id === 2);
    expect(mirrored?.channelGroups).toBe(3);
    expect(mirrored?.channels).toHaveLength(3);
    expect(engine.calls.map((c) => c.method)).toContain('setChannelGroups');
  });

  it('mirrors onState pushed by the engine (another window changed the session)', async () => {
    const { store, engine } = await connected();
    await engine.handlers.renamePin({ pinId: 1, name: 'Renamed elsewhere' });
    await flush();
    await flush();
    expect(store.getState().session?.pins[0].name).toBe('Renamed elsewhere');
  });

  it('shows a failed request at the place it happened, in words a musician reads', async () => {
    const { store, engine } = await connected();
    engine.failNext('setChannelGroups', new ProtocolError('DMUS_E_SYNTHACTIVE', 'pin is in RUN', 'params.groups'));
    const r = await store.getState().setChannelGroups(1, 4);
    expect(r).toBeUndefined();
    const e = store.getState().errors['pin:1'];
    expect(e.text).toBe("Couldn't set 4 channel groups: the synth is playing; stop it before changing this.");
    expect(e.detail).toContain('pin is in RUN');
    expect(store.getState().busy['pin:1']).toBe(false);
    // the next success clears it
    await store.getState().setChannelGroups(1, 2);
    expect(store.getState().errors['pin:1']).toBeUndefined();
  });

  it('rejects values the engine schema refuses, with the engine untouched', async () => {
    const { store, engine } = await connected();
    await store.getState().setVoiceLimit(1, 0);
    expect(store.getState().errors['pin:1'].text).toMatch(/outside what the synth accepts/);
    expect(engine.calls.some((c) => c.method === 'setVoiceLimit')).toBe(false);
  });

  it('downloads an instrument to group 2 channel 1 and selects its patch there', async () => {
    const { store } = await connected();
    await store.getState().setChannelGroups(1, 3);
    const bank = store.getState().session!.collections[0];
    const strings = bank.instruments.find((i) => i.name === 'Strings')!;
    await store.getState().downloadInstrument(bank.id, strings, { pinId: 1, group: 2, channel: 0 });
    const pin = store.getState().session!.pins[0];
    expect(pin.downloads.map((d) => d.source?.name)).toEqual(['Strings']);
    expect(pin.channels[1][0]).toMatchObject({ program: 48, bank: 0, drum: false });
  });

  it('remaps a download by unloading and downloading it with `as`', async () => {
    const { store } = await connected();
    const bank = store.getState().session!.collections[0];
    await store.getState().downloadInstrument(bank.id, bank.instruments[0], { pinId: 1 });
    const d = store.getState().session!.pins[0].downloads[0];
    await store.getState().remap(1, d.downloadId, { bank: 0, program: 5, drum: false });
    const after = store.getState().session!.pins[0].downloads;
    expect(after).toHaveLength(1);
    expect(after[0].patch).toEqual({ bank: 0, program: 5, drum: false });
  });

  it('loads a bank from bytes and reports a non-bank file clearly', async () => {
    const { store } = await connected();
    const bad = await store.getState().loadBankData('notes.txt', new TextEncoder().encode('hello'));
    expect(bad).toBeUndefined();
    expect(store.getState().errors.instruments.text).toBe("Couldn't open notes.txt: the file is not a DLS or SoundFont bank.");
    const ok = await store.getState().loadBankData('mine.dls', new TextEncoder().encode('RIFF....DLS '));
    expect(ok?.name).toBe('mine.dls');
    expect(store.getState().session?.collections.map((c) => c.name)).toContain('mine.dls');
    expect(store.getState().progress).toBeNull();
  });

  it('applies audio settings as the engine confirms them', async () => {
    const { store } = await connected();
    await store.getState().setAudioSettings({ bufferFrames: 512 });
    expect(store.getState().session?.audio.settings.bufferFrames).toBe(512);
    expect(store.getState().session?.audio.latencyMs).toBeCloseTo(21.33, 1);
  });

  it('records, stops and saves a MIDI file with the played notes', async () => {
    const { store } = await connected();
    await store.getState().startRecording();
    expect(store.getState().session?.transport.recording).toBe(true);
    await store.getState().sendMidi(1, 1, [0x90, 60, 100]);
    await store.getState().sendMidi(1, 1, [0x80, 60, 0]);
    await store.getState().stopRecording();
    const saved = await store.getState().saveRecording();
    expect(saved?.events).toBe(2);
    expect(Array.from(saved!.bytes!.subarray(0, 4))).toEqual([0x4d, 0x54, 0x68, 0x64]);
  });

  it('sends statistics to the telemetry store, not to React state', async () => {
    const { store, engine, app } = await connected();
    let renders = 0;
    store.subscribe(() => renders++);
    await store.getState().sendMidi(1, 1, [0x90, 60, 100]);
    renders = 0;
    for (let i = 0; i < 20; i++) engine.tick();
    await flush();
    expect(renders).toBe(0);
    const t = app.telemetry.store.getState();
    expect(t.seq).toBe(20);
    expect(t.stats?.pins[0].voices).toBe(2);
    expect(t.filled).toBeGreaterThan(0);
    expect(t.filled).toBeLessThanOrEqual(HISTORY_LENGTH);
  });

  it('reports lost connections and refuses calls with a clear error until it is back', async () => {
    const { store, link, engine } = await connected();
    link.close();
    await store.getState().createPin();
    expect(store.getState().errors.pins.text).toMatch(/not connected/);
    link.attach(createClient(engine.pair()));
    await link.call('getState', {});
    await flush();
    expect(store.getState().link.state).toBe('connected');
  });

  it('keeps engine notices (onError) for the status area, at most five', async () => {
    const { store, engine } = await connected();
    for (let i = 0; i < 7; i++) engine.notify('onError', { message: `device lost ${i}`, where: 'audio', code: null });
    await flush();
    await flush();
    const notices = store.getState().notices;
    expect(notices).toHaveLength(5);
    expect(notices[4].text).toBe('device lost 6');
  });
});
