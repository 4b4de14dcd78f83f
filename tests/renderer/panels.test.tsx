// @vitest-environment happy-dom
// Channels, instruments, audio, MIDI and the app shell against the fake engine.
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/app.js';
import { AudioPanel } from '../../renderer/src/audio/audio-panel.js';
import { ChannelsPanel } from '../../renderer/src/channels/channels-panel.js';
import { InstrumentsPanel } from '../../renderer/src/instruments/instruments-panel.js';
import { MidiPanel } from '../../renderer/src/midi/midi-panel.js';
import { frames, renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

const riff = (name: string) => new File([new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x44, 0x4c, 0x53, 0x20])], name);

describe('ChannelsPanel', () => {
  it('names instruments from what is downloaded and sends a new choice to the engine', async () => {
    const { store, engine } = await renderWithEngine(<ChannelsPanel />);
    await store.getState().setChannelGroups(1, 2);
    const bank = store.getState().session!.collections[0];
    for (const i of bank.instruments.filter((x) => !x.drum)) await store.getState().downloadInstrument(bank.id, i, { pinId: 1 });
    await settle();
    fireEvent.click(screen.getByRole('tab', { name: /Group 2/ }));
    const select = screen.getByLabelText('Group 2 channel 1 instrument') as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual(['Acoustic Grand Piano', 'Nylon Guitar', 'Strings']);
    fireEvent.change(select, { target: { value: 'm:0:48' } });
    await settle();
    expect(engine.state.pins[0].channels[1][0]).toMatchObject({ program: 48, bank: 0, drum: false });
    expect(screen.getAllByLabelText(/channel \d+ instrument/)).toHaveLength(16);
  });

  it('marks patches that are not downloaded, and toggles mute, solo and drum', async () => {
    const { engine } = await renderWithEngine(<ChannelsPanel />);
    const select = screen.getByLabelText('Group 1 channel 1 instrument') as HTMLSelectElement;
    expect(select.options[0].text).toMatch(/Program 1 .*not downloaded/);
    fireEvent.click(screen.getByLabelText('Mute channel 2'));
    fireEvent.click(screen.getByLabelText('Solo channel 3'));
    fireEvent.click(screen.getByLabelText('Drum channel 11'));
    await settle();
    const ch = engine.state.pins[0].channels[0];
    expect([ch[1].mute, ch[2].solo, ch[10].drum]).toEqual([true, true, true]);
  });

  it('sets voice priority by DAUD class, keeping the channel offset', async () => {
    const { engine } = await renderWithEngine(<ChannelsPanel />);
    const select = screen.getByLabelText('Channel 10 priority') as HTMLSelectElement;
    // Channel 10's default: DAUD_STANDARD_VOICE_PRIORITY | offset 0x0F.
    expect(select.options[select.selectedIndex].text).toBe('Standard +15');
    fireEvent.change(select, { target: { value: String(0xf0000000) } });
    await settle();
    expect(engine.state.pins[0].channels[0][9].priority).toBe((0xf0000000 | 0x0f) >>> 0);
  });

  it('lights a channel when the engine reports activity on it', async () => {
    const { store, engine, container } = await renderWithEngine(<ChannelsPanel />);
    await store.getState().sendMidi(1, 1, [0x92, 60, 100]);
    engine.tick();
    await settle();
    const row = container.querySelector('tr[data-channel="3"]') as HTMLElement;
    await frames(() => row.querySelector('.light')?.classList.contains('on') === true);
    expect(container.querySelector('tr[data-channel="4"] .light')?.classList.contains('on')).toBe(false);
  });
});

describe('InstrumentsPanel', () => {
  it('opens a bank picked with the button (browser: its bytes go to the engine)', async () => {
    const { engine } = await renderWithEngine(<InstrumentsPanel />);
    fireEvent.change(screen.getByTestId('bank-file'), { target: { files: [riff('mine.sf2')] } });
    await settle(10);
    expect(engine.calls.find((c) => c.method === 'loadCollectionData')?.params).toMatchObject({ name: 'mine.sf2' });
    expect(screen.getByRole('button', { name: /^mine\.sf2/ })).toBeTruthy();
  });

  it('opens dropped banks and refuses other files with a clear message', async () => {
    const { engine, container } = await renderWithEngine(<InstrumentsPanel />);
    const section = container.querySelector('section.instruments') as HTMLElement;
    fireEvent.drop(section, { dataTransfer: { files: [new File(['x'], 'song.mid'), riff('drop.dls')], types: ['Files'] } });
    await settle(10);
    expect(screen.getByRole('alert').textContent).toContain("Couldn't open song.mid: only DLS (.dls) and SoundFont (.sf2, .sf3) banks can be opened here.");
    expect(engine.calls.filter((c) => c.method === 'loadCollectionData')).toHaveLength(1);
  });

  it('shows the engine refusing a damaged bank where the bank was opened', async () => {
    await renderWithEngine(<InstrumentsPanel />);
    fireEvent.change(screen.getByTestId('bank-file'), { target: { files: [new File(['garbage'], 'broken.dls')] } });
    await settle(10);
    expect(screen.getByRole('alert').textContent).toContain("Couldn't open broken.dls: the file is not a DLS or SoundFont bank.");
  });

  it('browses by bank, draws the regions, and downloads to a group and channel', async () => {
    const { engine, store } = await renderWithEngine(<InstrumentsPanel />);
    await store.getState().setChannelGroups(1, 3);
    await settle();
    fireEvent.change(screen.getByLabelText('Bank'), { target: { value: 'd:0' } });
    const list = screen.getByRole('list', { name: /Instruments in/ });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual([expect.stringContaining('Standard Kit')]);
    fireEvent.change(screen.getByLabelText('Bank'), { target: { value: 'all' } });
    fireEvent.click(within(list).getByRole('button', { name: /Strings/ }));
    expect(screen.getByRole('img', { name: 'Strings: 1 region' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Target group'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    await settle();
    expect(engine.state.pins[0].downloads.map((d) => d.source?.name)).toEqual(['Strings']);
    expect(engine.state.pins[0].channels[1][0].program).toBe(48);
    const held = screen.getByRole('table', { name: 'Instruments on Synth 1' });
    fireEvent.click(within(held).getByRole('button', { name: 'Remap…' }));
    fireEvent.change(within(held).getByLabelText('New program'), { target: { value: '50' } });
    fireEvent.click(within(held).getByRole('button', { name: 'Remap' }));
    await settle();
    expect(engine.state.pins[0].downloads[0].patch).toEqual({ bank: 0, program: 49, drum: false });
    fireEvent.click(within(screen.getByRole('table', { name: 'Instruments on Synth 1' })).getByRole('button', { name: 'Unload' }));
    await settle();
    expect(engine.state.pins[0].downloads).toEqual([]);
    expect(screen.getByRole('table', { name: 'Memory per synth' }).textContent).toContain('0 B');
  });

  it('shows a progress bar while a bank loads', async () => {
    const { engine } = await renderWithEngine(<InstrumentsPanel />);
    engine.notify('onProgress', { task: 'reading waves', done: 3, total: 10 });
    await settle();
    const bar = screen.getByLabelText('Bank loading progress') as HTMLProgressElement;
    expect(bar.value).toBe(3);
    engine.notify('onProgress', { task: 'reading waves', done: 10, total: 10 });
    await settle();
    expect(screen.queryByLabelText('Bank loading progress')).toBeNull();
  });
});

describe('AudioPanel', () => {
  it('changes the buffer size and shows the latency the engine reports, and underruns', async () => {
    const { engine } = await renderWithEngine(<AudioPanel />);
    expect(screen.getByTestId('latency-ms').textContent).toBe('10.7 ms');
    // The render thread's scheduling, and why it is not real time, as the engine reports it.
    expect(screen.getByTestId('render-thread').textContent).toBe('normal priority (not permitted (fake engine))');
    fireEvent.change(screen.getByLabelText('Buffer size'), { target: { value: '1024' } });
    await settle();
    expect(engine.state.audio.settings.bufferFrames).toBe(1024);
    expect(screen.getByTestId('latency-ms').textContent).toBe('42.7 ms');
    expect((screen.getByLabelText('Output device') as HTMLSelectElement).options).toHaveLength(3);
    engine.addUnderrun();
    engine.tick();
    await settle();
    await frames(() => screen.getByTestId('underruns').textContent === '1');
  });
});

describe('MidiPanel', () => {
  it('opens an input and adds and removes a thru route', async () => {
    const { engine } = await renderWithEngine(<MidiPanel />);
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    await settle();
    expect(engine.state.midi.inputs[0].open).toBe(true);
    fireEvent.change(screen.getByLabelText('Input channel'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Route channel'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add route' }));
    await settle();
    expect(engine.state.thru).toEqual([{ input: 'Fake Keys', inputChannel: 2, pinId: 1, group: 1, channel: 5 }]);
    fireEvent.click(within(screen.getByRole('table', { name: 'Thru routes' })).getByRole('button', { name: 'Remove' }));
    await settle();
    expect(engine.state.thru).toEqual([]);
  });

  it('shows incoming MIDI in the monitor', async () => {
    const { engine } = await renderWithEngine(<MidiPanel />);
    engine.notify('onMidiInput', { events: [{ input: 'Fake Keys', time: 0, bytes: [0x90, 60, 100] }] });
    await settle();
    const monitor = screen.getByRole('list', { name: 'Incoming MIDI' });
    await frames(() => (monitor.textContent ?? '').includes('Note on'));
    expect(monitor.textContent).toContain('ch 1  Note on  C4 (60) vel 100');
  });

  it('records and reports the event count; a song file that is not MIDI is refused in words', async () => {
    const { store } = await renderWithEngine(<MidiPanel />);
    fireEvent.click(screen.getByRole('button', { name: '● Start recording' }));
    await settle();
    await store.getState().sendMidi(1, 1, [0x90, 64, 90]);
    await store.getState().sendMidi(1, 1, [0x80, 64, 0]);
    fireEvent.click(screen.getByRole('button', { name: '■ Stop recording' }));
    await settle();
    expect(screen.getByTestId('recorded-events').textContent).toBe('2 events');
    expect((screen.getByRole('button', { name: 'Save MIDI file…' }) as HTMLButtonElement).disabled).toBe(false);
    fireEvent.change(screen.getByTestId('song-file'), { target: { files: [new File(['RIFF'], 'notes.txt')] } });
    await settle(10);
    expect(screen.getByRole('alert').textContent).toContain("Couldn't open notes.txt: the file could not be read or written");
  });
});

describe('Export WAV', () => {
  it('asks the engine to render to the typed path (browser mode) and says what it wrote', async () => {
    const { engine } = await renderWithEngine(<MidiPanel />);
    fireEvent.change(screen.getByLabelText("WAV file path on the engine's machine"), { target: { value: '/tmp/take1.wav' } });
    fireEvent.change(screen.getByLabelText('Seconds to export'), { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export WAV…' }));
    await settle();
    expect(engine.calls.find((c) => c.method === 'renderToWav')?.params).toEqual({ path: '/tmp/take1.wav', seconds: 10 });
    expect(screen.getByText(/Wrote \/tmp\/take1.wav: 10.0 s/)).toBeTruthy();
  });
});

describe('App shell', () => {
  it('switches panels with the tabs and keeps the keyboard docked', async () => {
    await renderWithEngine(<App />);
    expect(screen.getByRole('region', { name: 'Synths' })).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Audio' }));
    expect(screen.getByRole('region', { name: 'Audio' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Keyboard' })).toBeTruthy();
    expect(screen.getByText('Engine running')).toBeTruthy();
  });

  it('panics on Escape and shows engine notices and a lost connection', async () => {
    const { engine, link } = await renderWithEngine(<App />);
    fireEvent.keyDown(window, { key: 'Escape' });
    await settle();
    expect(engine.calls.some((c) => c.method === 'panic')).toBe(true);
    engine.notify('onError', { message: 'the audio device was unplugged', where: 'audio', code: null });
    await settle();
    expect(screen.getByText('the audio device was unplugged')).toBeTruthy();
    link.close();
    await settle();
    link.setStatus('lost', 'socket closed');
    await settle();
    expect(screen.getByText(/Lost the connection to the audio engine/)).toBeTruthy();
  });
});
