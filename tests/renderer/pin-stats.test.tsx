// @vitest-environment happy-dom
// A pin's statistics show the MIDI messages its event path lost (Stats.pins[].eventsLost), and the
// MIDI panel what the MIDI input lost (Stats.midiInputLost), marked as a warning once there are any.
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MidiPanel } from '../../renderer/src/midi/midi-panel.js';
import { PinsPanel } from '../../renderer/src/pins/pins-panel.js';
import { frames, renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

describe('pin statistics', () => {
  it('show "Events lost" as the engine reports it, as a warning when above 0', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    const card = screen.getByRole('article', { name: 'Synth Synth 1' });
    const shown = within(card).getByTestId('events-lost-1');
    engine.tick();
    await settle();
    await frames(() => shown.textContent === '0');
    expect(shown.classList.contains('warn')).toBe(false);
    const stats = engine.tick();
    engine.notify('onStats', { ...stats, pins: stats.pins.map((p) => ({ ...p, eventsLost: 1234 })) });
    await settle();
    await frames(() => shown.textContent === '1234');
    expect(shown.classList.contains('warn')).toBe(true);
    expect(within(card).getByText('Events lost')).toBeTruthy();
  });

  it('the MIDI panel shows what the MIDI input lost (Stats.midiInputLost), as a warning when above 0', async () => {
    const { engine } = await renderWithEngine(<MidiPanel />);
    const shown = screen.getByTestId('midi-input-lost');
    const stats = engine.tick();
    engine.notify('onStats', { ...stats, midiInputLost: { messages: 0, bytes: 0 } });
    await settle();
    await frames(() => shown.textContent === '0 messages, 0 bytes');
    expect(shown.classList.contains('warn')).toBe(false);
    engine.notify('onStats', { ...stats, midiInputLost: { messages: 3, bytes: 3616 } });
    await settle();
    await frames(() => shown.textContent === '3 messages, 3616 bytes');
    expect(shown.classList.contains('warn')).toBe(true);
  });
});
