/**
 * The SMF reader against the real files of ../shared/corpus/midi (read in place, never copied),
 * checked against fixed figures and against an independent parser (spessasynth_core's BasicMIDI),
 * plus a short deterministic fuzz over mutated corpus files.
 */
import { readFileSync } from 'node:fs';
import { BasicMIDI } from 'spessasynth_core';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR } from '../../helpers/corpus.js';
import { encodeSmf, readSmf, SmfError, songStats, songToWriteFile } from '../../../engine/midi/smf.js';

const CORPUS = `${CORPUS_DIR}/midi`;
const load = (name: string) => new Uint8Array(readFileSync(`${CORPUS}/${name}`));

/** Fixed figures for each corpus file (events include meta events; notes are note-ons with velocity > 0). */
const EXPECTED = {
  '230_bpm_multitrack.mid': { tracks: 5, events: 6443, notes: 3203, seconds: 158.60896, byChannel: { '1:0': 795, '1:1': 1174, '1:9': 1234 } },
  'TheEntertainer.mid': { tracks: 2, events: 5253, notes: 2616, seconds: 254.5832315, byChannel: { '1:0': 2616 } },
  'claire_de_lune.mid': { tracks: 7, events: 4088, notes: 1491, seconds: 248.6386106, byChannel: { '1:0': 1491 } },
  'symphony_7_2.mid': { tracks: 13, events: 12416, notes: 6077, seconds: 463.0501978, byChannel: { '1:0': 404, '1:1': 420, '1:2': 444, '1:3': 546, '1:4': 205, '1:5': 125, '1:6': 86, '1:7': 884, '1:8': 778, '1:10': 755, '1:11': 682, '1:12': 748 } },
} as const;

describe.skipIf(!CORPUS_DIR)('SMF reader on the corpus', () => {
  for (const [name, x] of Object.entries(EXPECTED)) {
    it(`${name}: event counts, duration, channel groups, notes per channel`, () => {
      const song = readSmf(load(name));
      const st = songStats(song);
      expect(song.tracks).toHaveLength(x.tracks);
      expect(st.events).toBe(x.events);
      expect(st.notes).toBe(x.notes);
      expect(song.duration / 1e7).toBeCloseTo(x.seconds, 6);
      expect(song.channelGroups).toEqual([1]);
      expect(Object.fromEntries(st.notesByChannel)).toEqual(x.byChannel);
      expect(song.warnings).toEqual([]);
      // Sorted by time, and every time is the tempo map's time of its tick.
      for (let i = 1; i < song.events.length; i++) expect(song.events[i].time).toBeGreaterThanOrEqual(song.events[i - 1].time);
    });

    it(`${name}: agrees with an independent parser (spessasynth_core) on every track and time`, () => {
      const bytes = load(name);
      const song = readSmf(bytes);
      const ref = BasicMIDI.fromArrayBuffer(bytes.slice().buffer);
      expect(song.tracks.map((t) => t.events.length)).toEqual(ref.tracks.map((t) => t.events.length));
      for (let t = 0; t < song.tracks.length; t++) {
        const ours = song.tracks[t].events;
        const theirs = ref.tracks[t].events;
        for (let i = 0; i < ours.length; i++) {
          expect(ours[i].tick).toBe(theirs[i].ticks);
          if (ours[i].kind === 'channel') {
            expect(ours[i].status).toBe(theirs[i].statusByte);
            expect([...ours[i].data.subarray(1)]).toEqual([...theirs[i].data]);
          }
        }
      }
      // Times: spessasynth converts ticks to seconds with floating point; agree within 1 µs.
      for (let i = 0; i < song.events.length; i += 7) {
        const e = song.events[i];
        expect(Math.abs(e.time / 1e7 - ref.midiTicksToSeconds(e.tick))).toBeLessThan(1e-6);
      }
    });

    it(`${name}: write + read gives the same events and times`, () => {
      const a = readSmf(load(name));
      const b = readSmf(encodeSmf(songToWriteFile(a)));
      expect(b.events.length).toBe(a.events.length);
      for (let i = 0; i < a.events.length; i++) {
        const p = a.events[i];
        const q = b.events[i];
        expect([q.tick, q.time, q.kind, q.group, q.track, q.metaType]).toEqual([p.tick, p.time, p.kind, p.group, p.track, p.metaType]);
        expect(q.data).toEqual(p.data);
      }
      expect(b.duration).toBe(a.duration);
    });
  }

  it('corpus songs on three ports play as channel groups 1, 2 and 3 (more than 16 channels)', () => {
    const a = readSmf(load('symphony_7_2.mid'));
    const b = readSmf(load('230_bpm_multitrack.mid'));
    if (a.division.type !== 'ppq') throw new Error('ppq expected');
    // The symphony on ports 0 and 1 (12 channels each), the drums song's channel events on port 2
    // (at the symphony's resolution: only the counts matter here).
    const onPort = (port: number, s: typeof a, withMeta: boolean) =>
      songToWriteFile(s).tracks.map((t) => ({ port, events: withMeta ? t.events : t.events.filter((e) => e.kind !== 'meta') }));
    const tracks = [...onPort(0, a, true), ...onPort(1, a, false), ...onPort(2, b, false)];
    const all = readSmf(encodeSmf({ format: 1, ticksPerQuarter: a.division.ticksPerQuarter, tracks }));
    expect(all.channelGroups).toEqual([1, 2, 3]);
    const st = songStats(all);
    const sa = songStats(a);
    const sb = songStats(b);
    expect(st.notes).toBe(2 * sa.notes + sb.notes);
    for (const [k, n] of sa.notesByChannel) {
      const ch = k.split(':')[1];
      expect(st.notesByChannel.get(`1:${ch}`)).toBe(n);
      expect(st.notesByChannel.get(`2:${ch}`)).toBe(n);
    }
    for (const [k, n] of sb.notesByChannel) expect(st.notesByChannel.get(`3:${k.split(':')[1]}`)).toBe(n);
    expect(st.notesByChannel.size).toBe(27);
    // Group 2 plays exactly when group 1 does.
    const times = (g: number) => all.events.filter((e) => e.kind === 'channel' && e.group === g).map((e) => e.time);
    expect(times(2)).toEqual(times(1));
  });
});

/** mulberry32: a small seeded PRNG, so the fuzz is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!CORPUS_DIR)('SMF reader fuzz (deterministic)', () => {
  it('mutated corpus files either read or throw SmfError, in bounded time', () => {
    const rand = prng(0x5eed);
    const files = Object.keys(EXPECTED).map(load);
    let read = 0;
    let refused = 0;
    const t0 = performance.now();
    for (let iter = 0; iter < 600; iter++) {
      const src = files[iter % files.length];
      let b = src.slice();
      const kind = iter % 5;
      const n = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < n; k++) {
        const at = Math.floor(rand() * b.length);
        if (kind <= 1) b[at] = Math.floor(rand() * 256); // byte flips
        else if (kind === 2) b[at] = [0x00, 0x7f, 0x80, 0xff, 0xf0, 0xf7][Math.floor(rand() * 6)]; // interesting bytes
        else if (kind === 3) b = b.slice(0, Math.max(1, at)); // truncation
        else {
          // insertion of 1-5 random bytes
          const ins = Uint8Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(rand() * 256));
          const next = new Uint8Array(b.length + ins.length);
          next.set(b.subarray(0, at));
          next.set(ins, at);
          next.set(b.subarray(at), at + ins.length);
          b = next;
        }
      }
      const s0 = performance.now();
      try {
        const song = readSmf(b);
        read++;
        expect(song.events.length).toBeLessThanOrEqual(b.length / 2);
        let badTime = 0;
        for (const e of song.events) if (!(Number.isFinite(e.time) && e.time >= 0)) badTime++;
        expect(badTime).toBe(0);
      } catch (e) {
        if (!(e instanceof SmfError)) throw new Error(`iteration ${iter}: ${String(e)}`);
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(b.length);
        refused++;
      }
      expect(performance.now() - s0).toBeLessThan(500);
    }
    expect(read + refused).toBe(600);
    expect(refused).toBeGreaterThan(50);
    expect(read).toBeGreaterThan(20);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
