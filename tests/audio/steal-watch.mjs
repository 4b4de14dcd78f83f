// Watches the CPU time the hypervisor takes from this virtual machine (/proc/stat "steal") while a
// real-time test runs, in bursts as well as in total: a steal of 20 ms within 50 ms stops the
// audio threads longer than a 128-frame output queue lasts, even when the run's total looks small.
// Samples every 5 ms; on SIGTERM writes
//   {"totalMs": N, "maxBurstMs": M, "windowMs": 50, "seconds": S, "events": [[atMs, cpu, ms], ...]}
// to the file given as the first argument, where each event is a rise of one CPU's steal seen at
// wall-clock time atMs (Date.now() scale), so a judge can line an underrun up with it. /proc/stat
// counts in clock ticks (USER_HZ, usually 10 ms), so each event is a multiple of a tick.
// Usage: node steal-watch.mjs out.json [USER_HZ]
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
const hz = Number(process.argv[3] ?? 100);
const WINDOW_MS = 50;
const MAX_EVENTS = 5000;
/** Steal per CPU, ms: index 0 is the sum ("cpu"), 1.. are cpu0, cpu1, ... */
const read = () =>
  readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('cpu'))
    .map((l) => (Number(l.trim().split(/\s+/)[8]) * 1000) / hz);
const t0 = performance.now();
const first = read();
let prev = first;
const times = [];
const values = [];
const events = [];
let maxBurst = 0;
const timer = setInterval(() => {
  const t = performance.now();
  const now = read();
  for (let c = 1; c < now.length; c++) {
    const d = now[c] - (prev[c] ?? now[c]);
    if (d > 0 && events.length < MAX_EVENTS) events.push([Math.round(performance.timeOrigin + t), c - 1, Math.round(d)]);
  }
  prev = now;
  times.push(t);
  values.push(now[0]);
  while (times.length > 1 && t - times[0] > WINDOW_MS) {
    times.shift();
    values.shift();
  }
  maxBurst = Math.max(maxBurst, now[0] - values[0]);
}, 5);
const finish = () => {
  clearInterval(timer);
  const total = read()[0] - first[0];
  writeFileSync(out, `${JSON.stringify({ totalMs: Math.round(total), maxBurstMs: Math.round(maxBurst), windowMs: WINDOW_MS, seconds: +((performance.now() - t0) / 1000).toFixed(1), events })}\n`);
  process.exit(0);
};
process.on('SIGTERM', finish);
process.on('SIGINT', finish);
