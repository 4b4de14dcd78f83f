/** Audio output: devices, sample rate, buffer size, queued buffers, sequencer prefetch. */
import type { AudioSettings, AudioStatus, NotificationData, Result } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export type AudioDevice = Result<'listAudioDevices'>['devices'][number];

export interface AudioSlice {
  devices: AudioDevice[];
  devicesReason: string | null;
  listDevices(): Promise<void>;
  setAudioSettings(settings: Partial<AudioSettings>): Promise<AudioStatus | undefined>;
}

export const createAudioSlice: Slice<AudioSlice> = ({ link }) => (set, get) => ({
  devices: [],
  devicesReason: null,
  async listDevices() {
    const r = await act(get, set, 'audio', 'list the audio devices', () => link.call('listAudioDevices', {}));
    if (r) set({ devices: r.devices, devicesReason: r.reason });
  },
  async setAudioSettings(settings) {
    const audio = await act(get, set, 'audio', 'change the audio settings', () => link.call('setAudioSettings', settings));
    if (audio) get().patchSession({ audio });
    return audio;
  },
});

/** Output latency the settings give, before the engine confirms: buffers × frames / rate. */
export function expectedLatencyMs(s: Pick<AudioSettings, 'bufferFrames' | 'latencyBuffers' | 'sampleRate'>): number {
  return (s.bufferFrames * s.latencyBuffers * 1000) / s.sampleRate;
}

export type ProgressData = NotificationData<'onProgress'>;
