/**
 * Seed concept: the DirectMusic HRESULTs (dmerror.h, reference §5.11) and the KS NTSTATUS codes
 * (reference §4.5), as typed errors. Every error a client can see names its DMUS_E_* code.
 */

/** MAKE_DMHRESULTERROR(code) = 0x88780000 | (0x1000 + code). */
const dm = (code: number) => (0x88780000 | (0x1000 + code)) >>> 0;

export const DMUS_E = {
  NOTADLSCOL: dm(0x108),
  INVALIDOFFSET: dm(0x109),
  INVALID_DOWNLOADID: dm(0x119),
  NOT_DOWNLOADED_TO_PORT: dm(0x120),
  ALREADY_DOWNLOADED: dm(0x121),
  UNKNOWN_PROPERTY: dm(0x122),
  SET_UNSUPPORTED: dm(0x123),
  GET_UNSUPPORTED: dm(0x124),
  NOTMONO: dm(0x125),
  BADARTICULATION: dm(0x126),
  BADINSTRUMENT: dm(0x127),
  BADWAVELINK: dm(0x128),
  NOARTICULATION: dm(0x129),
  NOTPCM: dm(0x12a),
  BADWAVE: dm(0x12b),
  BADOFFSETTABLE: dm(0x12c),
  UNKNOWNDOWNLOAD: dm(0x12d),
  NOSYNTHSINK: dm(0x12e),
  ALREADYOPEN: dm(0x12f),
  ALREADYCLOSED: dm(0x130),
  SYNTHNOTCONFIGURED: dm(0x131),
  SYNTHACTIVE: dm(0x132),
  BUFFER_EMPTY: dm(0x135),
  BUFFER_FULL: dm(0x136),
  DSOUND_NOT_SET: dm(0x139),
  SYNTHINACTIVE: dm(0x13d),
  DSOUND_ALREADY_SET: dm(0x13e),
  INVALID_EVENT: dm(0x13f),
  NO_MASTER_CLOCK: dm(0x170),
} as const;
export type DmusErrorName = keyof typeof DMUS_E;

/** Success code with a meaning: part of a download was accepted. */
export const DMUS_S_PARTIALDOWNLOAD = 0x08781092;

/** Generic COM codes used around the synth. */
export const HRESULT = {
  S_OK: 0,
  S_FALSE: 1,
  E_FAIL: 0x80004005,
  E_NOTIMPL: 0x80004001,
  E_INVALIDARG: 0x80070057,
  E_OUTOFMEMORY: 0x8007000e,
  E_POINTER: 0x80004003,
} as const;

/** NTSTATUS values returned by KS property handlers (reference §4.5). */
export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  NOT_ALL_ASSIGNED: 0x00000106,
  BUFFER_OVERFLOW: 0x80000005,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INVALID_PARAMETER: 0xc000000d,
  NO_MEMORY: 0xc0000017,
  BUFFER_TOO_SMALL: 0xc0000023,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  NOT_FOUND: 0xc0000225,
} as const;
export type StatusName = keyof typeof STATUS;

/** An error with a DirectMusic HRESULT. `where` names the input position (offset, chunk path). */
export class DmusError extends Error {
  override name = 'DmusError';
  readonly hresult: number;
  readonly code: DmusErrorName | keyof typeof HRESULT;
  readonly where: string | undefined;
  constructor(code: DmusErrorName | keyof typeof HRESULT, message: string, where?: string) {
    super(where ? `${code}: ${message} (at ${where})` : `${code}: ${message}`);
    this.code = code;
    this.where = where;
    this.hresult = code in DMUS_E ? DMUS_E[code as DmusErrorName] : HRESULT[code as keyof typeof HRESULT];
  }
}

/** A KS property request failed with an NTSTATUS. */
export class KsStatusError extends Error {
  override name = 'KsStatusError';
  readonly status: number;
  readonly code: StatusName;
  constructor(code: StatusName, message: string) {
    super(`STATUS_${code}: ${message}`);
    this.code = code;
    this.status = STATUS[code];
  }
}
