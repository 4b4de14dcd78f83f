/**
 * Judges one live song run of the whole engine (tests/audio/run-engine-tests.sh): the scenario's
 * result (engine-scenario.js song: underruns with their times), naudiodon's stdout ("output
 * underflow" lines after SONG START), jack-tap's log (JACK xruns) and the two witnesses of the
 * machine (machine-stalls.ts). Prints one JSON line and exits
 *   0  clean: no underrun, no underflow line;
 *   3  inconclusive: every underrun lines up with a stall of the machine (the canary saw a CPU
 *      stand still then), the host took so much CPU that timing says nothing (tooStarvedToJudge),
 *      or, without a real-time canary, the run was starved as a whole;
 *   1  failed: an underrun the machine does not explain (or the run itself failed).
 *
 *   node judge-song.js result.json song.stdout tap.log steal.json canary.json
 */
import { readFileSync } from 'node:fs';
import { readCanary, readSteal, starvedReason, type TimedUnderrun, tooStarvedToJudge, unexplainedUnderruns } from './machine-stalls.js';

const [resultFile, stdoutFile, tapFile, stealFile, canaryFile] = process.argv.slice(2);
const r = JSON.parse(readFileSync(resultFile, 'utf8')) as {
  ok: boolean;
  output: string;
  underruns: number;
  setupUnderruns: number;
  underrunsAt?: TimedUnderrun[];
  lostNotes: number;
  error?: string;
};
const out = readFileSync(stdoutFile, 'utf8');
const lines = (out.slice(Math.max(0, out.indexOf('SONG START'))).match(/output underflow/g) ?? []).length;
const xruns = Number(/jack_xruns (\d+)/.exec(readFileSync(tapFile, 'utf8'))?.[1] ?? Number.NaN);
const steal = readSteal(stealFile);
const canary = readCanary(canaryFile);
const timed = r.underrunsAt ?? [];
const unexplained = canary?.rt ? unexplainedUnderruns(timed, canary) : timed;
const summary = {
  output: r.output,
  underruns: r.underruns,
  underflowLines: lines,
  setupUnderruns: r.setupUnderruns,
  jackXruns: xruns,
  ...steal,
  canaryLostMs: canary?.lostMs,
  underrunsAt: timed.map((u) => ({ ...u, unexplained: unexplained.includes(u) })),
  lostNotes: r.lostNotes,
  error: r.error,
};
console.log(JSON.stringify(summary));
if (r.ok && r.output === 'portaudio' && r.underruns === 0 && lines === 0) process.exit(0);
if (!r.ok || r.output !== 'portaudio') {
  console.error(`FAIL: the live song run did not play through PortAudio (${r.error ?? r.output})`);
  process.exit(1);
}
const timedCount = timed.reduce((n, u) => n + u.count, 0);
if (canary?.rt && timedCount === r.underruns) {
  if (unexplained.length === 0) {
    const reason = r.underruns > 0 ? `all ${r.underruns} underruns line up with stalls of the machine` : `${lines} underflow lines with no underrun counted`;
    // Underflow lines alone (PortAudio's own count, untimed) are the machine's only if it starved.
    if (r.underruns > 0 || starvedReason(xruns, steal, canary) !== null) {
      console.error(`INCONCLUSIVE: ${reason} (the canary saw a CPU stand still then)`);
      process.exit(3);
    }
  }
  const heavy = tooStarvedToJudge(steal);
  if (heavy !== null) {
    console.error(`INCONCLUSIVE: ${heavy}`);
    process.exit(3);
  }
  for (const u of unexplained) console.error(`underrun ${u.lateMs} ms late at ${new Date(u.atMs).toISOString()}: no stall of the machine beside it`);
  console.error('FAIL: the live song run underran through no fault of the machine');
  process.exit(1);
}
// No real-time canary (or underruns the poll did not time): judge the run as a whole.
const starved = starvedReason(xruns, steal, canary);
if (starved !== null) {
  console.error(`INCONCLUSIVE: ${starved}`);
  process.exit(3);
}
console.error('FAIL: the live song run was not clean');
process.exit(1);
