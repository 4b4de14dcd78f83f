/**
 * Benchmark (issue 4): offline render of the corpus songs (../shared/corpus/midi/*.mid) with
 * FluidR3_GM.sf2, ours against FluidSynth. Not a test: run after `npm run build:engine` with
 *
 *   taskset -c 1 node dist/tests/bench/synth-corpus.bench.js [--runs 2] [--voices 256]
 *
 * Ours:       node bin/dmus.mjs render <mid> --bank <sf2> --out <wav> --voices 256
 *             (the whole DMus stack: SMF -> DirectMusic buffers -> unpacker -> sequencer -> synth
 *             -> WAV sink; SF2 read through engine/dls/sf2; our reverb and chorus on, 48 kHz).
 * FluidSynth: fluidsynth -ni -q -F <wav> -r 48000 -o synth.cpu-cores=1 -o synth.polyphony=256 <sf2> <mid>
 *             (its default reverb and chorus on, 4th-order interpolation).
 * Each command is timed with process.hrtime.bigint() around the whole process, and its CPU time
 * (user + system of the process and its threads, from /usr/bin/time) is read too; the best of
 * `runs` of each is kept. CPU time is the figure to compare on a shared virtual machine: time the
 * hypervisor takes from the VM ("steal", seen here at up to a third of a core) lengthens the wall
 * time but is not charged to the process. Both also render a generated one-note song; its time
 * (process start-up, loading and preparing the 141 MB SF2) is subtracted to give the render time
 * alone. The child processes inherit this process's CPU affinity, so `taskset -c 1` pins
 * everything to one core.
 *
 * --write: also put the table into docs/performance.md, as the section "### Corpus songs, latest
 * benchmark run" (replaced on each --write; the dated history below it is written by hand).
 *
 * --paired: FluidSynth and ours run at the same time on that one core (each gets about half of
 * it), and each one's CPU time is compared. Both then see the same machine (the same hypervisor
 * steal, clock and neighbours' load) instead of two different minutes of it; on this shared VM
 * that keeps the ratio steady where back-to-back runs move it by ±20 %. Wall times are not
 * reported in this mode.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuAndWallOf, cpuSecondsOf } from '../helpers/cpu-time.js';
import { machineLine, writePerformanceSection } from './perf-log.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RATE = 48000;
const RUNS = Number(arg('runs', '2'));
const VOICES = Number(arg('voices', '256'));
const SF2 = arg('sf2', '/usr/share/sounds/sf2/FluidR3_GM.sf2');
const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, '../../..');
const CORPUS = resolve(arg('corpus', join(ROOT, '../shared/corpus/midi')));
const DMUS = join(ROOT, 'bin/dmus.mjs');

/** A type-0 SMF with one 0.1 s piano note: measures start-up and bank loading. */
function oneNoteMidi(): Uint8Array {
  const ev = [0, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0, 0xff, 0x2f, 0];
  const head = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0];
  const trk = [0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, ev.length];
  return Uint8Array.from([...head, ...trk, ...ev]);
}

/** Seconds of audio in a 16-bit or float WAV file (data chunk size / block align / rate). */
function wavSeconds(file: string): number {
  const b = readFileSync(file);
  let off = 12;
  let blockAlign = 4;
  let rate = RATE;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      rate = b.readUInt32LE(off + 12);
      blockAlign = b.readUInt16LE(off + 20);
    }
    if (id === 'data') return Math.min(size, b.length - off - 8) / blockAlign / rate;
    off += 8 + size + (size & 1);
  }
  return Number.NaN;
}

interface Times {
  /** Wall seconds of the whole process. */
  wall: number;
  /** CPU seconds (user + system) of the process and its threads. */
  cpu: number;
}

function timed(cmd: string, argv: string[]): Times {
  const best = { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
  for (let r = 0; r < RUNS; r++) {
    const t = cpuAndWallOf(cmd, argv, join(dir, 'time.txt'));
    best.wall = Math.min(best.wall, t.wall);
    best.cpu = Math.min(best.cpu, t.cpu);
  }
  return best;
}

const PAIRED = args.includes('--paired');
const fluidArgs = (mid: string, out: string) => ['-ni', '-q', '-F', out, '-r', String(RATE), '-o', 'synth.cpu-cores=1', '-o', `synth.polyphony=${VOICES}`, SF2, mid];
const oursArgs = (mid: string, out: string) => [DMUS, 'render', mid, '--bank', SF2, '--out', out, '--voices', String(VOICES), '--rate', String(RATE)];


/** FluidSynth and ours at the same time, `RUNS` times; the best CPU time of each. */
async function paired(mid: string): Promise<{ f: Times; o: Times }> {
  let f = Number.POSITIVE_INFINITY;
  let o = Number.POSITIVE_INFINITY;
  for (let r = 0; r < RUNS; r++) {
    const [cf, co] = await Promise.all([
      cpuSecondsOf('fluidsynth', fluidArgs(mid, join(dir, 'pf.wav')), join(dir, 'tf.txt')),
      cpuSecondsOf(process.execPath, oursArgs(mid, join(dir, 'po.wav')), join(dir, 'to.txt')),
    ]);
    f = Math.min(f, cf);
    o = Math.min(o, co);
  }
  return { f: { wall: Number.NaN, cpu: f }, o: { wall: Number.NaN, cpu: o } };
}

const fluid = (mid: string, out: string) => timed('fluidsynth', fluidArgs(mid, out));
const ours = (mid: string, out: string) => timed(process.execPath, oursArgs(mid, out));

if (!existsSync(SF2)) throw new Error(`${SF2} not found (apt-get install fluid-soundfont-gm)`);
const dir = mkdtempSync(join(tmpdir(), 'synth-corpus-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const one = join(dir, 'one-note.mid');
writeFileSync(one, oneNoteMidi());
const songs = readdirSync(CORPUS)
  .filter((f) => f.toLowerCase().endsWith('.mid'))
  .sort();

const base = PAIRED ? await paired(one) : { f: fluid(one, join(dir, 'f.wav')), o: ours(one, join(dir, 'o.wav')) };
const baseFluid = base.f;
const baseOurs = base.o;
console.log(`synth-corpus: ${SF2}, ${RATE} Hz, polyphony ${VOICES}, best of ${RUNS}, node ${process.version}${PAIRED ? ', paired (both at once on one core, CPU times)' : ''}`);
console.log(
  `start-up + SF2 load (one-note song): FluidSynth ${baseFluid.wall.toFixed(2)} s wall / ${baseFluid.cpu.toFixed(2)} s CPU, ours ${baseOurs.wall.toFixed(2)} s wall / ${baseOurs.cpu.toFixed(2)} s CPU`,
);
console.log('(ratio = ours / FluidSynth; < 1 means ours is faster; "render" = the song minus the one-note song)');
const cols = ['fluid', 'ours', 'ratio'];
console.log(
  `${'song'.padEnd(24)} ${'audio-s'.padStart(7)}  wall: ${cols.map((c) => c.padStart(6)).join(' ')}  CPU: ${cols.map((c) => c.padStart(6)).join(' ')}  CPU render: ${cols.map((c) => c.padStart(6)).join(' ')}`,
);
const f2 = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(2)).padStart(6);
const md: string[] = [];
const m2 = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(2));
const row = (name: string, audio: string, fw: Times, ow: Times, fr: number, or: number) => {
  console.log(
    `${name.padEnd(24)} ${audio.padStart(7)}        ${f2(fw.wall)} ${f2(ow.wall)} ${f2(ow.wall / fw.wall)}       ${f2(fw.cpu)} ${f2(ow.cpu)} ${f2(ow.cpu / fw.cpu)}              ${f2(fr)} ${f2(or)} ${f2(or / fr)}`,
  );
  md.push(`| ${name} | ${audio} | ${m2(fw.cpu)} | ${m2(ow.cpu)} | ${m2(ow.cpu / fw.cpu)} | ${m2(fr)} | ${m2(or)} | ${m2(or / fr)} |`);
};
const sumF = { wall: 0, cpu: 0 };
const sumO = { wall: 0, cpu: 0 };
let sumFr = 0;
let sumOr = 0;
for (const s of songs) {
  const mid = join(CORPUS, s);
  const fo = join(dir, 'f.wav');
  const oo = join(dir, 'o.wav');
  const pr = PAIRED ? await paired(mid) : { f: fluid(mid, fo), o: ours(mid, oo) };
  const fw = pr.f;
  const ow = pr.o;
  const audio = wavSeconds(PAIRED ? join(dir, 'po.wav') : oo);
  const fr = Math.max(fw.cpu - baseFluid.cpu, 1e-3);
  const or = Math.max(ow.cpu - baseOurs.cpu, 1e-3);
  sumF.wall += fw.wall;
  sumF.cpu += fw.cpu;
  sumO.wall += ow.wall;
  sumO.cpu += ow.cpu;
  sumFr += fr;
  sumOr += or;
  row(basename(s), audio.toFixed(1), fw, ow, fr, or);
}
row('total', '', sumF, sumO, sumFr, sumOr);

if (args.includes('--write')) {
  const heading = '### Corpus songs, latest benchmark run';
  const section = [
    heading,
    '',
    `${machineLine()} FluidR3_GM.sf2, ${RATE} Hz, polyphony ${VOICES}, best of ${RUNS}${PAIRED ? ', paired (both programs at once on one core)' : ''}. CPU seconds (user + system, the process and its threads).`,
    `Start-up and SF2 load (the one-note song): FluidSynth ${m2(baseFluid.cpu)} s, ours ${m2(baseOurs.cpu)} s; "render" is the song minus that. Ratio = ours / FluidSynth (< 1: ours is faster).`,
    `Reproduce: \`npm run -s build:engine && taskset -c 1 node dist/tests/bench/synth-corpus.bench.js --runs ${RUNS}${PAIRED ? ' --paired' : ''} --write\`.`,
    '',
    '| song | audio (s) | FluidSynth CPU (s) | ours CPU (s) | ratio | FluidSynth render | ours render | ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...md,
    '',
  ].join('\n');
  console.log(`updated ${writePerformanceSection(heading, section, '### Corpus songs, offline')}`);
}
