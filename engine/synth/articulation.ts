/**
 * Seed concept: DLS articulation (reference §5.4, §5.5, §6.3-6.6). Builds the connection graph of a
 * region: the DLS2 default connections (§6.6) underneath, the download's own connection lists on
 * top (a connection with the same source/control/destination REPLACES the default, otherwise it is
 * added), then compiles it into a CompiledArticulation split by evaluation time.
 *
 * Control half only (runs at download time, allocates freely).
 */
import { CONN_DST, CONN_SRC, CONN_TRN, CONN_TRN_BITS, TIMECENT_ZERO } from './constants.js';
import { CompiledArticulation } from './download-model.js';

/** One CONNECTION as read from a download (lScale kept raw, 16.16 fixed point). */
export interface Connection {
  src: number;
  ctl: number;
  dst: number;
  trn: number;
  lScale: number;
}

const S = CONN_SRC;
const D = CONN_DST;
const fx = (v: number) => Math.round(v * 65536);
/** Source concave + invert, source bipolar: the DLS2 transform bits used by the defaults. */
const CONCAVE_INVERT = (CONN_TRN.CONCAVE << 10) | CONN_TRN_BITS.SOURCE_INVERT;
const BIPOLAR = CONN_TRN_BITS.SOURCE_BIPOLAR;

const c = (src: number, ctl: number, dst: number, lScale: number, trn = 0): Connection => ({ src, ctl, dst, trn, lScale });

/**
 * The DLS2 default connections of §6.6 (byte values from the reference). Zero-scale defaults are
 * omitted: replacing a zero default and adding to it give the same graph.
 */
export const DLS2_DEFAULT_CONNECTIONS: readonly Connection[] = [
  c(S.NONE, S.NONE, D.LFO_FREQUENCY, 0xfcacae9c | 0),
  c(S.NONE, S.NONE, D.LFO_STARTDELAY, 0xe0db5f61 | 0),
  c(S.NONE, S.NONE, D.VIB_FREQUENCY, 0xfcacae9c | 0),
  c(S.NONE, S.NONE, D.VIB_STARTDELAY, 0xe0db5f61 | 0),
  c(S.NONE, S.NONE, D.EG1_DELAYTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG1_ATTACKTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG1_HOLDTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG1_DECAYTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG1_RELEASETIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG1_SUSTAINLEVEL, fx(1000)),
  c(S.NONE, S.NONE, D.EG2_DELAYTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG2_ATTACKTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG2_HOLDTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG2_DECAYTIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG2_RELEASETIME, TIMECENT_ZERO),
  c(S.NONE, S.NONE, D.EG2_SUSTAINLEVEL, fx(1000)),
  c(S.KEYNUMBER, S.NONE, D.KEYNUMBER, fx(12800)),
  c(S.RPN2, S.NONE, D.KEYNUMBER, fx(6400), BIPOLAR),
  c(S.NONE, S.NONE, D.FILTER_CUTOFF, 0x7fffffff),
  c(S.KEYONVELOCITY, S.NONE, D.GAIN, fx(-960), CONCAVE_INVERT),
  c(S.CC7, S.NONE, D.GAIN, fx(-960), CONCAVE_INVERT),
  c(S.CC11, S.NONE, D.GAIN, fx(-960), CONCAVE_INVERT),
  c(S.PITCHWHEEL, S.RPN0, D.PITCH, fx(12800), BIPOLAR),
  c(S.KEYNUMBER, S.NONE, D.PITCH, fx(12800)),
  c(S.RPN1, S.NONE, D.PITCH, fx(100), BIPOLAR),
  c(S.CC10, S.NONE, D.PAN, fx(508), BIPOLAR),
  c(S.CC91, S.NONE, D.REVERB, fx(1000)),
  c(S.CC93, S.NONE, D.CHORUS, fx(1000)),
];

/** Destinations evaluated once at note-on. */
const NOTE_TIME_DST = new Set<number>([
  D.KEYNUMBER,
  D.LFO_FREQUENCY,
  D.LFO_STARTDELAY,
  D.VIB_FREQUENCY,
  D.VIB_STARTDELAY,
  D.EG1_ATTACKTIME,
  D.EG1_DECAYTIME,
  D.EG1_RELEASETIME,
  D.EG1_SUSTAINLEVEL,
  D.EG1_DELAYTIME,
  D.EG1_HOLDTIME,
  D.EG1_SHUTDOWNTIME,
  D.EG2_ATTACKTIME,
  D.EG2_DECAYTIME,
  D.EG2_RELEASETIME,
  D.EG2_SUSTAINLEVEL,
  D.EG2_DELAYTIME,
  D.EG2_HOLDTIME,
]);
/** Destinations a voice applies continuously. */
const LEVEL_DST = new Set<number>([D.GAIN, D.PITCH, D.PAN, D.FILTER_CUTOFF, D.FILTER_Q, D.REVERB, D.CHORUS]);

const isDynamicSource = (s: number) => s === S.LFO || s === S.VIBRATO || s === S.EG1 || s === S.EG2;

/**
 * Normalises quirks before merging: the DLS1 usTransform value 1 (CONN_TRN_CONCAVE for the whole
 * field) means "source concave with the inversion built in" (§9.1 item 17), and a velocity/CC7/CC11
 * -> gain concave connection without the invert bit is forced inverted as FluidSynth does.
 */
function normalise(k: Connection): Connection {
  let trn = k.trn;
  if (trn === CONN_TRN.CONCAVE) trn = CONCAVE_INVERT;
  const srcType = (trn >> 10) & 0xf;
  if (
    k.dst === D.GAIN &&
    (k.src === S.KEYONVELOCITY || k.src === S.CC7 || k.src === S.CC11) &&
    srcType === CONN_TRN.CONCAVE &&
    (trn & CONN_TRN_BITS.SOURCE_INVERT) === 0 &&
    k.lScale < 0
  ) {
    trn |= CONN_TRN_BITS.SOURCE_INVERT;
  }
  return trn === k.trn ? k : { ...k, trn };
}

/**
 * Merges the defaults with the articulation lists (applied in order) and compiles the result.
 * `lists` is the region's articulation chain if it has one, otherwise the instrument's.
 */
export function compileArticulation(lists: readonly (readonly Connection[])[]): CompiledArticulation {
  const merged: Connection[] = DLS2_DEFAULT_CONNECTIONS.slice();
  // Where each (source, control, destination) sits in `merged`: one look-up per connection, so a
  // download's long connection list costs O(n), not O(n^2).
  const at = new Map<number, number>();
  const key = (k: Connection) => k.src * 2 ** 32 + k.ctl * 2 ** 16 + k.dst;
  for (let i = 0; i < merged.length; i++) if (!at.has(key(merged[i]))) at.set(key(merged[i]), i);
  for (const list of lists) {
    for (const raw of list) {
      const k = normalise(raw);
      const i = at.get(key(k));
      if (i !== undefined) merged[i] = k;
      else at.set(key(k), merged.push(k) - 1);
    }
  }
  const note: Connection[] = [];
  const level: Connection[] = [];
  const dyn: Connection[] = [];
  for (const k of merged) {
    if (k.lScale === 0) continue;
    const dynamic = isDynamicSource(k.src) || isDynamicSource(k.ctl);
    if (NOTE_TIME_DST.has(k.dst)) {
      // A note-time destination cannot follow a modulator that does not run yet: it reads 0.
      if (!dynamic) note.push(k);
    } else if (LEVEL_DST.has(k.dst)) {
      (dynamic ? dyn : level).push(k);
    }
    // CONN_DST_LEFT/RIGHT/CENTER/rear/LFE and reserved ids: no stereo synth routes them (§6.3).
  }
  const all = [...note, ...level, ...dyn];
  const n = all.length;
  const src = new Uint16Array(n);
  const ctl = new Uint16Array(n);
  const dst = new Uint16Array(n);
  const trn = new Uint16Array(n);
  const scale = new Float64Array(n);
  let usesLfo = false;
  let usesVibrato = false;
  let usesEg2 = false;
  let staticCutoff = 0;
  let cutoffMoves = false;
  for (let i = 0; i < n; i++) {
    const k = all[i];
    src[i] = k.src;
    ctl[i] = k.ctl;
    dst[i] = k.dst;
    trn[i] = k.trn;
    scale[i] = k.lScale / 65536;
    if (i >= note.length + level.length) {
      if (k.src === S.LFO || k.ctl === S.LFO) usesLfo = true;
      if (k.src === S.VIBRATO || k.ctl === S.VIBRATO) usesVibrato = true;
      if (k.src === S.EG2 || k.ctl === S.EG2) usesEg2 = true;
    }
    if (k.dst === D.FILTER_CUTOFF) {
      if (k.src === S.NONE && k.ctl === S.NONE) staticCutoff += scale[i];
      else cutoffMoves = true;
    }
  }
  // 0x7FFFFFFF (~32768 cents) is "off"; anything a modulator could pull below ~20 kHz may filter.
  const mayFilter = cutoffMoves || staticCutoff < 13500;
  return new CompiledArticulation(src, ctl, dst, trn, scale, note.length, note.length + level.length, {
    usesLfo,
    usesVibrato,
    usesEg2,
    mayFilter,
  });
}

/**
 * DMUS_ARTICPARAMS (80 bytes, download type 1) -> DLS1 connections, per the mapping of §5.4.
 * Sustain units are unresolved between sources (§9.1 item 9): values up to 1000 are read as 0.1 %
 * (DLS files); larger values (Wine's fixture uses 10000 << 16) as hundredths of a percent.
 */
export function articParamsToConnections(view: DataView, off: number): Connection[] {
  const at = (i: number) => view.getInt32(off + i * 4, true);
  const sustain = (raw: number) => {
    const v = raw / 65536;
    return v > 1000 ? fx(v / 10) : raw;
  };
  // LFO (6 LONGs), VolEG (6), PitchEG (7), Misc (1)
  const [lfoFreq, lfoDelay, lfoVol, lfoPitch, mwVol, mwPitch] = [at(0), at(1), at(2), at(3), at(4), at(5)];
  const [vA, vD, vS, vR, vVel2A, vKey2D] = [at(6), at(7), at(8), at(9), at(10), at(11)];
  const [pA, pD, pS, pR, pVel2A, pKey2D, pRange] = [at(12), at(13), at(14), at(15), at(16), at(17), at(18)];
  const pan = at(19);
  return [
    c(S.NONE, S.NONE, D.LFO_FREQUENCY, lfoFreq),
    c(S.NONE, S.NONE, D.LFO_STARTDELAY, lfoDelay),
    c(S.LFO, S.NONE, D.ATTENUATION, lfoVol),
    c(S.LFO, S.NONE, D.PITCH, lfoPitch),
    c(S.LFO, S.CC1, D.ATTENUATION, mwVol),
    c(S.LFO, S.CC1, D.PITCH, mwPitch),
    c(S.NONE, S.NONE, D.EG1_ATTACKTIME, vA),
    c(S.NONE, S.NONE, D.EG1_DECAYTIME, vD),
    c(S.NONE, S.NONE, D.EG1_SUSTAINLEVEL, sustain(vS)),
    c(S.NONE, S.NONE, D.EG1_RELEASETIME, vR),
    c(S.KEYONVELOCITY, S.NONE, D.EG1_ATTACKTIME, vVel2A),
    c(S.KEYNUMBER, S.NONE, D.EG1_DECAYTIME, vKey2D),
    c(S.NONE, S.NONE, D.EG2_ATTACKTIME, pA),
    c(S.NONE, S.NONE, D.EG2_DECAYTIME, pD),
    c(S.NONE, S.NONE, D.EG2_SUSTAINLEVEL, sustain(pS)),
    c(S.NONE, S.NONE, D.EG2_RELEASETIME, pR),
    c(S.KEYONVELOCITY, S.NONE, D.EG2_ATTACKTIME, pVel2A),
    c(S.KEYNUMBER, S.NONE, D.EG2_DECAYTIME, pKey2D),
    c(S.EG2, S.NONE, D.PITCH, pRange),
    c(S.NONE, S.NONE, D.PAN, pan),
  ];
}
