import { describe, expect, it } from 'vitest';
import { makeDevicesCommand } from '../../../engine/cli/devices.js';
import { AudioOutputError } from '../../../engine/sink/audio-output.js';
import type { AudioDeviceList } from '../../../engine/sink/portaudio-output.js';

function io() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => (out += s), err: (s: string) => (err += s) }, get: () => ({ out, err }) };
}

const hostApis = [
  { id: 0, name: 'ALSA', type: 'ALSA', deviceCount: 2, defaultOutput: 1 },
  { id: 1, name: 'OSS', type: 'OSS', deviceCount: 0, defaultOutput: -1 },
];
const withDevices: AudioDeviceList = {
  hostApis,
  outputs: [
    { id: 0, name: 'jacktest', hostApi: 'ALSA', outputChannels: 2, inputChannels: 2, defaultSampleRate: 48000, defaultLowOutputLatency: 0, defaultHighOutputLatency: 0, isDefaultOutput: false },
    { id: 1, name: 'default', hostApi: 'ALSA', outputChannels: 128, inputChannels: 128, defaultSampleRate: 48000, defaultLowOutputLatency: 0, defaultHighOutputLatency: 0, isDefaultOutput: true },
  ],
};

describe('dmus devices', () => {
  it('lists host APIs and output devices, marking the default', async () => {
    const c = io();
    expect(await makeDevicesCommand(async () => withDevices).run([], c.io)).toBe(0);
    const out = c.get().out;
    expect(out).toMatch(/ALSA \(ALSA\), 2 devices/);
    expect(out).toMatch(/id\s+name\s+host API\s+ch\s+rate\s+low lat\s+high lat/);
    expect(out).toMatch(/1\*\s+default\s+ALSA\s+128\s+48000/);
    expect(out).toMatch(/0\s+jacktest/);
  });

  it('--json prints the list', async () => {
    const c = io();
    expect(await makeDevicesCommand(async () => withDevices).run(['--json'], c.io)).toBe(0);
    expect(JSON.parse(c.get().out)).toEqual(withDevices);
  });

  it('with no device it says so clearly and exits 0', async () => {
    const c = io();
    expect(await makeDevicesCommand(async () => ({ hostApis, outputs: [] })).run([], c.io)).toBe(0);
    expect(c.get().out).toMatch(/no audio output device found/);
    expect(c.get().out).toMatch(/null output/);
  });

  it('exits 1 with the reason when naudiodon cannot load; rejects arguments', async () => {
    const c = io();
    const failing = makeDevicesCommand(async () => {
      throw new AudioOutputError('portaudio', 'BACKEND_UNAVAILABLE', 'cannot load naudiodon: boom');
    });
    expect(await failing.run([], c.io)).toBe(1);
    expect(c.get().err).toMatch(/audio unavailable: cannot load naudiodon: boom/);
    await expect(failing.run(['extra'], c.io)).rejects.toThrow(/unexpected argument/);
  });
});
