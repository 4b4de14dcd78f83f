/** The built-in GM bank (reference §7.9): deterministic regeneration, GM coverage, system bank paths. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLocale, infoText } from '../../../engine/dls/collection.js';
import { readDls } from '../../../engine/dls/dls-reader.js';
import { buildCollectionDownloads, DownloadIdAllocator } from '../../../engine/dls/download.js';
import { parseDownload } from '../../../engine/dls/download-parse.js';
import { dexp, dlog2, dpow, dsin } from '../../../engine/dls/gm-bank/dmath.js';
import { GM_PROGRAM_NAMES } from '../../../engine/dls/gm-bank/gm-names.js';
import { makeGmBankBytes } from '../../../engine/dls/gm-bank/make-gm-bank.js';
import { builtInBankPath, systemGmDlsPath } from '../../../engine/dls/system-bank.js';

const ASSET = new URL('../../../assets/dmus-gm.dls', import.meta.url);

describe('built-in GM bank (assets/dmus-gm.dls)', () => {
  const bytes = makeGmBankBytes();

  it('regenerates to exactly the committed bytes, and is deterministic', () => {
    expect(Buffer.compare(Buffer.from(bytes), readFileSync(ASSET))).toBe(0);
    expect(Buffer.compare(Buffer.from(makeGmBankBytes()), Buffer.from(bytes))).toBe(0);
  });

  it('is a DLS2 file of a few MB with all 128 GM programs and a standard drum kit', () => {
    expect(bytes.length).toBeLessThan(4 * 1024 * 1024);
    const c = readDls(bytes);
    expect(c.warnings).toEqual([]);
    const melodic = c.instruments.filter((i) => !decodeLocale(i.locale).drum);
    expect(melodic.map((i) => decodeLocale(i.locale).program)).toEqual(Array.from({ length: 128 }, (_, p) => p));
    expect(melodic.every((i) => decodeLocale(i.locale).msb === 0 && decodeLocale(i.locale).lsb === 0)).toBe(true);
    expect(melodic.map((i) => infoText(i.info, 'INAM'))).toEqual(GM_PROGRAM_NAMES);
    const kits = c.instruments.filter((i) => decodeLocale(i.locale).drum);
    expect(kits.length).toBe(1);
    expect(decodeLocale(kits[0].locale).program).toBe(0);
    const keys = kits[0].regions.map((r) => r.rgnh.RangeKey.usLow);
    expect(Math.min(...keys)).toBe(35);
    expect(Math.max(...keys)).toBe(81);
    const hats = kits[0].regions.filter((r) => [42, 44, 46].includes(r.rgnh.RangeKey.usLow));
    expect(new Set(hats.map((r) => r.rgnh.usKeyGroup))).toEqual(new Set([1]));
    for (const ins of melodic) expect(ins.articulations[0].listType).toBe('lar2');
    for (const w of c.waves) {
      let energy = 0;
      const v = new DataView(w.data.buffer, w.data.byteOffset, w.data.byteLength);
      for (let i = 0; i < w.data.length; i += 2) energy += Math.abs(v.getInt16(i, true));
      expect(energy).toBeGreaterThan(0);
    }
    expect(infoText(c.info, 'ICOP')).toMatch(/MIT/);
  });

  it('downloads every instrument and wave', () => {
    const d = buildCollectionDownloads(readDls(bytes), new DownloadIdAllocator());
    expect(d.instruments.length).toBe(129);
    for (const x of [...d.waves, ...d.instruments]) expect(parseDownload(x.buffer).dwDLId).toBe(x.dlId);
  });

  it('uses arithmetic-only math that agrees with Math to 1e-9', () => {
    for (let x = -20; x <= 20; x += 0.37) expect(Math.abs(dsin(x) - Math.sin(x))).toBeLessThan(1e-9);
    for (let x = -30; x <= 30; x += 0.53) expect(Math.abs(dexp(x) / Math.exp(x) - 1)).toBeLessThan(1e-12);
    for (let x = 0.001; x < 5000; x *= 1.7) expect(Math.abs(dlog2(x) - Math.log2(x))).toBeLessThan(1e-9);
    expect(Math.abs(dpow(3, 1.4) - 3 ** 1.4)).toBeLessThan(1e-9);
  });
});

describe('system and built-in bank paths', () => {
  it('returns the Windows gm.dls only on Windows when it exists', () => {
    const seen: string[] = [];
    const yes = (p: string) => {
      seen.push(p);
      return true;
    };
    expect(systemGmDlsPath({ WINDIR: 'C:\\Windows' }, 'win32', yes)).toBe('C:\\Windows\\System32\\drivers\\gm.dls');
    expect(seen).toEqual(['C:\\Windows\\System32\\drivers\\gm.dls']);
    expect(systemGmDlsPath({ WINDIR: 'C:\\Windows' }, 'win32', () => false)).toBeUndefined();
    expect(systemGmDlsPath({ WINDIR: 'C:\\Windows' }, 'linux', yes)).toBeUndefined();
    expect(systemGmDlsPath({}, 'win32', yes)).toBeUndefined();
  });

  it('finds assets/dmus-gm.dls', () => {
    expect(builtInBankPath()).toMatch(/assets[/\\]dmus-gm\.dls$/);
  });
});
