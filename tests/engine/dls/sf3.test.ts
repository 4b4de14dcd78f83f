/**
 * SF3 (SoundFonts with Ogg Vorbis samples, engine/dls/sf2/sf3-decode.ts): decoded into PCM when the
 * bank is opened, then imported like any SF2. The Ogg fixture is the project's own 440 Hz test
 * tone (tests/fixtures/make-ogg-fixtures.sh); the checks listen to what comes out.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli.js';
import { waveFrames } from '../../../engine/dls/collection.js';
import { DlsError } from '../../../engine/dls/dls-error.js';
import { loadBank } from '../../../engine/dls/load-bank.js';
import { GEN, readSf2AsDls } from '../../../engine/dls/sf2/sf2-to-dls.js';
import { renderSongToWav } from '../../../engine/host/offline-render.js';
import { EngineServer } from '../../../engine/host/server.js';
import { Session } from '../../../engine/host/session.js';
import { readSmf, writeSmf } from '../../../engine/midi/smf.js';
import { createClient } from '../../../engine/protocol/rpc.js';
import { createMemoryPair } from '../../../engine/protocol/transports/in-memory.js';
import { zeroCrossingFrequency } from '../../helpers/audio-analysis.js';
import { buildSf2, ramp } from '../../helpers/dls-sf2-builder.js';

const OGG = new Uint8Array(readFileSync(new URL('../../fixtures/tone-440hz-22050.ogg', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'dmus-sf3-'));

/** Program 0: the Ogg tone (root key 69, looped over its second half); program 1: a PCM ramp. */
function sf3(ogg = OGG): Uint8Array {
  return buildSf2({
    version: [3, 1],
    samples: [
      { name: 'ramp', frames: ramp(300), loop: [10, 290], pitch: 60, rate: 22050 },
      { name: 'tone', frames: new Int16Array(0), ogg, loop: [5512, 11000], pitch: 69, rate: 22050 },
    ],
    instruments: [
      { name: 'Tone', zones: [{ gens: [{ oper: GEN.sampleModes, amount: 1 }, { oper: GEN.sampleID, amount: 1 }] }] },
      { name: 'Ramp', zones: [{ gens: [{ oper: GEN.sampleModes, amount: 1 }, { oper: GEN.sampleID, amount: 0 }] }] },
    ],
    presets: [
      { name: 'Tone', preset: 0, bank: 0, zones: [{ gens: [{ oper: GEN.instrument, amount: 0 }] }] },
      { name: 'Ramp', preset: 1, bank: 0, zones: [{ gens: [{ oper: GEN.instrument, amount: 1 }] }] },
    ],
  });
}

const pcmOf = (data: Uint8Array): Float32Array => {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Float32Array.from({ length: data.length >> 1 }, (_, i) => v.getInt16(2 * i, true) / 32768);
};

describe('SF3 import', () => {
  it('decodes the Ogg Vorbis sample to PCM at its pitch and length, keeps loops, and leaves PCM samples exact', async () => {
    const { format, collection: c } = await loadBank(sf3());
    expect(format).toBe('SF3');
    expect(c.instruments).toHaveLength(2);
    const toneRegion = c.instruments[0].regions[0];
    const tone = c.waves[c.ptbl[toneRegion.wlnk.ulTableIndex]];
    expect(waveFrames(tone)).toBe(11025);
    const x = pcmOf(tone.data);
    expect(zeroCrossingFrequency(x, 22050, 1000, 10000)).toBeCloseTo(440, 0);
    const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.45);
    expect(peak).toBeLessThan(0.53);
    // Loop points counted from the decoded sample's first frame.
    const loop = (toneRegion.wsmp ?? tone.wsmp)!.loops[0];
    expect([loop.ulStart, loop.ulLength]).toEqual([5512, 11000 - 5512]);
    const rampRegion = c.instruments[1].regions[0];
    const rampWave = c.waves[c.ptbl[rampRegion.wlnk.ulTableIndex]];
    expect(Array.from(new Int16Array(rampWave.data.slice().buffer))).toEqual(Array.from(ramp(300)));
    expect((rampRegion.wsmp ?? rampWave.wsmp)!.loops[0]).toMatchObject({ ulStart: 10, ulLength: 280 });
    expect(c.warnings).toEqual([]);
  });

  it('plays through the synth at the tone the Ogg stream holds (dmus render)', async () => {
    const bank = join(dir, 'tone.sf3');
    writeFileSync(bank, sf3());
    const song = readSmf(
      writeSmf([
        { time: 1_000_000, group: 1, data: Uint8Array.of(0x90, 69, 110) },
        { time: 6_000_000, group: 1, data: Uint8Array.of(0x80, 69, 0) },
      ]),
    );
    const out = join(dir, 'tone.wav');
    await renderSongToWav({ song, bankPath: bank, out, sampleRate: 48000, tailSeconds: 0.2 });
    const b = readFileSync(out);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const left = Float32Array.from({ length: (b.length - 44) >> 2 }, (_, i) => v.getInt16(44 + 4 * i, true) / 32768);
    // 0.2 s to 0.55 s: the note sounds (past the attack), through the loop point at 0.35 s.
    expect(zeroCrossingFrequency(left, 48000, 9600, 26400)).toBeCloseTo(440, 0);
  });

  it('names the sample and its byte offset when the Ogg data is damaged, and the engine keeps what it had', async () => {
    const junk = OGG.slice();
    junk.fill(0x55, 0, 200); // the Ogg headers are gone
    const bytes = sf3(junk);
    let err: unknown;
    try {
      await loadBank(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DlsError);
    expect((err as DlsError).code).toBe('BADWAVE');
    expect((err as DlsError).message).toMatch(/sample 1 'tone'/);
    expect((err as DlsError).chunkPath).toMatch(/smpl$/);
    expect((err as DlsError).offset).toBeGreaterThan(0);

    const session = new Session({ dir: null, output: 'offline', defaults: false });
    await session.start();
    try {
      const good = await session.loadCollectionData({ name: 'good.sf3', bytes: sf3() });
      expect(good.format).toBe('SF3');
      const before = session.getState();
      await expect(session.loadCollectionData({ name: 'bad.sf3', bytes })).rejects.toThrow(/sample 1 'tone'/);
      expect(session.getState()).toEqual(before);
    } finally {
      await session.close();
    }
  });

  it('reports decoding progress while an SF3 opens, and the bar ends even when the file is bad', async () => {
    // 60 compressed samples, so there is progress to report.
    const spec = {
      version: [3, 1] as [number, number],
      samples: Array.from({ length: 60 }, (_, k) => ({ name: `t${k}`, frames: new Int16Array(0), ogg: OGG, pitch: 69, rate: 22050 })),
      instruments: [{ name: 'Tone', zones: [{ gens: [{ oper: GEN.sampleID, amount: 0 }] }] }],
      presets: [{ name: 'Tone', preset: 0, bank: 0, zones: [{ gens: [{ oper: GEN.instrument, amount: 0 }] }] }],
    };
    const session = new Session({ dir: null, output: 'offline', defaults: false });
    await session.start();
    const server = new EngineServer(session);
    const [a, b] = createMemoryPair();
    server.attach(a);
    const client = createClient(b, { validate: true });
    await client.connected;
    const seen: Array<{ task: string; done: number; total: number }> = [];
    client.on('onProgress', (p) => seen.push(p));
    try {
      await client.call('loadCollectionData', { name: 'many.sf3', bytes: buildSf2(spec) });
      const decoding = seen.filter((p) => p.task.startsWith('decoding'));
      expect(decoding.length).toBeGreaterThan(5);
      expect(decoding.every((p, i) => p.total === 60 && p.done < p.total && (i === 0 || p.done > decoding[i - 1].done))).toBe(true);
      expect(seen.at(-1)).toMatchObject({ done: 1, total: 1 });
      seen.length = 0;
      const junk = OGG.slice();
      junk.fill(0x55, 0, 200);
      await expect(client.call('loadCollectionData', { name: 'bad.sf3', bytes: sf3(junk) })).rejects.toThrow(/sample 1 'tone'/);
      expect(seen.at(-1)).toMatchObject({ done: 1, total: 1 });
    } finally {
      await server.close();
    }
  });

  it('the synchronous SF2 reader still refuses SF3 with a clear message', () => {
    expect(() => readSf2AsDls(sf3())).toThrow('SF3 compressed samples are not supported');
  });

  it('dmus inspect reads an SF3 file (format SF3) and dmus convert writes it as DLS', async () => {
    const bank = join(dir, 'cli.sf3');
    writeFileSync(bank, sf3());
    const out: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: () => undefined };
    expect(await main(['inspect', bank, '--json'], io)).toBe(0);
    const j = JSON.parse(out.join(''));
    expect(j.format).toBe('SF3');
    expect(j.instruments.map((i: { program: number }) => i.program)).toEqual([0, 1]);
    expect(await main(['convert', bank, join(dir, 'cli.dls')], io)).toBe(0);
    const back = await loadBank(new Uint8Array(readFileSync(join(dir, 'cli.dls'))));
    expect(back.format).toBe('DLS2');
    expect(back.collection.waves.map((w) => waveFrames(w)).sort((a, b) => a - b)).toEqual([300, 11025]);
  });
});
