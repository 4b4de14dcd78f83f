/**
 * Benchmark (issue 4): how many sustained, looped DLS2 voices the miniport synth renders in real
 * time on one core at 48 kHz. Not a test: run after `npm run build:engine` with
 *
 *   node --expose-gc dist/tests/bench/synth-voices.bench.js [--seconds 4] [--counts 64,256,1024,2048,4096]
 *
 * Method: one stream (pin) with PORTPARAMETERS voices = N, N notes held on 16 channels of as many
 * channel groups as needed (every note a looped 4096-frame wave, 4-point Hermite interpolation,
 * reverb send bus written at the GM default CC91 = 40 but no effect attached), 1 s of warm-up, then `seconds` of audio
 * rendered in 128-frame blocks through ISynthSinkDMus.render; time with process.hrtime.bigint()
 * around the render loop only. Real-time factor = audio time / render time; cost per voice-sample =
 * render time / (N × frames). "Voices in real time" = 1 / (cost per voice-sample × rate), measured
 * at the largest N (the cost is linear in N). A second pass does the same with the resonant filter
 * active on every voice.
 *
 * With --compare, the same measurement for FluidSynth (Debian's `fluidsynth`, offline `-F` render
 * of a generated MIDI file with N held notes of FluidR3_GM's Church Organ (program 19, one mono
 * looped voice per note), 48 kHz, polyphony N, its default 4th-order interpolation, reverb and
 * chorus off, one core; wall time of the process minus the time of the same file with no notes,
 * which covers start-up and SF2 loading) and for spessasynth_core (the npm package, same SF2 and
 * preset, Hermite interpolation, effects off, process() in 128-frame blocks). Notes are keys 21-108
 * on 15 channels (every key has an organ zone; FluidSynth releases a voice on a repeated note), so
 * the comparison uses N ≤ 15 × 88 = 1320.
 *
 * With --same-preset, the fairest comparison: ours plays that same FluidR3_GM Church Organ file
 * through `dmus render --bank FluidR3_GM.sf2 --voices N` (the SF2 read by engine/dls/sf2, so each
 * voice carries the preset's own articulation: SF2's default velocity -> cutoff modulator puts the
 * low-pass near 11 kHz, and it runs on every voice, as FluidSynth's filter always does), and the
 * two commands run at the same time on the same core; each one's CPU time (user + sys, from
 * /usr/bin/time) minus that of the same command on the file with no notes. Running both at once
 * gives both the same minute of this shared VM. Ours keeps its reverb send (the GM default CC91 =
 * 40; well under 1 % of the time at these voice counts), FluidSynth's effects are off.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Allocator } from '../../engine/dmus/allocator.js';
import { SampleClock } from '../../engine/dmus/clocks.js';
import { DMUS_STREAM_TYPE } from '../../engine/dmus/miniport.js';
import { KSSTATE } from '../../engine/dmus/mxf.js';
import { CONN_DST, CONN_SRC, SYNTH_PORTPARAMS } from '../../engine/synth/constants.js';
import { SynthMiniport } from '../../engine/synth/miniport.js';
import { instrumentDownload, type ConnSpec, waveDownload } from '../helpers/synth-downloads.js';
import { cpuSecondsOf } from '../helpers/cpu-time.js';
import { machineLine, writePerformanceSection } from './perf-log.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RATE = 48000;
const BLOCK = 128;
const SECONDS = Number(arg('seconds', '4'));
const COUNTS = arg('counts', '64,256,1024,2048,4096').split(',').map(Number);
/** --write: the tables also go into docs/performance.md, each as its own "latest run" section. */
const WRITE = args.includes('--write');
const reproduce = () => `Reproduce: \`npm run -s build:engine && taskset -c 1 node --expose-gc dist/tests/bench/synth-voices.bench.js ${args.join(' ')}\`.`;
/** Puts a latest-run table into the log, before the hand-written "### Sustained voices" history. */
function writeSection(heading: string, intro: string, table: string[]): void {
  if (!WRITE) return;
  const section = [heading, '', `${machineLine()} ${intro}`, reproduce(), '', ...table, ''].join('\n');
  console.log(`updated ${writePerformanceSection(heading, section, '### Sustained voices')}`);
}

/** A 4096-frame looped wave: a few harmonics, like a sustained organ sample. */
function organWave(): Int16Array {
  const n = 4096;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const p = (2 * Math.PI * 8 * i) / n;
    out[i] = Math.round((Math.sin(p) * 0.5 + Math.sin(2 * p) * 0.25 + Math.sin(3 * p) * 0.12) * 20000);
  }
  return out;
}

function setup(n: number, filtered: boolean) {
  const allocator = new Allocator({ initialEvents: 16384 });
  const clock = new SampleClock(RATE);
  // Effects off: this measures voices (FluidSynth and spessasynth run without reverb/chorus too).
  const miniport = new SynthMiniport({ maxVoices: 16384, createReverb: null, createChorus: null });
  const stream = miniport.newStream({ pinId: 0, streamType: DMUS_STREAM_TYPE.MIDI_RENDER, allocator, masterClock: clock, sampleRate: RATE, maxFramesPerBlock: BLOCK });
  const groups = Math.max(1, Math.ceil(n / (16 * 96)));
  stream.getPortParameters({ validParams: SYNTH_PORTPARAMS.VOICES | SYNTH_PORTPARAMS.CHANNELGROUPS, voices: n, channelGroups: groups, audioChannels: 2, sampleRate: RATE, effectsFlags: 0, share: 0 });
  stream.download(waveDownload(1, organWave(), 44100));
  const art: ConnSpec[] = filtered
    ? [
        { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_CUTOFF, scale: 9000 },
        { src: CONN_SRC.NONE, dst: CONN_DST.FILTER_Q, scale: 60 },
      ]
    : [];
  stream.download(instrumentDownload({ dlId: 2, patch: 0, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 4096 } }] }));
  stream.download(instrumentDownload({ dlId: 3, patch: 0x80000000, globalArt: art.length ? [art] : undefined, regions: [{ waveDlId: 1, unityNote: 60, loop: { start: 0, length: 4096 } }] }));
  stream.mxf.setState(KSSTATE.RUN);
  // N distinct (group, channel, key) notes: keys 16..111 on 16 channels per group.
  let placed = 0;
  for (let g = 1; g <= groups && placed < n; g++) {
    for (let k = 0; k < 96 && placed < n; k++) {
      for (let c = 0; c < 16 && placed < n; c++) {
        const e = allocator.getMessage();
        allocator.setShortMessage(e, 0x90 | c, 16 + k, 100, 3);
        allocator.fields.usChannelGroup[e] = g;
        stream.mxf.putMessage(e);
        placed++;
      }
    }
  }
  return { stream, clock };
}

function run(n: number, filtered: boolean) {
  const { stream } = setup(n, filtered);
  const L = new Float32Array(BLOCK);
  const R = new Float32Array(BLOCK);
  let pos = 0;
  for (let i = 0; i < RATE / BLOCK; i++) {
    stream.render(L, R, 0, BLOCK, pos);
    pos += BLOCK;
  }
  if (stream.core.activeVoices !== n) throw new Error(`expected ${n} voices, have ${stream.core.activeVoices}`);
  (globalThis as { gc?: () => void }).gc?.();
  const blocks = Math.round((SECONDS * RATE) / BLOCK);
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < blocks; i++) {
    stream.render(L, R, 0, BLOCK, pos);
    pos += BLOCK;
  }
  const t1 = process.hrtime.bigint();
  const heap1 = process.memoryUsage().heapUsed;
  const sec = Number(t1 - t0) / 1e9;
  const audio = (blocks * BLOCK) / RATE;
  const nsPerVoiceSample = (sec * 1e9) / (n * blocks * BLOCK);
  return { n, rtFactor: audio / sec, nsPerVoiceSample, voicesRealtime: 1e9 / (nsPerVoiceSample * RATE), heapGrowth: heap1 - heap0 };
}

const SF2 = arg('sf2', '/usr/share/sounds/sf2/FluidR3_GM.sf2');
const PROGRAM = 19;

/** A type-0 SMF: program PROGRAM on channels 0-15 but 9, n held notes, `seconds` long (120 bpm, 480 ppq). */
function heldNotesMidi(n: number, seconds: number): Uint8Array {
  const ev: number[] = [];
  const channels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];
  for (const c of channels) ev.push(0, 0xc0 | c, PROGRAM);
  for (let i = 0; i < n; i++) {
    const c = channels[i % 15];
    const key = 21 + Math.floor(i / 15);
    ev.push(0, 0x90 | c, key, 100);
  }
  // delta = seconds × 960 ticks (variable-length quantity), then end of track
  let d = Math.round(seconds * 960);
  const vlq = [d & 0x7f];
  while ((d >>= 7) > 0) vlq.unshift((d & 0x7f) | 0x80);
  // All sound off on every channel at the end: FluidSynth's -F render runs until no voice sounds.
  ev.push(...vlq, 0xb0, 120, 0);
  for (let c = 1; c < 16; c++) ev.push(0, 0xb0 | c, 120, 0);
  ev.push(0, 0xff, 0x2f, 0);
  const head = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0];
  const len = ev.length;
  const trk = [0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
  return Uint8Array.from([...head, ...trk, ...ev]);
}

function fluidsynthSeconds(n: number, seconds: number, dir: string): number {
  const mid = join(dir, `held-${n}.mid`);
  writeFileSync(mid, heldNotesMidi(n, seconds));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    'timeout',
    [
      '600',
      'fluidsynth',
      '-ni',
      '-q',
      '-F',
      join(dir, 'out.wav'),
      '-r',
      String(RATE),
      '-o',
      `synth.polyphony=${Math.max(16, n)}`,
      '-o',
      'synth.reverb.active=0',
      '-o',
      'synth.chorus.active=0',
      '-o',
      'synth.cpu-cores=1',
      SF2,
      mid,
    ],
    { encoding: 'utf8' },
  );
  const t1 = process.hrtime.bigint();
  if (r.status !== 0) throw new Error(`fluidsynth failed: ${r.stderr}`);
  return Number(t1 - t0) / 1e9;
}

async function spessaSeconds(n: number, seconds: number): Promise<{ sec: number; voices: number }> {
  const m = await import('spessasynth_core');
  const buf = readFileSync(SF2);
  const bank = m.SoundBankLoader.fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  const s = new m.SpessaSynthProcessor(RATE, { effectsEnabled: false, eventsEnabled: false, maxBufferSize: BLOCK });
  s.soundBankManager.addSoundBank(bank, 'main');
  await s.processorInitialized;
  s.setSystemParameter('voiceCap', n + 16);
  const channels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15];
  for (const c of channels) s.programChange(c, PROGRAM);
  for (let i = 0; i < n; i++) s.noteOn(channels[i % 15], 21 + Math.floor(i / 15), 100);
  const L = new Float32Array(BLOCK);
  const R = new Float32Array(BLOCK);
  for (let i = 0; i < RATE / BLOCK; i++) s.process(L, R);
  if (s.voiceCount !== n) console.log(`(spessasynth_core: ${s.voiceCount} of ${n} voices sounding)`);
  const blocks = Math.round((seconds * RATE) / BLOCK);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < blocks; i++) s.process(L, R);
  return { sec: Number(process.hrtime.bigint() - t0) / 1e9, voices: s.voiceCount };
}

async function compare(): Promise<void> {
  if (!existsSync(SF2)) throw new Error(`${SF2} not found (apt-get install fluid-soundfont-gm)`);
  const counts = [...new Set(COUNTS.map((c) => Math.min(c, 1320)))];
  const dir = mkdtempSync(join(tmpdir(), 'synth-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const fluid = spawnSync('fluidsynth', ['--version'], { encoding: 'utf8' }).status === 0;
  const base = fluid ? Math.min(fluidsynthSeconds(0, SECONDS, dir), fluidsynthSeconds(0, SECONDS, dir)) : 0;
  console.log(`\ncomparison (${SECONDS} s of audio per point; FluidSynth start-up + SF2 load baseline ${base.toFixed(2)} s subtracted)`);
  console.log('voices  ours-ns/vs  fluidsynth-ns/vs  spessasynth-ns/vs   (ns per voice-sample; lower is better)');
  let last = { ours: 0, fluid: 0, spessa: 0, n: 0 };
  const table = ['| voices | ours (ns/voice-sample) | FluidSynth | spessasynth_core |', '|---:|---:|---:|---:|'];
  for (const n of counts) {
    const ours = Math.min(run(n, false).nsPerVoiceSample, run(n, false).nsPerVoiceSample);
    const f = fluid ? ((Math.min(fluidsynthSeconds(n, SECONDS, dir), fluidsynthSeconds(n, SECONDS, dir)) - base) * 1e9) / (n * SECONDS * RATE) : Number.NaN;
    // Normalised by the voices spessasynth_core actually has sounding (some notes end early there).
    const spr = await spessaSeconds(n, SECONDS);
    const sp = (spr.sec * 1e9) / (spr.voices * SECONDS * RATE);
    last = { ours, fluid: f, spessa: sp, n };
    console.log(`${String(n).padStart(6)}  ${ours.toFixed(2).padStart(10)}  ${f.toFixed(2).padStart(16)}  ${sp.toFixed(2).padStart(17)}`);
    table.push(`| ${n} | ${ours.toFixed(2)} | ${f.toFixed(2)} | ${sp.toFixed(2)} |`);
  }
  const rt = (ns: number) => Math.round(1e9 / (ns * RATE));
  const verdict = `voices in real time on one core (from N=${last.n}): ours ${rt(last.ours)}, FluidSynth ${rt(last.fluid)}, spessasynth_core ${rt(last.spessa)}`;
  console.log(`=> ${verdict}`);
  table.push('', `Voices in real time = 1 / (ns per voice-sample × ${RATE}); ${verdict}.`);
  writeSection(
    '### Sustained voices, ours against FluidSynth and spessasynth_core, latest benchmark run',
    `Our synthetic organ in process (filter off, sends on), FluidSynth on FluidR3_GM Church Organ (wall time minus its start-up), spessasynth_core in process; ${SECONDS} s of audio per point.`,
    table,
  );
}


/** --same-preset: FluidSynth and `dmus render` on the same held-notes file, at once, CPU times. */
async function samePreset(): Promise<void> {
  if (!existsSync(SF2)) throw new Error(`${SF2} not found (apt-get install fluid-soundfont-gm)`);
  const dmus = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/dmus.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'synth-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const both = async (n: number) => {
    const mid = join(dir, `held-${n}.mid`);
    writeFileSync(mid, heldNotesMidi(n, SECONDS));
    const fluid = ['-ni', '-q', '-F', join(dir, 'f.wav'), '-r', String(RATE), '-o', `synth.polyphony=${Math.max(16, n)}`];
    fluid.push('-o', 'synth.reverb.active=0', '-o', 'synth.chorus.active=0', '-o', 'synth.cpu-cores=1', SF2, mid);
    const ours = [dmus, 'render', mid, '--bank', SF2, '--out', join(dir, 'o.wav'), '--voices', String(Math.max(16, n)), '--rate', String(RATE), '--quiet'];
    let f = Number.POSITIVE_INFINITY;
    let o = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 2; r++) {
      const [cf, co] = await Promise.all([cpuSecondsOf('fluidsynth', fluid, join(dir, 'tf.txt')), cpuSecondsOf(process.execPath, ours, join(dir, 'to.txt'))]);
      f = Math.min(f, cf);
      o = Math.min(o, co);
    }
    return { f, o };
  };
  const base = await both(0);
  console.log(`\nsame preset (FluidR3_GM Church Organ, filter on in both), both at once on one core, CPU time; ${SECONDS} s of audio per point`);
  console.log(`baseline (no notes): FluidSynth ${base.f.toFixed(2)} s, ours ${base.o.toFixed(2)} s of CPU`);
  console.log('voices  ours-ns/vs  fluidsynth-ns/vs  ours-voices-rt  fluidsynth-voices-rt');
  // A pin takes at most 1000 voices (PORTPARAMETERS, as DDKSynth), so N stops there.
  const counts = [...new Set(COUNTS.map((c) => Math.min(c, 1000)))];
  const table = ['| voices | ours (ns/voice-sample) | FluidSynth | ours, voices in real time | FluidSynth |', '|---:|---:|---:|---:|---:|'];
  for (const n of counts) {
    const t = await both(n);
    const vs = n * SECONDS * RATE;
    const on = ((t.o - base.o) * 1e9) / vs;
    const fn = ((t.f - base.f) * 1e9) / vs;
    const rt = (ns: number) => Math.round(1e9 / (ns * RATE));
    console.log(`${String(n).padStart(6)}  ${on.toFixed(2).padStart(10)}  ${fn.toFixed(2).padStart(16)}  ${String(rt(on)).padStart(14)}  ${String(rt(fn)).padStart(20)}`);
    table.push(`| ${n} | ${on.toFixed(2)} | ${fn.toFixed(2)} | ${rt(on)} | ${rt(fn)} |`);
  }
  writeSection(
    '### Sustained voices, same preset, latest benchmark run',
    `FluidSynth and \`dmus render\` on the same file of held FluidR3_GM Church Organ notes (filter on in both), at once on one core, CPU time minus each one's no-notes run (FluidSynth ${base.f.toFixed(2)} s, ours ${base.o.toFixed(2)} s); ${SECONDS} s of audio per point.`,
    table,
  );
}

if (args.includes('--same-preset')) {
  await samePreset();
  process.exit(0);
}

console.log(`synth-voices: ${SECONDS} s per point, ${RATE} Hz, blocks of ${BLOCK}, node ${process.version}`);
const own = ['| voices | filter | real-time factor | ns/voice-sample | voices in real time | heap growth (bytes) |', '|---:|---|---:|---:|---:|---:|'];
for (const filtered of [false, true]) {
  console.log(filtered ? '\nfilter ON (cutoff ~1.5 kHz, Q 6 dB) + sends' : '\nfilter off + sends');
  console.log('voices  realtime-x  ns/voice-sample  voices-in-realtime  heap-growth-bytes');
  let last: ReturnType<typeof run> | undefined;
  for (const n of COUNTS) {
    const r = run(n, filtered);
    last = r;
    console.log(`${String(n).padStart(6)}  ${r.rtFactor.toFixed(2).padStart(10)}  ${r.nsPerVoiceSample.toFixed(2).padStart(15)}  ${Math.round(r.voicesRealtime).toString().padStart(18)}  ${String(r.heapGrowth).padStart(17)}`);
    own.push(`| ${n} | ${filtered ? 'on' : 'off'} | ${r.rtFactor.toFixed(2)} | ${r.nsPerVoiceSample.toFixed(2)} | ${Math.round(r.voicesRealtime)} | ${r.heapGrowth} |`);
  }
  if (last) console.log(`=> max voices sustained in real time (from N=${last.n}): ${Math.round(last.voicesRealtime)}`);
}
writeSection(
  '### Sustained voices, in process, latest benchmark run',
  `One pin, N held notes of a looped 4096-frame wave, 4-point Hermite, sends on; filter on = cutoff ~1.5 kHz, Q 6 dB on every voice; ${SECONDS} s of audio per point in ${BLOCK}-frame blocks at ${RATE} Hz.`,
  own,
);
if (args.includes('--compare')) await compare();
