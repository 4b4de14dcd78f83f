// @vitest-environment happy-dom
// The on-screen keyboard: computer keys by physical position, octave and velocity keys, no notes
// while typing in a field, note off on release and when the window loses focus; pure rules too.
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyboardPanel } from '../../renderer/src/keyboard/keyboard-panel.js';
import { isBlack, noteForCode, noteOff, noteOn, strikeVelocity } from '../../renderer/src/keyboard/keys.js';
import { renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

describe('keyboard rules', () => {
  it('maps physical keys to notes above the base C', () => {
    expect(noteForCode('KeyA', 60)).toBe(60);
    expect(noteForCode('KeyW', 60)).toBe(61);
    expect(noteForCode('KeyK', 60)).toBe(72);
    expect(noteForCode('KeyQ', 60)).toBeNull();
    expect(noteForCode('Quote', 120)).toBeNull();
  });
  it('knows the black keys', () => {
    expect([60, 61, 62, 63, 64, 65, 66].map(isBlack)).toEqual([false, true, false, true, false, false, true]);
  });
  it('plays louder near the player, within 1..127', () => {
    expect(strikeVelocity(100, 1)).toBe(100);
    expect(strikeVelocity(100, 0)).toBe(50);
    expect(strikeVelocity(1, 0)).toBe(1);
    expect(strikeVelocity(127, 2)).toBe(127);
  });
  it('builds note messages on a channel', () => {
    expect(noteOn(9, 36, 100)).toEqual([0x99, 36, 100]);
    expect(noteOff(0, 60)).toEqual([0x80, 60, 0]);
  });
});

describe('KeyboardPanel', () => {
  it('plays and releases notes from the computer keyboard on the chosen group and channel', async () => {
    const { engine, store } = await renderWithEngine(<KeyboardPanel />);
    await store.getState().setChannelGroups(1, 3);
    await settle();
    fireEvent.change(screen.getByLabelText('Keyboard group'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Keyboard channel'), { target: { value: '4' } });
    await settle();
    fireEvent.keyDown(window, { code: 'KeyA', key: 'a' });
    fireEvent.keyDown(window, { code: 'KeyA', key: 'a', repeat: true });
    await settle();
    expect(screen.getByLabelText('Note 60').getAttribute('aria-pressed')).toBe('true');
    fireEvent.keyUp(window, { code: 'KeyA', key: 'a' });
    await settle();
    expect(engine.midi).toEqual([
      { pinId: 1, group: 2, bytes: [0x93, 60, 100] },
      { pinId: 1, group: 2, bytes: [0x83, 60, 0] },
    ]);
  });

  it('shifts octave and velocity with Z/X and C/V', async () => {
    const { engine } = await renderWithEngine(<KeyboardPanel />);
    fireEvent.keyDown(window, { code: 'KeyZ' });
    fireEvent.keyDown(window, { code: 'KeyC' });
    await settle();
    fireEvent.keyDown(window, { code: 'KeyA' });
    await settle();
    expect(engine.midi[0].bytes).toEqual([0x90, 48, 90]);
    expect(screen.getByLabelText('Note 48')).toBeTruthy();
    expect(screen.queryByLabelText('Note 47')).toBeNull();
  });

  it('does not play while the musician types in a field', async () => {
    const { engine } = await renderWithEngine(
      <>
        <input aria-label="name" />
        <KeyboardPanel />
      </>,
    );
    fireEvent.keyDown(screen.getByLabelText('name'), { code: 'KeyA' });
    await settle();
    expect(engine.midi).toEqual([]);
  });

  it('releases held notes when the window loses focus (no stuck notes)', async () => {
    const { engine } = await renderWithEngine(<KeyboardPanel />);
    fireEvent.keyDown(window, { code: 'KeyA' });
    fireEvent.keyDown(window, { code: 'KeyD' });
    await settle();
    fireEvent.blur(window);
    await settle();
    expect(engine.midi.map((m) => m.bytes[0] & 0xf0)).toEqual([0x90, 0x90, 0x80, 0x80]);
  });

  it('shows an engine refusal at the keyboard', async () => {
    const { engine } = await renderWithEngine(<KeyboardPanel />);
    engine.state.pins = [];
    fireEvent.keyDown(window, { code: 'KeyA' });
    await settle();
    expect(screen.getByRole('alert').textContent).toContain("Couldn't play the note: it is no longer there");
  });
});
