// @vitest-environment happy-dom
// The MIDI-file player: open a song, play it on a synth, watch the position move, stop; seek by
// dragging the position bar (one request where it is let go, the time previewed while dragging)
// or by clicking / arrow keys (at once).
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SongBox } from '../../renderer/src/midi/song-box.js';
import { frames, renderWithEngine, settle } from './harness.js';

afterEach(cleanup);

/** A MIDI file as far as the fake engine looks (MThd); it reports 60 s, 4 tracks, 1200 events. */
const song = () => new File([new Uint8Array([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0, 4, 0, 96])], 'nocturne.mid');

async function withSong() {
  const r = await renderWithEngine(<SongBox />);
  fireEvent.change(screen.getByTestId('song-file'), { target: { files: [song()] } });
  await settle(10);
  return r;
}

const bar = () => screen.getByLabelText('Song position') as HTMLInputElement;
const seeks = (engine: { calls: Array<{ method: string; params: unknown }> }) => engine.calls.filter((c) => c.method === 'seek').map((c) => c.params);

describe('SongBox', () => {
  it('cannot play before a song is open', async () => {
    await renderWithEngine(<SongBox />);
    expect(screen.getByText('No song open')).toBeTruthy();
    expect((screen.getByRole('button', { name: '▶ Play' }) as HTMLButtonElement).disabled).toBe(true);
    expect(bar().disabled).toBe(true);
  });

  it('opens a MIDI file, plays it on the chosen synth, shows the position moving, and stops', async () => {
    const { engine, store } = await withSong();
    expect(engine.calls.find((c) => c.method === 'openSongData')?.params).toMatchObject({ name: 'nocturne.mid' });
    expect(screen.getByText('nocturne.mid · 4 tracks · 1200 events')).toBeTruthy();
    expect(screen.getByText('/ 1:00.0')).toBeTruthy();
    await store.getState().createPin('Piano');
    await settle();
    fireEvent.change(screen.getByLabelText('Play on'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: '▶ Play' }));
    await settle();
    expect(engine.calls.find((c) => c.method === 'play')?.params).toEqual({ pinId: 2 });
    expect(screen.getByRole('button', { name: '■ Stop' })).toBeTruthy();
    // 45 statistics at 30 a second: 1.5 s into the 60 s song.
    for (let i = 0; i < 45; i++) engine.tick();
    await settle();
    await frames(() => screen.queryByText(/^0:01\.[45]$/) !== null);
    expect(Number(bar().value)).toBeGreaterThanOrEqual(23);
    expect(Number(bar().value)).toBeLessThanOrEqual(26);
    fireEvent.click(screen.getByRole('button', { name: '■ Stop' }));
    await settle();
    expect(engine.calls.some((c) => c.method === 'stop')).toBe(true);
    expect(screen.getByRole('button', { name: '▶ Play' })).toBeTruthy();
  });

  it('seeks once, where a drag of the position bar is let go, and previews the time meanwhile', async () => {
    const { engine } = await withSong();
    fireEvent.pointerDown(bar(), { pointerId: 1 });
    for (const v of [100, 200, 300, 400, 500]) fireEvent.change(bar(), { target: { value: String(v) } });
    await settle();
    expect(seeks(engine)).toEqual([]);
    expect(screen.getByText('0:30.0')).toBeTruthy();
    // Statistics arriving mid-drag do not pull the bar back to the playing position.
    engine.tick();
    await settle();
    await frames(() => true, 3);
    expect(bar().value).toBe('500');
    expect(screen.getByText('0:30.0')).toBeTruthy();
    // Let go outside the bar: still the end of the drag.
    fireEvent.pointerUp(document.body, { pointerId: 1 });
    await settle();
    expect(seeks(engine)).toEqual([{ position: 30e7 }]);
    engine.tick();
    await settle();
    await frames(() => screen.queryByText('0:30.0') !== null && bar().value === '500');
  });

  it('sends nothing when the bar is pressed and let go without moving', async () => {
    const { engine } = await withSong();
    fireEvent.pointerDown(bar(), { pointerId: 1 });
    fireEvent.pointerUp(bar(), { pointerId: 1 });
    await settle();
    expect(seeks(engine)).toEqual([]);
  });

  it('seeks at once on a change without a drag (keyboard arrows)', async () => {
    const { engine } = await withSong();
    fireEvent.change(bar(), { target: { value: '250' } });
    await settle();
    expect(seeks(engine)).toEqual([{ position: 15e7 }]);
    fireEvent.change(bar(), { target: { value: '260' } });
    await settle();
    expect(seeks(engine)).toEqual([{ position: 15e7 }, { position: 15.6e7 }]);
  });
});
