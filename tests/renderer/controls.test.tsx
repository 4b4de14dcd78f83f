// @vitest-environment happy-dom
// The controls a musician turns and the figures they read, against the fake engine: channel volume
// and pan, synth volume, sample rate and sequencer prefetch each send the request they should (a
// slider dragged sends at most every 60 ms, and its last value); a synth's CPU and notes lost show
// what the engine reports; sample memory per synth follows downloads and unloads; and the synth
// card says every synth plays through the one device of the Audio panel, and takes you there.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/src/app.js';
import { AudioPanel } from '../../renderer/src/audio/audio-panel.js';
import { ChannelsPanel } from '../../renderer/src/channels/channels-panel.js';
import { InstrumentsPanel } from '../../renderer/src/instruments/instruments-panel.js';
import { PinsPanel } from '../../renderer/src/pins/pins-panel.js';
import { frames, renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

type Engine = Awaited<ReturnType<typeof renderWithEngine>>['engine'];
const paramsOf = (engine: Engine, method: string) => engine.calls.filter((c) => c.method === method).map((c) => c.params);
const wait = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));
const card = () => screen.getByRole('article', { name: 'Synth Synth 1' });
/** The figure shown beside a term of a definition list (the pin statistics). */
const figure = (scope: HTMLElement, term: string) => (within(scope).getByText(term, { selector: 'dt' }).parentElement as HTMLElement).querySelector('dd span') as HTMLElement;

describe('channel strip', () => {
  it('sends channel volume and pan to the engine, and shows what it reports', async () => {
    const { engine } = await renderWithEngine(<ChannelsPanel />);
    const volume = screen.getByRole('slider', { name: 'Channel 3 volume' }) as HTMLInputElement;
    const pan = screen.getByRole('slider', { name: 'Channel 3 pan' }) as HTMLInputElement;
    expect([volume.value, pan.value]).toEqual(['100', '64']);
    fireEvent.change(volume, { target: { value: '80' } });
    await wait(80);
    fireEvent.change(pan, { target: { value: '20' } });
    await settle();
    expect(paramsOf(engine, 'setChannel')).toEqual([
      { pinId: 1, group: 1, channel: 2, volume: 80 },
      { pinId: 1, group: 1, channel: 2, pan: 20 },
    ]);
    expect(engine.state.pins[0].channels[0][2]).toMatchObject({ volume: 80, pan: 20 });
    expect([volume.value, pan.value]).toEqual(['80', '20']);
    // The engine's report wins when nothing is being dragged (another window changed it).
    await engine.handlers.setChannel({ pinId: 1, group: 1, channel: 2, volume: 42 });
    await settle();
    expect(volume.value).toBe('42');
  });

  it('sends a dragged slider at most every 60 ms, ending on the value it was let go at', async () => {
    const { engine } = await renderWithEngine(<ChannelsPanel />);
    const volume = screen.getByRole('slider', { name: 'Channel 1 volume' });
    // The clock stands still while the slider moves (however long each re-render takes here).
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      for (let v = 90; v >= 40; v -= 5) fireEvent.change(volume, { target: { value: String(v) } });
      await act(async () => {});
      expect(paramsOf(engine, 'setChannel')).toEqual([{ pinId: 1, group: 1, channel: 0, volume: 90 }]);
      await act(async () => {
        vi.advanceTimersByTime(59);
      });
      expect(paramsOf(engine, 'setChannel')).toHaveLength(1);
      await act(async () => {
        vi.advanceTimersByTime(1);
      });
    } finally {
      vi.useRealTimers();
    }
    await settle();
    expect(paramsOf(engine, 'setChannel')).toEqual([
      { pinId: 1, group: 1, channel: 0, volume: 90 },
      { pinId: 1, group: 1, channel: 0, volume: 40 },
    ]);
    expect(engine.state.pins[0].channels[0][0].volume).toBe(40);
  });
});

describe('synth card', () => {
  it('sends the synth volume and shows it in dB as the engine confirms it', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    const volume = within(card()).getByRole('slider', { name: 'Volume' }) as HTMLInputElement;
    expect(within(card()).getByText('0.0 dB')).toBeTruthy();
    fireEvent.change(volume, { target: { value: '-600' } });
    await settle();
    expect(paramsOf(engine, 'setPinVolume')).toEqual([{ pinId: 1, volume: -600 }]);
    expect(engine.state.pins[0].volume).toBe(-600);
    expect(within(card()).getByText('-6.0 dB')).toBeTruthy();
    expect(volume.value).toBe('-600');
  });

  it('shows the CPU and the notes lost the engine reports, notes lost as a warning once there are any', async () => {
    const { engine, store } = await renderWithEngine(<PinsPanel />);
    const cpu = figure(card(), 'CPU');
    const lost = figure(card(), 'Notes lost');
    expect([cpu.textContent, lost.textContent]).toEqual(['–', '–']);
    await store.getState().sendMidi(1, 1, [0x90, 60, 100]);
    engine.tick();
    await settle();
    // Two voices of the fake engine, at 0.4 % each.
    await frames(() => cpu.textContent === '0.8 %');
    expect(lost.textContent).toBe('0');
    expect(lost.classList.contains('warn')).toBe(false);
    const s = engine.tick();
    engine.notify('onStats', { ...s, pins: s.pins.map((p) => ({ ...p, cpuPercent: 37.26, lostNotes: 12 })) });
    await settle();
    await frames(() => cpu.textContent === '37.3 %');
    expect(lost.textContent).toBe('12');
    expect(lost.classList.contains('warn')).toBe(true);
  });

  it('shows the real sample memory of each synth after downloads, and less after an unload', async () => {
    const { store } = await renderWithEngine(
      <>
        <PinsPanel />
        <InstrumentsPanel />
      </>,
    );
    const memory = () => screen.getByRole('table', { name: 'Memory per synth' });
    const row = () => within(memory()).getByText('Synth 1').closest('tr') as HTMLElement;
    const cells = () => [...row().querySelectorAll('td')].map((td) => td.textContent);
    const onCard = () => within(card()).getByText(/ in \d+ downloads?$/).textContent;
    expect(cells()).toEqual(['Synth 1', '0', '0 B']);
    expect(onCard()).toBe('0 B in 0 downloads');
    const bank = store.getState().session!.collections[0];
    const [piano, , strings] = bank.instruments;
    // The fake engine reports 40,000 bytes for each instrument download.
    await store.getState().downloadInstrument(bank.id, strings, { pinId: 1 });
    await settle();
    expect(cells()).toEqual(['Synth 1', '1', '39.1 KB']);
    expect(onCard()).toBe('39.1 KB in 1 download');
    await store.getState().downloadInstrument(bank.id, piano, { pinId: 1 });
    await settle();
    expect(cells()).toEqual(['Synth 1', '2', '78.1 KB']);
    expect(onCard()).toBe('78.1 KB in 2 downloads');
    // A second synth with nothing downloaded uses nothing.
    await store.getState().createPin('Empty');
    await settle();
    expect([...(within(memory()).getByText('Empty').closest('tr') as HTMLElement).querySelectorAll('td')].map((td) => td.textContent)).toEqual(['Empty', '0', '0 B']);
    const first = store.getState().session!.pins[0].downloads[0];
    await store.getState().unload(1, first.downloadId);
    await settle();
    expect(cells()).toEqual(['Synth 1', '1', '39.1 KB']);
    expect(onCard()).toBe('39.1 KB in 1 download');
  });

  it('says every synth plays through the one output device of the Audio panel, and names it', async () => {
    const { store } = await renderWithEngine(<PinsPanel />);
    const c = card();
    expect(within(c).getByText('All synths play through this one output device, chosen in the Audio panel.')).toBeTruthy();
    expect(within(c).getByTestId('output-1').textContent).toBe('Default output');
    await store.getState().setAudioSettings({ deviceId: 1 });
    await settle();
    expect(within(c).getByTestId('output-1').textContent).toBe('Fake USB Interface');
    // Every card names the same device.
    await store.getState().createPin('Second');
    await settle();
    const second = screen.getByRole('article', { name: 'Synth Second' });
    expect(within(second).getByTestId('output-2').textContent).toBe('Fake USB Interface');
  });

  it("takes you to the Audio panel with its device picker focused when you choose the card's output", async () => {
    await renderWithEngine(<App />);
    fireEvent.click(within(card()).getByRole('button', { name: 'Choose the output device…' }));
    await settle();
    expect(screen.getByRole('tab', { name: 'Audio' }).getAttribute('aria-selected')).toBe('true');
    const picker = screen.getByRole('combobox', { name: 'Output device' });
    expect(document.activeElement).toBe(picker);
    // Going to the Audio panel by its tab does not move the focus.
    fireEvent.click(screen.getByRole('tab', { name: 'Synths' }));
    await settle();
    fireEvent.click(screen.getByRole('tab', { name: 'Audio' }));
    await settle();
    expect(document.activeElement).not.toBe(screen.getByRole('combobox', { name: 'Output device' }));
  });
});

describe('audio settings', () => {
  it('changes the sample rate and shows the latency the engine reports for it', async () => {
    const { engine } = await renderWithEngine(<AudioPanel />);
    fireEvent.change(screen.getByRole('combobox', { name: 'Sample rate' }), { target: { value: '44100' } });
    await settle();
    expect(paramsOf(engine, 'setAudioSettings')).toEqual([{ sampleRate: 44100 }]);
    expect(engine.state.audio.settings.sampleRate).toBe(44100);
    expect((screen.getByRole('combobox', { name: 'Sample rate' }) as HTMLSelectElement).value).toBe('44100');
    // 2 buffers of 256 frames at 44.1 kHz.
    expect(screen.getByTestId('latency-ms').textContent).toBe('11.6 ms');
    const buffer = screen.getByRole('combobox', { name: 'Buffer size' }) as HTMLSelectElement;
    expect(buffer.options[buffer.selectedIndex].text).toBe('256 frames (5.8 ms)');
  });

  it('sets the sequencer prefetch on Enter and adds it to the key-to-sound figure', async () => {
    const { engine } = await renderWithEngine(<AudioPanel />);
    expect(screen.getByText('15.7 ms from a key to the sound')).toBeTruthy();
    const prefetch = screen.getByRole('spinbutton', { name: /Sequencer prefetch/ });
    fireEvent.change(prefetch, { target: { value: '12.5' } });
    expect(paramsOf(engine, 'setAudioSettings')).toEqual([]);
    fireEvent.keyDown(prefetch, { key: 'Enter' });
    await settle();
    expect(paramsOf(engine, 'setAudioSettings')).toEqual([{ prefetchMs: 12.5 }]);
    expect(engine.state.audio.settings.prefetchMs).toBe(12.5);
    expect(screen.getByText('23.2 ms from a key to the sound')).toBeTruthy();
  });
});
