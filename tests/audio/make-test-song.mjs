// A song for the engine's real-time test on machines without the shared corpus (a clone away from
// ../shared): 16 s, two channel groups (port meta events), piano chords, a bass line, strings,
// a lead on group 2 and a drum pattern on channel 10, so the live/offline comparison has a full
// spectrum to compare. Deterministic: the same bytes every run. Needs the engine build (dist/).
// Usage: node tests/audio/make-test-song.mjs <out.mid>
import { writeFileSync } from 'node:fs';
import { encodeSmf } from '../../dist/engine/midi/smf.js';

const TPQ = 480;
const BEATS = 32; // 120 bpm (the default tempo): 16 s
const ch = (status, a, b) => ({ kind: 'channel', data: Uint8Array.of(status, a, b) });
const pc = (channel, program) => ({ tick: 0, kind: 'channel', data: Uint8Array.of(0xc0 | channel, program) });
const note = (events, channel, key, vel, tick, len) => {
  events.push({ tick, ...ch(0x90 | channel, key, vel) }, { tick: tick + len, ...ch(0x80 | channel, key, 0) });
};
const chords = [
  [48, 55, 60, 64],
  [45, 52, 57, 60],
  [41, 48, 53, 57],
  [43, 50, 55, 59],
];

const g1 = [pc(0, 0), pc(1, 33), pc(2, 48)];
const g2 = [pc(0, 81)];
for (let bar = 0; bar < BEATS / 4; bar++) {
  const c = chords[bar % 4];
  const t = bar * 4 * TPQ;
  for (const k of c) note(g1, 0, k + 12, 80, t, 2 * TPQ - 10);
  for (const k of c) note(g1, 0, k + 12, 70, t + 2 * TPQ, 2 * TPQ - 10);
  for (let b = 0; b < 4; b++) note(g1, 1, c[0] - 12, 100, t + b * TPQ, TPQ - 40);
  for (const k of c.slice(1)) note(g1, 2, k, 60, t, 4 * TPQ - 20);
  for (let b = 0; b < 8; b++) {
    note(g1, 9, 42, 70, t + b * (TPQ / 2), 60);
    if (b % 4 === 0) note(g1, 9, 36, 110, t + b * (TPQ / 2), 60);
    if (b % 4 === 2) note(g1, 9, 38, 100, t + b * (TPQ / 2), 60);
  }
  for (let b = 0; b < 4; b++) note(g2, 0, c[(bar + b) % 4] + 24, 90, t + b * TPQ, TPQ / 2);
}
const bytes = encodeSmf({
  format: 1,
  ticksPerQuarter: TPQ,
  tracks: [
    { name: 'group 1', port: 0, events: g1 },
    { name: 'group 2', port: 1, events: g2 },
  ],
});
writeFileSync(process.argv[2], bytes);
