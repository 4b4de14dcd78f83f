import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli.js';
import { parseArgs } from '../../../engine/cli/command.js';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => (out += s), err: (s: string) => (err += s) }, text: () => ({ out, err }) };
}

describe('dmus command', () => {
  it('--help lists the commands; version prints the package version', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.text().out).toMatch(/usage: dmus <command>/);
    expect(c.text().out).toMatch(/version/);
    const v = capture();
    expect(await main(['version'], v.io)).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(v.text().out).toContain(`dmus ${pkg.version}`);
  });

  it('an unknown command is a usage error (exit 2) with the help on stderr', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.text().err).toMatch(/unknown command 'frobnicate'/);
  });

  it('parses options and refuses unknown ones', () => {
    expect(parseArgs(['a', '--out', 'x.wav', '--rate=48000', '--json', 'b'], { valued: ['out', 'rate'], flags: ['json'] })).toEqual({
      positionals: ['a', 'b'],
      options: { out: 'x.wav', rate: '48000', json: true },
    });
    expect(() => parseArgs(['--nope'], {})).toThrow(/unknown option --nope/);
    expect(() => parseArgs(['--out'], { valued: ['out'] })).toThrow(/needs a value/);
  });

  it('the installed bin runs from the build', () => {
    const r = spawnSync(process.execPath, ['bin/dmus.mjs', 'version'], { encoding: 'utf8' });
    // The build exists after `npm ci` (prepare) or `npm run build:engine`.
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^dmus \d+\.\d+\.\d+/);
  });
});
