import { describe, expect, it } from 'vitest';
import { builtInBankPath } from '../../../engine/dls/system-bank.js';

describe('built-in bank path', () => {
  it('an installed app passes the bank resource path in DMUS_BUILTIN_BANK', () => {
    const exists = (p: string) => p === '/opt/DMus/resources/dmus-gm.dls';
    expect(builtInBankPath(exists, { DMUS_BUILTIN_BANK: '/opt/DMus/resources/dmus-gm.dls' })).toBe('/opt/DMus/resources/dmus-gm.dls');
    // A stale variable pointing nowhere falls back to the repository's assets/.
    expect(builtInBankPath((p) => p.endsWith('assets/dmus-gm.dls'), { DMUS_BUILTIN_BANK: '/nowhere.dls' })).toMatch(/assets\/dmus-gm\.dls$/);
  });
});
