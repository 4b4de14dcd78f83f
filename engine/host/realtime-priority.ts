/**
 * Real-time priority for the render thread (the wave sink's render loop; seed "wave sink": the
 * sink must be fed before the device needs the next block).
 *
 * Why: every other thread of the engine process (its main thread, V8's compiler and garbage
 * collector helpers, libuv's pool) competes for the same CPUs. Under SCHED_FIFO a thread runs
 * until it blocks, so when the whole process runs at one real-time priority (as a musician's
 * launcher or the test harness sets with `chrt -f 20`) a background compile of 20 ms holds a CPU
 * as long as it likes; on a 2-CPU machine two such threads starve the render loop. Seen here: the
 * live song test underran at the same moments of the song with no stall of the machine, and with
 * the render thread ten priorities above its siblings it no longer did (tests/audio).
 *
 * How (Linux): this thread's id from /proc/thread-self, its policy from /proc/thread-self/stat,
 * then `chrt -f -p <priority> <tid>` (util-linux), which changes this one thread, not the process.
 * The priority asked for is the base (DMUS_RT_PRIORITY, default 30) or ten above what the thread
 * inherited, whichever is higher, at most 89: the kernel's own real-time threads (99) and a JACK
 * server run at 90 or more stay above it.
 * Threads PortAudio creates later from this thread (the device callback) inherit it.
 * Not permitted (no CAP_SYS_NICE and RLIMIT_RTPRIO too low), chrt missing, another platform, or
 * DMUS_RT_PRIORITY=0: the thread keeps its priority and the reason is reported (AudioStatus).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

export interface RenderThreadPriority {
  /** The render thread runs under SCHED_FIFO or SCHED_RR. */
  realtime: boolean;
  /** Its real-time priority (1-99), 0 when it is not real time. */
  priority: number;
  /** What was done, or why not, in words for the UI. */
  detail: string;
}

export const DEFAULT_RT_PRIORITY = 30;
const MAX_RT_PRIORITY = 89;
const ABOVE_SIBLINGS = 10;

/** The system calls used, passed in by the tests. */
export interface PrioritySystem {
  platform: string;
  /** /proc/thread-self -> "<pid>/task/<tid>". */
  threadSelf(): string;
  /** The text of /proc/<pid>/task/<tid>/stat. */
  stat(pid: string, tid: string): string;
  /** Runs chrt; throws as execFileSync does. */
  chrt(args: string[]): void;
}

const linux: PrioritySystem = {
  platform: process.platform,
  threadSelf: () => readlinkSync('/proc/thread-self'),
  stat: (pid, tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'),
  chrt: (args) => {
    execFileSync('chrt', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  },
};

/** policy and rt_priority of a thread from its stat line (fields 41 and 40, after the name). */
export function parseSchedStat(stat: string): { policy: number; rtPriority: number } {
  // The name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field k is rest[k - 3].
  const rtPriority = Number(rest[40 - 3]);
  const policy = Number(rest[41 - 3]);
  if (!Number.isInteger(rtPriority) || !Number.isInteger(policy)) throw new Error(`unreadable thread stat: ${stat.slice(0, 80)}`);
  return { policy, rtPriority };
}

const SCHED_FIFO = 1;
const SCHED_RR = 2;

/** The base priority from DMUS_RT_PRIORITY ("0" turns the request off), or the default. */
export function basePriority(env: string | undefined): number {
  if (env === undefined || env === '') return DEFAULT_RT_PRIORITY;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new RangeError(`DMUS_RT_PRIORITY must be a whole number 0-99, not "${env}"`);
  return n;
}

/**
 * Asks real-time priority for the calling thread (call it on the render thread, before the output
 * opens). Never throws: what happened is in the result.
 */
export function requestRealtimePriority(base = DEFAULT_RT_PRIORITY, sys: PrioritySystem = linux): RenderThreadPriority {
  if (sys.platform !== 'linux') return { realtime: false, priority: 0, detail: `real-time priority for the render thread is asked only on Linux (this is ${sys.platform})` };
  let pid: string;
  let tid: string;
  let before: { policy: number; rtPriority: number };
  try {
    const parts = sys.threadSelf().split('/');
    pid = parts[0];
    tid = parts[2];
    before = parseSchedStat(sys.stat(pid, tid));
  } catch (err) {
    return { realtime: false, priority: 0, detail: `cannot read the render thread's scheduling (${(err as Error).message})` };
  }
  const inheritedRt = before.policy === SCHED_FIFO || before.policy === SCHED_RR;
  if (base === 0) {
    return inheritedRt
      ? { realtime: true, priority: before.rtPriority, detail: `DMUS_RT_PRIORITY=0: kept the inherited real-time priority ${before.rtPriority}` }
      : { realtime: false, priority: 0, detail: 'DMUS_RT_PRIORITY=0: real-time priority not requested' };
  }
  const target = Math.min(MAX_RT_PRIORITY, Math.max(base, inheritedRt ? before.rtPriority + ABOVE_SIBLINGS : 0));
  if (inheritedRt && before.rtPriority >= target) {
    return { realtime: true, priority: before.rtPriority, detail: `real-time (SCHED_${before.policy === SCHED_RR ? 'RR' : 'FIFO'} ${before.rtPriority}, inherited)` };
  }
  try {
    sys.chrt(['-f', '-p', String(target), tid]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer | string };
    const why =
      e.code === 'ENOENT'
        ? 'chrt (util-linux) is not installed'
        : /not permitted|EPERM/i.test(String(e.stderr ?? e.message))
          ? `not permitted: allow real-time priority ${target} (RLIMIT_RTPRIO, e.g. an audio group's rtprio in /etc/security/limits.d) or CAP_SYS_NICE`
          : `chrt failed: ${String(e.stderr ?? e.message).trim().split('\n')[0]}`;
    return inheritedRt
      ? { realtime: true, priority: before.rtPriority, detail: `real-time (inherited ${before.rtPriority}); raising it to ${target} failed: ${why}` }
      : { realtime: false, priority: 0, detail: `normal priority: ${why}` };
  }
  try {
    const after = parseSchedStat(sys.stat(pid, tid));
    if (after.policy === SCHED_FIFO && after.rtPriority === target) return { realtime: true, priority: target, detail: `real-time (SCHED_FIFO ${target})` };
    return { realtime: after.policy === SCHED_FIFO || after.policy === SCHED_RR, priority: after.rtPriority, detail: `chrt ran but the thread is at policy ${after.policy}, priority ${after.rtPriority}` };
  } catch (err) {
    return { realtime: false, priority: 0, detail: `cannot read the render thread's scheduling back (${(err as Error).message})` };
  }
}
