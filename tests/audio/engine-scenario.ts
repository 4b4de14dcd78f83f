/**
 * Real-time scenarios of the WHOLE engine (session, render worker, synth, wave sink, PortAudio),
 * for tests/audio/run-engine-tests.sh and tests/bench/live-engine.bench.sh:
 *
 *   node engine-scenario.js song --song <file.mid> --block 128 --seconds 10 --out result.json
 *     plays the song from its start through the live engine; result: underruns, notes lost.
 *   node engine-scenario.js latency --block 128 --seconds 60 --voices 256 --out result.json
 *     one pin holds `voices` looped voices (rendered, muted in the mix so they load the CPU but do
 *     not hide the probes); every 500 ms a probe note-on goes to a second pin through the same
 *     path as the on-screen keyboard (sendMidi, stamped at the latency clock), and its
 *     process.hrtime is recorded (CLOCK_MONOTONIC, the clock of jack-tap's onset_us).
 */
import { writeFileSync } from 'node:fs';
import { builtInBankPath } from '../../engine/dls/system-bank.js';
import { RenderWorkerClient } from '../../engine/host/render-worker-client.js';
import { Session } from '../../engine/host/session.js';
import { SongTransport } from '../../engine/host/transport.js';

const args = process.argv.slice(2);
const opt = (name: string, def?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const scenario = args[0];
const block = Number(opt('block', '128'));
const seconds = Number(opt('seconds', '10'));
const out = opt('out', 'result.json')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const result: Record<string, unknown> = { scenario: scenario === 'song' ? 'song' : 'engine-latency', block, seconds };

/**
 * Every underrun's wall-clock time and lateness, polled at the UI's statistics rate (33 ms), so a
 * judge can line it up with what the machine did at that moment (tests/audio/machine-stalls.ts).
 * `count` says how many were counted since the previous entry (only the last one's time is known).
 */
class UnderrunLog {
  readonly at: { atMs: number; lateMs: number; count: number }[] = [];
  /** Underruns before the log started (set-up). */
  readonly before: number;
  private lastAt: number;
  private lastCount: number;
  private readonly session: Session;
  constructor(session: Session) {
    this.session = session;
    const st = session.stats();
    this.before = st.underruns;
    this.lastAt = st.lastUnderrunAtMs;
    this.lastCount = st.underruns;
  }
  note(st: ReturnType<Session['stats']>): void {
    if (st.lastUnderrunAtMs === this.lastAt) return;
    this.at.push({ atMs: Math.round(st.lastUnderrunAtMs), lateMs: +st.lastUnderrunLateMs.toFixed(1), count: st.underruns - this.lastCount });
    this.lastAt = st.lastUnderrunAtMs;
    this.lastCount = st.underruns;
  }
  /** Polls for `ms`; returns the last statistics read. */
  async poll(ms: number): Promise<ReturnType<Session['stats']>> {
    const end = Date.now() + ms;
    for (;;) {
      const st = this.session.stats();
      this.note(st);
      if (Date.now() >= end) return st;
      await sleep(Math.min(33, Math.max(1, end - Date.now())));
    }
  }
}

const session = new Session({ dir: null, output: 'live', defaults: false, renderThread: (o) => new RenderWorkerClient(o) });
try {
  await session.setAudioSettings({ sampleRate: 48000, bufferFrames: block, latencyBuffers: Math.max(1, Math.round(256 / block)) });
  await session.start();
  const audio = session.audioStatus();
  result.output = audio.output;
  result.outputReason = audio.reason;
  result.latencyMs = audio.latencyMs;
  result.renderThread = audio.renderThread;
  // The scenario runs from a build folder outside the repository: the bank path is given.
  const bank = opt('bank') ?? builtInBankPath();
  if (!bank) throw new Error('no --bank and no built-in bank found');
  const col = await session.loadCollection({ path: bank });
  if (scenario === 'song') {
    const pin = session.createPin({ name: 'song' });
    session.downloadCollection({ pinId: pin.id, collectionId: col.id });
    const transport = new SongTransport(session);
    await transport.openSong({ path: opt('song')! });
    // What is judged is the song's playback: set-up (downloading the bank while the device already
    // runs) is before this marker, and naudiodon's stdout lines are counted after it.
    await sleep(500);
    const log = new UnderrunLog(session);
    process.stdout.write('SONG START\n');
    result.songStartAtMs = Date.now();
    transport.play({ pinId: pin.id });
    await log.poll(seconds * 1000);
    transport.stop();
    const s = await log.poll(300);
    result.underrunsAt = log.at;
    result.setupUnderruns = log.before;
    result.underruns = s.underruns - log.before;
    result.lostNotes = s.pins[0].lostNotes;
    transport.close();
  } else {
    const voices = Number(opt('voices', '256'));
    const load = session.createPin({ name: 'load' });
    // 15 melodic channels per group (channel 10 is the drum channel) x 16 keys.
    const groups = Math.ceil(voices / (15 * 16));
    session.setChannelGroups({ pinId: load.id, groups: Math.max(2, groups) });
    session.setVoiceLimit({ pinId: load.id, voices: voices + 16 });
    session.downloadCollection({ pinId: load.id, collectionId: col.id });
    session.setPinMuted({ pinId: load.id, muted: true });
    // Strings (program 48): looped, sustained voices.
    let started = 0;
    for (let g = 1; g <= groups && started < voices; g++) {
      for (let ch = 0; ch < 16 && started < voices; ch++) {
        if (ch === 9) continue;
        const bytes = [0xc0 | ch, 48];
        for (let k = 0; k < 16 && started < voices; k++, started++) bytes.push(0x90 | ch, 36 + k * 3, 80);
        session.sendMidi({ pinId: load.id, group: g, bytes });
      }
    }
    const probe = session.createPin({ name: 'probe' });
    session.downloadCollection({ pinId: probe.id, collectionId: col.id });
    // Program 80 (square lead): full level from the first sample, an onset the tap can time.
    session.sendMidi({ pinId: probe.id, group: 1, bytes: [0xc0, 80] });
    await sleep(500);
    const log = new UnderrunLog(session);
    const notesUs: number[] = [];
    const t0 = Date.now();
    let maxVoices = 0;
    // Engine-added latency at the sink boundary: from the call that hands the note to the engine to
    // its first loud sample being handed to the device (AudioOutputStats.lastOnsetAtMs).
    const sinkMs: number[] = [];
    while (Date.now() - t0 < seconds * 1000) {
      notesUs.push(Number(process.hrtime.bigint() / 1000n));
      const sentAt = performance.timeOrigin + performance.now();
      session.sendMidi({ pinId: probe.id, group: 1, bytes: [0x90, 72, 127] });
      const onset = (await log.poll(100)).lastOnsetAtMs;
      if (onset > sentAt) sinkMs.push(+(onset - sentAt).toFixed(3));
      session.sendMidi({ pinId: probe.id, group: 1, bytes: [0x80, 72, 0] });
      const v = (await log.poll(400)).pins[0].voices;
      if (v > maxVoices) maxVoices = v;
    }
    const s = session.stats();
    log.note(s);
    result.notesUs = notesUs;
    result.sinkMs = sinkMs;
    result.voicesHeld = maxVoices;
    // Underruns while the probes played (set-up apart), each with its time (judged like the song's).
    result.setupUnderruns = log.before;
    result.underruns = s.underruns - log.before;
    result.underrunsAt = log.at;
    result.lostNotes = s.pins[0].lostNotes;
    result.cpuPercent = s.pins[0].cpuPercent;
  }
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = (e as Error).message;
} finally {
  await session.close();
}
writeFileSync(out, `${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
