/**
 * Seed concept: the DLS Level 1/2 constants (reference §6.2, §6.3, §6.8, §6.10; Wine dls1.h/dls2.h).
 * Values are the spec's hex values, as `as const` objects (no TS enums).
 */

/** MIDILOCALE.ulBank bit 31: the instrument is a drum kit. */
export const F_INSTRUMENT_DRUMS = 0x80000000;
/** rgnh.fusOptions: a repeated key adds a voice instead of stopping the sounding one. */
export const F_RGN_OPTION_SELFNONEXCLUSIVE = 0x0001;
export const F_WAVELINK_PHASE_MASTER = 0x0001;
export const F_WAVELINK_MULTICHANNEL = 0x0002;
export const WAVELINK_CHANNEL_LEFT = 0x0001;
export const WAVELINK_CHANNEL_RIGHT = 0x0002;
export const F_WSMP_NO_TRUNCATION = 0x0001;
export const F_WSMP_NO_COMPRESSION = 0x0002;
export const POOL_CUE_NULL = 0xffffffff;
export const WAVE_FORMAT_PCM = 0x0001;

/** Loop types. The release loop is 1 in XP+/Wine/DLS2 and 2 in Win2000 headers: accept both. */
export const WLOOP_TYPE = {
  FORWARD: 0,
  RELEASE: 1,
  RELEASE_WIN2000: 2,
} as const;
export const isReleaseLoop = (ulType: number): boolean =>
  ulType === WLOOP_TYPE.RELEASE || ulType === WLOOP_TYPE.RELEASE_WIN2000;

export const CONN_SRC = {
  NONE: 0x0000,
  LFO: 0x0001,
  KEYONVELOCITY: 0x0002,
  KEYNUMBER: 0x0003,
  EG1: 0x0004,
  EG2: 0x0005,
  PITCHWHEEL: 0x0006,
  POLYPRESSURE: 0x0007,
  CHANNELPRESSURE: 0x0008,
  VIBRATO: 0x0009,
  MONOPRESSURE: 0x000a,
  CC1: 0x0081,
  CC7: 0x0087,
  CC10: 0x008a,
  CC11: 0x008b,
  CC91: 0x00db,
  CC93: 0x00dd,
  RPN0: 0x0100,
  RPN1: 0x0101,
  RPN2: 0x0102,
} as const;

export const CONN_DST = {
  NONE: 0x0000,
  ATTENUATION: 0x0001,
  GAIN: 0x0001,
  RESERVED: 0x0002,
  PITCH: 0x0003,
  PAN: 0x0004,
  KEYNUMBER: 0x0005,
  LEFT: 0x0010,
  RIGHT: 0x0011,
  CENTER: 0x0012,
  LEFTREAR: 0x0013,
  RIGHTREAR: 0x0014,
  LFE_CHANNEL: 0x0015,
  CHORUS: 0x0080,
  REVERB: 0x0081,
  LFO_FREQUENCY: 0x0104,
  LFO_STARTDELAY: 0x0105,
  VIB_FREQUENCY: 0x0114,
  VIB_STARTDELAY: 0x0115,
  EG1_ATTACKTIME: 0x0206,
  EG1_DECAYTIME: 0x0207,
  EG1_RESERVED: 0x0208,
  EG1_RELEASETIME: 0x0209,
  EG1_SUSTAINLEVEL: 0x020a,
  EG1_DELAYTIME: 0x020b,
  EG1_HOLDTIME: 0x020c,
  EG1_SHUTDOWNTIME: 0x020d,
  EG2_ATTACKTIME: 0x030a,
  EG2_DECAYTIME: 0x030b,
  EG2_RESERVED: 0x030c,
  EG2_RELEASETIME: 0x030d,
  EG2_SUSTAINLEVEL: 0x030e,
  EG2_DELAYTIME: 0x030f,
  EG2_HOLDTIME: 0x0310,
  FILTER_CUTOFF: 0x0500,
  FILTER_Q: 0x0501,
} as const;

/** usTransform: whole field in DLS1; bit field in DLS2 (reference §6.3). */
export const CONN_TRN = {
  NONE: 0,
  CONCAVE: 1,
  CONVEX: 2,
  SWITCH: 3,
} as const;
export const CONN_TRN_SOURCE_SHIFT = 10;
export const CONN_TRN_SOURCE_BIPOLAR = 1 << 14;
export const CONN_TRN_SOURCE_INVERT = 1 << 15;
export const CONN_TRN_CONTROL_SHIFT = 4;
export const CONN_TRN_CONTROL_BIPOLAR = 1 << 8;
export const CONN_TRN_CONTROL_INVERT = 1 << 9;

/** 0x80000000 time cents = exactly 0 s. */
export const TIMECENTS_ZERO = -0x80000000;

/** cdl opcodes (reference §6.10). */
export const DLS_CDL = {
  AND: 0x0001,
  OR: 0x0002,
  XOR: 0x0003,
  ADD: 0x0004,
  SUBTRACT: 0x0005,
  MULTIPLY: 0x0006,
  DIVIDE: 0x0007,
  LOGICAL_AND: 0x0008,
  LOGICAL_OR: 0x0009,
  LT: 0x000a,
  LE: 0x000b,
  GT: 0x000c,
  GE: 0x000d,
  EQ: 0x000e,
  NOT: 0x000f,
  CONST: 0x0010,
  QUERY: 0x0011,
  QUERYSUPPORTED: 0x0012,
} as const;

/** DLSIDs a cdl expression can query (Wine dls2.h). Lower-case GUID strings. */
export const DLSID = {
  GMInHardware: '178f2f24-c364-11d1-a760-0000f875ac12',
  GSInHardware: '178f2f25-c364-11d1-a760-0000f875ac12',
  XGInHardware: '178f2f26-c364-11d1-a760-0000f875ac12',
  SupportsDLS1: '178f2f27-c364-11d1-a760-0000f875ac12',
  SupportsDLS2: 'f14599e5-4689-11d2-afa6-00aa0024d8b6',
  SampleMemorySize: '178f2f28-c364-11d1-a760-0000f875ac12',
  ManufacturersID: 'b03e1181-8095-11d2-a1ef-00600833dbd8',
  ProductID: 'b03e1182-8095-11d2-a1ef-00600833dbd8',
  SamplePlaybackRate: '2a91f713-a4bf-11d2-bbdf-00600833dbd8',
} as const;
