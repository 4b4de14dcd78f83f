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
 * Each command is timed with process.hrtime.bigint() around the whole process (best of `runs`).
 * Both also render a generated one-note song; its wall time (process start-up, loading and
 * preparing the 141 MB SF2) is subtracted to give the render time alone. The child processes
 * inherit this process's CPU affinity, so `taskset -c 1` pins everything to one core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function timed(cmd: string, argv: string[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    if (p.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${p.stderr}`);
    best = Math.min(best, sec);
  }
  return best;
}

const fluid = (mid: string, out: string) =>
  timed('fluidsynth', ['-ni', '-q', '-F', out, '-r', String(RATE), '-o', 'synth.cpu-cores=1', '-o', `synth.polyphony=${VOICES}`, SF2, mid]);
const ours = (mid: string, out: string) => timed(process.execPath, [DMUS, 'render', mid, '--bank', SF2, '--out', out, '--voices', String(VOICES), '--rate', String(RATE)]);

if (!existsSync(SF2)) throw new Error(`${SF2} not found (apt-get install fluid-soundfont-gm)`);
const dir = mkdtempSync(join(tmpdir(), 'synth-corpus-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const one = join(dir, 'one-note.mid');
writeFileSync(one, oneNoteMidi());
const songs = readdirSync(CORPUS)
  .filter((f) => f.toLowerCase().endsWith('.mid'))
  .sort();

const baseFluid = fluid(one, join(dir, 'f.wav'));
const baseOurs = ours(one, join(dir, 'o.wav'));
console.log(`synth-corpus: ${SF2}, ${RATE} Hz, polyphony ${VOICES}, best of ${RUNS}, node ${process.version}`);
console.log(`start-up + SF2 load (one-note song): FluidSynth ${baseFluid.toFixed(2)} s, ours ${baseOurs.toFixed(2)} s`);
console.log('song                        audio-s  fluid-wall  ours-wall  wall-ratio  fluid-render  ours-render  render-ratio  (ratio = ours / FluidSynth; < 1 means ours is faster)');
let sum = { fw: 0, ow: 0, fr: 0, or: 0 };
for (const s of songs) {
  const mid = join(CORPUS, s);
  const fo = join(dir, 'f.wav');
  const oo = join(dir, 'o.wav');
  const fw = fluid(mid, fo);
  const ow = ours(mid, oo);
  const audio = wavSeconds(oo);
  const fr = Math.max(fw - baseFluid, 1e-3);
  const or = Math.max(ow - baseOurs, 1e-3);
  sum = { fw: sum.fw + fw, ow: sum.ow + ow, fr: sum.fr + fr, or: sum.or + or };
  console.log(
    `${basename(s).padEnd(26)} ${audio.toFixed(1).padStart(8)} ${fw.toFixed(2).padStart(11)} ${ow.toFixed(2).padStart(10)} ${(ow / fw).toFixed(2).padStart(11)} ${fr.toFixed(2).padStart(13)} ${or.toFixed(2).padStart(12)} ${(or / fr).toFixed(2).padStart(13)}`,
  );
}
console.log(
  `${'total'.padEnd(26)} ${''.padStart(8)} ${sum.fw.toFixed(2).padStart(11)} ${sum.ow.toFixed(2).padStart(10)} ${(sum.ow / sum.fw).toFixed(2).padStart(11)} ${sum.fr.toFixed(2).padStart(13)} ${sum.or.toFixed(2).padStart(12)} ${(sum.or / sum.fr).toFixed(2).padStart(13)}`,
);
