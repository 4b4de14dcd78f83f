/**
 * Offline render through the same stack live play uses (issue 4): the song is packed into
 * DirectMusic buffers (IRPs), written to a render pin a little ahead of the master clock, and goes
 * unpacker -> sequencer -> synth -> wave sink -> a WAV file, block by block. Nothing here is
 * specific to offline work except the output: the WAV file pulls blocks as fast as it can.
 * Identical input gives identical output, bit for bit (no wall clock, no randomness).
 */
import { readFile } from 'node:fs/promises';
import { type Song, readSmf } from '../midi/smf.js';
import { packSong, type SongIrp } from '../midi/song-player.js';
import { WavFileOutput } from '../sink/wav-file-output.js';
import { builtInBankPath } from '../dls/system-bank.js';
import { REFTIME_PER_SECOND, type RefTime } from '../dmus/units.js';
import { Session } from './session.js';
import { programsUsedBy } from './song-programs.js';

export interface OfflineRenderOptions {
  song: Song;
  /** DLS or SF2 file; the built-in bank when omitted. */
  bankPath?: string;
  out: string;
  sampleRate?: number;
  bufferFrames?: number;
  /** Seconds rendered after the song's end, for release tails and reverb. */
  tailSeconds?: number;
  format?: 'pcm16' | 'float32';
  /** Voice limit of the pin (PORTPARAMETERS). */
  voices?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface OfflineRenderResult {
  frames: number;
  seconds: number;
  peak: number;
  /** Wall time of the render, seconds. */
  renderSeconds: number;
  lostNotes: number;
  maxVoices: number;
}

/** Feeds a pin with a song's IRPs, each a lookahead before it is due. */
export class IrpFeeder {
  private next = 0;
  private readonly irps: SongIrp[];
  constructor(irps: SongIrp[]) {
    this.irps = irps;
  }
  feed(until: RefTime, write: (irp: SongIrp) => void): void {
    while (this.next < this.irps.length && this.irps[this.next].startTime <= until) write(this.irps[this.next++]);
  }
  get done(): boolean {
    return this.next >= this.irps.length;
  }
}

export async function renderSongToWav(o: OfflineRenderOptions): Promise<OfflineRenderResult> {
  const sampleRate = o.sampleRate ?? 48000;
  const bufferFrames = o.bufferFrames ?? 256;
  const session = new Session({ dir: null, output: 'offline', defaults: false });
  await session.setAudioSettings({ sampleRate, bufferFrames });
  await session.start();
  try {
    const pin = session.createPin({ name: 'render' });
    session.setChannelGroups({ pinId: pin.id, groups: Math.max(2, ...o.song.channelGroups) });
    if (o.voices) session.setVoiceLimit({ pinId: pin.id, voices: o.voices });
    const bank = o.bankPath ?? builtInBankPath();
    if (!bank) throw new Error('no bank given and the built-in bank assets/dmus-gm.dls is missing');
    // Only the instruments the song can select (same output as the whole bank, less to convert).
    const programs = programsUsedBy(o.song);
    const c = await session.loadCollection({ path: bank }, programs);
    session.downloadPrograms({ pinId: pin.id, collectionId: c.id, programs });
    const seconds = o.song.duration / REFTIME_PER_SECOND + (o.tailSeconds ?? 2);
    return await renderSessionToWav(session, { pinId: pin.id, song: o.song, out: o.out, seconds, format: o.format, onProgress: o.onProgress });
  } finally {
    await session.close();
  }
}

/**
 * Renders `seconds` of an offline session into a WAV file, playing `song` (when given) from its
 * start on pin `pinId`. The session must have output 'offline' (nothing else pulls its blocks).
 */
export async function renderSessionToWav(
  session: Session,
  o: { pinId: number; song: Song | null; out: string; seconds: number; format?: 'pcm16' | 'float32'; onProgress?: (done: number, total: number) => void },
): Promise<OfflineRenderResult> {
  const engine = session.localEngine();
  const sampleRate = engine.sampleRate;
  const irps = new IrpFeeder(o.song ? packSong(o.song, 4096) : []);
  const start = engine.masterTime();
  const lookahead = REFTIME_PER_SECOND / 2;
  const totalFrames = Math.ceil(o.seconds * sampleRate);
  let maxVoices = 0;
  let framesDone = 0;
  const node = engine.node(o.pinId);
  const out = new WavFileOutput({ path: o.out, totalFrames, format: o.format ?? 'pcm16' });
  // The rare steps (an IRP write, a progress report) are functions of their own, made once: code
  // the per-block callback reaches only now and then would otherwise deoptimise it each time.
  const writeIrp = (irp: SongIrp) => {
    const res = engine.writeIrp(o.pinId, irp.bytes, start + irp.startTime);
    if (res.error) throw res.error;
  };
  const progress = () => {
    const v = node.getRunningStats().voices;
    if (v > maxVoices) maxVoices = v;
    o.onProgress?.(framesDone, totalFrames);
  };
  await out.open({
    sampleRate,
    framesPerBuffer: engine.bufferFrames,
    pull: (l, r, frames) => {
      irps.feed(engine.masterTime() - start + lookahead, writeIrp);
      engine.renderBlock(l, r, frames);
      framesDone += frames;
      if ((framesDone & 0x3fff) < frames) progress();
    },
  });
  // The wave sink keeps the output's peak as it renders (no second pass over every block here).
  engine.takePeak();
  const t0 = process.hrtime.bigint();
  out.start();
  await out.done;
  const renderSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  o.onProgress?.(totalFrames, totalFrames);
  const peak = engine.takePeak();
  return { frames: totalFrames, seconds: totalFrames / sampleRate, peak, renderSeconds, lostNotes: node.getRunningStats().lostNotes, maxVoices };
}

export async function readSongFile(path: string): Promise<Song> {
  return readSmf(new Uint8Array(await readFile(path)));
}
