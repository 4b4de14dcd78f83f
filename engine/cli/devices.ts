/**
 * `dmus devices`: lists PortAudio's host APIs and stereo output devices, i.e. what the wave sink
 * (engine/sink/portaudio-output.ts, seed concept: the wave sink's device) can open. With no device
 * (no sound card, no JACK server for the ALSA jack plugin) it says so and exits 0: that is a valid
 * state (the engine then runs on the null output). Exit 1 only when naudiodon itself cannot load.
 *
 * naudiodon is loaded lazily by listAudioDevices(); ALSA and libjack may print probe noise on
 * stderr, and nothing of theirs reaches stdout here (listing devices prints nothing).
 */
import { AudioOutputError } from '../sink/audio-output.js';
import type { AudioDeviceList } from '../sink/portaudio-output.js';
import { type CliCommand, CliUsageError, parseArgs } from './command.js';

const NO_DEVICE_HINT =
  'no audio output device found: no sound card, and no JACK server for the ALSA jack plugin.\n' +
  'The engine still runs (on the null output, which keeps the clock running). To get a device on a\n' +
  'machine without a sound card, see ../shared/platform/README.md section 2 (jackd -d dummy).\n';

async function defaultLister(): Promise<AudioDeviceList> {
  const { listAudioDevices } = await import('../sink/portaudio-output.js');
  return listAudioDevices();
}

export function makeDevicesCommand(list: () => Promise<AudioDeviceList> = defaultLister): CliCommand {
  return {
    name: 'devices',
    summary: 'list the audio host APIs and output devices',
    usage: 'dmus devices [--json]',
    details:
      'Columns: PortAudio device id (for --device), name, host API, output channels, default sample rate,\n' +
      'default low/high output latency as naudiodon reports them (whole seconds: 0 means under 1 s).',
    run: async (args, io) => {
      const { positionals, options } = parseArgs(args, { flags: ['json'] });
      if (positionals.length > 0) throw new CliUsageError(`unexpected argument '${positionals[0]}'`);
      let devices: AudioDeviceList;
      try {
        devices = await list();
      } catch (err) {
        if (err instanceof AudioOutputError) {
          io.err(`audio unavailable: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
      if (options.json) {
        io.out(`${JSON.stringify(devices, null, 2)}\n`);
        return 0;
      }
      io.out('host APIs:\n');
      for (const h of devices.hostApis) io.out(`  ${String(h.id).padStart(2)}  ${h.name} (${h.type}), ${h.deviceCount} device${h.deviceCount === 1 ? '' : 's'}\n`);
      if (devices.outputs.length === 0) {
        io.out(`\n${NO_DEVICE_HINT}`);
        return 0;
      }
      const rows = [
        ['id', 'name', 'host API', 'ch', 'rate', 'low lat', 'high lat'],
        ...devices.outputs.map((d) => [
          `${d.id}${d.isDefaultOutput ? '*' : ''}`,
          d.name,
          d.hostApi,
          String(d.outputChannels),
          String(d.defaultSampleRate),
          `${d.defaultLowOutputLatency} s`,
          `${d.defaultHighOutputLatency} s`,
        ]),
      ];
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      io.out('\noutput devices (* = default):\n');
      for (const r of rows) io.out(`  ${r.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd()}\n`);
      return 0;
    },
  };
}

export const devicesCommand = makeDevicesCommand();
