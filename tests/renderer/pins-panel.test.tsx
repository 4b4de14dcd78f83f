// @vitest-environment happy-dom
// The synths panel against the fake engine: cards mirror the session, actions go to the engine and
// the card shows what the engine answered, and an engine refusal appears on the card in plain words.
import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from '@testing-library/react';
import { ProtocolError } from '../../engine/protocol/rpc.js';
import { PinsPanel } from '../../renderer/src/pins/pins-panel.js';
import { renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

describe('PinsPanel', () => {
  it('shows one card per synth in the session', async () => {
    await renderWithEngine(<PinsPanel />);
    expect(screen.getByRole('article', { name: 'Synth Synth 1' })).toBeTruthy();
  });

  it('adds a named synth through the engine', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    fireEvent.change(screen.getByLabelText('New synth name'), { target: { value: 'Pads' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add synth' }));
    await settle();
    expect(engine.calls.filter((c) => c.method === 'createPin').map((c) => c.params)).toEqual([{ name: 'Pads' }]);
    expect(screen.getByRole('article', { name: 'Synth Pads' })).toBeTruthy();
    expect((screen.getByLabelText('New synth name') as HTMLInputElement).value).toBe('');
  });

  it('sets channel groups on Enter and shows the value the engine reports', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    const card = screen.getByRole('article', { name: 'Synth Synth 1' });
    const groups = within(card).getByLabelText('Channel groups') as HTMLInputElement;
    fireEvent.change(groups, { target: { value: '3' } });
    expect(engine.calls.some((c) => c.method === 'setChannelGroups')).toBe(false);
    fireEvent.keyDown(groups, { key: 'Enter' });
    await settle();
    expect(engine.state.pins[0].channelGroups).toBe(3);
    expect(groups.value).toBe('3');
  });

  it('renames on blur and mutes', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    const card = screen.getByRole('article', { name: 'Synth Synth 1' });
    const name = within(card).getByLabelText('Synth name');
    fireEvent.change(name, { target: { value: 'Lead' } });
    fireEvent.blur(name);
    fireEvent.click(within(card).getByLabelText('Mute'));
    await settle();
    expect(engine.state.pins[0]).toMatchObject({ name: 'Lead', muted: true });
  });

  it('shows a refusal on the card in words a musician reads, with the details behind a toggle', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    engine.failNext('setVoiceLimit', new ProtocolError('DMUS_E_SYNTHACTIVE', 'cannot change the voice pool in RUN'));
    const card = screen.getByRole('article', { name: 'Synth Synth 1' });
    const voices = within(card).getByLabelText('Voice limit');
    fireEvent.change(voices, { target: { value: '16' } });
    fireEvent.keyDown(voices, { key: 'Enter' });
    await settle();
    const alert = within(card).getByRole('alert');
    expect(alert.textContent).toContain("Couldn't limit the synth to 16 voices: the synth is playing; stop it before changing this.");
    expect(alert.textContent).toContain('cannot change the voice pool in RUN');
    fireEvent.click(within(alert).getByLabelText('Dismiss'));
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('asks before removing a synth', async () => {
    const { engine } = await renderWithEngine(<PinsPanel />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove synth…' }));
    expect(engine.calls.some((c) => c.method === 'removePin')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await settle();
    expect(engine.state.pins).toHaveLength(0);
    expect(screen.getByText(/No synths yet/)).toBeTruthy();
  });
});
