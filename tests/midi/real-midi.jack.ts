/**
 * Real MIDI through RtMidi over JACK (platform README §3.2): a virtual input "DMus Workstation"
 * opened by engine/midi/rtmidi.ts (MIDI_MODULE = the JACK build), played by a second Node process
 * and by jackd2's jack_midiseq, through a real PortDMus capture pin (UartCaptureStream ->
 * CaptureSink -> Packer), checked as DirectMusic buffer records. Run by run-midi-tests.sh, which
 * starts a private jackd (JACK_DEFAULT_SERVER) and builds .cache/midi-jack.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/cli.js';
import { listMidiInputs, MidiInputs } from '../../engine/midi/rtmidi.js';
import { captureGroupOfInput } from '../../engine/midi/thru.js';
import { captureHarness } from '../helpers/midi-capture.js';

const MIDI_MODULE = process.env.MIDI_MODULE;
/** The master clock of this test: CLOCK_MONOTONIC in 100 ns units (the clock send.cjs prints in µs). */
const hrClock = { getTime: () => Math.round(Number(process.hrtime.bigint()) / 100) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('real MIDI over JACK', () => {
  if (!MIDI_MODULE) throw new Error('MIDI_MODULE is not set: run tests/midi/run-midi-tests.sh');
  const h = captureHarness({ irps: 8 });
  let inputs: MidiInputs;
  let service: ReturnType<typeof setInterval>;
  const events: string[] = [];

  beforeAll(async () => {
    inputs = new MidiInputs({
      clock: hrClock,
      // What the engine host does: every message into the capture pin, tagged with its input.
      onMessage: (bytes, inputIndex, time) => h.capture.receive(bytes, time, captureGroupOfInput(inputIndex)),
      pollMs: 200,
    });
    inputs.on('added', (n) => events.push(`+${n}`));
    inputs.on('removed', (n) => events.push(`-${n}`));
    const st = await inputs.init();
    expect(st).toMatchObject({ available: true, backend: 'jack', virtualPort: 'DMus Workstation' });
    // The port service routine, as the render loop would call it once per block.
    service = setInterval(() => h.port.notify(), 2);
  });
  afterAll(() => {
    clearInterval(service);
    inputs?.close(); // destroys every RtMidi object, so this process can exit
  });

  it('a second process plays the virtual port: records arrive with the right bytes, group and times', async () => {
    // Asynchronously: a blocking execFileSync would hold the event loop, and the messages with it.
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['tests/midi/send.cjs', 'DMus Workstation'], { env: process.env, stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`send.cjs exited with ${code}: ${text}`))));
    });
    const sent = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sent: number[]; at_us: number });
    await until('4 records', () => h.records().length >= 4);
    const recs = h.records();
    expect(recs.map((r) => [r[1], r[2], r[3]])).toEqual([
      [1, true, [0x90, 60, 100]],
      [1, true, [0xb0, 7, 99]],
      [1, false, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
      [1, true, [0x80, 60, 0]],
    ]);
    // Arrival (master clock) after the send time, by less than 50 ms (README: 2.5-6.5 ms).
    for (let i = 0; i < 4; i++) {
      const lat = recs[i][0] - sent[i].at_us * 10;
      expect(lat).toBeGreaterThanOrEqual(0);
      expect(lat).toBeLessThan(500_000);
    }
    const gap = recs[3][0] - recs[0][0];
    expect(gap).toBeGreaterThan(800_000); // the note lasted ~100 ms
    expect(gap).toBeLessThan(1_500_000);
    console.log(`latencies (ms): ${recs.map((r, i) => ((r[0] - sent[i].at_us * 10) / 10_000).toFixed(2)).join(', ')}`);
  });

  it.runIf(hasCommand('jack_midiseq') && hasCommand('jack_connect'))(
    'jack_midiseq plays the virtual port, then is listed, opened by name as an input, and noticed when it leaves',
    async () => {
      h.irps.length = 0;
      let seq: ChildProcess | undefined = spawn('jack_midiseq', ['dmus-seq', '24000', '0', '64', '4000'], { stdio: 'ignore' });
      try {
        await until('dmus-seq:out in the input list', () => inputs.list().some((i) => i.name.includes('dmus-seq:out')));
        const ports = execFileSync('jack_lsp', { encoding: 'utf8' }).split('\n');
        const virtual = ports.find((p) => p.endsWith(':DMus Workstation'));
        expect(virtual).toBeDefined();
        execFileSync('jack_connect', ['dmus-seq:out', virtual!]);
        await until('a note from jack_midiseq', () => h.records().some((r) => r[3][0] === 0x90 && r[3][1] === 64));
        // Also open the sequencer's output as an input of its own (input index 1 -> group 2).
        await until('added event', () => events.some((e) => e.includes('dmus-seq:out')));
        const name = inputs.list().find((i) => i.name.includes('dmus-seq:out'))!.name;
        const index = inputs.openInput(name);
        expect(index).toBe(1);
        await until('a note on group 2', () => h.records().some((r) => r[1] === 2 && r[3][0] === 0x90));
        const notes = h.records().filter((r) => (r[3][0] & 0xf0) === 0x90 || (r[3][0] & 0xf0) === 0x80);
        for (const r of notes) expect([[0x90, 64, 64], [0x80, 64, 64]]).toContainEqual(r[3]);
        seq.kill();
        seq = undefined;
        await until('removed event', () => events.some((e) => e.startsWith('-') && e.includes('dmus-seq:out')));
        expect(inputs.list().some((i) => i.name === name)).toBe(false);
      } finally {
        seq?.kill();
      }
    },
  );

  it('the ALSA prebuild on this machine reports MIDI unavailable with the reason, without crashing', async () => {
    const r = await listMidiInputs({ modulePath: '@julusian/midi' });
    if (r.status.available) {
      expect(Array.isArray(r.inputs)).toBe(true); // a machine with an ALSA sequencer
    } else {
      expect(r.status.reason).toMatch(/Failed to initialise RtMidi/);
    }
  });

  it('dmus midi-inputs lists the JACK inputs, and says why MIDI is unavailable with the ALSA prebuild', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
    expect(await main(['midi-inputs'], io)).toBe(0);
    expect(out).toMatch(/^MIDI: jack \(/);
    const saved = process.env.MIDI_MODULE;
    process.env.MIDI_MODULE = '@julusian/midi';
    try {
      out = '';
      const code = await main(['midi-inputs'], io);
      if (code === 1) expect(out).toMatch(/^MIDI unavailable: Failed to initialise RtMidi/);
      else expect(out).toMatch(/^MIDI: alsa/); // a machine with an ALSA sequencer
    } finally {
      process.env.MIDI_MODULE = saved;
    }
    console.log(`dmus midi-inputs with the ALSA prebuild: ${out.trim()}`);
  });
});
