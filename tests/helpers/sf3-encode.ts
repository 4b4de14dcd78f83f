/**
 * SF2 -> SF3 the way MuseScore's sftools does it: every PCM sample becomes an Ogg Vorbis stream in
 * smpl (Debian's oggenc: apt-get install vorbis-tools); sample headers then hold byte offsets of
 * the streams and loop points relative to each sample's start; ifil becomes 3.1. For the SF3
 * import's tests on a real bank and for tests/bench/make-sf3.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRiff, type RiffChunk, type RiffNode, riffChunk, riffForm, riffList, writeRiff } from '../../engine/dls/riff.js';

/** True when oggenc can be run here. */
export const haveOggenc = (): boolean => spawnSync('oggenc', ['--version']).status === 0;

export function sf2ToSf3(bytes: Uint8Array, quality = 4): { bytes: Uint8Array; samples: number } {
  const root = readRiff(bytes, { formType: 'sfbk', maxDepth: 3, opaqueLists: new Set(['sdta']) });
  const list = (t: string) => root.children!.find((c) => c.listType === t)!;
  const sdta = list('sdta');
  let smpl: Uint8Array | null = null;
  for (let at = 0; at + 8 <= sdta.data.length; ) {
    const id = String.fromCharCode(...sdta.data.subarray(at, at + 4));
    const size = new DataView(sdta.data.buffer, sdta.data.byteOffset + at + 4, 4).getUint32(0, true);
    if (id === 'smpl') smpl = sdta.data.subarray(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  if (!smpl) throw new Error('no smpl chunk');
  const pdta = list('pdta');
  const shdr = pdta.children!.find((c) => c.id === 'shdr')!;
  const sh = new Uint8Array(shdr.data);
  const v = new DataView(sh.buffer, sh.byteOffset, sh.byteLength);
  const work = mkdtempSync(join(tmpdir(), 'make-sf3-'));
  const parts: Uint8Array[] = [];
  let offset = 0;
  const count = sh.length / 46 - 1;
  try {
    for (let i = 0; i < count; i++) {
      const at = 46 * i;
      const start = v.getUint32(at + 20, true);
      const end = v.getUint32(at + 24, true);
      const rate = v.getUint32(at + 36, true);
      const type = v.getUint16(at + 44, true);
      if (type & 0x8000 || end <= start) continue;
      writeFileSync(join(work, 'in.wav'), monoWav(smpl.subarray(2 * start, 2 * end), rate));
      const r = spawnSync('oggenc', ['-Q', '-q', String(quality), '-o', join(work, 'out.ogg'), join(work, 'in.wav')]);
      if (r.status !== 0) throw new Error(`oggenc failed on sample ${i}: ${r.stderr}`);
      const ogg = new Uint8Array(readFileSync(join(work, 'out.ogg')));
      const padded = new Uint8Array(ogg.length + (ogg.length & 1));
      padded.set(ogg);
      parts.push(padded);
      v.setUint32(at + 20, offset, true);
      v.setUint32(at + 24, offset + ogg.length, true);
      v.setUint32(at + 28, v.getUint32(at + 28, true) - start, true);
      v.setUint32(at + 32, v.getUint32(at + 32, true) - start, true);
      v.setUint16(at + 44, type | 0x10, true);
      offset += padded.length;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const data = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  const copy = (c: RiffChunk): RiffNode => {
    if (c.id === 'ifil') return riffChunk('ifil', Uint8Array.of(3, 0, 1, 0));
    if (c.listType) return riffList(c.listType, (c.children ?? []).map(copy));
    return riffChunk(c.id, c === shdr ? sh : c.data);
  };
  return { bytes: writeRiff(riffForm('sfbk', [copy(list('INFO')), riffList('sdta', [riffChunk('smpl', data)]), copy(pdta)])), samples: count };
}

function monoWav(pcm: Uint8Array, rate: number): Uint8Array {
  const wav = new Uint8Array(44 + pcm.length);
  const w = new DataView(wav.buffer);
  wav.set([0x52, 0x49, 0x46, 0x46], 0);
  w.setUint32(4, 36 + pcm.length, true);
  wav.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8);
  w.setUint32(16, 16, true);
  w.setUint16(20, 1, true);
  w.setUint16(22, 1, true);
  w.setUint32(24, rate, true);
  w.setUint32(28, rate * 2, true);
  w.setUint16(32, 2, true);
  w.setUint16(34, 16, true);
  wav.set([0x64, 0x61, 0x74, 0x61], 36);
  w.setUint32(40, pcm.length, true);
  wav.set(pcm, 44);
  return wav;
}
