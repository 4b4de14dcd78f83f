// @vitest-environment happy-dom
// The on-screen keyboard played with the mouse and with touch: a key sounds where it is struck,
// louder near the player (the bottom of the key), a drag or a finger sliding across keys plays a
// glissando, several fingers hold several notes, and letting go (or the pointer leaving, or the
// browser cancelling a touch) ends exactly the note that pointer was holding.
//
// happy-dom does no layout, so the keys are given one: white keys 20 px wide and 100 px tall side
// by side, black keys 12 px wide over the top 60 px between them; elementFromPoint finds the key
// under a point the way the browser would.
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyboardPanel } from '../../renderer/src/keyboard/keyboard-panel.js';
import { isBlack } from '../../renderer/src/keyboard/keys.js';
import { renderWithEngine, settle } from './harness.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const WHITE_W = 20;
const WHITE_H = 100;
const BLACK_W = 12;
const BLACK_H = 60;

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Lays the rendered keys out and returns where each note's key is. */
function layOut(): Map<number, Rect> {
  const keys = [...document.querySelectorAll<HTMLElement>('[data-note]')];
  const rects = new Map<number, Rect>();
  let white = 0;
  for (const k of keys.map((el) => Number(el.dataset.note)).sort((a, b) => a - b)) {
    if (isBlack(k)) rects.set(k, { left: white * WHITE_W - BLACK_W / 2, top: 0, width: BLACK_W, height: BLACK_H });
    else rects.set(k, { left: white++ * WHITE_W, top: 0, width: WHITE_W, height: WHITE_H });
  }
  for (const el of keys) {
    const r = rects.get(Number(el.dataset.note)) as Rect;
    el.getBoundingClientRect = () => ({ ...r, x: r.left, y: r.top, right: r.left + r.width, bottom: r.top + r.height, toJSON: () => r }) as DOMRect;
  }
  const inside = (r: Rect, x: number, y: number) => x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height;
  vi.spyOn(document, 'elementFromPoint').mockImplementation((x: number, y: number) => {
    // Black keys lie on top of the white ones.
    const hit = [...rects].sort(([a], [b]) => Number(isBlack(b)) - Number(isBlack(a))).find(([, r]) => inside(r, x, y));
    return hit ? (document.querySelector(`[data-note="${hit[0]}"]`) as Element) : document.body;
  });
  return rects;
}

/** A point on a note's key, `down` of the way from its top (0) to its bottom (1). */
function at(rects: Map<number, Rect>, note: number, down: number) {
  const r = rects.get(note) as Rect;
  return { clientX: r.left + r.width / 2, clientY: r.top + r.height * down };
}

const key = (note: number) => screen.getByLabelText(`Note ${note}`);
const piano = () => screen.getByTestId('piano');
const pressed = () =>
  [...document.querySelectorAll<HTMLElement>('[data-note][aria-pressed="true"]')].map((el) => Number(el.dataset.note)).sort((a, b) => a - b);

async function setup() {
  const r = await renderWithEngine(<KeyboardPanel />);
  return { ...r, rects: layOut() };
}

describe('on-screen keyboard with the mouse', () => {
  it('plays a key where it is clicked and ends it on release', async () => {
    const { engine, rects } = await setup();
    fireEvent.pointerDown(key(60), { pointerId: 1, pointerType: 'mouse', ...at(rects, 60, 0.95) });
    await settle();
    expect(pressed()).toEqual([60]);
    fireEvent.pointerUp(key(60), { pointerId: 1, pointerType: 'mouse', ...at(rects, 60, 0.95) });
    await settle();
    expect(pressed()).toEqual([]);
    expect(engine.midi.map((m) => m.bytes)).toEqual([
      [0x90, 60, 98],
      [0x80, 60, 0],
    ]);
  });

  it('takes velocity from how far down the key is struck, scaled by the velocity slider', async () => {
    const { engine, rects } = await setup();
    // Near the player (bottom): the set velocity; near the top: half of it.
    fireEvent.pointerDown(key(64), { pointerId: 1, pointerType: 'mouse', ...at(rects, 64, 1 - 1e-9) });
    fireEvent.pointerUp(key(64), { pointerId: 1 });
    fireEvent.pointerDown(key(64), { pointerId: 1, pointerType: 'mouse', ...at(rects, 64, 0) });
    fireEvent.pointerUp(key(64), { pointerId: 1 });
    fireEvent.change(screen.getByRole('slider', { name: 'Velocity' }), { target: { value: '60' } });
    await settle();
    fireEvent.pointerDown(key(64), { pointerId: 1, pointerType: 'mouse', ...at(rects, 64, 0.5) });
    fireEvent.pointerUp(key(64), { pointerId: 1 });
    await settle();
    const ons = engine.midi.filter((m) => (m.bytes[0] & 0xf0) === 0x90).map((m) => m.bytes[2]);
    expect(ons).toEqual([100, 50, 45]);
  });

  it('plays a black key struck on its top, not the white key beneath it', async () => {
    const { engine, rects } = await setup();
    fireEvent.pointerDown(key(61), { pointerId: 1, pointerType: 'mouse', ...at(rects, 61, 0.5) });
    await settle();
    expect(pressed()).toEqual([61]);
    expect(engine.midi[0].bytes.slice(0, 2)).toEqual([0x90, 61]);
  });

  it('plays a glissando when dragged across keys: each key sounds as it is reached and the last ends on release', async () => {
    const { engine, rects } = await setup();
    fireEvent.pointerDown(key(60), { pointerId: 1, pointerType: 'mouse', buttons: 1, ...at(rects, 60, 0.9) });
    // Moving within the key changes nothing.
    fireEvent.pointerMove(piano(), { pointerId: 1, pointerType: 'mouse', buttons: 1, ...at(rects, 60, 0.7) });
    for (const n of [62, 64, 65]) fireEvent.pointerMove(piano(), { pointerId: 1, pointerType: 'mouse', buttons: 1, ...at(rects, n, 0.9) });
    await settle();
    expect(pressed()).toEqual([65]);
    fireEvent.pointerUp(piano(), { pointerId: 1, pointerType: 'mouse', ...at(rects, 65, 0.9) });
    await settle();
    expect(pressed()).toEqual([]);
    expect(engine.midi.map((m) => [m.bytes[0] & 0xf0, m.bytes[1]])).toEqual([
      [0x90, 60],
      [0x80, 60],
      [0x90, 62],
      [0x80, 62],
      [0x90, 64],
      [0x80, 64],
      [0x90, 65],
      [0x80, 65],
    ]);
  });

  it('ends the note when the mouse leaves the keyboard while held (no stuck note)', async () => {
    const { engine, rects } = await setup();
    fireEvent.pointerDown(key(67), { pointerId: 1, pointerType: 'mouse', ...at(rects, 67, 0.9) });
    fireEvent.pointerLeave(piano(), { pointerId: 1, pointerType: 'mouse' });
    await settle();
    expect(pressed()).toEqual([]);
    expect(engine.midi.map((m) => m.bytes[0] & 0xf0)).toEqual([0x90, 0x80]);
  });

  it('moving the mouse over keys without pressing plays nothing', async () => {
    const { engine, rects } = await setup();
    for (const n of [60, 62, 64]) fireEvent.pointerMove(piano(), { pointerId: 1, pointerType: 'mouse', ...at(rects, n, 0.9) });
    await settle();
    expect(engine.midi).toEqual([]);
  });
});

describe('on-screen keyboard with touch', () => {
  it('holds one note per finger and lifts only the finger that is lifted', async () => {
    const { engine, rects } = await setup();
    fireEvent.pointerDown(key(60), { pointerId: 11, pointerType: 'touch', isPrimary: true, ...at(rects, 60, 0.9) });
    fireEvent.pointerDown(key(64), { pointerId: 12, pointerType: 'touch', isPrimary: false, ...at(rects, 64, 0.9) });
    fireEvent.pointerDown(key(67), { pointerId: 13, pointerType: 'touch', isPrimary: false, ...at(rects, 67, 0.9) });
    await settle();
    expect(pressed()).toEqual([60, 64, 67]);
    fireEvent.pointerUp(key(64), { pointerId: 12, pointerType: 'touch', ...at(rects, 64, 0.9) });
    await settle();
    expect(pressed()).toEqual([60, 67]);
    fireEvent.pointerUp(key(60), { pointerId: 11, pointerType: 'touch', ...at(rects, 60, 0.9) });
    fireEvent.pointerUp(key(67), { pointerId: 13, pointerType: 'touch', ...at(rects, 67, 0.9) });
    await settle();
    expect(pressed()).toEqual([]);
    expect(engine.midi.map((m) => [m.bytes[0] & 0xf0, m.bytes[1]])).toEqual([
      [0x90, 60],
      [0x90, 64],
      [0x90, 67],
      [0x80, 64],
      [0x80, 60],
      [0x80, 67],
    ]);
  });

  it('lets a finger slide across keys (the touch is not held by the first key) while another holds its note', async () => {
    const { engine, rects } = await setup();
    const released: number[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('[data-note]')) el.releasePointerCapture = (id: number) => void released.push(id);
    fireEvent.pointerDown(key(72), { pointerId: 21, pointerType: 'touch', ...at(rects, 72, 0.9) });
    fireEvent.pointerDown(key(60), { pointerId: 22, pointerType: 'touch', ...at(rects, 60, 0.9) });
    // The browser captures a touch to the element it started on; the keyboard lets go of it.
    expect(released).toEqual([21, 22]);
    for (const n of [62, 64]) fireEvent.pointerMove(piano(), { pointerId: 22, pointerType: 'touch', ...at(rects, n, 0.9) });
    await settle();
    expect(pressed()).toEqual([64, 72]);
    // The browser takes the touch over (a system gesture): the note ends.
    fireEvent.pointerCancel(piano(), { pointerId: 22, pointerType: 'touch' });
    fireEvent.pointerUp(key(72), { pointerId: 21, pointerType: 'touch', ...at(rects, 72, 0.9) });
    await settle();
    expect(pressed()).toEqual([]);
    expect(engine.midi.map((m) => [m.bytes[0] & 0xf0, m.bytes[1]])).toEqual([
      [0x90, 72],
      [0x90, 60],
      [0x80, 60],
      [0x90, 62],
      [0x80, 62],
      [0x90, 64],
      [0x80, 64],
      [0x80, 72],
    ]);
  });

  it('plays softer for a touch near the top of the key, and on the chosen group and channel', async () => {
    const { engine, store, rects } = await setup();
    await store.getState().setChannelGroups(1, 2);
    await settle();
    fireEvent.change(screen.getByLabelText('Keyboard group'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Keyboard channel'), { target: { value: '10' } });
    await settle();
    fireEvent.pointerDown(key(62), { pointerId: 31, pointerType: 'touch', ...at(rects, 62, 0.2) });
    fireEvent.pointerUp(key(62), { pointerId: 31, pointerType: 'touch' });
    await settle();
    expect(engine.midi).toEqual([
      { pinId: 1, group: 2, bytes: [0x99, 62, 60] },
      { pinId: 1, group: 2, bytes: [0x89, 62, 0] },
    ]);
  });

  it('touching outside the keys plays nothing', async () => {
    const { engine } = await setup();
    fireEvent.pointerDown(piano(), { pointerId: 41, pointerType: 'touch', clientX: 5000, clientY: 50 });
    fireEvent.pointerUp(piano(), { pointerId: 41, pointerType: 'touch', clientX: 5000, clientY: 50 });
    await settle();
    expect(engine.midi).toEqual([]);
  });
});
