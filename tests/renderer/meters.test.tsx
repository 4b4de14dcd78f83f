// @vitest-environment happy-dom
// Fast views: voices and the peak meter follow the engine's statistics through one shared
// animation-frame loop, which stops when the last view unmounts.
import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { activeLoops } from '../../renderer/src/meters/use-frame.js';
import { PinsPanel } from '../../renderer/src/pins/pins-panel.js';
import { frames, renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

describe('meters', () => {
  it('show the voices and the level the engine reports, and fall back when notes stop', async () => {
    const { engine, store } = await renderWithEngine(<PinsPanel />);
    const card = screen.getByRole('article', { name: 'Synth Synth 1' });
    const meter = within(card).getByRole('meter');
    await store.getState().sendMidi(1, 1, [0x90, 60, 100]);
    await store.getState().sendMidi(1, 1, [0x90, 64, 100]);
    engine.tick();
    await settle();
    await frames(() => screen.getByTestId('voices-1').textContent === '4');
    await frames(() => Number(meter.getAttribute('aria-valuenow')) > 80);
    await store.getState().panic();
    engine.tick();
    await settle();
    await frames(() => screen.getByTestId('voices-1').textContent === '0');
  });

  it('share one frame loop across all views, stopped on unmount', async () => {
    const { app, store, unmount } = await renderWithEngine(<PinsPanel />);
    await store.getState().createPin('Two');
    await store.getState().createPin('Three');
    await settle();
    expect(screen.getAllByRole('meter')).toHaveLength(3);
    expect(activeLoops(app.telemetry)).toBe(1);
    await act(async () => unmount());
    expect(activeLoops(app.telemetry)).toBe(0);
  });
});
