/**
 * Judges one real-time scenario run: the capture jack-tap wrote (glitches, inserted silence), the
 * scenario's result JSON (in-process underrun count, stats), naudiodon's stdout (its "output
 * underflow" lines) and, for latency runs, jack-tap's onset times against the notes' hrtimes.
 * Prints one JSON line; with --expect-clean exits 1 unless there were 0 glitches, 0 ms of gaps,
 * 0 underruns counted in-process and 0 underflow lines; exits 3 (inconclusive) instead when the
 * machine was starved: the JACK server itself had xruns, the hypervisor took much CPU (--steal),
 * or a CPU stood still longer than the output queue lasts (--canary); see machine-stalls.ts.
 *
 *   node report.js --result r.json --wav cap.wav --tap tap.log --stdout out.log [--steal s.json]
 *     [--canary c.json] [--expect-clean]
 *
 * Capture analysis (after the platform kit's analyze.cjs): a continuous sine of known frequency
 * and amplitude cannot jump more than 1.5·amp·2π·f/rate between samples; a dropped, repeated or
 * zero block always does. Jumps within 64 frames count as one glitch. Runs of >= 32 zero frames
 * inside the signal are inserted silence (gapMs). The last 2048 frames are reported apart
 * (tailGlitches): at stream stop the ALSA jack plugin may replay stale periods.
 */
import { readFileSync } from 'node:fs';
import { countUnderflowReports } from '../../engine/sink/portaudio-output.js';
import { longestStallMs, readCanary, readSteal, starvedReason } from './machine-stalls.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

export function analyzeSine(file: string, freq = 440, amp = 0.5, tailFrames = 2048) {
  const buf = readFileSync(file);
  let off = 12;
  let data: Buffer | undefined;
  let ch = 1;
  let rate = 48000;
  while (off < buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const sz = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      ch = buf.readUInt16LE(off + 10);
      rate = buf.readUInt32LE(off + 12);
    }
    if (id === 'data') {
      data = buf.subarray(off + 8, off + 8 + sz);
      break;
    }
    off += 8 + sz;
  }
  if (!data) return { signal: false };
  const n = Math.floor(data.length / 2 / ch);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = data.readInt16LE(i * 2 * ch) / 32768;
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (Math.abs(x[i]) > 0.01) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { signal: false };
  const maxStep = (1.5 * amp * 2 * Math.PI * freq) / rate + 2 / 32768;
  const events: number[] = [];
  let prev = -1e9;
  for (let i = first + 1; i <= last + 1 && i < n; i++) {
    if (Math.abs(x[i] - x[i - 1]) > maxStep) {
      if (i - prev > 64) events.push(i - first);
      prev = i;
    }
  }
  const len = last - first + 1;
  const tailStart = len - tailFrames;
  let gapFrames = 0;
  let run = 0;
  for (let i = first; i <= last; i++) {
    if (Math.abs(x[i]) < 1e-4) run++;
    else {
      if (run >= 32) gapFrames += run;
      run = 0;
    }
  }
  const inside = events.filter((e) => e < tailStart);
  return {
    signal: true,
    startS: +(first / rate).toFixed(3),
    seconds: +(len / rate).toFixed(3),
    glitches: inside.length,
    glitchAtS: inside.slice(0, 10).map((e) => +(e / rate).toFixed(3)),
    gapMs: +((gapFrames / rate) * 1000).toFixed(1),
    tailGlitches: events.length - inside.length,
  };
}

export function latencies(notesUs: number[], tapLog: string) {
  const onsets = [...tapLog.matchAll(/onset_us (\d+)/g)].map((m) => Number(m[1]));
  const ms = notesUs.map((n) => {
    const o = onsets.find((x) => x >= n);
    return o === undefined ? Number.NaN : (o - n) / 1000;
  });
  const ok = ms.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => ok[Math.min(ok.length - 1, Math.floor(p * ok.length))];
  return {
    notes: notesUs.length,
    matched: ok.length,
    minMs: +ok[0]?.toFixed(2),
    medianMs: +q(0.5)?.toFixed(2),
    p95Ms: +q(0.95)?.toFixed(2),
    maxMs: +ok[ok.length - 1]?.toFixed(2),
  };
}

const resultFile = opt('result');
if (resultFile) {
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  const stdoutText = opt('stdout') ? readFileSync(opt('stdout')!, 'utf8') : '';
  const tapText = opt('tap') ? readFileSync(opt('tap')!, 'utf8') : '';
  const summary: Record<string, unknown> = {
    scenario: result.scenario,
    mode: result.mode,
    block: result.block,
    ok: result.ok,
    error: result.error,
    wallSeconds: result.wallSeconds && +result.wallSeconds.toFixed(2),
    underrunsCounted: result.stats?.underruns,
    underflowLines: countUnderflowReports(stdoutText),
    minHeadroomFrames: result.stats?.minHeadroomFrames && Math.round(result.stats.minHeadroomFrames),
    maxPullUs: result.stats?.maxPullMicros && Math.round(result.stats.maxPullMicros),
    outputLatencyFrames: result.telemetry?.outputLatencyFrames,
    jackXruns: Number(/jack_xruns (\d+)/.exec(tapText)?.[1] ?? Number.NaN),
    ...readSteal(opt('steal')),
    longestStallMs: +longestStallMs(readCanary(opt('canary'))).toFixed(1),
  };
  if (result.scenario === 'latency') {
    const pick = [...(result.pickupUs as number[])].sort((a, b) => a - b);
    Object.assign(summary, {
      latency: latencies(result.notesUs, tapText),
      pickupMs: { median: +(pick[Math.floor(pick.length / 2)] / 1000).toFixed(2), max: +(pick[pick.length - 1] / 1000).toFixed(2) },
    });
  }
  else if (opt('wav')) Object.assign(summary, { capture: analyzeSine(opt('wav')!) });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (args.includes('--expect-clean')) {
    const cap = summary.capture as { glitches?: number; gapMs?: number; signal?: boolean } | undefined;
    const clean =
      result.ok === true &&
      summary.underrunsCounted === 0 &&
      summary.underflowLines === 0 &&
      (cap === undefined || (cap.signal === true && cap.glitches === 0 && cap.gapMs === 0));
    if (!clean) {
      // The machine was starved (starvedReason): exit 3 = inconclusive; the runner retries.
      const starved = starvedReason(
        summary.jackXruns as number,
        { stealMs: summary.stealMs as number, stealBurstMs: summary.stealBurstMs as number },
        readCanary(opt('canary')),
      );
      if (result.ok === true && starved !== null) {
        process.stderr.write(`INCONCLUSIVE: ${result.scenario} (${result.mode}): ${starved}\n`);
        process.exit(3);
      }
      process.stderr.write(`FAIL: ${result.scenario} (${result.mode}, ${result.block} frames) is not clean\n`);
      process.exit(1);
    }
  }
}
