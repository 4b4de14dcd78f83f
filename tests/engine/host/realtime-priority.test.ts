import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { buildForWorker } from '../sink/build-for-worker.js';
import { basePriority, type PrioritySystem, parseSchedStat, requestRealtimePriority } from '../../../engine/host/realtime-priority.js';

/** A stat line as the kernel writes it: policy and rt_priority are fields 41 and 40. */
function statLine(name: string, rtPriority: number, policy: number): string {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[40 - 3] = String(rtPriority);
  fields[41 - 3] = String(policy);
  return `4242 (${name}) ${fields.join(' ')}\n`;
}

function fakeSystem(start: { rt: number; policy: number }, chrt?: (args: string[]) => void): PrioritySystem & { calls: string[][] } {
  let now = { ...start };
  const calls: string[][] = [];
  return {
    platform: 'linux',
    calls,
    threadSelf: () => '4242/task/4250',
    stat: (pid, tid) => {
      expect([pid, tid]).toEqual(['4242', '4250']);
      return statLine('node worker', now.rt, now.policy);
    },
    chrt: (args) => {
      calls.push(args);
      chrt?.(args);
      now = { rt: Number(args[2]), policy: 1 };
    },
  };
}

describe('realtime priority of the render thread', () => {
  it('reads policy and priority after a thread name with spaces and parentheses', () => {
    expect(parseSchedStat(statLine('a (b) c', 20, 1))).toEqual({ policy: 1, rtPriority: 20 });
    expect(() => parseSchedStat('garbage')).toThrow(/unreadable thread stat/);
  });

  it('a normal thread asks SCHED_FIFO at the base priority, for itself only (its tid)', () => {
    const sys = fakeSystem({ rt: 0, policy: 0 });
    expect(requestRealtimePriority(30, sys)).toEqual({ realtime: true, priority: 30, detail: 'real-time (SCHED_FIFO 30)' });
    expect(sys.calls).toEqual([['-f', '-p', '30', '4250']]);
  });

  it('a thread that inherited FIFO 20 (the whole process under chrt) goes ten above its siblings', () => {
    const sys = fakeSystem({ rt: 20, policy: 1 });
    expect(requestRealtimePriority(30, sys).priority).toBe(30);
    const high = fakeSystem({ rt: 50, policy: 1 });
    expect(requestRealtimePriority(30, high).priority).toBe(60);
    const top = fakeSystem({ rt: 85, policy: 1 });
    expect(requestRealtimePriority(30, top).priority).toBe(89);
  });

  it('not permitted, chrt missing, another platform, or turned off: reported, never thrown', () => {
    const eperm = fakeSystem({ rt: 0, policy: 0 }, () => {
      throw Object.assign(new Error('Command failed'), { stderr: 'chrt: failed to set pid 4250\'s policy: Operation not permitted\n' });
    });
    const r = requestRealtimePriority(30, eperm);
    expect(r.realtime).toBe(false);
    expect(r.detail).toMatch(/normal priority: not permitted: allow real-time priority 30 \(RLIMIT_RTPRIO/);
    const missing = fakeSystem({ rt: 0, policy: 0 }, () => {
      throw Object.assign(new Error('spawn chrt ENOENT'), { code: 'ENOENT' });
    });
    expect(requestRealtimePriority(30, missing).detail).toBe('normal priority: chrt (util-linux) is not installed');
    // Inherited real time stays real time when raising it fails.
    const kept = fakeSystem({ rt: 20, policy: 1 }, () => {
      throw Object.assign(new Error('x'), { stderr: 'Operation not permitted' });
    });
    expect(requestRealtimePriority(30, kept)).toMatchObject({ realtime: true, priority: 20 });
    expect(requestRealtimePriority(30, { ...fakeSystem({ rt: 0, policy: 0 }), platform: 'win32' }).detail).toMatch(/only on Linux \(this is win32\)/);
    const off = fakeSystem({ rt: 0, policy: 0 });
    expect(requestRealtimePriority(0, off)).toEqual({ realtime: false, priority: 0, detail: 'DMUS_RT_PRIORITY=0: real-time priority not requested' });
    expect(off.calls).toEqual([]);
  });

  it('DMUS_RT_PRIORITY: a whole number 0-99, or the default', () => {
    expect(basePriority(undefined)).toBe(30);
    expect(basePriority('45')).toBe(45);
    expect(() => basePriority('high')).toThrow(/DMUS_RT_PRIORITY must be a whole number 0-99, not "high"/);
  });

  // For real: a worker thread asks for itself; only that thread changes, not the one that started it.
  // Whether this machine lets a process have FIFO 30 at all (root in CI does; a user without an
  // rtprio limit does not): the same question the render thread asks, asked of chrt directly.
  const mayRt = (() => {
    try {
      execFileSync('chrt', ['-f', '30', 'true'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(process.platform !== 'linux')('on this machine: a worker thread gets FIFO (when permitted), the main thread keeps its own', async () => {
    const out = buildForWorker(['engine/host/realtime-priority.ts']);
    const url = pathToFileURL(join(out, 'engine/host/realtime-priority.js')).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then((m) => {
        const r = m.requestRealtimePriority(30);
        const fs = require('node:fs');
        const self = fs.readlinkSync('/proc/thread-self');
        parentPort.postMessage({ r, stat: fs.readFileSync('/proc/' + self + '/stat', 'utf8') });
      });`;
    const before = readFileSync('/proc/thread-self/stat', 'utf8');
    const w = new Worker(code, { eval: true });
    const got = await new Promise<{ r: { realtime: boolean; priority: number; detail: string }; stat: string }>((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
    });
    await w.terminate();
    // The caller's thread is untouched.
    expect(parseSchedStat(readFileSync('/proc/thread-self/stat', 'utf8'))).toEqual(parseSchedStat(before));
    if (mayRt) {
      expect(got.r.realtime).toBe(true);
      expect(parseSchedStat(got.stat)).toEqual({ policy: 1, rtPriority: got.r.priority });
    } else {
      expect(got.r).toMatchObject({ realtime: false });
      expect(got.r.detail).toMatch(/not permitted|not installed/);
    }
  });
});
