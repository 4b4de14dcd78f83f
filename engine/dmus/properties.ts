/**
 * Seed concept: the property dispatcher of the DMus port (seed "DirectMusic Miniport Driver
 * Interface": "some of the synth properties act on a pin instance, and others are global";
 * reference §4). Every item of KSPROPSETID_Synth, KSPROPSETID_Synth_Dls and KSPROPSETID_SynthClock
 * is routed to its target — the pin's synth node or the port (filter) — with the KS request rules
 * of DDKSynth (§4.5):
 *
 *   value buffer size 0 on GET         -> STATUS_BUFFER_OVERFLOW, bytesReturned = size needed
 *   value buffer too small             -> STATUS_BUFFER_TOO_SMALL
 *   verb not allowed for the item      -> STATUS_INVALID_DEVICE_REQUEST
 *   KSPROPERTY_TYPE_BASICSUPPORT       -> a ULONG of the allowed GET|SET flags
 *   unknown set or id                  -> STATUS_NOT_FOUND
 *   the synth lacks the method         -> STATUS_NOT_IMPLEMENTED, "not supported yet" (a typed,
 *                                         loud stub: never a silent success)
 *
 * Values travel as the headers' byte layouts (x64 where a HANDLE is involved), so a DirectMusic
 * client's raw property buffers work; the codecs below turn them into the typed SynthNode calls.
 */
import { DMUS_E, DmusError, KsStatusError, STATUS, type StatusName } from './errors.js';
import type { SynthCaps, SynthNode, SynthPortParams, SynthStats, WaveFormatEx } from './miniport.js';
import type { CapturePin, PortDMus, RenderPin } from './port.js';

export const KSPROPSETID = {
  Synth: 'fedfae25-e46e-11d1-aace-0000f875ac12',
  Synth_Dls: 'd523fa2c-dee3-11d1-a789-0000f875ac12',
  SynthClock: 'fedfae26-e46e-11d1-aace-0000f875ac12',
} as const;

export const KSPROPERTY_SYNTH = {
  VOLUME: 0,
  VOLUMEBOOST: 1,
  CAPS: 2,
  PORTPARAMETERS: 3,
  CHANNELGROUPS: 4,
  VOICEPRIORITY: 5,
  LATENCYCLOCK: 6,
  RUNNINGSTATS: 7,
} as const;

export const KSPROPERTY_SYNTH_DLS = {
  DOWNLOAD: 0,
  UNLOAD: 1,
  COMPACT: 2,
  APPEND: 3,
  WAVEFORMAT: 4,
} as const;

export const KSPROPERTY_SYNTHCLOCK = { MASTERCLOCK: 0 } as const;

/** KSPROPERTY_TYPE_* verbs. */
export const KSPROPERTY_TYPE = { GET: 0x1, SET: 0x2, BASICSUPPORT: 0x200 } as const;

/** SYNTH_PC_* (reference §4.4; REVERB takes the XP-era value, §9.1 item 7). */
export const SYNTH_PC = {
  DLS: 0x1,
  EXTERNAL: 0x2,
  SOFTWARESYNTH: 0x4,
  MEMORYSIZEFIXED: 0x8,
  GMINHARDWARE: 0x10,
  GSINHARDWARE: 0x20,
  XGINHARDWARE: 0x40,
  DLS2: 0x200,
  REVERB: 0x40000000,
  SYSTEMMEMORY: 0x7fffffff,
} as const;

export const SYNTH_PORTPARAMS = {
  VOICES: 0x01,
  CHANNELGROUPS: 0x02,
  AUDIOCHANNELS: 0x04,
  SAMPLERATE: 0x08,
  EFFECTS: 0x20,
  SHARE: 0x40,
} as const;

export const SYNTH_EFFECT = { NONE: 0, REVERB: 1, CHORUS: 2, DELAY: 4 } as const;

export const SYNTH_STATS = {
  VOICES: 0x01,
  TOTAL_CPU: 0x02,
  CPU_PER_VOICE: 0x04,
  LOST_NOTES: 0x08,
  PEAK_VOLUME: 0x10,
  FREE_MEMORY: 0x20,
} as const;

/** A KS property request as it reaches the port. */
export interface KsPropertyRequest {
  /** Property set GUID, lowercase, no braces. */
  set: string;
  id: number;
  /** KSPROPERTY_TYPE_GET / SET / BASICSUPPORT. */
  flags: number;
  /** The pin handle the request was sent to; undefined = the filter. */
  pinId?: number;
  /** Bytes following the property descriptor (SYNTH_PORTPARAMS request, SYNTHVOICEPRIORITY_INSTANCE, download data). */
  instance?: Uint8Array;
  /** SET: the value. */
  value?: Uint8Array;
  /** GET: the size of the caller's value buffer; 0 asks for the size. Default: the item's size. */
  valueSize?: number;
}

export interface KsPropertyResult {
  status: number;
  statusName: `STATUS_${StatusName}`;
  /** GET: the value bytes; BASICSUPPORT: the ULONG of allowed verbs. */
  value?: Uint8Array;
  bytesReturned: number;
  /** Human-readable reason when status is not a success. */
  message?: string;
  /** The DirectMusic HRESULT when the failure came from the synth (DMUS_E_*). */
  hresult?: number;
}

// ----- codecs: the dmusprop.h byte layouts -----

function dv(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeGuid(guid: string, out: Uint8Array, off: number): void {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a GUID: ${guid}`);
  const v = dv(out);
  v.setUint32(off, Number.parseInt(hex.slice(0, 8), 16), true);
  v.setUint16(off + 4, Number.parseInt(hex.slice(8, 12), 16), true);
  v.setUint16(off + 6, Number.parseInt(hex.slice(12, 16), 16), true);
  for (let i = 0; i < 8; i++) out[off + 8 + i] = Number.parseInt(hex.slice(16 + 2 * i, 18 + 2 * i), 16);
}

export function decodeGuid(b: Uint8Array, off: number): string {
  const v = dv(b);
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  const tail = [...b.subarray(off + 8, off + 16)].map((x) => h(x, 2)).join('');
  return `${h(v.getUint32(off, true), 8)}-${h(v.getUint16(off + 4, true), 4)}-${h(v.getUint16(off + 6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** SYNTHCAPS: GUID, 6 DWORDs, WCHAR Description[128] = 296 bytes. */
export const SYNTHCAPS_SIZE = 16 + 6 * 4 + 256;
export function encodeSynthCaps(c: SynthCaps): Uint8Array {
  const b = new Uint8Array(SYNTHCAPS_SIZE);
  const v = dv(b);
  encodeGuid(c.guid, b, 0);
  v.setUint32(16, c.flags >>> 0, true);
  v.setUint32(20, c.memorySize >>> 0, true);
  v.setUint32(24, c.maxChannelGroups >>> 0, true);
  v.setUint32(28, c.maxVoices >>> 0, true);
  v.setUint32(32, c.maxAudioChannels >>> 0, true);
  v.setUint32(36, c.effectFlags >>> 0, true);
  const d = c.description.slice(0, 127);
  for (let i = 0; i < d.length; i++) v.setUint16(40 + 2 * i, d.charCodeAt(i), true);
  return b;
}
export function decodeSynthCaps(b: Uint8Array): SynthCaps {
  const v = dv(b);
  let description = '';
  for (let i = 0; i < 128; i++) {
    const ch = v.getUint16(40 + 2 * i, true);
    if (ch === 0) break;
    description += String.fromCharCode(ch);
  }
  return {
    guid: decodeGuid(b, 0),
    flags: v.getUint32(16, true),
    memorySize: v.getUint32(20, true),
    maxChannelGroups: v.getUint32(24, true),
    maxVoices: v.getUint32(28, true),
    maxAudioChannels: v.getUint32(32, true),
    effectFlags: v.getUint32(36, true),
    description,
  };
}

/** SYNTH_PORTPARAMS: 7 DWORDs. */
export const SYNTH_PORTPARAMS_SIZE = 28;
const PORTPARAM_KEYS = ['validParams', 'voices', 'channelGroups', 'audioChannels', 'sampleRate', 'effectsFlags', 'share'] as const;
export function encodePortParams(p: SynthPortParams): Uint8Array {
  const b = new Uint8Array(SYNTH_PORTPARAMS_SIZE);
  const v = dv(b);
  PORTPARAM_KEYS.forEach((k, i) => {
    v.setUint32(4 * i, p[k] >>> 0, true);
  });
  return b;
}
export function decodePortParams(b: Uint8Array): SynthPortParams {
  const v = dv(b);
  const out = {} as SynthPortParams;
  PORTPARAM_KEYS.forEach((k, i) => {
    out[k] = v.getUint32(4 * i, true);
  });
  return out;
}

/** SYNTH_STATS: 6 DWORDs and a LONG. */
export const SYNTH_STATS_SIZE = 28;
export function encodeSynthStats(s: SynthStats): Uint8Array {
  const b = new Uint8Array(SYNTH_STATS_SIZE);
  const v = dv(b);
  v.setUint32(0, s.validStats >>> 0, true);
  v.setUint32(4, s.voices >>> 0, true);
  v.setUint32(8, s.totalCpu >>> 0, true);
  v.setUint32(12, s.cpuPerVoice >>> 0, true);
  v.setUint32(16, s.lostNotes >>> 0, true);
  v.setUint32(20, s.freeMemory >>> 0, true);
  v.setInt32(24, s.peakVolume | 0, true);
  return b;
}
export function decodeSynthStats(b: Uint8Array): SynthStats {
  const v = dv(b);
  return {
    validStats: v.getUint32(0, true),
    voices: v.getUint32(4, true),
    totalCpu: v.getUint32(8, true),
    cpuPerVoice: v.getUint32(12, true),
    lostNotes: v.getUint32(16, true),
    freeMemory: v.getUint32(20, true),
    peakVolume: v.getInt32(24, true),
  };
}

/** WAVEFORMATEX: 18 bytes, byte-packed. */
export const WAVEFORMATEX_SIZE = 18;
export function encodeWaveFormatEx(w: WaveFormatEx): Uint8Array {
  const b = new Uint8Array(WAVEFORMATEX_SIZE);
  const v = dv(b);
  v.setUint16(0, w.formatTag, true);
  v.setUint16(2, w.channels, true);
  v.setUint32(4, w.samplesPerSec, true);
  v.setUint32(8, w.avgBytesPerSec, true);
  v.setUint16(12, w.blockAlign, true);
  v.setUint16(14, w.bitsPerSample, true);
  v.setUint16(16, w.cbSize, true);
  return b;
}
export function decodeWaveFormatEx(b: Uint8Array): WaveFormatEx {
  const v = dv(b);
  return {
    formatTag: v.getUint16(0, true),
    channels: v.getUint16(2, true),
    samplesPerSec: v.getUint32(4, true),
    avgBytesPerSec: v.getUint32(8, true),
    blockAlign: v.getUint16(12, true),
    bitsPerSample: v.getUint16(14, true),
    cbSize: v.getUint16(16, true),
  };
}

/** SYNTHDOWNLOAD on x64: HANDLE (8), BOOL Free (4), 4 bytes of padding. */
export const SYNTHDOWNLOAD_SIZE = 16;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  dv(b).setUint32(0, n >>> 0, true);
  return b;
}
function i32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  dv(b).setInt32(0, n | 0, true);
  return b;
}
function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  dv(b).setBigUint64(0, BigInt(Math.max(0, Math.round(n))), true);
  return b;
}

// ----- the item table -----

type Target = 'pin' | 'filter';
interface ItemContext {
  port: PortDMus;
  pin: RenderPin | undefined;
  node: Partial<SynthNode>;
  request: KsPropertyRequest;
  /** A handler sets a success status other than SUCCESS here (NOT_ALL_ASSIGNED, PENDING). */
  status: StatusName;
}
interface Item {
  name: string;
  propSet: string;
  id: number;
  target: Target;
  verbs: number;
  /** GET value size (0 = no value). */
  size: number;
  /** SET value size. */
  setSize?: number;
  /** Instance bytes required after the descriptor. */
  instanceSize?: number;
  /** The SynthNode methods the item needs (for the "not supported yet" list). */
  needs: (keyof SynthNode)[];
  onGet?(c: ItemContext): Uint8Array;
  onSet?(c: ItemContext, value: DataView): void;
}

function call<K extends keyof SynthNode>(c: ItemContext, method: K): NonNullable<Partial<SynthNode>[K]> {
  const fn = c.node[method];
  if (typeof fn !== 'function') {
    throw new KsStatusError('NOT_IMPLEMENTED', `${method} is not supported yet by ${c.port.miniport.name}`);
  }
  return (fn as (...a: unknown[]) => unknown).bind(c.node) as NonNullable<Partial<SynthNode>[K]>;
}

const GET = KSPROPERTY_TYPE.GET;
const SET = KSPROPERTY_TYPE.SET;

export const PROPERTY_ITEMS: readonly Item[] = [
  {
    name: 'KSPROPERTY_SYNTH_VOLUME',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.VOLUME,
    target: 'pin',
    verbs: GET | SET,
    size: 4,
    needs: ['getVolume', 'setVolume'],
    onGet: (c) => i32(call(c, 'getVolume')()),
    onSet: (c, v) => call(c, 'setVolume')(v.getInt32(0, true)),
  },
  {
    name: 'KSPROPERTY_SYNTH_VOLUMEBOOST',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.VOLUMEBOOST,
    target: 'pin',
    verbs: GET | SET,
    size: 4,
    needs: ['getVolumeBoost', 'setVolumeBoost'],
    onGet: (c) => i32(call(c, 'getVolumeBoost')()),
    onSet: (c, v) => call(c, 'setVolumeBoost')(v.getInt32(0, true)),
  },
  {
    name: 'KSPROPERTY_SYNTH_CAPS',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.CAPS,
    target: 'pin',
    verbs: GET,
    size: SYNTHCAPS_SIZE,
    needs: ['getCaps'],
    onGet: (c) => encodeSynthCaps(call(c, 'getCaps')()),
  },
  {
    name: 'KSPROPERTY_SYNTH_PORTPARAMETERS',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.PORTPARAMETERS,
    target: 'pin',
    verbs: GET,
    size: SYNTH_PORTPARAMS_SIZE,
    instanceSize: SYNTH_PORTPARAMS_SIZE,
    needs: ['getPortParameters'],
    onGet: (c) => {
      const { params, changed } = call(c, 'getPortParameters')(decodePortParams(c.request.instance!));
      if (changed) c.status = 'NOT_ALL_ASSIGNED';
      return encodePortParams(params);
    },
  },
  {
    name: 'KSPROPERTY_SYNTH_CHANNELGROUPS',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.CHANNELGROUPS,
    target: 'pin',
    verbs: GET | SET,
    size: 4,
    needs: ['getChannelGroups', 'setChannelGroups'],
    onGet: (c) => u32(call(c, 'getChannelGroups')()),
    onSet: (c, v) => call(c, 'setChannelGroups')(v.getUint32(0, true)),
  },
  {
    name: 'KSPROPERTY_SYNTH_VOICEPRIORITY',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.VOICEPRIORITY,
    target: 'pin',
    verbs: GET | SET,
    size: 4,
    instanceSize: 8,
    needs: ['getVoicePriority', 'setVoicePriority'],
    onGet: (c) => {
      const inst = dv(c.request.instance!);
      return u32(call(c, 'getVoicePriority')(inst.getUint32(0, true), inst.getUint32(4, true)));
    },
    onSet: (c, v) => {
      const inst = dv(c.request.instance!);
      call(c, 'setVoicePriority')(inst.getUint32(0, true), inst.getUint32(4, true), v.getUint32(0, true));
    },
  },
  {
    name: 'KSPROPERTY_SYNTH_LATENCYCLOCK',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.LATENCYCLOCK,
    target: 'pin',
    verbs: GET,
    size: 8,
    needs: [],
    onGet: (c) => u64(c.port.latencyClock.getTime()),
  },
  {
    name: 'KSPROPERTY_SYNTH_RUNNINGSTATS',
    propSet: KSPROPSETID.Synth,
    id: KSPROPERTY_SYNTH.RUNNINGSTATS,
    target: 'pin',
    verbs: GET,
    size: SYNTH_STATS_SIZE,
    needs: ['getRunningStats'],
    onGet: (c) => encodeSynthStats(call(c, 'getRunningStats')()),
  },
  {
    name: 'KSPROPERTY_SYNTH_DLS_DOWNLOAD',
    propSet: KSPROPSETID.Synth_Dls,
    id: KSPROPERTY_SYNTH_DLS.DOWNLOAD,
    target: 'pin',
    verbs: GET,
    size: SYNTHDOWNLOAD_SIZE,
    instanceSize: 16, // at least a DMUS_DOWNLOADINFO
    needs: ['download'],
    onGet: (c) => {
      const r = call(c, 'download')(c.request.instance!);
      const b = new Uint8Array(SYNTHDOWNLOAD_SIZE);
      const v = dv(b);
      v.setBigUint64(0, BigInt(r.downloadHandle), true);
      v.setUint32(8, r.free ? 1 : 0, true);
      return b;
    },
  },
  {
    name: 'KSPROPERTY_SYNTH_DLS_UNLOAD',
    propSet: KSPROPSETID.Synth_Dls,
    id: KSPROPERTY_SYNTH_DLS.UNLOAD,
    target: 'pin',
    verbs: SET,
    size: 0,
    setSize: 8,
    needs: ['unload'],
    onSet: (c, v) => {
      const done = call(c, 'unload')(Number(v.getBigUint64(0, true)));
      if (done === 'pending') c.status = 'PENDING';
    },
  },
  {
    name: 'KSPROPERTY_SYNTH_DLS_COMPACT',
    propSet: KSPROPSETID.Synth_Dls,
    id: KSPROPERTY_SYNTH_DLS.COMPACT,
    target: 'pin',
    verbs: SET,
    size: 0,
    setSize: 0,
    needs: ['compact'],
    onSet: (c) => call(c, 'compact')(),
  },
  {
    name: 'KSPROPERTY_SYNTH_DLS_APPEND',
    propSet: KSPROPSETID.Synth_Dls,
    id: KSPROPERTY_SYNTH_DLS.APPEND,
    target: 'pin',
    verbs: GET,
    size: 4,
    needs: ['getAppend'],
    onGet: (c) => u32(call(c, 'getAppend')()),
  },
  {
    name: 'KSPROPERTY_SYNTH_DLS_WAVEFORMAT',
    propSet: KSPROPSETID.Synth_Dls,
    id: KSPROPERTY_SYNTH_DLS.WAVEFORMAT,
    target: 'pin',
    verbs: GET,
    size: WAVEFORMATEX_SIZE,
    needs: ['getWaveFormat'],
    onGet: (c) => encodeWaveFormatEx(call(c, 'getWaveFormat')()),
  },
  {
    name: 'KSPROPERTY_SYNTH_MASTERCLOCK',
    propSet: KSPROPSETID.SynthClock,
    id: KSPROPERTY_SYNTHCLOCK.MASTERCLOCK,
    target: 'filter',
    verbs: GET,
    size: 8,
    needs: [],
    onGet: (c) => u64(c.port.clock.getTime()),
  },
];

function result(status: StatusName, extra: Partial<KsPropertyResult> = {}): KsPropertyResult {
  return { status: STATUS[status], statusName: `STATUS_${status}`, bytesReturned: 0, ...extra };
}

/** The items the given synth node cannot answer yet (the "not supported yet" list). */
export function unsupportedItems(node: Partial<SynthNode> | undefined): string[] {
  return PROPERTY_ITEMS.filter((it) => it.needs.some((m) => typeof node?.[m] !== 'function')).map((it) => it.name);
}

export function findItem(set: string, id: number): Item | undefined {
  const s = set.toLowerCase().replace(/[{}]/g, '');
  return PROPERTY_ITEMS.find((it) => it.propSet === s && it.id === id);
}

/**
 * Handles one property request against a port. Never throws for a client's mistake: every
 * failure is a KS status with a message (and the DMUS_E HRESULT when the synth refused).
 */
export function dispatchProperty(port: PortDMus, request: KsPropertyRequest): KsPropertyResult {
  const item = findItem(request.set, request.id);
  if (!item) {
    return result('NOT_FOUND', { message: `unknown property set ${request.set} item ${request.id}`, hresult: DMUS_E.UNKNOWN_PROPERTY });
  }
  let pin: RenderPin | undefined;
  if (item.target === 'pin') {
    const p: RenderPin | CapturePin | undefined = request.pinId === undefined ? undefined : port.getPin(request.pinId);
    if (!p) return result('INVALID_PARAMETER', { message: `${item.name} must be sent to a render pin; pin ${request.pinId ?? '(filter)'} is not one` });
    if (!('stream' in p) || !('sequencer' in p)) {
      return result('INVALID_DEVICE_REQUEST', { message: `${item.name}: pin ${p.id} is a capture pin, which has no synth node` });
    }
    pin = p;
  }
  const ctx: ItemContext = { port, pin, node: pin?.stream.node ?? {}, request, status: 'SUCCESS' };

  if (request.flags & KSPROPERTY_TYPE.BASICSUPPORT) {
    const b = u32(item.verbs);
    return result('SUCCESS', { value: b, bytesReturned: 4 });
  }
  const isGet = (request.flags & GET) !== 0;
  const isSet = (request.flags & SET) !== 0;
  if (isGet === isSet || !(item.verbs & (isGet ? GET : SET))) {
    return result('INVALID_DEVICE_REQUEST', {
      message: `${item.name} does not support ${isGet && isSet ? 'GET|SET at once' : isGet ? 'GET' : isSet ? 'SET' : 'that verb'}`,
      hresult: isGet ? DMUS_E.GET_UNSUPPORTED : DMUS_E.SET_UNSUPPORTED,
    });
  }
  if (item.instanceSize && (request.instance?.byteLength ?? 0) < item.instanceSize) {
    return result('BUFFER_TOO_SMALL', { message: `${item.name} needs ${item.instanceSize} instance bytes after the descriptor, got ${request.instance?.byteLength ?? 0}` });
  }
  try {
    if (isGet) {
      const size = request.valueSize ?? item.size;
      if (size === 0 && item.size > 0) return result('BUFFER_OVERFLOW', { bytesReturned: item.size });
      if (size < item.size) return result('BUFFER_TOO_SMALL', { message: `${item.name} needs ${item.size} value bytes, the buffer has ${size}` });
      const value = item.onGet!(ctx);
      return result(ctx.status, { value, bytesReturned: value.byteLength });
    }
    const need = item.setSize ?? item.size;
    const value = request.value ?? new Uint8Array(0);
    if (value.byteLength < need) return result('BUFFER_TOO_SMALL', { message: `${item.name} needs a ${need}-byte value, got ${value.byteLength}` });
    item.onSet!(ctx, dv(value));
    return result(ctx.status);
  } catch (err) {
    if (err instanceof KsStatusError) return result(err.code, { message: err.message });
    if (err instanceof DmusError) return result('UNSUCCESSFUL', { message: err.message, hresult: err.hresult });
    if (err instanceof RangeError) return result('INVALID_PARAMETER', { message: err.message });
    throw err;
  }
}
