/**
 * JIT warm-up of the render path, run by the render worker before the audio device opens.
 *
 * Why: V8 optimises the render functions (voice update and kernels, slot mixing, gain staging) on
 * the type feedback they have collected. A worker that rendered only silence before the first
 * note has none for the voice paths, so the first notes deoptimise them all at once: seen with
 * `node --trace-deopt` on the live song test, a burst of "insufficient type feedback" bailouts
 * (update, renderSub, endPass, renderVoices, output) right after the song started, and an underrun
 * at 128-frame buffers on a quiet machine. Real-time code warms up before the deadline matters.
 *
 * How: a private RenderEngine (same classes, so the same functions and feedback; nothing shared
 * with the session's pins or clocks) plays two programs and the drum kit of the built-in GM bank
 * for WARM_SECONDS with a voice limit low enough to steal: chords with sustain pedal, reverb and
 * chorus sends, pitch bend, modulation and pressure, one-shot drums with exclusive hi-hats, then
 * releases to the end of every voice, rendered block by block as the device would pull them.
 */
import { DownloadScratch, packInstrumentDownload, packWaveDownload } from '../dls/download.js';
import { makeGmDrums, makeGmProgram } from '../dls/gm-bank/make-gm-bank.js';
import { DirectMusicBuffer } from '../dmus/dmus-buffer.js';
import { SYNTH_PORTPARAMS } from '../dmus/properties.js';
import { RenderEngine } from './render-engine.js';

/** Seconds of audio the warm-up renders. */
const WARM_SECONDS = 3;
/**
 * GM programs played, one per melodic channel: one from each family of the bank, so every kind of
 * articulation it builds (plain, vibrato LFO, EG2 filter sweeps, noise loops) has been rendered.
 */
const PROGRAMS = [0, 11, 19, 24, 33, 40, 48, 56, 61, 68, 73, 81, 89, 98, 122];

/** Plays the warm-up; returns the peak it rendered (so a test can see the voices really sounded). */
export function warmUpRenderPath(sampleRate: number, bufferFrames: number): { peak: number; frames: number } {
  const engine = new RenderEngine({ sampleRate, bufferFrames });
  const pin = engine.createPin('warm-up');
  const node = engine.node(pin);
  let dlId = 1;
  const scratch = new DownloadScratch();
  for (const col of [...PROGRAMS.map(makeGmProgram), makeGmDrums()]) {
    const waveDlIds = col.waves.map((w) => {
      const id = dlId++;
      node.download(packWaveDownload(w, id, { scratch }));
      return id;
    });
    node.download(packInstrumentDownload(col, col.instruments[0], dlId++, waveDlIds));
  }
  // Fewer voices than notes: the steal fade runs too.
  node.getPortParameters({ validParams: SYNTH_PORTPARAMS.VOICES, voices: 32, channelGroups: 1, audioChannels: 2, sampleRate, effectsFlags: 0, share: 0 });
  const t0 = engine.masterTime();
  const ms = (x: number) => t0 + x * 10_000; // RefTime is 100 ns
  const send = (at: number, messages: number[][]) => {
    const buf = new DirectMusicBuffer(messages.length * 32);
    for (const m of messages) buf.packStructured(ms(at), 1, m[0] | (m[1] << 8) | (m[2] << 16));
    engine.writeIrp(pin, buf.raw(), buf.getStartTime());
  };
  // Melodic channel i (all but 10) plays PROGRAMS[i] with its own sends, pan and a chord.
  const melodic = PROGRAMS.map((_, i) => (i < 9 ? i : i + 1));
  send(0, [
    [0xb0, 64, 127],
    ...melodic.flatMap((c, i) => [
      [0xc0 | c, PROGRAMS[i], 0],
      [0xb0 | c, 91, 40 + i * 4],
      [0xb0 | c, 93, i % 3 === 0 ? 50 : 0],
      [0xb0 | c, 10, (i * 37) % 128],
    ]),
  ]);
  send(20, melodic.flatMap((c, i) => [[0x90 | c, 48 + ((i * 5) % 24), 100], [0x90 | c, 60 + ((i * 7) % 24), 70]]));
  // Drums (channel 10): kick, snare, closed then open hi-hat (one exclusive class), crash.
  for (let i = 0; i < 8; i++) send(100 + i * 120, [[0x99, i % 2 ? 38 : 36, 110], [0x99, i % 3 ? 42 : 46, 90]]);
  send(400, melodic.flatMap((c) => [[0xe0 | c, 0, 80], [0xb0 | c, 1, 90], [0xd0 | c, 70, 0], [0xb0 | c, 11, 90]]));
  send(600, [[0xa0, 60, 50], [0xb0, 7, 110], [0x99, 49, 100]]);
  send(800, melodic.flatMap((c, i) => [[0x80 | c, 48 + ((i * 5) % 24), 0], [0x80 | c, 60 + ((i * 7) % 24), 0]]));
  send(900, [[0xb0, 64, 0]]);
  const left = new Float32Array(bufferFrames);
  const right = new Float32Array(bufferFrames);
  const blocks = Math.ceil((WARM_SECONDS * sampleRate) / bufferFrames);
  let peak = 0;
  for (let b = 0; b < blocks; b++) {
    engine.sink.renderBlock(left, right, bufferFrames);
    for (let i = 0; i < bufferFrames; i++) peak = Math.max(peak, Math.abs(left[i]), Math.abs(right[i]));
  }
  engine.removePin(pin);
  return { peak, frames: blocks * bufferFrames };
}
