/**
 * Benchmark (issue 4): how many sustained, looped DLS2 voices the miniport synth renders in real
 * time on one core at 48 kHz. Not a test: run after `npm run build:engine` with
 *
 *   node --expose-gc dist/tests/bench/synth-voices.bench.js [--seconds 4] [--counts 64,256,1024,2048,4096]
 *
 * Method: one stream (pin) with PORTPARAMETERS voices = N, N notes held on 16 channels of as many
 * channel groups as needed (every note a looped 4096-frame wave, 4-point Hermite interpolation,
 * reverb/chorus sends active at the GM default CC91 = 40), 1 s of warm-up, then `seconds` of audio
 * rendered in 128-frame blocks through ISynthSinkDMus.render; time with process.hrtime.bigint()
 * around the render loop only. Real-time factor = audio time / render time; cost per voice-sample =
 * render time / (N × frames). "Voices in real time" = 1 / (cost per voice-sample × rate), measured
 * at the largest N (the cost is linear in N). A second pass does the same with the resonant filter
 * active on every voice.
 */
import { Allocator } from '../../engine/dmus/allocator.js';
import { SampleClock } from '../../engine/dmus/clocks.js';
import { DMUS_STREAM_TYPE } from '../../engine/dmus/miniport.js';
import { KSSTATE } from '../../engine/dmus/mxf.js';
import { CONN_DST, CONN_SRC, SYNTH_PORTPARAMS } from '../../engine/synth/constants.js';
import { SynthMiniport } from '../../engine/synth/miniport.js';
import { instrumentDownload, type ConnSpec, waveDownload } from '../helpers/synth-downloads.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RATE = 48000;
const BLOCK = 128;
const SECONDS = Number(arg('seconds', '4'));
const COUNTS = arg('counts', '64,256,1024,2048,4096').split(',').map(Number);

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
  const miniport = new SynthMiniport({ maxVoices: 16384 });
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

console.log(`synth-voices: ${SECONDS} s per point, ${RATE} Hz, blocks of ${BLOCK}, node ${process.version}`);
for (const filtered of [false, true]) {
  console.log(filtered ? '\nfilter ON (cutoff ~1.5 kHz, Q 6 dB) + sends' : '\nfilter off + sends');
  console.log('voices  realtime-x  ns/voice-sample  voices-in-realtime  heap-growth-bytes');
  let last: ReturnType<typeof run> | undefined;
  for (const n of COUNTS) {
    const r = run(n, filtered);
    last = r;
    console.log(`${String(n).padStart(6)}  ${r.rtFactor.toFixed(2).padStart(10)}  ${r.nsPerVoiceSample.toFixed(2).padStart(15)}  ${Math.round(r.voicesRealtime).toString().padStart(18)}  ${String(r.heapGrowth).padStart(17)}`);
  }
  if (last) console.log(`=> max voices sustained in real time (from N=${last.n}): ${Math.round(last.voicesRealtime)}`);
}
