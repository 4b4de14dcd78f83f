/**
 * `dmus play <song.mid> [--bank <file>] [--device <id>] [--buffer 128]`: a MIDI file played in real
 * time through the live engine (render thread + PortAudio), the same path as the workstation.
 * Without a device it says so and plays into the null sink (the clock runs, nothing is heard).
 */
import { builtInBankPath } from '../dls/system-bank.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

function intOption(v: string | true | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliUsageError(`--${name} ${String(v)} must be a whole number in ${min}..${max}`);
  return n;
}

export const playCommand: CliCommand = {
  name: 'play',
  summary: 'play a MIDI file in real time through the audio device',
  usage: 'dmus play <song.mid> [--bank <file.dls|file.sf2>] [--device <id>] [--buffer 128] [--queue 2] [--rate 48000] [--seconds N]',
  details: 'dmus devices lists the device ids. --seconds stops early. Ctrl-C stops.',
  run: async (args, io) => {
    const { positionals, options } = parseArgs(args, { valued: ['bank', 'device', 'buffer', 'queue', 'rate', 'seconds'], flags: [] });
    if (positionals.length !== 1) throw new CliUsageError('give exactly one MIDI file');
    const bufferFrames = intOption(options.buffer, 'buffer', 16, 8192) ?? 256;
    const latencyBuffers = intOption(options.queue, 'queue', 1, 16) ?? 2;
    const sampleRate = intOption(options.rate, 'rate', 11025, 192000) ?? 48000;
    const deviceId = intOption(options.device, 'device', -1, 4096) ?? null;
    const seconds = options.seconds === undefined ? undefined : Number(options.seconds);
    // Loaded here, not at the top: every `dmus` command imports this module (engine/cli.ts).
    const [{ RenderWorkerClient }, { Session }, { SongTransport }] = await Promise.all([
      import('../host/render-worker-client.js'),
      import('../host/session.js'),
      import('../host/transport.js'),
    ]);
    const session = new Session({ dir: null, output: 'live', defaults: false, renderThread: (o) => new RenderWorkerClient(o) });
    session.onError((e) => io.err(`dmus play: ${e.message}\n`));
    await session.setAudioSettings({ sampleRate, bufferFrames, latencyBuffers, deviceId });
    await session.start();
    const transport = new SongTransport(session);
    try {
      const bank = typeof options.bank === 'string' ? options.bank : builtInBankPath();
      if (!bank) throw new Error('no --bank given and the built-in bank is missing');
      const pin = session.createPin({ name: 'play' });
      const c = await session.loadCollection({ path: bank });
      session.downloadCollection({ pinId: pin.id, collectionId: c.id });
      const song = await transport.openSong({ path: positionals[0] });
      const audio = session.audioStatus();
      io.out(
        `${song.name}: ${(song.duration / 1e7).toFixed(1)} s, ${song.channelGroups} channel group(s); output ${audio.output}` +
          `${audio.reason ? ` (${audio.reason})` : ''}, ${sampleRate} Hz, ${bufferFrames}-frame buffers, latency ${audio.latencyMs.toFixed(1)} ms\n`,
      );
      transport.play({ pinId: pin.id });
      const limit = (seconds ?? song.duration / 1e7 + 2) * 1000;
      const t0 = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (Date.now() - t0 >= limit || (!transport.state().playing && Date.now() - t0 > 500)) done();
        }, 50);
        const done = () => {
          clearInterval(timer);
          process.off('SIGINT', done);
          resolve();
        };
        process.once('SIGINT', done);
      });
      transport.stop();
      await new Promise((r) => setTimeout(r, 300));
      const stats = session.stats();
      io.out(`played ${((Date.now() - t0) / 1000).toFixed(1)} s, underruns ${stats.underruns}, notes lost ${stats.pins[0]?.lostNotes ?? 0}\n`);
    } finally {
      transport.close();
      await session.close();
    }
    return 0;
  },
};
