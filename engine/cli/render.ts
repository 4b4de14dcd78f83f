/**
 * `dmus render <song.mid> [--bank <file.dls|file.sf2>] --out <out.wav> [--rate 48000]`: a standard
 * MIDI file rendered offline through the DMus stack (engine/host/offline-render.ts) into a WAV.
 * Shows a progress bar when stderr is a terminal.
 */
import { readSongFile, renderSongToWav } from '../host/offline-render.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

export const renderCommand: CliCommand = {
  name: 'render',
  summary: 'render a MIDI file to WAV offline through the DMus stack',
  usage: 'dmus render <song.mid> --out <out.wav> [--bank <file.dls|file.sf2>] [--rate 48000] [--float] [--voices N]',
  details: 'Without --bank the built-in General MIDI bank plays. Songs with port meta events use several channel groups.',
  run: async (args, io) => {
    const { positionals, options } = parseArgs(args, { valued: ['out', 'bank', 'rate', 'voices', 'buffer'], flags: ['float', 'quiet'] });
    if (positionals.length !== 1) throw new CliUsageError('give exactly one MIDI file');
    if (typeof options.out !== 'string') throw new CliUsageError('--out <file.wav> is required');
    const rate = options.rate === undefined ? 48000 : Number(options.rate);
    if (!Number.isInteger(rate) || rate < 11025 || rate > 192000) throw new CliUsageError(`--rate ${options.rate} must be a whole number of Hz in 11025..192000`);
    const voices = options.voices === undefined ? undefined : Number(options.voices);
    if (voices !== undefined && !(Number.isInteger(voices) && voices >= 1 && voices <= 4096)) throw new CliUsageError(`--voices ${options.voices} must be in 1..4096`);
    const song = await readSongFile(positionals[0]);
    const tty = process.stderr.isTTY && !options.quiet;
    let lastPct = -1;
    const r = await renderSongToWav({
      song,
      bankPath: typeof options.bank === 'string' ? options.bank : undefined,
      out: options.out,
      sampleRate: rate,
      bufferFrames: options.buffer === undefined ? 256 : Number(options.buffer),
      format: options.float ? 'float32' : 'pcm16',
      voices,
      onProgress: (done, total) => {
        if (!tty) return;
        const pct = Math.floor((done / total) * 100);
        if (pct === lastPct) return;
        lastPct = pct;
        const bar = '#'.repeat(Math.floor(pct / 2.5)).padEnd(40, '.');
        process.stderr.write(`\r[${bar}] ${String(pct).padStart(3)}%`);
      },
    });
    if (tty) process.stderr.write('\n');
    io.out(
      `${options.out}: ${r.seconds.toFixed(2)} s at ${rate} Hz, peak ${(20 * Math.log10(Math.max(r.peak, 1e-9))).toFixed(1)} dBFS, ` +
        `up to ${r.maxVoices} voices, ${r.lostNotes} notes lost, rendered in ${r.renderSeconds.toFixed(2)} s (${(r.seconds / r.renderSeconds).toFixed(1)}x real time)\n`,
    );
    return 0;
  },
};
