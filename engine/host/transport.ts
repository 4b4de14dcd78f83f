/**
 * The song transport of the host ("dmusic.dll"'s performance role, much reduced): a MIDI file
 * played into one render pin through the same DirectMusic buffers a DirectMusic application sends.
 * A timer on the control side pumps the SongPlayer: every event due before the latency clock plus
 * a look-ahead is packed into IRPs and written to the pin, where the sequencer holds it until due,
 * so a busy control thread delays nothing as long as it pumps within the look-ahead.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Song, readSmf } from '../midi/smf.js';
import { SongPlayer } from '../midi/song-player.js';
import type { SessionState } from '../protocol/messages.js';
import { ProtocolError } from '../protocol/rpc.js';
import { renderSessionToWav } from './offline-render.js';
import type { Session } from './session.js';

/** How far ahead of the latency clock the song is written (100 ns): 200 ms. */
export const SONG_LOOKAHEAD = 2_000_000;
const PUMP_MS = 20;

export class SongTransport {
  private readonly session: Session;
  private player: SongPlayer | null = null;
  private song: { name: string; song: Song } | null = null;
  private pinId: number | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Recording state is reported here too (the recorder sets these). */
  recording = false;
  recordedEvents = 0;

  constructor(session: Session) {
    this.session = session;
    session.parts.transport = { state: () => this.state() };
  }

  state(): SessionState['transport'] {
    return {
      song: this.song
        ? {
            name: this.song.name,
            duration: this.song.song.duration,
            tracks: this.song.song.tracks.length,
            channelGroups: this.song.song.channelGroups.length,
            events: this.song.song.events.length,
          }
        : null,
      playing: this.player?.playing ?? false,
      pinId: this.pinId,
      position: this.player?.position ?? 0,
      recording: this.recording,
      recordedEvents: this.recordedEvents,
    };
  }

  get position(): number {
    return this.player?.position ?? 0;
  }

  async openSong(p: { path: string }) {
    const bytes = new Uint8Array(await readFile(p.path));
    return this.openSongData({ name: basename(p.path), bytes });
  }

  openSongData(p: { name: string; bytes: Uint8Array }) {
    const song = readSmf(p.bytes);
    this.stop();
    this.song = { name: p.name, song };
    this.player = new SongPlayer(song, { lookaheadRefTime: SONG_LOOKAHEAD, irpBytes: 4096 });
    this.player.onEnd = () => {
      this.halt();
      this.session.changed();
    };
    this.session.changed();
    return this.state().song!;
  }

  play(p: { pinId?: number }) {
    if (!this.player || !this.song) throw new ProtocolError('NOT_FOUND', 'no song is open: open a MIDI file first');
    const pins = this.session.getState().pins;
    const pinId = p.pinId ?? this.pinId ?? pins[0]?.id;
    if (pinId === undefined) throw new ProtocolError('NOT_FOUND', 'there is no synth pin to play the song on');
    const rec = this.session.pinRecord(pinId);
    // A song using more channel groups than the pin has gets them (groups that stay keep their state).
    const need = Math.max(...this.song.song.channelGroups, 1);
    if (rec.channelGroups < need) this.session.setChannelGroups({ pinId, groups: need });
    this.pinId = pinId;
    this.player.start(this.session.engine.latencyTime());
    this.pump();
    this.timer ??= setInterval(() => this.pump(), PUMP_MS);
    this.session.changed();
    return this.state();
  }

  private pump(): void {
    if (!this.player || this.pinId === null) return;
    const pinId = this.pinId;
    try {
      this.player.pump(this.session.engine.latencyTime(), (bytes, start) => {
        const r = this.session.engine.writeIrp(pinId, bytes, start);
        if (r.error) throw r.error;
      });
    } catch (err) {
      this.halt();
      this.session.reportError(`song playback stopped: ${(err as Error).message}`, this.song?.name ?? null, 'INTERNAL');
      this.session.changed();
    }
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop() {
    if (this.player && this.pinId !== null && this.session.getState().pins.some((p) => p.id === this.pinId)) {
      const pinId = this.pinId;
      this.player.stop(this.session.engine.latencyTime(), (bytes, start) => {
        this.session.engine.writeIrp(pinId, bytes, start);
      });
    }
    this.halt();
    this.session.changed();
    return this.state();
  }

  seek(p: { position: number }) {
    if (!this.player) throw new ProtocolError('NOT_FOUND', 'no song is open');
    this.player.seek(p.position);
    if (this.player.playing) this.pump();
    this.session.changed();
    return this.state();
  }

  /** renderToWav: the session (an offline copy of it) for `seconds`, playing the open song from its start. */
  async renderToWav(p: { path: string; seconds: number; pinId?: number }) {
    const { copy, pinIds } = await this.session.cloneOffline();
    try {
      const live = this.session.getState().pins.map((x) => x.id);
      const index = live.indexOf(p.pinId ?? this.pinId ?? live[0]);
      if (index < 0) throw new ProtocolError('NOT_FOUND', `there is no synth pin ${p.pinId}`, 'params.pinId');
      const r = await renderSessionToWav(copy, { pinId: pinIds[index], song: this.song?.song ?? null, out: p.path, seconds: p.seconds });
      return { path: p.path, frames: r.frames, peak: r.peak };
    } finally {
      await copy.close();
    }
  }

  close(): void {
    this.halt();
  }
}
