import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPO_US,
  encodeSmf,
  readSmf,
  readSmfSequences,
  SmfError,
  songStats,
  songToWriteFile,
  writeSmf,
} from '../../../engine/midi/smf.js';
import { EOT, smf, tempo, vlq } from '../../helpers/midi-smf-bytes.js';

function errorOf(f: () => unknown): SmfError {
  try {
    f();
  } catch (e) {
    if (e instanceof SmfError) return e;
    throw e;
  }
  throw new Error('expected an SmfError');
}

describe('SMF reader: events', () => {
  it('reads running status, note-on with velocity 0, meta text and the track name', () => {
    const track = [
      0x00, 0xff, 0x03, 0x04, ...'Lead'.split('').map((c) => c.charCodeAt(0)),
      0x00, 0x90, 60, 100,
      0x60, 62, 90, // running status
      0x60, 60, 0, // running status, velocity 0
      0x00, 0xc1, 5,
      0x10, 7, // running status on a 2-byte message
      ...EOT,
    ];
    const song = readSmf(smf(0, 96, [track]));
    expect(song.format).toBe(0);
    expect(song.tracks[0].name).toBe('Lead');
    const ch = song.events.filter((e) => e.kind === 'channel');
    expect(ch.map((e) => [e.tick, [...e.data]])).toEqual([
      [0, [0x90, 60, 100]],
      [96, [0x90, 62, 90]],
      [192, [0x90, 60, 0]],
      [192, [0xc1, 5]],
      [208, [0xc1, 7]],
    ]);
    // 120 bpm default: a quarter (96 ticks) is 0.5 s = 5,000,000 units.
    expect(ch.map((e) => e.time)).toEqual([0, 5_000_000, 10_000_000, 10_000_000, 10_833_333]);
    expect(song.duration).toBe(10_833_333);
    expect(song.channelGroups).toEqual([1]);
    expect(song.warnings).toEqual([]);
  });

  it('keeps running status across a meta event (lenient, documented)', () => {
    const track = [0x00, 0x90, 60, 100, 0x00, 0xff, 0x01, 0x01, 0x41, 0x10, 60, 0, ...EOT];
    const song = readSmf(smf(0, 96, [track]));
    expect(song.events.filter((e) => e.kind === 'channel').map((e) => [...e.data])).toEqual([
      [0x90, 60, 100],
      [0x90, 60, 0],
    ]);
  });

  it('reads SysEx: whole, divided with F7 continuations, and F7 escapes', () => {
    const track = [
      0x00, 0xf0, 0x05, 0x7e, 0x7f, 0x09, 0x01, 0xf7, // GM on, whole
      0x10, 0xf0, 0x03, 0x43, 0x12, 0x00, // divided: no F7 yet
      0x05, 0xf7, 0x02, 0x43, 0x12, // continuation
      0x05, 0xf7, 0x01, 0xf7, // last continuation
      0x00, 0xf7, 0x01, 0xf8, // escape: a timing clock byte
      ...EOT,
    ];
    const song = readSmf(smf(0, 96, [track]));
    const x = song.events.filter((e) => e.kind !== 'meta').map((e) => [e.kind, e.tick, [...e.data]]);
    expect(x).toEqual([
      ['sysex', 0, [0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7]],
      ['sysex', 16, [0xf0, 0x43, 0x12, 0x00]],
      ['sysex-continuation', 21, [0x43, 0x12]],
      ['sysex-continuation', 26, [0xf7]],
      ['escape', 26, [0xf8]],
    ]);
    expect(songStats(song).sysex).toBe(5);
  });

  it('computes times exactly across tempo changes (one rounding per event, no drift)', () => {
    // ppq 96; tempo changes at odd ticks to values that do not divide evenly.
    const tempos: Array<[number, number]> = [
      [0, 500_000],
      [37, 333_333],
      [101, 700_001],
      [997, 123_457],
    ];
    const track: number[] = [];
    let last = 0;
    for (const [t, us] of tempos) {
      track.push(...tempo(t - last, us));
      last = t;
    }
    const noteTicks = [0, 1, 36, 37, 38, 100, 101, 500, 996, 997, 5000, 100_000];
    const track2: number[] = [];
    last = 0;
    for (const t of noteTicks) {
      track2.push(...vlq(t - last), 0x90, 60, 1);
      last = t;
    }
    const song = readSmf(smf(1, 96, [[...track, ...EOT], [...track2, ...EOT]]));
    // Exact reference with BigInt rationals: sum of ticks × µs × 10 over segments, / 96, rounded.
    const exact = (tick: number): number => {
      let num = 0n;
      for (let i = 0; i < tempos.length; i++) {
        const [t0, us] = tempos[i];
        const t1 = i + 1 < tempos.length ? tempos[i + 1][0] : Number.POSITIVE_INFINITY;
        if (tick <= t0) break;
        num += BigInt(Math.min(tick, t1) - t0) * BigInt(us) * 10n;
      }
      return Number((2n * num + 96n) / (2n * 96n));
    };
    const notes = song.events.filter((e) => e.kind === 'channel');
    expect(notes.map((e) => e.time)).toEqual(noteTicks.map(exact));
    expect(song.tempoMap.map((t) => [t.tick, t.microsecondsPerQuarter])).toEqual(tempos);
  });

  it('reads SMPTE division (25 fps × 40 ticks = 1 ms per tick; 29.97 drop frame) and ignores tempo', () => {
    const track = [...tempo(0, 250_000), 0x00, 0x90, 60, 1, ...vlq(1000), 0x80, 60, 0, ...EOT];
    const s25 = readSmf(smf(0, ((256 - 25) << 8) | 40, [track]));
    expect(s25.division).toEqual({ type: 'smpte', framesPerSecond: 25, ticksPerFrame: 40 });
    expect(s25.events.filter((e) => e.kind === 'channel').map((e) => e.time)).toEqual([0, 10_000_000]);
    expect(s25.tempoMap).toEqual([]);
    const s2997 = readSmf(smf(0, ((256 - 29) << 8) | 1, [track]));
    // 1000 frames at 30000/1001 fps = 33.3667 s.
    expect(s2997.events.filter((e) => e.kind === 'channel')[1].time).toBe(Math.round((1000 * 1001 * 1e7) / 30_000));
  });

  it('port meta events select channel groups; a channel prefix scopes a port to one channel', () => {
    const t1 = [0x00, 0xff, 0x21, 0x01, 0x00, 0x00, 0x90, 60, 1, ...EOT];
    const t2 = [0x00, 0xff, 0x21, 0x01, 0x01, 0x00, 0x91, 61, 1, 0x00, 0xf0, 0x01, 0xf7, ...EOT];
    const t3 = [
      0x00, 0xff, 0x21, 0x01, 0x02, // track default: port 2 -> group 3
      0x00, 0xff, 0x20, 0x01, 0x05, 0x00, 0xff, 0x21, 0x01, 0x04, // channel 5 only: port 4 -> group 5
      0x00, 0xf0, 0x01, 0xf7, // still under the prefix: group 5
      0x00, 0x95, 62, 1, // channel 5 -> group 5 (and the prefix ends)
      0x00, 0x96, 63, 1, // channel 6 -> group 3
      0x00, 0xf0, 0x01, 0xf7, // no prefix: track default group 3
      ...EOT,
    ];
    const song = readSmf(smf(1, 96, [t1, t2, t3]));
    expect(song.channelGroups).toEqual([1, 2, 3, 5]);
    expect(song.events.filter((e) => e.kind !== 'meta').map((e) => [e.kind, e.status & 0x0f, e.group])).toEqual([
      ['channel', 0, 1],
      ['channel', 1, 2],
      ['sysex', 0, 2],
      ['sysex', 0, 5],
      ['channel', 5, 5],
      ['channel', 6, 3],
      ['sysex', 0, 3],
    ]);
    expect(song.events.find((e) => e.kind === 'sysex' && e.group === 5)?.channelPrefix).toBe(5);
  });

  it('format 2 is refused by readSmf and read as separate sequences by readSmfSequences', () => {
    const a = [...tempo(0, 1_000_000), 0x00, 0x90, 60, 1, 0x60, 0x80, 60, 0, ...EOT];
    const b = [0x00, 0x90, 62, 1, 0x60, 0x80, 62, 0, ...EOT];
    const bytes = smf(2, 96, [a, b]);
    const e = errorOf(() => readSmf(bytes));
    expect(e.message).toMatch(/format 2.*readSmfSequences/);
    const seqs = readSmfSequences(bytes);
    expect(seqs).toHaveLength(2);
    expect(seqs[0].duration).toBe(10_000_000); // its own tempo: 1 s per quarter
    expect(seqs[1].duration).toBe(5_000_000); // the default tempo
  });

  it('unwraps RIFF RMID', () => {
    const inner = smf(0, 96, [[0x00, 0x90, 60, 1, ...EOT]]);
    const len = inner.length;
    const le = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
    const data = [...'data'].map((c) => c.charCodeAt(0));
    const body = [...'RMID'].map((c) => c.charCodeAt(0)).concat(data, le(len), [...inner]);
    const rmid = Uint8Array.from([...'RIFF'].map((c) => c.charCodeAt(0)).concat(le(body.length), body));
    expect(songStats(readSmf(rmid)).notes).toBe(1);
  });
});

describe('SMF reader: bad files name the track, the byte offset and the fault', () => {
  const cases: Array<[string, Uint8Array, number | null, number, RegExp]> = [
    ['not a MIDI file', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]), null, 0, /not a Standard MIDI File/],
    // header 14 bytes; track chunk id at 14, its length field at 18.
    ['truncated chunk', Uint8Array.from([...smf(0, 96, [[0x00, 0x90, 60, 1, ...EOT]])].slice(0, 25)), 0, 18, /truncated chunk: MTrk declares 8 bytes, only 3 remain/],
    ['bad VLQ', smf(0, 96, [[0x81, 0x82, 0x83, 0x84, 0x05, 0x90, 60, 1, ...EOT]]), 0, 22, /bad variable-length quantity/],
    ['running status without status', smf(0, 96, [[0x00, 60, 100, ...EOT]]), 0, 23, /running status without a status byte \(data byte 0x3c/],
    ['absurd meta length', smf(0, 96, [[0x00, 0xff, 0x01, 0x8f, 0xff, 0xff, 0x7f, 0x41, ...EOT]]), 0, 25, /declares 33554431 data bytes, only 5 remain/],
    ['absurd SysEx length', smf(0, 96, [[0x00, 0xf0, 0x7f, 0xf7, ...EOT]]), 0, 24, /SysEx 0xf0 declares 127 bytes/],
    ['status F8 in a track', smf(0, 96, [[0x00, 0xf8, ...EOT]]), 0, 23, /status byte 0xf8 cannot start an event/],
    ['truncated message', smf(0, 96, [[0x00, 0x90, 60]]), 0, 24, /truncated 0x90 message/],
    ['data byte with top bit', smf(0, 96, [[0x00, 0x90, 0x90, 1, ...EOT]]), 0, 24, /data byte 0x90 of a 0x90 message/],
    ['tempo with 2 bytes', smf(0, 96, [[0x00, 0xff, 0x51, 0x02, 1, 2, ...EOT]]), 0, 22, /tempo event with 2 data bytes/],
    ['tempo 0', smf(0, 96, [[0x00, 0xff, 0x51, 0x03, 0, 0, 0, ...EOT]]), 0, 22, /tempo of 0/],
    ['division 0', smf(0, 0, [[...EOT]]), null, 12, /division of 0 ticks/],
    ['SMPTE 27 fps', smf(0, ((256 - 27) << 8) | 4, [[...EOT]]), null, 12, /27 frames per second/],
    ['format 7', smf(7, 96, [[...EOT]]), null, 8, /unknown SMF format 7/],
    ['no tracks', smf(0, 96, []), null, 14, /no MTrk chunk/],
    ['second track bad', smf(1, 96, [[...EOT], [0x00, 0x80]]), 1, 36, /truncated 0x80 message/],
  ];
  for (const [name, bytes, track, offset, reason] of cases) {
    it(name, () => {
      const e = errorOf(() => readSmf(bytes));
      expect(e.track).toBe(track);
      expect(e.offset).toBe(offset);
      expect(e.reason).toMatch(reason);
      expect(e.message).toContain(`byte offset ${offset}`);
    });
  }

  it('refuses files over the size limit before reading them', () => {
    expect(errorOf(() => readSmf(new Uint8Array(100), { maxBytes: 50 })).reason).toMatch(/larger than the 50-byte limit/);
  });

  it('reads what it can and warns: missing end of track, unknown chunks, wrong track count', () => {
    const bytes = Uint8Array.from([
      ...smf(1, 96, [[0x00, 0x90, 60, 1]], 3),
      ...[...'XFIH'].map((c) => c.charCodeAt(0)),
      0, 0, 0, 2, 9, 9,
    ]);
    const song = readSmf(bytes);
    expect(songStats(song).notes).toBe(1);
    expect(song.warnings.join('\n')).toMatch(/no end-of-track/);
    expect(song.warnings.join('\n')).toMatch(/unknown chunk 'XFIH'/);
    expect(song.warnings.join('\n')).toMatch(/announces 3 tracks, the file has 1/);
  });
});

describe('SMF writer', () => {
  it('round-trips hand-made tracks with every kind of event', () => {
    const file = encodeSmf({
      format: 1,
      ticksPerQuarter: 480,
      tracks: [
        { name: 'Tempo', events: [{ tick: 0, kind: 'meta', metaType: 0x51, data: Uint8Array.of(0x07, 0xa1, 0x20) }] },
        {
          port: 3,
          events: [
            { tick: 0, kind: 'channel', data: Uint8Array.of(0x90, 60, 100) },
            { tick: 10, kind: 'channel', data: Uint8Array.of(0x90, 62, 100) },
            { tick: 20, kind: 'sysex', data: Uint8Array.of(0xf0, 0x41, 0x10) },
            { tick: 20, kind: 'sysex-continuation', data: Uint8Array.of(0x42, 0xf7) },
            { tick: 30, kind: 'escape', data: Uint8Array.of(0xf8) },
            { tick: 40, kind: 'channel', data: Uint8Array.of(0xe0, 0, 64) },
          ],
        },
      ],
    });
    const song = readSmf(file);
    expect(song.tracks[0].name).toBe('Tempo');
    expect(song.tempoMap[0].microsecondsPerQuarter).toBe(500_000);
    expect(song.events.filter((e) => e.kind !== 'meta').map((e) => [e.tick, e.kind, e.group, [...e.data]])).toEqual([
      [0, 'channel', 4, [0x90, 60, 100]],
      [10, 'channel', 4, [0x90, 62, 100]],
      [20, 'sysex', 4, [0xf0, 0x41, 0x10]],
      [20, 'sysex-continuation', 4, [0x42, 0xf7]],
      [30, 'escape', 4, [0xf8]],
      [40, 'channel', 4, [0xe0, 0, 64]],
    ]);
    // running status was used for the second note-on: 3 + 3 bytes would be 4 + 3.
    expect(song.tracks[1].events.find((e) => e.tick === 10)!.offset - song.tracks[1].events.find((e) => e.tick === 0 && e.kind === 'channel')!.offset).toBe(4);
  });

  it('writeSmf: tempo track, then one track per group with a port event; times to ticks exactly', () => {
    const tick = 5_000_000 / 480; // 100 ns per tick at 120 bpm, 480 ppq
    const bytes = writeSmf(
      [
        { time: 0, group: 1, data: Uint8Array.of(0x90, 60, 100) },
        { time: 7 * tick, group: 3, data: Uint8Array.of(0x91, 61, 100) },
        { time: 7 * tick + tick * 0.4, group: 1, data: Uint8Array.of(0x80, 60, 0) }, // rounds down
        { time: 100 * tick + tick * 0.6, group: 3, data: Uint8Array.of(0xf0, 0x7e, 0x7f, 0x09, 0x01, 0xf7) }, // rounds up
      ],
      { name: 'Take 1' },
    );
    const song = readSmf(bytes);
    expect(song.format).toBe(1);
    expect(song.tracks.map((t) => t.name)).toEqual(['Take 1', 'Group 1', 'Group 3']);
    expect(song.tempoMap).toEqual([{ tick: 0, time: 0, microsecondsPerQuarter: DEFAULT_TEMPO_US }]);
    expect(song.timeSignatures[0]).toMatchObject({ numerator: 4, denominator: 4 });
    expect(song.events.filter((e) => e.kind !== 'meta').map((e) => [e.tick, e.group])).toEqual([
      [0, 1],
      [7, 1], // equal ticks: track order (group 1's track first)
      [7, 3],
      [101, 3],
    ]);
    expect(() => writeSmf([{ time: 0, group: 257, data: Uint8Array.of(0x90, 1, 1) }])).toThrow(/groups 1..256/);
    expect(() => writeSmf([{ time: 0, group: 0, data: Uint8Array.of(0x90, 1, 1) }])).toThrow(/channel group 0/);
  });

  it('songToWriteFile + encodeSmf keeps every event of a parsed song', () => {
    const track = [0x00, 0xff, 0x21, 0x01, 0x01, 0x00, 0x90, 60, 1, 0x10, 0x80, 60, 0, 0x00, 0xf0, 0x02, 0x01, 0xf7, ...EOT];
    const a = readSmf(smf(1, 96, [[...tempo(0, 400_000), ...EOT], track]));
    const b = readSmf(encodeSmf(songToWriteFile(a)));
    const key = (s: typeof a) => s.events.map((e) => [e.tick, e.time, e.kind, e.group, e.metaType, [...e.data]]);
    expect(key(b)).toEqual(key(a));
  });
});
