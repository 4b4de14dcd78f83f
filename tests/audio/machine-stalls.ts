/**
 * What the machine itself did during a real-time test run, and whether that, not the engine,
 * explains an underrun. Two witnesses, both written beside each run by tests/audio/lib.sh:
 *
 * - steal-watch.mjs: the CPU time the hypervisor says it took (/proc/stat "steal"), in all and in
 *   the worst 50 ms. Coarse (10 ms ticks) and, as seen here, blind to some stalls: one run showed
 *   10 ms of steal in all while a CPU stood still for 27 ms.
 * - stall-canary.c: a thread per CPU at real-time priority 90, above jackd (80) and the engine
 *   (20), that sleeps 1 ms at a time and logs every late wake-up. Nothing the engine or the tests
 *   run can hold it off (short of the kernel's RT throttling, which needs real-time threads busy
 *   for 95% of a second: an engine that did that would underrun anyway, and throttling shows as
 *   one stall of the rest of the second, far above the engine's own underruns' lateness), so its
 *   stalls are the moments the kernel or the hypervisor did not run that CPU.
 *
 * Imported by report.ts (the wave-sink scenarios) and judge-song.ts (the whole engine's song run).
 */
import { readFileSync } from 'node:fs';

/** CPU time stolen by the hypervisor during a run above which the run says nothing of the engine:
 * five times the 128-frame output queue (about 20 ms), whatever the bursts were. */
const STARVED_STEAL_MS = 100;
/** Steal within any 50 ms above which a run is starved: the 128-frame output queue holds ~20 ms. */
const STARVED_BURST_MS = 20;
/**
 * A canary stall this long stops a CPU for longer than the live engine's 128-frame output queue
 * (2 blocks = 5.3 ms at 48 kHz) lasts: enough to starve the device through no fault of the engine.
 */
const STARVED_STALL_MS = 5;

/**
 * Steal over a run above which even the canary's timing says nothing: the host took the CPUs away
 * in slices too short to log (under 0.5 ms each) but often enough to slow every thread. Runs here
 * have had 2.5-4.7 s of steal in 10 s; then an underrun is not judged at all.
 */
const TOO_STARVED_STEAL_MS = 1000;

export interface Steal {
  stealMs: number;
  stealBurstMs: number;
}

/** One canary stall: when it began (wall-clock ms, Date.now() scale), on which CPU, how long. */
export type Stall = [atMs: number, cpu: number, ms: number];

export interface Canary {
  /** 0 when real-time priority was refused: then the canary proves nothing. */
  rt: number;
  cpus: number;
  lostMs: number;
  stalls: Stall[];
}

/** An underrun as the engine reports it: when it was detected (wall-clock ms) and how late the
 * block was, ms; `count` underruns seen since the previous entry (the last one's time is known). */
export interface TimedUnderrun {
  atMs: number;
  lateMs: number;
  count: number;
}

/** stealMs and stealBurstMs from steal-watch.mjs's JSON (0 when it is missing: not starved). */
export function readSteal(file: string | undefined): Steal {
  try {
    const j = JSON.parse(readFileSync(file ?? '', 'utf8')) as { totalMs: number; maxBurstMs: number };
    return { stealMs: j.totalMs, stealBurstMs: j.maxBurstMs };
  } catch {
    return { stealMs: 0, stealBurstMs: 0 };
  }
}

/** The canary's JSON, or null when it is missing or unreadable (no witness). */
export function readCanary(file: string | undefined): Canary | null {
  try {
    const j = JSON.parse(readFileSync(file ?? '', 'utf8')) as Canary;
    return Array.isArray(j.stalls) ? j : null;
  } catch {
    return null;
  }
}

/** The longest canary stall, ms (0 without a real-time canary). */
export function longestStallMs(canary: Canary | null): number {
  if (!canary?.rt) return 0;
  let max = 0;
  for (const s of canary.stalls) if (s[2] > max) max = s[2];
  return max;
}

/**
 * Why a run says nothing of the engine, or null when the machine kept its deadlines: the JACK
 * server's graph thread (priority 80, above every thread of the engine) missed cycles, the
 * hypervisor took much CPU (steal), or the canary saw a CPU stand still longer than the output
 * queue lasts. Only asked about runs that were not clean.
 */
export function starvedReason(jackXruns: number, steal: Steal, canary: Canary | null = null): string | null {
  const stall = longestStallMs(canary);
  if (jackXruns > 0 || steal.stealMs > STARVED_STEAL_MS || steal.stealBurstMs > STARVED_BURST_MS || stall > STARVED_STALL_MS) {
    return `the JACK server had ${jackXruns} xruns, the hypervisor took ${steal.stealMs} ms of CPU (${steal.stealBurstMs} ms within 50 ms), the longest stall of a CPU was ${stall.toFixed(1)} ms`;
  }
  return null;
}

/**
 * How long the machine stopped the CPU it stopped most, within the stretch where a stall could
 * have made this underrun: the writer was `lateMs` behind when it noticed at `atMs`, after the
 * output queue (~5 ms) had drained, so its trouble began up to lateMs + 20 ms before (15 ms of
 * margin for the queue and the poll) and ended by atMs (+5 ms for the clocks of two processes).
 * A stall overlapping that stretch counts for the part inside it.
 */
export function machineLossMs(u: TimedUnderrun, canary: Canary): number {
  const from = u.atMs - u.lateMs - 20;
  const to = u.atMs + 5;
  const perCpu = new Map<number, number>();
  for (const [at, cpu, ms] of canary.stalls) {
    const overlap = Math.min(to, at + ms) - Math.max(from, at);
    if (overlap > 0) perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + overlap);
  }
  let max = 0;
  for (const v of perCpu.values()) if (v > max) max = v;
  return max;
}

/**
 * The underruns the machine does not explain: those where no CPU lost at least half the
 * lateness (and at least 2 ms) to a stall. A stall of the engine's own (a long render, garbage
 * collection, a lock) has no canary stall beside it and stays the engine's fault.
 */
export function unexplainedUnderruns(underruns: readonly TimedUnderrun[], canary: Canary): TimedUnderrun[] {
  return underruns.filter((u) => machineLossMs(u, canary) < Math.max(2, u.lateMs / 2));
}

/** Why a run was too starved for its underruns to be judged one by one, or null. */
export function tooStarvedToJudge(steal: Steal): string | null {
  return steal.stealMs > TOO_STARVED_STEAL_MS ? `the hypervisor took ${steal.stealMs} ms of CPU (over ${TOO_STARVED_STEAL_MS} ms: too starved to time underruns)` : null;
}
