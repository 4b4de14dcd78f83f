/**
 * Seed concept: the DLS2 voice (reference §6.3-6.8, §6.11): sample playback with 4-point Hermite
 * interpolation, forward and release loops, EG1 (volume) and EG2 (pitch/filter) DAHDSR envelopes,
 * modulation LFO and vibrato LFO, the resonant low-pass filter, pan, and the connection graph.
 *
 * Render half. Every voice field is a typed array indexed by voice number (struct-of-arrays), sized
 * once in the constructor (prepare); nothing below the constructor allocates. Work is split by rate:
 *   note-on       note-time connections (EG and LFO times, KEYNUMBER), level sums
 *   controller    level sums of the voices of that channel (evalLevels)
 *   sub-block     envelopes, LFOs, dynamic connections, pitch -> increment, gains, filter coefs
 *   per sample    interpolation, filter, gain ramps, accumulation (the kernels at the bottom)
 */
import { CONN_DST, CONN_SRC } from './constants.js';
import type { ChannelStates } from './channels.rt.js';
import { type Instrument, LOOP_KIND, type Region, WAVE_GUARD_BEFORE, WAVE_SCALE } from './download-model.js';
import { absCentsToCyclesInto, cbToAmpInto, centsToRatioInto, timecentsToSamplesInto, transformInto } from './tables.rt.js';

/** EG stages. */
export const EG = { DELAY: 0, ATTACK: 1, HOLD: 2, DECAY: 3, SUSTAIN: 4, RELEASE: 5, DONE: 6 } as const;

/** A stolen or cut voice fades out over this long: about a millisecond, never a click (§7.6). */
export const STEAL_FADE_SECONDS = 0.0012;

/**
 * A releasing voice ends once its gain (attenuation, velocity, volume curves × EG1) is below
 * -100 dB: even with the maximum +6 dB output gain and a full-scale wave it then adds less than one
 * 16-bit LSB (-90.3 dBFS), and it only falls further. FluidSynth ends voices at its -90 dB noise
 * floor. Saves rendering the last ~10 % of every release tail.
 */
export const RELEASE_FLOOR = 1e-5;

/** Voice parameters (envelopes, LFOs, dynamic connections, gain ramps) update every SUB_BLOCK samples. */
export const SUB_BLOCK = 64;

/**
 * A voice past its attack whose only moving parameters follow the envelopes' hold, decay and
 * release (no LFO or vibrato routing with a nonzero factor) updates every SLOW_SUB_BLOCK samples:
 * 2.7 ms at 48 kHz. Those stages fall linearly in dB, so the linear gain ramp across 128 samples
 * is within 0.3 dB of the exact curve even for a 50 ms release (5 dB per sub-block), and a cutoff
 * following EG2 moves by at most as much per step. This is most of an orchestral song's
 * voice-samples (symphony_7_2: three quarters of the non-static ones, 60 % of all in release;
 * TheEntertainer's piano: half of them in hold, where EG1 holds still). A stage that ends inside
 * a sub-block hands the rest of it to the next stage (stepEg), so hold and decay keep their
 * lengths. Delay and attack keep the 64-sample rate, so short attacks keep their shape.
 */
export const SLOW_SUB_BLOCK = 128;

/**
 * A slow voice whose moving envelope stages each take at least SLOWEST_STAGE samples for their
 * whole range (EG1: 96 dB in 0.34 s at 48 kHz or slower) updates every SLOWEST_SUB_BLOCK samples:
 * at most 1.5 dB of EG1 (1/64 of EG2's range) per update, where the linear gain ramp is within
 * 0.03 dB of the curve. Long piano decays and string releases are most of a song's voice-samples.
 */
export const SLOWEST_SUB_BLOCK = 256;
const SLOWEST_STAGE = SLOWEST_SUB_BLOCK * 64;
/** subBlockCap's answer for a voice whose parameters cannot move: the whole span (a Smi). */
const STATIC_SPAN = 0x3fffffff;

/** Shared mono buses per render pass (see beginPass). */
const SLOTS = 64;
/** Channel slots addressable (1000 groups × 16 channels, PORTPARAMETERS maximum). */
const MAX_CHANNELS = 16000;

/**
 * Dynamic connections (LFO/vibrato/EG sources) pre-evaluated per voice: the control factor
 * scale × T(control) is computed with the level sums (note-on, controller change), so a sub-block
 * costs one multiply-add per connection, none for a factor of 0 (e.g. CC1 → vibrato with the
 * mod wheel at 0). Connections past DYN_MAX of one region are evaluated in full every sub-block.
 */
const DYN_MAX = 16;
/** dynKind: 0 = factor 0 (skip); 1-4 = LFO, vibrato, EG1, EG2 source; | DYN_TRANSFORM = source curve not linear. */
const DYN_LFO = 1;
const DYN_VIB = 2;
const DYN_EG1 = 3;
const DYN_EG2 = 4;
const DYN_TRANSFORM = 8;
/** A dynamic control (LFO/vibrato/EG as the control): evaluated in full every sub-block. */
const DYN_GENERAL = 16;
/** dynMask bits: which modulators the voice's nonzero dynamic connections follow. */
const DM_LFO = 1;
const DM_VIB = 2;
const DM_EG1 = 4;
const DM_EG2 = 8;
const DM_GENERAL = 16;
/**
 * An envelope drives the pitch (EG1 / EG2 with a nonzero factor into PITCH). The increment is
 * constant through a sub-block (it does not ramp as the gains do), so a pitch envelope is a
 * staircase with one step per update: such a voice keeps the 64-sample rate while that envelope
 * moves (a 1200-cent EG2 decay over 0.4 s would otherwise step 16 cents every 256 samples and run
 * 2.7 ms ahead of its curve).
 */
const DM_EG1_PITCH = 32;
const DM_EG2_PITCH = 64;

const EMPTY_WAVE = new Int16Array(8);
const TWO_PI = 2 * Math.PI;
const HALF_PI = Math.PI / 2;

export class VoicePool {
  readonly capacity: number;
  readonly sampleRate: number;
  readonly fadeSamples: number;

  readonly active: Uint8Array;
  readonly chan: Int32Array;
  readonly key: Uint8Array;
  readonly vel: Uint8Array;
  readonly region: (Region | null)[];
  readonly inst: (Instrument | null)[];
  readonly data: Int16Array[];
  readonly age: Float64Array;

  readonly pos: Float64Array;
  readonly inc: Float64Array;
  readonly pitchCached: Float64Array;
  readonly waveRatio: Float64Array;
  readonly frames: Float64Array;
  readonly loopKind: Uint8Array;
  readonly loopStart: Float64Array;
  readonly loopEnd: Float64Array;
  readonly looped: Uint8Array;

  /** Key still down (no note-off yet). */
  readonly keyDown: Uint8Array;
  /** Note-off arrived while the sustain pedal was down. */
  readonly sustained: Uint8Array;
  /** Captured by the sostenuto pedal. */
  readonly sostenuto: Uint8Array;
  /** Envelopes are in release. */
  readonly released: Uint8Array;
  /** Samples left of a steal/cut fade (0 = not fading). */
  readonly fadeLeft: Float64Array;
  readonly first: Uint8Array;

  readonly eg1Stage: Int8Array;
  readonly eg1Val: Float64Array;
  readonly eg1Cnt: Float64Array;
  readonly eg1Delay: Float64Array;
  readonly eg1Attack: Float64Array;
  readonly eg1Hold: Float64Array;
  readonly eg1Decay: Float64Array;
  readonly eg1Sustain: Float64Array;
  readonly eg1Release: Float64Array;
  readonly eg2Stage: Int8Array;
  readonly eg2Val: Float64Array;
  readonly eg2Cnt: Float64Array;
  readonly eg2Delay: Float64Array;
  readonly eg2Attack: Float64Array;
  readonly eg2Hold: Float64Array;
  readonly eg2Decay: Float64Array;
  readonly eg2Sustain: Float64Array;
  readonly eg2Release: Float64Array;

  readonly lfoPhase: Float64Array;
  readonly lfoInc: Float64Array;
  readonly lfoDelay: Float64Array;
  readonly lfoVal: Float64Array;
  readonly vibPhase: Float64Array;
  readonly vibInc: Float64Array;
  readonly vibDelay: Float64Array;
  readonly vibVal: Float64Array;

  /** Effective key (after KEYNUMBER connections, e.g. RPN2 coarse tune) and the region's unity note. */
  readonly keyEff: Float64Array;
  readonly unity: Float64Array;
  readonly pitchLvl: Float64Array;
  readonly gainLvl: Float64Array;
  readonly panLvl: Float64Array;
  readonly cutLvl: Float64Array;
  readonly qLvl: Float64Array;
  readonly revLvl: Float64Array;
  readonly choLvl: Float64Array;

  readonly fOn: Uint8Array;
  readonly fCut: Float64Array;
  readonly fQ: Float64Array;
  readonly z1: Float64Array;
  readonly z2: Float64Array;
  readonly b0: Float64Array;
  readonly a1: Float64Array;
  readonly a2: Float64Array;
  /** Q (cB) the cached 1 / (2 · Q linear) was computed for (a power per change, not per sub-block). */
  readonly fQCached: Float64Array;
  readonly fHalfInvQ: Float64Array;

  readonly gl: Float64Array;
  readonly gr: Float64Array;
  readonly grv: Float64Array;
  readonly gch: Float64Array;
  readonly dgl: Float64Array;
  readonly dgr: Float64Array;
  readonly dgrv: Float64Array;
  readonly dgch: Float64Array;
  readonly panCached: Float64Array;
  readonly gainCached: Float64Array;
  readonly gainAmp: Float64Array;
  readonly panL: Float64Array;
  readonly panR: Float64Array;

  /**
   * Shared mono buses. A voice whose pan and send factors did not change since its last sub-block
   * (so its four gains are one amplitude ramp times fixed factors) adds its mono signal × amplitude
   * into its channel's slot bus; the slot is spread into L/R/reverb/chorus once per pass
   * (endPass). One read-modify-write per sample instead of two to four.
   */
  readonly ga: Float64Array;
  readonly dga: Float64Array;
  readonly fL: Float64Array;
  readonly fR: Float64Array;
  readonly fRv: Float64Array;
  readonly fCh: Float64Array;
  /** Slot of the current sub-block, -1 = direct to the buses. */
  readonly mslot: Int32Array;
  readonly maxFrames: number;
  readonly slotBus: Float64Array;
  private readonly slotL = new Float64Array(SLOTS);
  private readonly slotR = new Float64Array(SLOTS);
  private readonly slotRv = new Float64Array(SLOTS);
  private readonly slotCh = new Float64Array(SLOTS);
  private readonly chanSlot = new Int32Array(MAX_CHANNELS);
  private readonly chanStamp = new Int32Array(MAX_CHANNELS);
  /** A second slot per channel (the other half of stereo samples, a second pan). */
  private readonly chanSlot2 = new Int32Array(MAX_CHANNELS);
  private readonly chanStamp2 = new Int32Array(MAX_CHANNELS);
  private slotCount = 0;
  private stamp = 0;
  private passI0 = 0;
  private passN = 0;

  /** Per voice: dynamic connections pre-evaluated (see DYN_MAX), DYN_MAX entries per voice. */
  private readonly dynK: Float64Array;
  private readonly dynKind: Uint8Array;
  private readonly dynSlot: Uint8Array;
  private readonly dynMask: Uint8Array;

  /** Note-time destination accumulator, indexed by destination id (only the note-time ids are used). */
  private readonly acc = new Float64Array(0x320);
  /**
   * Result registers. Optimized V8 code boxes a double returned from a call that is not inlined
   * (a HeapNumber per call): helpers on the event and sub-block paths write here instead.
   */
  private readonly reg = new Float64Array(4);
  /** Level sums scratch (LV_* slots). */
  private readonly lv = new Float64Array(8);
  private ageCounter = 0;

  /** prepare(): sizes everything from the voice count and the rate. Allocates. */
  constructor(capacity: number, sampleRate: number, maxFrames = 0) {
    this.capacity = capacity;
    this.maxFrames = maxFrames;
    this.slotBus = new Float64Array(SLOTS * maxFrames);
    this.sampleRate = sampleRate;
    this.fadeSamples = Math.max(8, Math.round(STEAL_FADE_SECONDS * sampleRate));
    const n = capacity;
    const f64 = () => new Float64Array(n);
    this.active = new Uint8Array(n);
    this.chan = new Int32Array(n);
    this.key = new Uint8Array(n);
    this.vel = new Uint8Array(n);
    this.region = new Array<Region | null>(n).fill(null);
    this.inst = new Array<Instrument | null>(n).fill(null);
    this.data = new Array<Int16Array>(n).fill(EMPTY_WAVE);
    this.age = f64();
    this.pos = f64();
    this.inc = f64();
    this.pitchCached = f64();
    this.waveRatio = f64();
    this.frames = f64();
    this.loopKind = new Uint8Array(n);
    this.loopStart = f64();
    this.loopEnd = f64();
    this.looped = new Uint8Array(n);
    this.keyDown = new Uint8Array(n);
    this.sustained = new Uint8Array(n);
    this.sostenuto = new Uint8Array(n);
    this.released = new Uint8Array(n);
    this.fadeLeft = f64();
    this.first = new Uint8Array(n);
    this.eg1Stage = new Int8Array(n);
    this.eg1Val = f64();
    this.eg1Cnt = f64();
    this.eg1Delay = f64();
    this.eg1Attack = f64();
    this.eg1Hold = f64();
    this.eg1Decay = f64();
    this.eg1Sustain = f64();
    this.eg1Release = f64();
    this.eg2Stage = new Int8Array(n);
    this.eg2Val = f64();
    this.eg2Cnt = f64();
    this.eg2Delay = f64();
    this.eg2Attack = f64();
    this.eg2Hold = f64();
    this.eg2Decay = f64();
    this.eg2Sustain = f64();
    this.eg2Release = f64();
    this.lfoPhase = f64();
    this.lfoInc = f64();
    this.lfoDelay = f64();
    this.lfoVal = f64();
    this.vibPhase = f64();
    this.vibInc = f64();
    this.vibDelay = f64();
    this.vibVal = f64();
    this.keyEff = f64();
    this.unity = f64();
    this.pitchLvl = f64();
    this.gainLvl = f64();
    this.panLvl = f64();
    this.cutLvl = f64();
    this.qLvl = f64();
    this.revLvl = f64();
    this.choLvl = f64();
    this.fOn = new Uint8Array(n);
    this.fCut = f64();
    this.fQ = f64();
    this.z1 = f64();
    this.z2 = f64();
    this.b0 = f64();
    this.a1 = f64();
    this.a2 = f64();
    this.gl = f64();
    this.gr = f64();
    this.grv = f64();
    this.gch = f64();
    this.dgl = f64();
    this.dgr = f64();
    this.dgrv = f64();
    this.dgch = f64();
    this.panCached = f64();
    this.gainCached = f64();
    this.gainAmp = f64();
    this.panL = f64();
    this.panR = f64();
    this.ga = f64();
    this.dga = f64();
    this.fL = f64();
    this.fR = f64();
    this.fRv = f64();
    this.fCh = f64();
    this.mslot = new Int32Array(n);
    this.dynK = new Float64Array(n * DYN_MAX);
    this.dynKind = new Uint8Array(n * DYN_MAX);
    this.dynSlot = new Uint8Array(n * DYN_MAX);
    this.dynMask = new Uint8Array(n);
    this.fQCached = f64().fill(Number.NaN);
    this.fHalfInvQ = f64();
  }

  // ------------------------------------------------------------------ connection sources

  /** A source/control value before its transform: 0..1, or -1..1 for LFO and vibrato. */
  private sourceValue(src: number, v: number, c: number, ch: ChannelStates): void {
    const reg = this.reg;
    switch (src) {
      case CONN_SRC.NONE:
        reg[1] = 1;
        return;
      case CONN_SRC.LFO:
        reg[1] = this.lfoVal[v];
        return;
      case CONN_SRC.KEYONVELOCITY:
        reg[1] = this.vel[v] / 127;
        return;
      case CONN_SRC.KEYNUMBER:
        reg[1] = this.keyEff[v] / 128;
        return;
      case CONN_SRC.EG1:
        reg[1] = this.eg1Val[v];
        return;
      case CONN_SRC.EG2:
        reg[1] = this.eg2Val[v];
        return;
      case CONN_SRC.PITCHWHEEL:
        reg[1] = ch.pitchBend[c] / 16384;
        return;
      case CONN_SRC.POLYPRESSURE:
        reg[1] = ch.polyPressure[c * 128 + this.key[v]] / 127;
        return;
      case CONN_SRC.CHANNELPRESSURE:
      case CONN_SRC.MONOPRESSURE:
        reg[1] = ch.channelPressure[c] / 127;
        return;
      case CONN_SRC.VIBRATO:
        reg[1] = this.vibVal[v];
        return;
      case CONN_SRC.RPN0:
        reg[1] = ch.bendRange[c] / 128;
        return;
      case CONN_SRC.RPN1:
        reg[1] = ch.fineTune[c] / 16384;
        return;
      case CONN_SRC.RPN2:
        // DDKSynth does not apply coarse tuning to drum parts (§7.4), XG's MSB 127 kits included.
        reg[1] = ch.isDrumPart(c) ? 0.5 : ch.coarseTune[c] / 128;
        return;
      default:
        reg[1] = src >= 0x80 && src < 0x100 ? ch.cc[c * 128 + (src - 0x80)] / 127 : 0;
    }
  }

  /** scale × T(source) × T(control) for connection i of an articulation. */
  private connValue(art: Region['art'], i: number, v: number, c: number, ch: ChannelStates): void {
    const t = art.trn[i];
    const s = art.src[i];
    const k = art.ctl[i];
    const reg = this.reg;
    this.sourceValue(s, v, c, ch);
    let x = reg[1];
    // 7-bit sources are v/127 (so 40·log10(v/127) dB comes out exactly, §7.7), but a BIPOLAR
    // mapping uses v/128 so that 64 is the exact centre (CC10 pan × 508 reaches ±500 at 0/127).
    if ((t & 0x4000) !== 0 && isSevenBit(s)) x = (x * 127) / 128;
    if (s !== CONN_SRC.NONE) {
      reg[2] = x;
      transformInto(reg, 2, (t >> 10) & 15, (t & 0x4000) !== 0, (t & 0x8000) !== 0, s === CONN_SRC.LFO || s === CONN_SRC.VIBRATO);
      x = reg[2];
    }
    if (k !== CONN_SRC.NONE) {
      this.controlValue(art, i, v, c, ch);
      x *= reg[2];
    }
    // The DLS2 output transform (usTransform bits 0-3, §6.3) on T(source) × T(control), before the
    // scale gives it its units: the curve of |value| with the value's sign (a switch: 0 below half,
    // ±1 from half up). A DLS1 field of 1 (source concave) was rewritten at compile.
    if ((t & 15) !== 0) {
      reg[2] = x < 0 ? -x : x;
      transformInto(reg, 2, t & 15, false, false, false);
      x = x < 0 ? -reg[2] : reg[2];
    }
    reg[0] = art.scale[i] * x;
  }

  /** T(control) of connection i (control not NONE) into reg[2]. */
  private controlValue(art: Region['art'], i: number, v: number, c: number, ch: ChannelStates): void {
    const t = art.trn[i];
    const k = art.ctl[i];
    const reg = this.reg;
    this.sourceValue(k, v, c, ch);
    let y = reg[1];
    if ((t & 0x100) !== 0 && isSevenBit(k)) y = (y * 127) / 128;
    reg[2] = y;
    transformInto(reg, 2, (t >> 4) & 15, (t & 0x100) !== 0, (t & 0x200) !== 0, k === CONN_SRC.LFO || k === CONN_SRC.VIBRATO);
  }

  /**
   * Pre-evaluates the dynamic connections of voice v (with the level sums): per connection the
   * factor scale × T(control), the modulator it follows and whether its source curve is linear.
   */
  private evalDynamic(art: Region['art'], v: number, c: number, ch: ChannelStates): void {
    const base = v * DYN_MAX;
    const nd = Math.min(art.count - art.levelEnd, DYN_MAX);
    let mask = art.count - art.levelEnd > DYN_MAX ? DM_GENERAL : 0;
    for (let j = 0; j < nd; j++) {
      const i = art.levelEnd + j;
      const s = art.src[i];
      const k = art.ctl[i];
      const t = art.trn[i];
      this.dynSlot[base + j] = levelSlot(art.dst[i]);
      const srcKind = s === CONN_SRC.LFO ? DYN_LFO : s === CONN_SRC.VIBRATO ? DYN_VIB : s === CONN_SRC.EG1 ? DYN_EG1 : s === CONN_SRC.EG2 ? DYN_EG2 : 0;
      // An output transform is not linear in the modulator: the full evaluation every sub-block.
      if (srcKind === 0 || k === CONN_SRC.LFO || k === CONN_SRC.VIBRATO || k === CONN_SRC.EG1 || k === CONN_SRC.EG2 || (t & 15) !== 0) {
        this.dynKind[base + j] = DYN_GENERAL;
        mask |= DM_GENERAL;
        continue;
      }
      let f = art.scale[i];
      if (k !== CONN_SRC.NONE) {
        this.controlValue(art, i, v, c, ch);
        f *= this.reg[2];
      }
      this.dynK[base + j] = f;
      if (f === 0) {
        this.dynKind[base + j] = 0;
        continue;
      }
      const type = (t >> 10) & 15;
      const invert = (t & 0x8000) !== 0;
      const bipolar = (t & 0x4000) !== 0;
      // LFO and vibrato are natively bipolar (the bipolar bit does not change them).
      const linear = type === 0 && !invert && (srcKind <= DYN_VIB || !bipolar);
      this.dynKind[base + j] = linear ? srcKind : srcKind | DYN_TRANSFORM;
      mask |= srcKind === DYN_LFO ? DM_LFO : srcKind === DYN_VIB ? DM_VIB : srcKind === DYN_EG1 ? DM_EG1 : DM_EG2;
      if (this.dynSlot[base + j] === LV_PITCH) mask |= srcKind === DYN_EG1 ? DM_EG1_PITCH : srcKind === DYN_EG2 ? DM_EG2_PITCH : 0;
    }
    this.dynMask[v] = mask;
  }

  // ------------------------------------------------------------------ note-on

  /**
   * Starts voice v playing `region` for (channel c, key, velocity): evaluates the note-time
   * connections (EG/LFO parameters, effective key) and the level sums. Does not allocate.
   */
  start(v: number, region: Region, inst: Instrument, c: number, key: number, velocity: number, ch: ChannelStates): void {
    const art = region.art;
    const sr = this.sampleRate;
    this.active[v] = 1;
    this.chan[v] = c;
    this.key[v] = key;
    this.vel[v] = velocity;
    this.region[v] = region;
    this.inst[v] = inst;
    this.data[v] = region.wave.data;
    region.wave.voiceRefs++;
    this.age[v] = ++this.ageCounter;
    this.pos[v] = 0;
    this.pitchCached[v] = Number.NaN;
    this.waveRatio[v] = region.wave.sampleRate / sr;
    this.frames[v] = region.wave.frames;
    this.loopKind[v] = region.loopKind;
    this.loopStart[v] = region.loopStart;
    this.loopEnd[v] = region.loopStart + region.loopLength;
    this.looped[v] = 0;
    this.keyDown[v] = 1;
    this.sustained[v] = 0;
    this.sostenuto[v] = 0;
    this.released[v] = 0;
    this.fadeLeft[v] = 0;
    this.first[v] = 1;
    this.unity[v] = region.unityNote;
    this.fOn[v] = 0;
    this.fCut[v] = Number.NaN;
    this.fQ[v] = Number.NaN;
    this.z1[v] = 0;
    this.z2[v] = 0;
    this.gl[v] = 0;
    this.gr[v] = 0;
    this.grv[v] = 0;
    this.gch[v] = 0;
    this.panCached[v] = Number.NaN;
    this.gainCached[v] = Number.NaN;
    this.lfoVal[v] = 0;
    this.vibVal[v] = 0;
    this.eg1Val[v] = 0;
    this.eg2Val[v] = 0;

    // 1. KEYNUMBER destination first: the real key feeds it; the result is the key other
    //    connections see (RPN2 coarse tune moves it, §6.6).
    const acc = this.acc;
    this.keyEff[v] = key;
    let hasKeyDst = false;
    acc[CONN_DST.KEYNUMBER] = 0;
    for (let i = 0; i < art.noteEnd; i++) {
      if (art.dst[i] === CONN_DST.KEYNUMBER) {
        this.connValue(art, i, v, c, ch);
        acc[CONN_DST.KEYNUMBER] += this.reg[0];
        hasKeyDst = true;
      }
    }
    if (hasKeyDst) this.keyEff[v] = acc[CONN_DST.KEYNUMBER] / 100;
    // GS scale tuning detunes the note class (§7.5): the effective key moves by its cents, so key
    // tracking (and whatever else follows the key number) carries it.
    const tune = ch.scaleTune[c * 12 + (key % 12)];
    if (tune !== 0) this.keyEff[v] += tune / 100;

    // 2. The other note-time destinations.
    for (let i = 0; i < art.noteEnd; i++) {
      const d = art.dst[i];
      if (d !== CONN_DST.KEYNUMBER) {
        this.connValue(art, i, v, c, ch);
        acc[d] += this.reg[0];
      }
    }
    const D = CONN_DST;
    timecentsToSamplesInto(this.eg1Delay, v, acc, D.EG1_DELAYTIME, sr);
    timecentsToSamplesInto(this.eg1Attack, v, acc, D.EG1_ATTACKTIME, sr);
    timecentsToSamplesInto(this.eg1Hold, v, acc, D.EG1_HOLDTIME, sr);
    timecentsToSamplesInto(this.eg1Decay, v, acc, D.EG1_DECAYTIME, sr);
    timecentsToSamplesInto(this.eg1Release, v, acc, D.EG1_RELEASETIME, sr);
    this.eg1Sustain[v] = clamp01(acc[D.EG1_SUSTAINLEVEL] / 1000);
    timecentsToSamplesInto(this.eg2Delay, v, acc, D.EG2_DELAYTIME, sr);
    timecentsToSamplesInto(this.eg2Attack, v, acc, D.EG2_ATTACKTIME, sr);
    timecentsToSamplesInto(this.eg2Hold, v, acc, D.EG2_HOLDTIME, sr);
    timecentsToSamplesInto(this.eg2Decay, v, acc, D.EG2_DECAYTIME, sr);
    timecentsToSamplesInto(this.eg2Release, v, acc, D.EG2_RELEASETIME, sr);
    this.eg2Sustain[v] = clamp01(acc[D.EG2_SUSTAINLEVEL] / 1000);
    absCentsToCyclesInto(this.lfoInc, v, acc, D.LFO_FREQUENCY, sr);
    timecentsToSamplesInto(this.lfoDelay, v, acc, D.LFO_STARTDELAY, sr);
    absCentsToCyclesInto(this.vibInc, v, acc, D.VIB_FREQUENCY, sr);
    timecentsToSamplesInto(this.vibDelay, v, acc, D.VIB_STARTDELAY, sr);
    this.lfoPhase[v] = 0;
    this.vibPhase[v] = 0;
    for (let i = 0; i < art.noteEnd; i++) acc[art.dst[i]] = 0;
    this.eg1Stage[v] = EG.DELAY;
    this.eg1Cnt[v] = 0;
    this.eg2Stage[v] = EG.DELAY;
    this.eg2Cnt[v] = 0;
    // Zero-length stages pass at once, so a 0 s attack sounds from the note's very first sample.
    settleEg(this.eg1Stage, this.eg1Val, this.eg1Delay, this.eg1Attack, this.eg1Hold, this.eg1Decay, this.eg1Sustain, v);
    settleEg(this.eg2Stage, this.eg2Val, this.eg2Delay, this.eg2Attack, this.eg2Hold, this.eg2Decay, this.eg2Sustain, v);
    this.evalLevels(v, ch);
  }

  /**
   * Level sums (pitch, gain, pan, cutoff, Q, sends) from note-time and controller sources. Called
   * at note-on and whenever a controller of the voice's channel changes. Does not allocate.
   */
  evalLevels(v: number, ch: ChannelStates): void {
    const region = this.region[v];
    if (region === null) return;
    const art = region.art;
    const c = this.chan[v];
    // Sums live in a typed array, not in locals: doubles held across a call that V8 does not
    // inline get boxed; typed-array slots never do.
    const lv = this.lv;
    lv.fill(0);
    lv[LV_PITCH] = region.fineTune;
    lv[LV_GAIN] = region.attenuation;
    for (let i = art.noteEnd; i < art.levelEnd; i++) {
      const d = art.dst[i];
      if (d === CONN_DST.PITCH && art.src[i] === CONN_SRC.KEYNUMBER && art.ctl[i] === CONN_SRC.NONE) {
        // Key tracking is relative to the unity note: (key - unity) × scale/128 cents (§6.7).
        this.reg[0] = (art.scale[i] * (this.keyEff[v] - this.unity[v])) / 128;
      } else {
        this.connValue(art, i, v, c, ch);
      }
      lv[levelSlot(d)] += this.reg[0];
    }
    this.pitchLvl[v] = lv[LV_PITCH];
    this.gainLvl[v] = lv[LV_GAIN];
    this.panLvl[v] = lv[LV_PAN];
    this.cutLvl[v] = lv[LV_CUT];
    this.qLvl[v] = lv[LV_Q];
    this.revLvl[v] = lv[LV_REV];
    this.choLvl[v] = lv[LV_CHO];
    if (art.levelEnd < art.count) this.evalDynamic(art, v, c, ch);
    else this.dynMask[v] = 0;
  }

  // ------------------------------------------------------------------ note-off, cut, free

  /** Enters the release stage of both envelopes (a release loop now plays on to the end). */
  release(v: number): void {
    if (this.released[v] !== 0) return;
    this.released[v] = 1;
    this.keyDown[v] = 0;
    const s1 = this.eg1Stage[v];
    if (s1 <= EG.ATTACK) {
      // Attack is linear in amplitude; the release runs in dB: continue from the same level.
      const a = this.eg1Val[v];
      this.eg1Val[v] = a <= 0 ? 0 : Math.max(0, 1 + (20 * Math.log10(a)) / 96);
    }
    if (s1 !== EG.DONE) this.eg1Stage[v] = EG.RELEASE;
    if (this.eg2Stage[v] !== EG.DONE) this.eg2Stage[v] = EG.RELEASE;
  }

  /** Starts the ~1 ms fade of a stolen or cut voice. */
  fade(v: number): void {
    if (this.fadeLeft[v] === 0) this.fadeLeft[v] = this.fadeSamples;
    this.keyDown[v] = 0;
  }

  isFading(v: number): boolean {
    return this.fadeLeft[v] > 0;
  }

  /** Returns the slot to idle and drops its wave reference. Returns the wave's remaining voice refs. */
  free(v: number): void {
    const r = this.region[v];
    if (r !== null) r.wave.voiceRefs--;
    this.active[v] = 0;
    this.region[v] = null;
    this.inst[v] = null;
    this.data[v] = EMPTY_WAVE;
  }

  // ------------------------------------------------------------------ sub-block update

  /**
   * Advances the modulators by n samples and sets this sub-block's increment, gain ramps and
   * filter. Returns false when the voice has finished (envelope or fade done).
   */
  private update(v: number, n: number, ch: ChannelStates): boolean {
    const region = this.region[v] as Region;
    const art = region.art;
    const c = this.chan[v];

    const lv = this.lv;
    lv[LV_PITCH] = this.pitchLvl[v];
    lv[LV_GAIN] = this.gainLvl[v];
    lv[LV_PAN] = this.panLvl[v];
    lv[LV_CUT] = this.cutLvl[v];
    lv[LV_Q] = this.qLvl[v];
    lv[LV_REV] = this.revLvl[v];
    lv[LV_CHO] = this.choLvl[v];
    lv[LV_NONE] = 0;

    const first = this.first[v] !== 0;
    if (first) this.eg1Amp(v);
    const eg1Start = this.reg[3];

    // Modulators (values at the start of the sub-block drive the dynamic connections).
    if (art.levelEnd < art.count) {
      if (art.usesLfo) stepLfo(this.lfoPhase, this.lfoInc, this.lfoDelay, this.lfoVal, v, n);
      if (art.usesVibrato) stepLfo(this.vibPhase, this.vibInc, this.vibDelay, this.vibVal, v, n);
      if (art.usesEg2) {
        // Decay, sustain and release (most sub-blocks) inline, as stepEg computes them.
        const s2 = this.eg2Stage[v];
        if (s2 === EG.RELEASE) {
          const r = this.eg2Release[v];
          const x = r > 0 ? this.eg2Val[v] - n / r : 0;
          if (x <= 0) {
            this.eg2Val[v] = 0;
            this.eg2Stage[v] = EG.DONE;
          } else this.eg2Val[v] = x;
        } else if (s2 === EG.SUSTAIN) this.eg2Val[v] = this.eg2Sustain[v];
        else stepEg(this.eg2Stage, this.eg2Val, this.eg2Cnt, this.eg2Delay, this.eg2Attack, this.eg2Hold, this.eg2Decay, this.eg2Sustain, this.eg2Release, v, n);
      }
      if (this.dynMask[v] !== 0) {
        const base = v * DYN_MAX;
        const nd = Math.min(art.count - art.levelEnd, DYN_MAX);
        const kinds = this.dynKind;
        for (let j = 0; j < nd; j++) {
          const kind = kinds[base + j];
          if (kind === 0) continue;
          const i = art.levelEnd + j;
          if (kind === DYN_GENERAL) {
            this.connValue(art, i, v, c, ch);
            lv[this.dynSlot[base + j]] += this.reg[0];
            continue;
          }
          const sk = kind & 7;
          let x = sk === DYN_LFO ? this.lfoVal[v] : sk === DYN_VIB ? this.vibVal[v] : sk === DYN_EG1 ? this.eg1Val[v] : this.eg2Val[v];
          if (kind >= DYN_TRANSFORM) {
            const t = art.trn[i];
            this.reg[2] = x;
            transformInto(this.reg, 2, (t >> 10) & 15, (t & 0x4000) !== 0, (t & 0x8000) !== 0, sk <= DYN_VIB);
            x = this.reg[2];
          }
          lv[this.dynSlot[base + j]] += this.dynK[base + j] * x;
        }
        for (let i = art.levelEnd + DYN_MAX; i < art.count; i++) {
          this.connValue(art, i, v, c, ch);
          lv[levelSlot(art.dst[i])] += this.reg[0];
        }
      }
    }
    const pitch = lv[LV_PITCH];
    const gain = lv[LV_GAIN];
    const pan = lv[LV_PAN];
    const cut = lv[LV_CUT];
    const q = lv[LV_Q];
    const rev = lv[LV_REV];
    const cho = lv[LV_CHO];
    const s1 = this.eg1Stage[v];
    if (s1 === EG.RELEASE) {
      const r = this.eg1Release[v];
      const x = r > 0 ? this.eg1Val[v] - n / r : 0;
      if (x <= 0) {
        this.eg1Val[v] = 0;
        this.eg1Stage[v] = EG.DONE;
      } else this.eg1Val[v] = x;
    } else if (s1 === EG.DECAY) {
      const d = this.eg1Decay[v];
      const sus = this.eg1Sustain[v];
      const x = d > 0 ? this.eg1Val[v] - n / d : sus;
      if (x <= sus) {
        this.eg1Val[v] = sus;
        this.eg1Stage[v] = EG.SUSTAIN;
      } else this.eg1Val[v] = x;
    } else if (s1 === EG.SUSTAIN) this.eg1Val[v] = this.eg1Sustain[v];
    else stepEg(this.eg1Stage, this.eg1Val, this.eg1Cnt, this.eg1Delay, this.eg1Attack, this.eg1Hold, this.eg1Decay, this.eg1Sustain, this.eg1Release, v, n);
    this.eg1Amp(v);
    const eg1 = this.reg[3];

    // Pitch -> increment (cached: most voices hold a constant pitch).
    if (pitch !== this.pitchCached[v]) {
      this.pitchCached[v] = pitch;
      this.reg[2] = pitch;
      centsToRatioInto(this.reg, 2);
      let inc = this.reg[2] * this.waveRatio[v];
      if (inc > 64) inc = 64;
      this.inc[v] = inc;
    }

    // Pan: -500..+500 (0.1 %) with the -3 dB centre law (Wine, §7.7).
    if (pan !== this.panCached[v]) {
      this.panCached[v] = pan;
      const p = pan < -500 ? -500 : Math.min(pan , 500);
      const a = ((p + 500) / 1000) * HALF_PI;
      this.panL[v] = Math.cos(a);
      this.panR[v] = Math.sin(a);
    }

    // Filter: recompute coefficients only when cutoff or Q moved.
    if (art.mayFilter && (cut !== this.fCut[v] || q !== this.fQ[v])) {
      this.fCut[v] = cut;
      this.fQ[v] = q;
      this.updateFilter(v);
    }

    // Gain cB -> amplitude, cached like the pitch.
    if (gain !== this.gainCached[v]) {
      this.gainCached[v] = gain;
      this.gainAmp[v] = gain;
      cbToAmpInto(this.gainAmp, v);
    }
    let amp = this.gainAmp[v] * eg1;
    let alive = true;
    const fl = this.fadeLeft[v];
    if (fl > 0) {
      // Steal/cut fade: the targets fall linearly to zero over fadeSamples from the fade's start.
      const remain = fl - n;
      if (remain > 0) {
        this.fadeLeft[v] = remain;
        amp *= remain / this.fadeSamples;
      } else {
        amp = 0;
        alive = false;
      }
    } else if ((this.eg1Stage[v] >= EG.DECAY && this.eg1Val[v] <= 0) || (this.eg1Stage[v] === EG.RELEASE && amp < RELEASE_FLOOR)) {
      amp = 0;
      alive = false;
    }
    // The wave holds 16-bit-scale values: its full scale goes into every gain (WaveSample.data).
    amp *= WAVE_SCALE;
    // Send levels in 0.1 % (clamped inline: a call returning a double would box it).
    const revLevel = rev <= 0 ? 0 : rev >= 1000 ? 1 : rev / 1000;
    const choLevel = cho <= 0 ? 0 : cho >= 1000 ? 1 : cho / 1000;
    const revAmp = amp * revLevel;
    const choAmp = amp * choLevel;
    const tl = amp * this.panL[v];
    const tr = amp * this.panR[v];
    if (first) {
      this.first[v] = 0;
      const a0 = this.gainAmp[v] * eg1Start * WAVE_SCALE;
      this.gl[v] = a0 * this.panL[v];
      this.gr[v] = a0 * this.panR[v];
      this.grv[v] = a0 * revLevel;
      this.gch[v] = a0 * choLevel;
    }
    const inv = 1 / n;
    const pl = this.panL[v];
    const pr = this.panR[v];
    let slot = -1;
    if (!first && pl === this.fL[v] && pr === this.fR[v] && revLevel === this.fRv[v] && choLevel === this.fCh[v] && this.maxFrames > 0 && c < MAX_CHANNELS) {
      const stamp = this.stamp;
      let claim = 0;
      if (this.chanStamp[c] === stamp) {
        const sl = this.chanSlot[c];
        if (this.slotL[sl] === pl && this.slotR[sl] === pr && this.slotRv[sl] === revLevel && this.slotCh[sl] === choLevel) slot = sl;
        else if (this.chanStamp2[c] === stamp) {
          const s2 = this.chanSlot2[c];
          if (this.slotL[s2] === pl && this.slotR[s2] === pr && this.slotRv[s2] === revLevel && this.slotCh[s2] === choLevel) slot = s2;
        } else claim = 2;
      } else claim = 1;
      if (claim !== 0 && this.slotCount < SLOTS) {
        slot = this.slotCount++;
        if (claim === 1) {
          this.chanStamp[c] = stamp;
          this.chanSlot[c] = slot;
        } else {
          this.chanStamp2[c] = stamp;
          this.chanSlot2[c] = slot;
        }
        this.slotL[slot] = pl;
        this.slotR[slot] = pr;
        this.slotRv[slot] = revLevel;
        this.slotCh[slot] = choLevel;
        const o = slot * this.maxFrames + this.passI0;
        this.slotBus.fill(0, o, o + this.passN);
      }
    }
    this.mslot[v] = slot;
    this.fL[v] = pl;
    this.fR[v] = pr;
    this.fRv[v] = revLevel;
    this.fCh[v] = choLevel;
    if (slot >= 0) {
      // The amplitude ramps from where the last sub-block ended; the direct gains jump to their
      // targets (they are where a direct sub-block would have ended).
      this.dga[v] = (amp - this.ga[v]) * inv;
      this.gl[v] = tl;
      this.gr[v] = tr;
      this.grv[v] = revAmp;
      this.gch[v] = choAmp;
      this.dgl[v] = 0;
      this.dgr[v] = 0;
      this.dgrv[v] = 0;
      this.dgch[v] = 0;
    } else {
      this.ga[v] = amp;
      this.dgl[v] = (tl - this.gl[v]) * inv;
      this.dgr[v] = (tr - this.gr[v]) * inv;
      this.dgrv[v] = (revAmp - this.grv[v]) * inv;
      this.dgch[v] = (choAmp - this.gch[v]) * inv;
    }
    return alive;
  }

  /** EG1 value as amplitude: linear during delay/attack, 96 dB log range afterwards. */
  private eg1Amp(v: number): void {
    const val = this.eg1Val[v];
    if (this.eg1Stage[v] <= EG.ATTACK) this.reg[3] = val;
    else if (val <= 0) this.reg[3] = 0;
    else {
      this.reg[3] = -960 * (1 - val);
      cbToAmpInto(this.reg, 3);
    }
  }

  /** Filter coefficients from fCut/fQ (set by the caller; doubles never cross the call). */
  private updateFilter(v: number): void {
    const sr = this.sampleRate;
    const q = this.fQ[v];
    absCentsToCyclesInto(this.reg, 2, this.fCut, v, 1);
    const hz = this.reg[2];
    if (hz >= 0.45 * sr) {
      this.fOn[v] = 0;
      return;
    }
    if (this.fOn[v] === 0) {
      this.z1[v] = 0;
      this.z2[v] = 0;
      this.fOn[v] = 1;
    }
    // RBJ low-pass; Q in cB where 0 cB is Butterworth (resonance dB = q/10, FluidSynth's offset).
    const w = (TWO_PI * (Math.max(hz , 5))) / sr;
    if (q !== this.fQCached[v]) {
      this.fQCached[v] = q;
      this.fHalfInvQ[v] = 0.5 / 10 ** ((q / 10 - 3.01) / 20);
    }
    // RBJ's b0 = (1 - cos w)/2/a0, a1 = -2 cos w/a0, a2 = (1 - alpha)/a0 with alpha = sin w/(2Q),
    // written with t = tan(w/2) (cos w = (1 - t²)/(1 + t²), sin w = 2t/(1 + t²)): one
    // transcendental and one division per coefficient update instead of two and three.
    const t = Math.tan(0.5 * w);
    const tt = t * t;
    const th = 2 * t * this.fHalfInvQ[v];
    const inv = 1 / (1 + tt + th);
    this.b0[v] = tt * inv;
    this.a1[v] = 2 * (tt - 1) * inv;
    this.a2[v] = (1 + tt - th) * inv;
  }

  // ------------------------------------------------------------------ render

  /** Starts a render pass over [i0, i0+n): no slot bus is claimed yet. */
  beginPass(i0: number, n: number): void {
    if (++this.stamp > 0x3fffffff) {
      this.chanStamp.fill(0);
      this.chanStamp2.fill(0);
      this.stamp = 1;
    }
    this.slotCount = 0;
    this.passI0 = i0;
    this.passN = n;
  }

  /**
   * Ends a render pass: spreads every claimed slot bus into the output and send buses. Four slots
   * at a time, so each output bus takes one read-modify-write per sample per four slots.
   */
  endPass(L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array): void {
    const B = this.slotBus;
    const mf = this.maxFrames;
    const i0 = this.passI0;
    const end = i0 + this.passN;
    const count = this.slotCount;
    const SL = this.slotL;
    const SR = this.slotR;
    const SRV = this.slotRv;
    const SCH = this.slotCh;
    let sl = 0;
    for (; sl + 4 <= count; sl += 4) {
      const o0 = sl * mf;
      const o1 = o0 + mf;
      const o2 = o1 + mf;
      const o3 = o2 + mf;
      const l0 = SL[sl];
      const l1 = SL[sl + 1];
      const l2 = SL[sl + 2];
      const l3 = SL[sl + 3];
      const r0 = SR[sl];
      const r1 = SR[sl + 1];
      const r2 = SR[sl + 2];
      const r3 = SR[sl + 3];
      const v0 = SRV[sl];
      const v1 = SRV[sl + 1];
      const v2 = SRV[sl + 2];
      const v3 = SRV[sl + 3];
      const c0 = SCH[sl];
      const c1 = SCH[sl + 1];
      const c2 = SCH[sl + 2];
      const c3 = SCH[sl + 3];
      if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0 && c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) {
        for (let i = i0; i < end; i++) {
          const x0 = B[o0 + i];
          const x1 = B[o1 + i];
          const x2 = B[o2 + i];
          const x3 = B[o3 + i];
          L[i] += x0 * l0 + x1 * l1 + x2 * l2 + x3 * l3;
          R[i] += x0 * r0 + x1 * r1 + x2 * r2 + x3 * r3;
        }
      } else {
        for (let i = i0; i < end; i++) {
          const x0 = B[o0 + i];
          const x1 = B[o1 + i];
          const x2 = B[o2 + i];
          const x3 = B[o3 + i];
          L[i] += x0 * l0 + x1 * l1 + x2 * l2 + x3 * l3;
          R[i] += x0 * r0 + x1 * r1 + x2 * r2 + x3 * r3;
          RV[i] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
          CH[i] += x0 * c0 + x1 * c1 + x2 * c2 + x3 * c3;
        }
      }
    }
    for (; sl < count; sl++) {
      const o = sl * mf;
      const kl = SL[sl];
      const kr = SR[sl];
      const krv = SRV[sl];
      const kch = SCH[sl];
      if (krv === 0 && kch === 0) {
        for (let i = i0; i < end; i++) {
          const x = B[o + i];
          L[i] += x * kl;
          R[i] += x * kr;
        }
      } else {
        for (let i = i0; i < end; i++) {
          const x = B[o + i];
          L[i] += x * kl;
          R[i] += x * kr;
          RV[i] += x * krv;
          CH[i] += x * kch;
        }
      }
    }
  }

  /**
   * Renders n samples of voice v, ADDING into L/R (and the reverb/chorus send buses) at [i0, i0+n).
   * Returns false when the voice has finished; the caller frees it. Does not allocate.
   */
  render(v: number, ch: ChannelStates, L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array, i0: number, n: number): boolean {
    const end = i0 + n;
    let i = i0;
    while (i < end) {
      // Parameters update every SUB_BLOCK samples, or less often when only slow envelope stages
      // move them; a voice whose parameters cannot move takes the whole span in one update.
      let m = end - i;
      if (m > SUB_BLOCK) {
        const cap = this.subBlockCap(v);
        if (m > cap) m = cap;
      }
      if (!this.renderSub(v, ch, L, R, RV, CH, i, m)) return false;
      i += m;
    }
    return true;
  }

  /**
   * The longest sub-block voice v may take now, from one look at its state:
   * - STATIC_SPAN (the whole span) when its parameters cannot move: EG1 in sustain, not fading,
   *   past its first sub-block, and every dynamic connection with a nonzero factor follows only
   *   envelopes that hold still (EG2 in sustain or done). LFO and vibrato connections whose control
   *   is 0 (CC1 → vibrato with the wheel at rest) do not count.
   * - SLOWEST_SUB_BLOCK or SLOW_SUB_BLOCK when only envelope hold/decay/release move them (EG1
   *   and a used EG2 past delay and attack, no LFO, vibrato or general connection): the slowest
   *   when each moving stage takes at least SLOWEST_STAGE samples for its range.
   * - SUB_BLOCK otherwise, and always while an envelope that drives the pitch moves.
   */
  private subBlockCap(v: number): number {
    const s1 = this.eg1Stage[v];
    if (s1 < EG.HOLD || this.fadeLeft[v] !== 0 || this.first[v] !== 0) return SUB_BLOCK;
    const m = this.dynMask[v];
    if ((m & (DM_LFO | DM_VIB | DM_GENERAL)) !== 0) return SUB_BLOCK;
    const eg2 = (m & DM_EG2) !== 0;
    const s2 = this.eg2Stage[v];
    if (eg2 && s2 < EG.HOLD) return SUB_BLOCK;
    const eg2Still = !eg2 || s2 === EG.SUSTAIN || s2 === EG.DONE;
    // A moving pitch envelope keeps the full control rate (see DM_EG1_PITCH).
    if (((m & DM_EG1_PITCH) !== 0 && s1 !== EG.SUSTAIN) || ((m & DM_EG2_PITCH) !== 0 && !eg2Still)) return SUB_BLOCK;
    if (s1 === EG.SUSTAIN && eg2Still) return STATIC_SPAN;
    // The stages that move (hold hands over to decay inside a sub-block; sustain does not move).
    if (s1 !== EG.SUSTAIN && (s1 === EG.RELEASE ? this.eg1Release[v] : this.eg1Decay[v]) < SLOWEST_STAGE) return SLOW_SUB_BLOCK;
    if (!eg2Still && (s2 === EG.RELEASE ? this.eg2Release[v] : this.eg2Decay[v]) < SLOWEST_STAGE) return SLOW_SUB_BLOCK;
    return SLOWEST_SUB_BLOCK;
  }

  private renderSub(v: number, ch: ChannelStates, L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array, i0: number, n: number): boolean {
    let alive = this.update(v, n, ch);
    const data = this.data[v];
    const inc = this.inc[v];
    const hasRev = this.grv[v] !== 0 || this.dgrv[v] !== 0;
    const hasCho = this.gch[v] !== 0 || this.dgch[v] !== 0;
    const sends = hasRev || hasCho;
    const filt = this.fOn[v] !== 0;
    const kind = this.loopKind[v];
    const lStart = this.loopStart[v];
    const lEnd = this.loopEnd[v];
    const frames = this.frames[v];
    let i = i0;
    const end = i0 + n;
    while (i < end) {
      const pos = this.pos[v];
      const loopOn = kind === LOOP_KIND.FORWARD || (kind === LOOP_KIND.RELEASE && this.released[v] === 0);
      let k: number;
      if (loopOn) {
        const hi = lEnd - 2;
        const lo = this.looped[v] !== 0 ? lStart + 1 : -1;
        if (pos >= hi || pos < lo) {
          this.slowSample(v, data, L, R, RV, CH, i, filt, sends);
          i++;
          continue;
        }
        k = Math.ceil((hi - pos) / inc - 1e-9);
      } else {
        if (pos >= frames) {
          alive = false;
          break;
        }
        k = Math.ceil((frames - pos) / inc - 1e-9);
      }
      if (k > end - i) k = end - i;
      if (k < 1) k = 1;
      const slot = this.mslot[v];
      if (slot >= 0) {
        if (filt) kernelMonoFilter(this, v, data, this.slotBus, slot * this.maxFrames, i, k);
        else kernelMono(this, v, data, this.slotBus, slot * this.maxFrames, i, k);
      }
      // One kernel per output set: most voices send to reverb only (GM default CC91 40, CC93 0).
      else if (filt) {
        if (hasRev && hasCho) kernelFilterSends(this, v, data, L, R, RV, CH, i, k);
        else if (hasRev) kernelFilterSend(this, v, data, L, R, RV, this.grv, this.dgrv, i, k);
        else if (hasCho) kernelFilterSend(this, v, data, L, R, CH, this.gch, this.dgch, i, k);
        else kernelFilter(this, v, data, L, R, i, k);
      } else if (hasRev && hasCho) kernelSends(this, v, data, L, R, RV, CH, i, k);
      else if (hasRev) kernelSend(this, v, data, L, R, RV, this.grv, this.dgrv, i, k);
      else if (hasCho) kernelSend(this, v, data, L, R, CH, this.gch, this.dgch, i, k);
      else kernelDry(this, v, data, L, R, i, k);
      i += k;
    }
    return alive;
  }

  /** One sample near a loop point: reads the four points through the loop wrap. */
  private slowSample(v: number, data: Int16Array, L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array, i: number, filt: boolean, sends: boolean): void {
    const lStart = this.loopStart[v];
    const lEnd = this.loopEnd[v];
    const len = lEnd - lStart;
    const looped = this.looped[v] !== 0;
    let pos = this.pos[v];
    const ip = Math.floor(pos);
    const f = pos - ip;
    const xm1 = data[WAVE_GUARD_BEFORE + wrap(ip - 1, lStart, lEnd, len, looped)];
    const x0 = data[WAVE_GUARD_BEFORE + wrap(ip, lStart, lEnd, len, looped)];
    const x1 = data[WAVE_GUARD_BEFORE + wrap(ip + 1, lStart, lEnd, len, looped)];
    const x2 = data[WAVE_GUARD_BEFORE + wrap(ip + 2, lStart, lEnd, len, looped)];
    const c1 = 0.5 * (x1 - xm1);
    const c2 = xm1 - 2.5 * x0 + 2 * x1 - 0.5 * x2;
    const c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    let s = ((c3 * f + c2) * f + c1) * f + x0;
    if (filt) {
      const b0 = this.b0[v];
      const y = b0 * s + this.z1[v];
      this.z1[v] = 2 * b0 * s - this.a1[v] * y + this.z2[v];
      this.z2[v] = b0 * s - this.a2[v] * y;
      s = y;
    }
    const slot = this.mslot[v];
    if (slot >= 0) {
      this.slotBus[slot * this.maxFrames + i] += s * this.ga[v];
      this.ga[v] += this.dga[v];
    } else {
      L[i] += s * this.gl[v];
      R[i] += s * this.gr[v];
      this.gl[v] += this.dgl[v];
      this.gr[v] += this.dgr[v];
    }
    if (sends && slot < 0) {
      RV[i] += s * this.grv[v];
      CH[i] += s * this.gch[v];
      this.grv[v] += this.dgrv[v];
      this.gch[v] += this.dgch[v];
    }
    pos += this.inc[v];
    if (pos >= lEnd) {
      while (pos >= lEnd) pos -= len;
      this.looped[v] = 1;
    }
    this.pos[v] = pos;
  }
}

const LV_PITCH = 0;
const LV_GAIN = 1;
const LV_PAN = 2;
const LV_CUT = 3;
const LV_Q = 4;
const LV_REV = 5;
const LV_CHO = 6;
const LV_NONE = 7;

/** The LV_* slot a level destination sums into. */
function levelSlot(d: number): number {
  switch (d) {
    case CONN_DST.PITCH:
      return LV_PITCH;
    case CONN_DST.GAIN:
      return LV_GAIN;
    case CONN_DST.PAN:
      return LV_PAN;
    case CONN_DST.FILTER_CUTOFF:
      return LV_CUT;
    case CONN_DST.FILTER_Q:
      return LV_Q;
    case CONN_DST.REVERB:
      return LV_REV;
    case CONN_DST.CHORUS:
      return LV_CHO;
    default:
      return LV_NONE;
  }
}

/** Sources that carry a 7-bit MIDI value. */
function isSevenBit(src: number): boolean {
  return src === CONN_SRC.KEYONVELOCITY || src === CONN_SRC.POLYPRESSURE || src === CONN_SRC.CHANNELPRESSURE || src === CONN_SRC.MONOPRESSURE || (src >= 0x80 && src < 0x100);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x , 1);
}

/** Frame index through a loop: past the end wraps to the start; before the start (once looped) to the end. */
function wrap(i: number, start: number, end: number, len: number, looped: boolean): number {
  if (i >= end) return i - len;
  if (looped && i < start) return i + len;
  return Math.max(i , -1);
}

/** Skips the zero-length stages at the start of an envelope; returns its value. */
function settleEg(stage: Int8Array, val: Float64Array, delay: Float64Array, attack: Float64Array, hold: Float64Array, decay: Float64Array, sustain: Float64Array, v: number): void {
  let s = stage[v];
  let x = val[v];
  if (s === EG.DELAY && delay[v] < 1) s = EG.ATTACK;
  if (s === EG.ATTACK && attack[v] < 1) {
    s = EG.HOLD;
    x = 1;
  }
  if (s === EG.HOLD && hold[v] < 1) s = EG.DECAY;
  if (s === EG.DECAY && decay[v] < 1) {
    s = EG.SUSTAIN;
    x = sustain[v];
  }
  stage[v] = s;
  val[v] = x;
}

/** Sine LFO with a start delay; returns the value at the start of the sub-block, then advances. */
function stepLfo(phase: Float64Array, inc: Float64Array, delay: Float64Array, out: Float64Array, v: number, n: number): void {
  const d = delay[v];
  if (d > 0) {
    delay[v] = d - n;
    out[v] = 0;
    return;
  }
  const p = phase[v];
  const val = Math.sin(TWO_PI * p);
  let np = p + inc[v] * n;
  if (np >= 1) np -= Math.floor(np);
  phase[v] = np;
  out[v] = val;
}

/**
 * DAHDSR envelope advanced by n samples. Values 0..1: attack linear, decay towards sustain, release
 * towards 0, each at a rate of "full range per stage time" (DLS time semantics).
 */
function stepEg(
  stage: Int8Array,
  val: Float64Array,
  cnt: Float64Array,
  delay: Float64Array,
  attack: Float64Array,
  hold: Float64Array,
  decay: Float64Array,
  sustain: Float64Array,
  release: Float64Array,
  v: number,
  n: number,
): void {
  let remaining = n;
  let x = val[v];
  let s = stage[v];
  let c = cnt[v];
  while (remaining > 0) {
    if (s === EG.DELAY) {
      const left = delay[v] - c;
      if (left > remaining) {
        c += remaining;
        remaining = 0;
      } else {
        remaining -= Math.max(left , 0);
        s = EG.ATTACK;
        c = 0;
        x = 0;
      }
    } else if (s === EG.ATTACK) {
      const a = attack[v];
      const left = a - c;
      if (left > remaining) {
        c += remaining;
        x = c / a;
        remaining = 0;
      } else {
        remaining -= Math.max(left , 0);
        s = EG.HOLD;
        c = 0;
        x = 1;
      }
    } else if (s === EG.HOLD) {
      const left = hold[v] - c;
      if (left > remaining) {
        c += remaining;
        remaining = 0;
      } else {
        remaining -= Math.max(left , 0);
        s = EG.DECAY;
        c = 0;
      }
    } else if (s === EG.DECAY) {
      const d = decay[v];
      const sus = sustain[v];
      x = d > 0 ? x - remaining / d : sus;
      if (x <= sus) {
        x = sus;
        s = EG.SUSTAIN;
      }
      remaining = 0;
    } else if (s === EG.SUSTAIN) {
      x = sustain[v];
      remaining = 0;
    } else if (s === EG.RELEASE) {
      const r = release[v];
      x = r > 0 ? x - remaining / r : 0;
      if (x <= 0) {
        x = 0;
        s = EG.DONE;
      }
      remaining = 0;
    } else {
      x = 0;
      remaining = 0;
    }
  }
  stage[v] = s;
  cnt[v] = c;
  val[v] = x;
}

// ---------------------------------------------------------------------- kernels
// The per-sample loops. One function per variant (filter × sends) so each stays small and
// monomorphic; the caller guarantees the four Hermite points of every sample are plain reads.
// The Hermite polynomial is in Niemitalo's factored form (c3 = a, c2 = -(w + a)): 15 flops instead
// of 19 for the textbook coefficients, same polynomial.

function kernelDry(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    L[i] += s * gl;
    R[i] += s * gr;
    gl += dgl;
    gr += dgr;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
}

function kernelSends(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  let grv = p.grv[v];
  let gch = p.gch[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const dgrv = p.dgrv[v];
  const dgch = p.dgch[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    L[i] += s * gl;
    R[i] += s * gr;
    RV[i] += s * grv;
    CH[i] += s * gch;
    gl += dgl;
    gr += dgr;
    grv += dgrv;
    gch += dgch;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
  p.grv[v] = grv;
  p.gch[v] = gch;
}

function kernelFilter(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const b0 = p.b0[v];
  const b1 = 2 * b0;
  const a1 = p.a1[v];
  const a2 = p.a2[v];
  let z1 = p.z1[v];
  let z2 = p.z2[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    const y = b0 * s + z1;
    z1 = b1 * s + z2 - a1 * y;
    z2 = b0 * s - a2 * y;
    L[i] += y * gl;
    R[i] += y * gr;
    gl += dgl;
    gr += dgr;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
  p.z1[v] = z1;
  p.z2[v] = z2;
}

function kernelFilterSends(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, RV: Float64Array, CH: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  let grv = p.grv[v];
  let gch = p.gch[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const dgrv = p.dgrv[v];
  const dgch = p.dgch[v];
  const b0 = p.b0[v];
  const b1 = 2 * b0;
  const a1 = p.a1[v];
  const a2 = p.a2[v];
  let z1 = p.z1[v];
  let z2 = p.z2[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    const y = b0 * s + z1;
    z1 = b1 * s + z2 - a1 * y;
    z2 = b0 * s - a2 * y;
    L[i] += y * gl;
    R[i] += y * gr;
    RV[i] += y * grv;
    CH[i] += y * gch;
    gl += dgl;
    gr += dgr;
    grv += dgrv;
    gch += dgch;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
  p.grv[v] = grv;
  p.gch[v] = gch;
  p.z1[v] = z1;
  p.z2[v] = z2;
}

/** L, R and one send bus (reverb or chorus, chosen by the caller through SEND/gs/dgs). */
function kernelSend(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, SEND: Float64Array, gs: Float64Array, dgs: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  let g3 = gs[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const dg3 = dgs[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    L[i] += s * gl;
    R[i] += s * gr;
    SEND[i] += s * g3;
    gl += dgl;
    gr += dgr;
    g3 += dg3;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
  gs[v] = g3;
}

function kernelFilterSend(p: VoicePool, v: number, data: Int16Array, L: Float64Array, R: Float64Array, SEND: Float64Array, gs: Float64Array, dgs: Float64Array, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let gl = p.gl[v];
  let gr = p.gr[v];
  let g3 = gs[v];
  const dgl = p.dgl[v];
  const dgr = p.dgr[v];
  const dg3 = dgs[v];
  const b0 = p.b0[v];
  const b1 = 2 * b0;
  const a1 = p.a1[v];
  const a2 = p.a2[v];
  let z1 = p.z1[v];
  let z2 = p.z2[v];
  const end = i0 + n;
  for (let i = i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    const y = b0 * s + z1;
    z1 = b1 * s + z2 - a1 * y;
    z2 = b0 * s - a2 * y;
    L[i] += y * gl;
    R[i] += y * gr;
    SEND[i] += y * g3;
    gl += dgl;
    gr += dgr;
    g3 += dg3;
    pos += inc;
  }
  p.pos[v] = pos;
  p.gl[v] = gl;
  p.gr[v] = gr;
  gs[v] = g3;
  p.z1[v] = z1;
  p.z2[v] = z2;
}

/** Mono into a slot bus (B[o + i]) with one amplitude ramp. */
function kernelMono(p: VoicePool, v: number, data: Int16Array, B: Float64Array, o: number, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let g = p.ga[v];
  const dg = p.dga[v];
  const end = o + i0 + n;
  for (let i = o + i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    B[i] += s * g;
    g += dg;
    pos += inc;
  }
  p.pos[v] = pos;
  p.ga[v] = g;
}

function kernelMonoFilter(p: VoicePool, v: number, data: Int16Array, B: Float64Array, o: number, i0: number, n: number): void {
  let pos = p.pos[v];
  const inc = p.inc[v];
  let g = p.ga[v];
  const dg = p.dga[v];
  const b0 = p.b0[v];
  const b1 = 2 * b0;
  const a1 = p.a1[v];
  const a2 = p.a2[v];
  let z1 = p.z1[v];
  let z2 = p.z2[v];
  const end = o + i0 + n;
  for (let i = o + i0; i < end; i++) {
    const ip = pos | 0;
    const f = pos - ip;
    const xm1 = data[ip];
    const x0 = data[ip + 1];
    const x1 = data[ip + 2];
    const x2 = data[ip + 3];
    const c1 = 0.5 * (x1 - xm1);
    const d = x0 - x1;
    const w = c1 + d;
    const a = w + d + 0.5 * (x2 - x0);
    const s = ((a * f - (w + a)) * f + c1) * f + x0;
    const y = b0 * s + z1;
    z1 = b1 * s + z2 - a1 * y;
    z2 = b0 * s - a2 * y;
    B[i] += y * g;
    g += dg;
    pos += inc;
  }
  p.pos[v] = pos;
  p.ga[v] = g;
  p.z1[v] = z1;
  p.z2[v] = z2;
}
