/**
 * CPU time of a child process, for the benchmarks that compare whole commands (tests/bench). On
 * this shared VM CPU time is steadier than wall time: time the hypervisor takes from the VM
 * ("steal") lengthens the wall time but is not charged to the process.
 */
import { spawn, spawnSync } from 'node:child_process';
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
      res(readTimeReport(timeFile));
    });
  });
}

/** The same, synchronously, with the command's wall time too (seconds). */
export function cpuAndWallOf(cmd: string, argv: string[], timeFile: string): { cpu: number; wall: number } {
  const t0 = process.hrtime.bigint();
  const p = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${p.stderr}`);
  return { cpu: readTimeReport(timeFile), wall };
}

/** user + sys seconds from a `/usr/bin/time -f '%U %S'` report (its last two fields). */
function readTimeReport(timeFile: string): number {
  const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return user + sys;
}
