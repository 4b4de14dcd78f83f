/** DLS2 conditional chunks (reference §6.10): DLSID layout and the cdl evaluator. */
import { describe, expect, it } from 'vitest';
import { buildCondition, capabilitiesFrom, DMUS_SYNTH_CAPABILITIES, evaluateCondition, readDlsId, validateCondition, writeDlsId } from '../../../engine/dls/conditions.js';
import { DLS_CDL, DLSID } from '../../../engine/dls/constants.js';

const caps = capabilitiesFrom({ [DLSID.SupportsDLS2]: 1, [DLSID.GMInHardware]: 0, [DLSID.SampleMemorySize]: 8 * 1024 * 1024 });

describe('DLS2 conditional chunks (reference §6.10)', () => {
  it('writes and reads DLSIDs in GUID byte order', () => {
    const b = new Uint8Array(16);
    writeDlsId(DLSID.SupportsDLS2, b, 0);
    expect([...b.subarray(0, 4)]).toEqual([0xe5, 0x99, 0x45, 0xf1]); // ulData1 little-endian
    expect([...b.subarray(8)]).toEqual([0xaf, 0xa6, 0x00, 0xaa, 0x00, 0x24, 0xd8, 0xb6]); // abData4 as written
    expect(readDlsId(b, 0)).toBe(DLSID.SupportsDLS2);
  });

  it('evaluates queries, constants and every operator class', () => {
    const ev = (ops: Parameters<typeof buildCondition>[0], c = caps) => evaluateCondition(buildCondition(ops), c);
    expect(ev([{ query: DLSID.SupportsDLS2 }])).toBe(true);
    expect(ev([{ query: DLSID.GMInHardware }])).toBe(false);
    expect(ev([{ query: DLSID.GMInHardware }, DLS_CDL.NOT])).toBe(true);
    expect(ev([{ query: DLSID.SampleMemorySize }, { const: 2 * 1024 * 1024 }, DLS_CDL.GE])).toBe(true);
    expect(ev([{ query: DLSID.SampleMemorySize }, { const: 16 * 1024 * 1024 }, DLS_CDL.GE])).toBe(false);
    expect(ev([{ supported: DLSID.ProductID }])).toBe(false); // not in this capability table
    expect(ev([{ supported: DLSID.SupportsDLS2 }])).toBe(true);
    expect(ev([{ const: 6 }, { const: 3 }, DLS_CDL.DIVIDE, { const: 2 }, DLS_CDL.EQ])).toBe(true);
    expect(ev([{ const: 5 }, { const: 0 }, DLS_CDL.DIVIDE])).toBe(false); // division by zero is 0
    expect(ev([{ const: 2 }, { const: 3 }, DLS_CDL.SUBTRACT, { const: 0xffffffff }, DLS_CDL.EQ])).toBe(true); // 32-bit wrap
    expect(ev([{ const: 0x10 }, { const: 0x01 }, DLS_CDL.OR, { const: 0x11 }, DLS_CDL.XOR])).toBe(false);
    expect(ev([{ const: 1 }, { const: 0 }, DLS_CDL.LOGICAL_OR, { const: 1 }, DLS_CDL.LOGICAL_AND])).toBe(true);
    expect(ev([{ const: 0x10000 }, { const: 0x10000 }, DLS_CDL.MULTIPLY])).toBe(false); // 2^32 wraps to 0
    expect(ev([{ query: DLSID.SupportsDLS2 }], DMUS_SYNTH_CAPABILITIES)).toBe(true);
  });

  it('reports malformed expressions and treats them as false', () => {
    expect(validateCondition(buildCondition([DLS_CDL.AND]))).toMatch(/underflow/);
    expect(validateCondition(buildCondition([{ const: 1 }, { const: 2 }]))).toMatch(/leaves 2 values/);
    expect(validateCondition(new Uint8Array([0x10, 0x00, 1]))).toMatch(/truncated/);
    expect(validateCondition(new Uint8Array([0x99, 0x00]))).toMatch(/unknown cdl opcode/);
    expect(validateCondition(buildCondition([{ const: 1 }]))).toBeNull();
    expect(evaluateCondition(new Uint8Array([0x99, 0x00]), caps)).toBe(false);
  });
});
