// Watches the CPU time the hypervisor takes from this virtual machine (/proc/stat "steal", summed
// over the CPUs) while a real-time test runs, in bursts as well as in total: a steal of 20 ms
// within 50 ms stops the audio threads longer than a 128-frame output queue lasts, even when the
// run's total looks small. Samples every 5 ms; on SIGTERM writes
//   {"totalMs": N, "maxBurstMs": M, "windowMs": 50}
// to the file given as the first argument. Usage: node steal-watch.mjs out.json [USER_HZ]
import { readFileSync, writeFileSync } from 'node:fs';

const out = process.argv[2];
const hz = Number(process.argv[3] ?? 100);
const WINDOW_MS = 50;
const steal = () => (Number(readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/)[8]) * 1000) / hz;
const t0 = performance.now();
const s0 = steal();
const times = [];
const values = [];
let maxBurst = 0;
const timer = setInterval(() => {
  const t = performance.now();
  const s = steal();
  times.push(t);
  values.push(s);
  while (times.length > 1 && t - times[0] > WINDOW_MS) {
    times.shift();
    values.shift();
  }
  maxBurst = Math.max(maxBurst, s - values[0]);
}, 5);
const finish = () => {
  clearInterval(timer);
  writeFileSync(out, `${JSON.stringify({ totalMs: Math.round(steal() - s0), maxBurstMs: Math.round(maxBurst), windowMs: WINDOW_MS, seconds: +((performance.now() - t0) / 1000).toFixed(1) })}\n`);
  process.exit(0);
};
process.on('SIGTERM', finish);
process.on('SIGINT', finish);
