/**
 * Seed concept: the DLS Level 1 / Level 2 collection (reference §6.1-§6.8), as data.
 * Purpose: one in-memory model, named after the spec's chunks, that the reader fills, the writer
 * writes, the SF2 importer and the GM bank generator build, and the download packer consumes.
 * Wave data are views (Uint8Array subarrays) onto the source buffer: never copied on read.
 */
import { F_INSTRUMENT_DRUMS } from './constants.js';

/** DLSID / GUID as a lower-case string 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'. */
export type DlsId = string;

/** `vers`: DLSVERSION. */
export interface DlsVersion {
  dwVersionMS: number;
  dwVersionLS: number;
}

/** One INFO sub-chunk (INAM, ICOP, ICMT, ...), in file order. */
export interface InfoEntry {
  id: string;
  text: string;
}

/** A chunk this model does not interpret, kept so it can be written back (and passed on). */
export interface UnknownChunk {
  id: string;
  data: Uint8Array;
}

/** CONNECTION (12 bytes): scale × T(source) × T(control) added to a destination. */
export interface ConnectionBlock {
  usSource: number;
  usControl: number;
  usDestination: number;
  usTransform: number;
  /** 16.16 fixed point in the destination's unit (reference §6.4). */
  lScale: number;
}

/** One `art1` or `art2` chunk: a CONNECTIONLIST. */
export interface Articulator {
  kind: 'art1' | 'art2';
  connections: ConnectionBlock[];
}

/** One `lart` or `lar2` list, with its optional DLS2 condition (raw `cdl ` bytes). */
export interface ArticulationList {
  listType: 'lart' | 'lar2';
  cdl?: Uint8Array;
  articulators: Articulator[];
}

/** WLOOP (16 bytes). ulStart/ulLength count sample frames. */
export interface WaveLoop {
  ulType: number;
  ulStart: number;
  ulLength: number;
}

/** WSMPL + WLOOP[]. */
export interface WaveSample {
  usUnityNote: number;
  sFineTune: number;
  /** 65536 per centibel; negative is quieter. */
  lAttenuation: number;
  fulOptions: number;
  loops: WaveLoop[];
}

/** RGNRANGE, inclusive. */
export interface RegionRange {
  usLow: number;
  usHigh: number;
}

/** RGNHEADER: 12 bytes in DLS1; DLS2 adds usLayer (14 bytes). */
export interface RegionHeader {
  RangeKey: RegionRange;
  RangeVelocity: RegionRange;
  fusOptions: number;
  usKeyGroup: number;
  usLayer?: number;
}

/** WAVELINK: ulTableIndex indexes the `ptbl` cue list. */
export interface WaveLink {
  fusOptions: number;
  usPhaseGroup: number;
  ulChannel: number;
  ulTableIndex: number;
}

export interface DlsRegion {
  listType: 'rgn ' | 'rgn2';
  cdl?: Uint8Array;
  rgnh: RegionHeader;
  wsmp?: WaveSample;
  wlnk: WaveLink;
  articulations: ArticulationList[];
  unknown: UnknownChunk[];
}

/** MIDILOCALE. */
export interface MidiLocale {
  /** Bits 0-6 CC32 (LSB), bits 8-14 CC0 (MSB), bit 31 F_INSTRUMENT_DRUMS. */
  ulBank: number;
  /** Bits 0-6 program. */
  ulInstrument: number;
}

export interface DlsInstrument {
  dlid?: DlsId;
  locale: MidiLocale;
  regions: DlsRegion[];
  /** Global (instrument-level) articulation lists. */
  articulations: ArticulationList[];
  info: InfoEntry[];
  unknown: UnknownChunk[];
}

/** WAVEFORMATEX (`fmt `). `extra` holds cbSize extension bytes, if any. */
export interface WaveFormat {
  wFormatTag: number;
  nChannels: number;
  nSamplesPerSec: number;
  nAvgBytesPerSec: number;
  nBlockAlign: number;
  wBitsPerSample: number;
  extra?: Uint8Array;
}

export interface DlsWave {
  dlid?: DlsId;
  fmt: WaveFormat;
  wsmp?: WaveSample;
  /** PCM bytes (`data` chunk): a view, never a copy. 8-bit unsigned or 16-bit signed LE. */
  data: Uint8Array;
  info: InfoEntry[];
  unknown: UnknownChunk[];
}

export interface DlsCollection {
  vers?: DlsVersion;
  dlid?: DlsId;
  instruments: DlsInstrument[];
  /** `ptbl`: cue i -> index into `waves` (-1 for POOL_CUE_NULL). */
  ptbl: number[];
  waves: DlsWave[];
  info: InfoEntry[];
  unknown: UnknownChunk[];
  /** Quirks tolerated while reading (reference §6.12), one sentence each with the chunk path. */
  warnings: string[];
}

export const emptyCollection = (): DlsCollection => ({
  instruments: [],
  ptbl: [],
  waves: [],
  info: [],
  unknown: [],
  warnings: [],
});

/** Wave sample defaults when neither the region nor its wave has a `wsmp` (reference §6.12). */
export const defaultWaveSample = (): WaveSample => ({
  usUnityNote: 60,
  sFineTune: 0,
  lAttenuation: 0,
  fulOptions: 0,
  loops: [],
});

/** DLS2 when any DLS2-only construct is present; DLS1 otherwise. */
export function collectionLevel(c: DlsCollection): 1 | 2 {
  for (const ins of c.instruments) {
    if (ins.articulations.some(isDls2Articulation)) return 2;
    for (const r of ins.regions) {
      if (r.listType === 'rgn2' || r.cdl || r.rgnh.usLayer !== undefined || r.articulations.some(isDls2Articulation)) return 2;
    }
  }
  return 1;
}
const isDls2Articulation = (a: ArticulationList) =>
  a.listType === 'lar2' || a.cdl !== undefined || a.articulators.some((x) => x.kind === 'art2');

export interface BankAddress {
  /** CC0 (bank select MSB). */
  msb: number;
  /** CC32 (bank select LSB). */
  lsb: number;
  drum: boolean;
  program: number;
}

export function decodeLocale(l: MidiLocale): BankAddress {
  return {
    msb: (l.ulBank >>> 8) & 0x7f,
    lsb: l.ulBank & 0x7f,
    drum: (l.ulBank & F_INSTRUMENT_DRUMS) !== 0,
    program: l.ulInstrument & 0x7f,
  };
}

export function encodeLocale(a: BankAddress): MidiLocale {
  return {
    ulBank: ((a.drum ? F_INSTRUMENT_DRUMS : 0) | ((a.msb & 0x7f) << 8) | (a.lsb & 0x7f)) >>> 0,
    ulInstrument: a.program & 0x7f,
  };
}

/** MIDI bank number as CC0*128 + CC32. */
export const midiBank = (l: MidiLocale): number => {
  const a = decodeLocale(l);
  return a.msb * 128 + a.lsb;
};

/** DMUS_INSTRUMENT.ulPatch (reference §5.2). */
export const patchOf = (l: MidiLocale): number =>
  ((l.ulBank & F_INSTRUMENT_DRUMS) | ((l.ulBank & 0x7f7f) << 8) | (l.ulInstrument & 0x7f)) >>> 0;

/** The instrument's name from INFO/INAM, or ''. */
export const infoText = (info: InfoEntry[], id: string): string => info.find((e) => e.id === id)?.text ?? '';

/** A velocity range of 0-0 means all velocities (reference §6.7 quirk). */
export function effectiveVelocityRange(h: RegionHeader): RegionRange {
  return h.RangeVelocity.usLow === 0 && h.RangeVelocity.usHigh === 0 ? { usLow: 0, usHigh: 127 } : h.RangeVelocity;
}

/** Sample frames in a wave's data. */
export const waveFrames = (w: DlsWave): number => (w.fmt.nBlockAlign > 0 ? Math.floor(w.data.length / w.fmt.nBlockAlign) : 0);
