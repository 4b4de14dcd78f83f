import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli.js';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => (out += s), err: (s: string) => (err += s) }, text: () => ({ out, err }) };
}

describe('dmus midi-inputs', () => {
  const saved = process.env.MIDI_MODULE;
  beforeEach(() => {
    // A module that cannot load: the unavailable path, without loading any native binding here.
    process.env.MIDI_MODULE = '/nonexistent/midi-build';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MIDI_MODULE;
    else process.env.MIDI_MODULE = saved;
  });

  it('is listed in the help', async () => {
    const c = capture();
    await main(['--help'], c.io);
    expect(c.text().out).toMatch(/midi-inputs\s+list the MIDI inputs/);
  });

  it('says clearly why MIDI is unavailable (exit 1), as text or JSON', async () => {
    const c = capture();
    expect(await main(['midi-inputs'], c.io)).toBe(1);
    expect(c.text().err).toMatch(/^MIDI unavailable: cannot load the MIDI module \/nonexistent\/midi-build/);
    const j = capture();
    expect(await main(['midi-inputs', '--json'], j.io)).toBe(1);
    const parsed = JSON.parse(j.text().out) as { status: { available: boolean }; inputs: unknown[] };
    expect(parsed.status.available).toBe(false);
    expect(parsed.inputs).toEqual([]);
  });

  it('refuses stray arguments', async () => {
    const c = capture();
    expect(await main(['midi-inputs', 'extra'], c.io)).toBe(2);
    expect(c.text().err).toMatch(/unexpected argument 'extra'/);
  });
});
