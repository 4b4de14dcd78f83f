/**
 * CPU time of a child process, for the benchmarks that compare whole commands (tests/bench). On
 * this shared VM CPU time is steadier than wall time: time the hypervisor takes from the VM
 * ("steal") lengthens the wall time but is not charged to the process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs `cmd argv` under /usr/bin/time (report in `timeFile`); resolves to its user + system CPU seconds. */
export function cpuSecondsOf(cmd: string, argv: string[], timeFile: string): Promise<number> {
  return new Promise((res, rej) => {
    const p = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('error', rej);
    p.on('close', (code) => {
      if (code !== 0) return rej(new Error(`${cmd} ${argv.join(' ')} failed: ${err}`));
      const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
      res(user + sys);
    });
  });
}
