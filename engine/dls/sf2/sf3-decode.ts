/**
 * Seed concept: SoundFont 2 import (issue 3), SF3 variant.
 * Purpose: SF3 banks (MuseScore's compressed SoundFonts, e.g. MuseScore_General.sf3) hold each
 * sample as an Ogg Vorbis stream inside smpl. DLS waves are PCM, so the samples are decoded once,
 * when the bank is opened, into one new 16-bit smpl, and the sample headers are rewritten to the
 * SF2 layout; the rest of the import (sf2-to-dls.ts) then runs unchanged.
 *
 * SF3 sample headers (as MuseScore writes them and FluidSynth and spessasynth read them): for a
 * sample with sfSampleType bit 0x10, dwStart/dwEnd are BYTE offsets of its Ogg stream in smpl and
 * dwStartloop/dwEndloop are frames counted from the first decoded frame. Uncompressed samples in
 * the same file keep the SF2 meaning (frames into smpl).
 *
 * The decoder is @wasm-audio-decoders/ogg-vorbis (libvorbis compiled to WebAssembly), loaded only
 * when a compressed bank is opened.
 */
import { DlsError } from '../dls-error.js';
import { type ProgramFilter, wantsProgram } from '../program-filter.js';
import { SF2_SAMPLE, type Sf2Bank, type Sf2Sample } from './sf2-reader.js';

/** Frames after each sample, as the SF2 spec asks (and the interpolator's guard reads rely on). */
const SAMPLE_PAD_FRAMES = 46;
/**
 * Bound on what decoding may produce (frames of 16-bit PCM, 512 MB): a small hostile file must
 * not make the loader allocate without limit. Real SF3 banks decode to well under this
 * (MuseScore_General: about 200 MB of PCM).
 */
export const MAX_DECODED_FRAMES = 1 << 28;
/** Decoders working at once (see decodeSf3). */
const DECODE_LANES = 4;

interface VorbisDecoder {
  ready: Promise<void>;
  reset(): Promise<void>;
  free(): void;
  decodeFile(data: Uint8Array): Promise<{ channelData: Float32Array[]; samplesDecoded: number; sampleRate: number; errors: Array<{ message: string }> }>;
}

async function createDecoder(): Promise<VorbisDecoder> {
  const { OggVorbisDecoder } = await import('@wasm-audio-decoders/ogg-vorbis');
  const d = new OggVorbisDecoder() as unknown as VorbisDecoder;
  await d.ready;
  return d;
}

/**
 * The bank with every compressed sample decoded into a new PCM smpl (a bank without compressed
 * samples is returned as it is). Errors name the sample and its place in the file.
 */
/** Reports decoded samples (done of total), at most about 50 times a bank. */
export type DecodeProgress = (done: number, total: number) => void;

export async function decodeSf3(bank: Sf2Bank, programs: ProgramFilter | null = null, onProgress?: DecodeProgress): Promise<Sf2Bank> {
  if (bank.compressedSamples === 0) return bank;
  const wanted = programs === null ? null : samplesOfPrograms(bank, programs);
  const decoded: Array<Int16Array | null> = bank.samples.map(() => null);
  const v = new DataView(bank.smpl.buffer, bank.smpl.byteOffset, bank.smpl.byteLength);
  const todo: number[] = [];
  for (let i = 0; i < bank.samples.length; i++) {
    const s = bank.samples[i];
    if (wanted !== null && !wanted.has(i)) continue; // left empty: no converted preset uses it
    if (s.sampleType & SF2_SAMPLE.COMPRESSED) todo.push(i);
    else if (!(s.sampleType & SF2_SAMPLE.ROM)) {
      const pcm = new Int16Array(s.end - s.start);
      for (let k = 0; k < pcm.length; k++) pcm[k] = v.getInt16(2 * (s.start + k), true);
      decoded[i] = pcm;
    }
  }
  // Several decoders at once: each stream needs a decoder of its own (decodeFile re-creates its
  // WebAssembly instance after every stream), and that set-up is asynchronous, so a few in flight
  // keep the thread busy instead of waiting on one.
  let next = 0;
  let frames = 0;
  let done = 0;
  const step = Math.max(1, Math.ceil(todo.length / 50));
  const lane = async () => {
    const decoder = await createDecoder();
    try {
      while (next < todo.length) {
        const i = todo[next++];
        const pcm = await decodeOne(decoder, bank, bank.samples[i], i);
        frames += pcm.length;
        if (frames > MAX_DECODED_FRAMES) {
          throw new DlsError('BADWAVE', `the decoded samples would exceed ${MAX_DECODED_FRAMES} frames (at sample ${i} '${bank.samples[i].name}')`, bank.at.shdrPath, bank.at.shdrOffset + 46 * i);
        }
        decoded[i] = pcm;
        if (++done % step === 0 || done === todo.length) onProgress?.(done, todo.length);
      }
    } finally {
      decoder.free();
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_LANES, todo.length) }, lane));
  let total = 0;
  for (const pcm of decoded) total += (pcm?.length ?? 0) + SAMPLE_PAD_FRAMES;

  const smpl = new Int16Array(total);
  const samples: Sf2Sample[] = [];
  let at = 0;
  for (let i = 0; i < bank.samples.length; i++) {
    const s = bank.samples[i];
    const pcm = decoded[i];
    if (pcm === null) {
      // A ROM sample (the converter skips it) or one no converted preset uses: kept for the
      // indexes, empty, and never compressed.
      samples.push({ ...s, start: at, end: at, startLoop: at, endLoop: at, sampleType: s.sampleType & ~SF2_SAMPLE.COMPRESSED });
      at += SAMPLE_PAD_FRAMES;
      continue;
    }
    smpl.set(pcm, at);
    // Loops: compressed samples count from their first frame, PCM ones from smpl's start.
    const loopBase = s.sampleType & SF2_SAMPLE.COMPRESSED ? at : at - s.start;
    samples.push({ ...s, start: at, end: at + pcm.length, startLoop: s.startLoop + loopBase, endLoop: s.endLoop + loopBase, sampleType: s.sampleType & ~SF2_SAMPLE.COMPRESSED });
    at += pcm.length + SAMPLE_PAD_FRAMES;
  }
  const bytes = new Uint8Array(smpl.buffer);
  if (!littleEndian()) for (let k = 0; k < bytes.length; k += 2) [bytes[k], bytes[k + 1]] = [bytes[k + 1], bytes[k]];
  return {
    ...bank,
    smpl: bytes,
    samples,
    compressedSamples: 0,
  };
}

/** SF2 generator numbers (SF2.04 §8.1.2) the sample walk needs. */
const GEN_INSTRUMENT = 41;
const GEN_SAMPLE_ID = 53;

/** Samples the presets of `programs` can play (with their stereo partners). */
function samplesOfPrograms(bank: Sf2Bank, programs: ProgramFilter): Set<number> {
  const out = new Set<number>();
  const gen = (z: { generators: Array<{ oper: number; amount: number }> }, oper: number) => z.generators.find((g) => g.oper === oper)?.amount;
  for (const p of bank.presets) {
    if (!wantsProgram(programs, p.bank === 128, p.preset & 0x7f)) continue;
    for (const pz of p.zones) {
      const ii = gen(pz, GEN_INSTRUMENT);
      const inst = ii === undefined ? undefined : bank.instruments[ii & 0xffff];
      if (!inst) continue;
      for (const iz of inst.zones) {
        const si = gen(iz, GEN_SAMPLE_ID);
        if (si === undefined || !bank.samples[si & 0xffff]) continue;
        out.add(si & 0xffff);
        const link = bank.samples[si & 0xffff].sampleLink;
        if (bank.samples[link]) out.add(link);
      }
    }
  }
  return out;
}

async function decodeOne(decoder: VorbisDecoder, bank: Sf2Bank, s: Sf2Sample, i: number): Promise<Int16Array> {
  const where = bank.at.smplPath;
  const offset = bank.at.smplOffset + s.start;
  const data = bank.smpl.subarray(s.start, s.end);
  let r: Awaited<ReturnType<VorbisDecoder['decodeFile']>>;
  try {
    r = await decoder.decodeFile(data);
  } catch (err) {
    throw new DlsError('BADWAVE', `sample ${i} '${s.name}': its Ogg Vorbis data could not be decoded (${(err as Error).message})`, where, offset);
  }
  if (r.samplesDecoded === 0 || r.channelData.length === 0) {
    const why = r.errors[0]?.message ?? 'no audio in it';
    throw new DlsError('BADWAVE', `sample ${i} '${s.name}': its ${data.length} bytes of Ogg Vorbis data decode to nothing (${why})`, where, offset);
  }
  if (r.samplesDecoded > MAX_DECODED_FRAMES) {
    throw new DlsError('BADWAVE', `sample ${i} '${s.name}' decodes to ${r.samplesDecoded} frames, more than ${MAX_DECODED_FRAMES}`, where, offset);
  }
  // A stereo stream in one sample is not SF3's layout (stereo is two linked mono samples): the
  // first channel is kept.
  const ch = r.channelData[0];
  const out = new Int16Array(r.samplesDecoded);
  for (let k = 0; k < out.length; k++) {
    const x = Math.round(ch[k] * 32768);
    out[k] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
  }
  return out;
}

function littleEndian(): boolean {
  return new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
}
