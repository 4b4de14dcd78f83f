/**
 * Seed concept: DLS2 conditional chunks (`cdl `, reference §6.10) and the synth capabilities they
 * query by DLSID. Purpose: validate a cdl expression (bounded: one pass over its bytes) and
 * evaluate it against a capability object, so regions and articulation lists that do not apply to
 * this synth are skipped when building downloads.
 */
import { DLS_CDL, DLSID } from './constants.js';
import type { DlsId } from './collection.js';

/** Answers DLSID queries. `undefined` means "query not supported" (QUERYSUPPORTED pushes 0). */
export interface SynthCapabilities {
  query(dlsid: DlsId): number | undefined;
}

/** Capabilities from a table of DLSID -> answer. */
export function capabilitiesFrom(table: Readonly<Record<string, number>>): SynthCapabilities {
  const map = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v >>> 0]));
  return { query: (id) => map.get(id.toLowerCase()) };
}

/**
 * This project's software synth when no pin is at hand (packing a file without a port): DLS1 and
 * DLS2, no GM/GS/XG in hardware (as Wine's test expects of the Microsoft software synth), 48 kHz,
 * sample memory bounded by 2 GiB - 1. A download to a pin uses synthCapabilities of that pin.
 */
export const DMUS_SYNTH_CAPABILITIES: SynthCapabilities = capabilitiesFrom({
  [DLSID.GMInHardware]: 0,
  [DLSID.GSInHardware]: 0,
  [DLSID.XGInHardware]: 0,
  [DLSID.SupportsDLS1]: 1,
  [DLSID.SupportsDLS2]: 1,
  [DLSID.SampleMemorySize]: 0x7fffffff,
  [DLSID.SamplePlaybackRate]: 48000,
  [DLSID.ManufacturersID]: 0,
  [DLSID.ProductID]: 0,
});

/** SYNTH_PC_* bits the DLSID queries answer from (reference §4.4; the XP-era values, §9.1 item 7). */
const PC = { DLS: 0x1, GMINHARDWARE: 0x10, GSINHARDWARE: 0x20, XGINHARDWARE: 0x40, DLS2: 0x200 } as const;

/**
 * The capabilities of a real pin, from what it reports: SYNTHCAPS (KSPROPERTY_SYNTH_CAPS: the
 * SYNTH_PC_* flags and MemorySize) and the rate it renders at (KSPROPERTY_SYNTH_DLS_WAVEFORMAT).
 * These are the answers dmusic.dll gets when it asks the port through IKsControl (reference
 * §6.10), so conditions are evaluated against the synth that will play the download.
 */
export function synthCapabilities(caps: { flags: number; memorySize: number }, sampleRate: number): SynthCapabilities {
  const has = (bit: number) => ((caps.flags & bit) !== 0 ? 1 : 0);
  return capabilitiesFrom({
    [DLSID.GMInHardware]: has(PC.GMINHARDWARE),
    [DLSID.GSInHardware]: has(PC.GSINHARDWARE),
    [DLSID.XGInHardware]: has(PC.XGINHARDWARE),
    [DLSID.SupportsDLS1]: has(PC.DLS),
    [DLSID.SupportsDLS2]: has(PC.DLS2),
    [DLSID.SampleMemorySize]: caps.memorySize,
    [DLSID.SamplePlaybackRate]: sampleRate,
    [DLSID.ManufacturersID]: 0,
    [DLSID.ProductID]: 0,
  });
}

/** Reads a 16-byte DLSID (GUID layout) at `at`. */
export function readDlsId(bytes: Uint8Array, at: number): DlsId {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, 16);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const d4 = Array.from(bytes.subarray(at + 8, at + 16), (b) => h(b, 2)).join('');
  return `${h(v.getUint32(0, true), 8)}-${h(v.getUint16(4, true), 4)}-${h(v.getUint16(6, true), 4)}-${d4.slice(0, 4)}-${d4.slice(4)}`;
}

/** Writes a DLSID string into 16 bytes at `at`. */
export function writeDlsId(id: DlsId, out: Uint8Array, at: number): void {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`invalid DLSID '${id}'`);
  const v = new DataView(out.buffer, out.byteOffset + at, 16);
  v.setUint32(0, Number.parseInt(hex.slice(0, 8), 16), true);
  v.setUint16(4, Number.parseInt(hex.slice(8, 12), 16), true);
  v.setUint16(6, Number.parseInt(hex.slice(12, 16), 16), true);
  for (let i = 0; i < 8; i++) out[at + 8 + i] = Number.parseInt(hex.slice(16 + 2 * i, 18 + 2 * i), 16);
}

/** Returns null when the expression is well formed, otherwise what is wrong with it. */
export function validateCondition(cdl: Uint8Array): string | null {
  try {
    run(cdl, null);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Evaluates a cdl expression; true when the enclosing list applies. Malformed = false. */
export function evaluateCondition(cdl: Uint8Array, caps: SynthCapabilities): boolean {
  try {
    return run(cdl, caps) !== 0;
  } catch {
    return false;
  }
}

/** Stack machine over USHORT opcodes. `caps` null = syntax check only (queries answer 0). */
function run(cdl: Uint8Array, caps: SynthCapabilities | null): number {
  const v = new DataView(cdl.buffer, cdl.byteOffset, cdl.byteLength);
  const stack: number[] = [];
  let at = 0;
  const pop = (): number => {
    if (stack.length === 0) throw new Error(`cdl stack underflow at byte ${at}`);
    return stack.pop()!;
  };
  while (at + 2 <= cdl.length) {
    const op = v.getUint16(at, true);
    at += 2;
    switch (op) {
      case DLS_CDL.CONST:
        if (at + 4 > cdl.length) throw new Error('cdl CONST operand truncated');
        stack.push(v.getUint32(at, true));
        at += 4;
        break;
      case DLS_CDL.QUERY:
      case DLS_CDL.QUERYSUPPORTED: {
        if (at + 16 > cdl.length) throw new Error('cdl DLSID operand truncated');
        const answer = caps ? caps.query(readDlsId(cdl, at)) : 0;
        at += 16;
        stack.push(op === DLS_CDL.QUERY ? (answer ?? 0) >>> 0 : answer === undefined ? 0 : 1);
        break;
      }
      case DLS_CDL.NOT:
        stack.push(pop() === 0 ? 1 : 0);
        break;
      default: {
        if (op < DLS_CDL.AND || op > DLS_CDL.EQ) throw new Error(`unknown cdl opcode 0x${op.toString(16)} at byte ${at - 2}`);
        const y = pop();
        const x = pop();
        stack.push(binary(op, x, y));
      }
    }
  }
  if (at !== cdl.length) throw new Error('cdl has an odd trailing byte');
  if (stack.length !== 1) throw new Error(`cdl leaves ${stack.length} values on the stack, expected 1`);
  return stack[0];
}

function binary(op: number, x: number, y: number): number {
  switch (op) {
    case DLS_CDL.AND:
      return (x & y) >>> 0;
    case DLS_CDL.OR:
      return (x | y) >>> 0;
    case DLS_CDL.XOR:
      return (x ^ y) >>> 0;
    case DLS_CDL.ADD:
      return (x + y) >>> 0;
    case DLS_CDL.SUBTRACT:
      return (x - y) >>> 0;
    case DLS_CDL.MULTIPLY:
      return Number((BigInt(x) * BigInt(y)) & 0xffffffffn);
    case DLS_CDL.DIVIDE:
      return y === 0 ? 0 : Math.floor(x / y) >>> 0;
    case DLS_CDL.LOGICAL_AND:
      return x !== 0 && y !== 0 ? 1 : 0;
    case DLS_CDL.LOGICAL_OR:
      return x !== 0 || y !== 0 ? 1 : 0;
    case DLS_CDL.LT:
      return x < y ? 1 : 0;
    case DLS_CDL.LE:
      return x <= y ? 1 : 0;
    case DLS_CDL.GT:
      return x > y ? 1 : 0;
    case DLS_CDL.GE:
      return x >= y ? 1 : 0;
    default:
      return x === y ? 1 : 0;
  }
}

/** Builds cdl bytes from ops: numbers are opcodes; {const} and {query}/{supported} carry operands. */
export function buildCondition(ops: Array<number | { const: number } | { query: DlsId } | { supported: DlsId }>): Uint8Array {
  let size = 0;
  for (const o of ops) size += typeof o === 'number' ? 2 : 'const' in o ? 6 : 18;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const o of ops) {
    if (typeof o === 'number') {
      v.setUint16(at, o, true);
      at += 2;
    } else if ('const' in o) {
      v.setUint16(at, DLS_CDL.CONST, true);
      v.setUint32(at + 2, o.const >>> 0, true);
      at += 6;
    } else {
      v.setUint16(at, 'query' in o ? DLS_CDL.QUERY : DLS_CDL.QUERYSUPPORTED, true);
      writeDlsId('query' in o ? o.query : o.supported, out, at + 2);
      at += 18;
    }
  }
  return out;
}
