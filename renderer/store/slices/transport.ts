/** The song transport, recording, WAV export, panic, and live notes from the on-screen keyboard. */
import type { Result, TransportState } from '../../../engine/protocol/messages.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export interface TransportSlice {
  openSongPath(path: string): Promise<boolean>;
  openSongData(name: string, bytes: Uint8Array): Promise<boolean>;
  play(pinId?: number): Promise<void>;
  stop(): Promise<void>;
  seek(position: number): Promise<void>;
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  /** The recording as a standard MIDI file: to `path` (Electron, engine writes it), else returned as bytes. */
  saveRecording(path?: string): Promise<Result<'saveRecording'> | undefined>;
  renderToWav(path: string, seconds: number, pinId?: number): Promise<Result<'renderToWav'> | undefined>;
  panic(): Promise<void>;
  /** Live MIDI; errors are shown at the keyboard, never thrown (a key press must not break the UI). */
  sendMidi(pinId: number, group: number, bytes: number[]): Promise<void>;
}

export const createTransportSlice: Slice<TransportSlice> = ({ link }) => (set, get) => {
  const transportCall = async (action: string, call: () => Promise<TransportState>, place = 'transport') => {
    const transport = await act(get, set, place, action, call);
    if (transport) get().patchSession({ transport });
    return transport;
  };
  return {
    async openSongPath(path) {
      const name = path.split(/[\\/]/).pop() ?? path;
      const song = await act(get, set, 'transport', `open ${name}`, () => link.call('openSong', { path }));
      if (song) await get().refresh();
      return song !== undefined;
    },
    async openSongData(name, bytes) {
      const song = await act(get, set, 'transport', `open ${name}`, () => link.call('openSongData', { name, bytes }));
      if (song) await get().refresh();
      return song !== undefined;
    },
    async play(pinId) {
      await transportCall('play the song', () => link.call('play', pinId ? { pinId } : {}));
    },
    async stop() {
      await transportCall('stop', () => link.call('stop', {}));
    },
    async seek(position) {
      await transportCall('move the song position', () => link.call('seek', { position }));
    },
    async startRecording() {
      await transportCall('start recording', () => link.call('startRecording', {}), 'record');
    },
    async stopRecording() {
      await transportCall('stop recording', () => link.call('stopRecording', {}), 'record');
    },
    saveRecording: (path) => act(get, set, 'record', 'save the recording', () => link.call('saveRecording', path ? { path } : {})),
    renderToWav: (path, seconds, pinId) =>
      act(get, set, 'export', 'export the WAV file', () => link.call('renderToWav', { path, seconds, ...(pinId ? { pinId } : {}) })),
    async panic() {
      await act(get, set, 'panic', 'silence all notes', () => link.call('panic', {}));
    },
    async sendMidi(pinId, group, bytes) {
      await act(get, set, 'keyboard', 'play the note', () => link.call('sendMidi', { pinId, group, bytes }));
    },
  };
};
