/**
 * End to end, as a musician would: Chromium on the browser-mode UI served by a real engine
 * (`dmus serve`). Creates a second synth with 3 channel groups, loads the built-in bank from its
 * file, downloads an instrument to group 2 channel 1, plays it from the on-screen keyboard and
 * watches the engine's voice count and the meter, changes the buffer size, records and saves a MIDI
 * file, and plays a MIDI file made here (position moving, voices rising, a seek by dragging the
 * position bar, stop). A screenshot of every panel goes to tests/e2e/artifacts/ (stable names, see below).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinInfo, SessionState } from '../../engine/protocol/messages.js';
import { launchChromium } from './browser.js';
import { type Served, startServe } from './serve.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'tests/e2e/artifacts');
const BANK = join(ROOT, 'assets/dmus-gm.dls');

let served: Served;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

/** Waits until `fn` (run in the page) returns a truthy value. */
async function until<T>(fn: () => T | Promise<T>, what: string, timeout = 15_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeout) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})\nengine log:\n${served.log().slice(-2000)}`);
}

async function tab(name: string) {
  await page.getByRole('tab', { name, exact: true }).click();
}

async function shot(name: string, selector = 'main') {
  await page.locator(selector).first().screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The session as the page's store mirrors it (read through the debugging handle main.tsx sets). */
async function session(): Promise<SessionState> {
  return page.evaluate(() => (window as unknown as { __dmus: { store: { getState(): { session: unknown } } } }).__dmus.store.getState().session) as Promise<SessionState>;
}
const pinState = async (id: number): Promise<PinInfo> => {
  const pin = (await session()).pins.find((p) => p.id === id);
  if (!pin) throw new Error(`no pin ${id}`);
  return pin;
};
const text = async (l: Locator) => (await l.textContent()) ?? '';

/** A format-0 MIDI file: 10 piano chords of 2 s each (120 bpm, 480 ticks a quarter), 20 s in all. */
function chordSong(): Buffer {
  const vlq = (n: number) => {
    const out = [n & 0x7f];
    for (n >>>= 7; n > 0; n >>>= 7) out.unshift((n & 0x7f) | 0x80);
    return out;
  };
  const track: number[] = [0, 0xc0, 0]; // program 1 (piano) on channel 1
  const chords = [
    [60, 64, 67],
    [57, 60, 64],
    [53, 57, 60],
    [55, 59, 62],
  ];
  for (let i = 0; i < 10; i++) {
    const chord = chords[i % chords.length];
    for (const n of chord) track.push(0, 0x90, n, 96);
    for (const [k, n] of chord.entries()) track.push(...vlq(k === 0 ? 1920 : 0), 0x80, n, 0);
  }
  track.push(0, 0xff, 0x2f, 0);
  const len = track.length;
  return Buffer.from([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0, 0x4d, 0x54, 0x72, 0x6b, len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, ...track]);
}

/** m:ss.t as the player shows it, in seconds. */
const seconds = (t: string) => {
  const m = /^(\d+):(\d+(?:\.\d)?)$/.exec(t.trim());
  if (!m) throw new Error(`not a time: '${t}'`);
  return Number(m[1]) * 60 + Number(m[2]);
};

const voicesOf = (pinId: number) => page.getByTestId(`voices-${pinId}`).textContent().then((t) => Number(t));

describe('workstation in browser mode against dmus serve', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    served = await startServe();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(served.url);
    await page.getByText('Engine running').waitFor({ timeout: 20_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  let padId = 0;

  it('creates a second synth and gives it 3 channel groups', async () => {
    await page.getByRole('article', { name: /Synth Synth 1/ }).waitFor();
    await shot('00-app', 'body');
    await page.getByLabel('New synth name').fill('E2E Pad');
    await page.getByRole('button', { name: 'Add synth' }).click();
    const card = page.getByRole('article', { name: 'Synth E2E Pad' });
    await card.waitFor();
    padId = Number(await card.getAttribute('data-pin-id'));
    expect(padId).toBeGreaterThan(1);
    const groups = card.getByLabel('Channel groups');
    await groups.fill('3');
    await groups.press('Enter');
    await until(async () => (await pinState(padId)).channelGroups === 3, 'the engine to report 3 groups');
    await expect.poll(() => groups.inputValue()).toBe('3');
    await shot('01-pins');
  });

  it('loads the built-in bank from its file and downloads an instrument to group 2 channel 1', async () => {
    await tab('Instruments');
    const before = await page.locator('.collection-list > li').count();
    await page.getByTestId('bank-file').setInputFiles(BANK);
    await until(async () => (await page.locator('.collection-list > li').count()) === before + 1, 'the bank to open');
    const opened = page.locator('.collection-list > li').last();
    await opened.getByRole('button').first().click();
    await page.getByLabel('Find an instrument').fill('Piano');
    const first = page.locator('.instrument-list button').first();
    const name = (await text(first)).replace(/^\D?\d+\s*/, '').replace(/\s+\d+:\d+$/, '').trim();
    await first.click();
    await page.locator('.keyboard-map svg').waitFor();
    await page.getByLabel('To synth').selectOption(String(padId));
    await page.getByLabel('Target group').selectOption('2');
    await page.getByLabel('Target channel').selectOption('1');
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await page.getByRole('table', { name: 'Instruments on E2E Pad' }).waitFor();
    const state = await pinState(padId);
    expect(state.downloads.length).toBeGreaterThan(0);
    expect(state.downloads.map((d) => d.source?.name)).toContain(name);
    const src = state.downloads[0].patch;
    if (!src) throw new Error('the download has no patch');
    expect(state.channels[1][0]).toMatchObject({ program: src.program, bank: src.bank });
    await page.getByLabel('Find an instrument').fill('');
    await shot('02-instruments');
  });

  it('shows the instrument on group 2 channel 1 in the channel grid', async () => {
    await tab('Channels');
    await page.locator('.panel-head').getByLabel('Synth').selectOption(String(padId));
    await page.getByRole('tab', { name: /Group 2/ }).click();
    const select = page.getByLabel('Group 2 channel 1 instrument');
    await expect.poll(async () => (await text(select.locator('option:checked'))).includes('not downloaded')).toBe(false);
    await shot('03-channels');
  });

  it('plays notes from the on-screen keyboard: the voice count rises and the meter moves', async () => {
    await tab('Synths');
    await page.locator('.keyboard-panel').getByLabel('Play', { exact: true }).selectOption(String(padId));
    await page.getByLabel('Keyboard group').selectOption('2');
    await page.getByLabel('Keyboard channel').selectOption('1');
    const meter = page.getByRole('article', { name: 'Synth E2E Pad' }).getByRole('meter');
    expect(await voicesOf(padId)).toBe(0);
    // A chord held with the computer keyboard, and one key held with the mouse.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (const k of ['KeyA', 'KeyD', 'KeyG']) await page.keyboard.down(k.replace('Key', '').toLowerCase());
    const key = page.locator('[data-note="72"]');
    const box = await key.boundingBox();
    if (!box) throw new Error('no key C5 on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.9);
    await page.mouse.down();
    const voices = await until(async () => {
      return Math.max(0, await voicesOf(padId));
    }, 'the engine to report voices');
    expect(voices).toBeGreaterThan(0);
    const level = await until(async () => Number(await meter.getAttribute('aria-valuenow')), 'the meter to move');
    expect(level).toBeGreaterThan(0);
    await page.locator('main').first().screenshot({ path: join(ARTIFACTS, '04-playing.png') });
    await page.locator('.keyboard-panel').screenshot({ path: join(ARTIFACTS, '05-keyboard.png') });
    await page.mouse.up();
    for (const k of ['a', 'd', 'g']) await page.keyboard.up(k);
    await until(async () => (await voicesOf(padId)) < voices, 'the voices to be released', 10_000);
  });

  it('changes the buffer size and shows the latency the engine reports', async () => {
    await tab('Audio');
    const latency = page.getByTestId('latency-ms');
    const before = await text(latency);
    const current = await page.getByLabel('Buffer size').inputValue();
    const next = current === '512' ? '1024' : '512';
    await page.getByLabel('Buffer size').selectOption(next);
    await until(async () => (await session()).audio.settings.bufferFrames === Number(next), 'the engine to confirm the buffer size');
    await until(async () => (await text(latency)) !== before, 'the latency to change');
    await page.waitForTimeout(1500); // let the plot gather a little history
    await shot('06-audio');
  });

  it('records what is played and saves it as a MIDI file', async () => {
    await tab('MIDI');
    await shot('07-midi');
    await page.getByRole('button', { name: '● Start recording' }).click();
    // Either the engine starts recording, or the box shows why not (fail with the engine's words).
    await page.locator('.record-box').getByRole('button', { name: '■ Stop recording' }).or(page.locator('.record-box .error-note')).first().waitFor();
    const refused = page.locator('.record-box .error-note');
    if (await refused.count()) throw new Error(`the engine refused to record: ${await text(refused)}`);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (const k of ['a', 's', 'd']) {
      await page.keyboard.down(k);
      await page.waitForTimeout(120);
      await page.keyboard.up(k);
    }
    await page.getByRole('button', { name: '■ Stop recording' }).click();
    // The engine counts what it recorded when the recording stops (3 notes on, 3 notes off).
    await until(async () => Number((await text(page.getByTestId('recorded-events'))).split(' ')[0]) >= 6, 'the recorder to count the notes');
    await shot('08-midi-recorded');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save MIDI file…' }).click();
    const file = await download;
    const path = join(ARTIFACTS, 'recording.mid');
    await file.saveAs(path);
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('MThd');
    expect(bytes.length).toBeGreaterThan(14 + 8);
  });

  it('opens a MIDI file, plays it: the position moves and the voices rise; a drag of the bar seeks; stop', async () => {
    await tab('MIDI');
    const box = page.locator('.song-box');
    await page.getByTestId('song-file').setInputFiles({ name: 'e2e-chords.mid', mimeType: 'audio/midi', buffer: chordSong() });
    await box.getByText(/^e2e-chords\.mid · 1 tracks? · \d+ events$/).waitFor();
    await expect.poll(async () => text(box.locator('.muted').filter({ hasText: /^\/ / }))).toBe('/ 0:20.0');
    await box.getByLabel('Play on').selectOption('1');
    await box.getByRole('button', { name: '▶ Play' }).click();
    await box.getByRole('button', { name: '■ Stop' }).waitFor();
    const position = box.getByTestId('song-position');
    const first = await until(async () => {
      const s = seconds(await text(position));
      return s >= 0.5 ? s : 0;
    }, 'the song position to move');
    await until(async () => seconds(await text(position)) > first, 'the song position to keep moving');
    expect(Number(await box.getByLabel('Song position').inputValue())).toBeGreaterThan(0);
    await shot('09-song-playing');
    // The synth it plays on sounds: its voices rise (shown on its card).
    await tab('Synths');
    const voices = await until(async () => Math.max(0, await voicesOf(1)), 'Synth 1 to report voices from the song');
    expect(voices).toBeGreaterThan(0);
    // Drag the position bar to three quarters and let go: the song continues from there (15 s).
    await tab('MIDI');
    const bar = await box.getByLabel('Song position').boundingBox();
    if (!bar) throw new Error('no position bar on screen');
    const y = bar.y + bar.height / 2;
    await page.mouse.move(bar.x + bar.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width * 0.5, y, { steps: 5 });
    await page.mouse.move(bar.x + bar.width * 0.75, y, { steps: 5 });
    await page.mouse.up();
    await until(async () => {
      const s = seconds(await text(position));
      return s >= 14 && s <= 19;
    }, 'the song to continue from three quarters (about 15 s)');
    await box.getByRole('button', { name: '■ Stop' }).click();
    await box.getByRole('button', { name: '▶ Play' }).waitFor();
    expect((await session()).transport.playing).toBe(false);
    await tab('Synths');
    await until(async () => (await voicesOf(1)) < voices || (await voicesOf(1)) === 0, 'the voices to fall after stop', 10_000);
  });

  it('logged no errors in the page (CSP, React, protocol)', () => {
    expect(consoleErrors).toEqual([]);
  });
});
