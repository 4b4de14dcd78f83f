/**
 * Seed concept: the wave sink (reference §3.3–3.7, seed "wave sink"): the piece that pulls audio
 * from every render pin's ISynthSinkDMus, mixes it, and whose sample position IS the master clock.
 *
 * One renderBlock() is one turn of the kernel wave sink's loop:
 *   1. port.notify(master time of the block start)   the service routine: due events are released
 *   2. sink.render(scratch, 0, frames, position)      every RUNNING pin renders into its own scratch
 *   3. gain (ramped over the block), mute, sum        into the caller's planar stereo buffers
 *   4. peaks                                           per pin and master, into Float32Arrays
 *   5. port.clock.advance(frames)                      the master clock moves by what was rendered
 *
 * Render-thread rules: renderBlock() allocates nothing. Everything it touches (scratch buffers, gain
 * and meter arrays) is built by syncPins() on the control side, which must be called after pins are
 * created or closed (the wave sink never looks at the port's pin map itself on the render path).
 *
 * Clip policy: the mix stays float. A sum above 1.0 is passed on unchanged by default (clip: 'none'):
 * the float backends (PortAudio float32, WAV float) carry it, and the 16-bit WAV writer clamps. With
 * clip: 'soft' a soft-knee stage (linear up to `softClipKnee`, then a tanh curve approaching ±1)
 * keeps the output inside ±1 without the hard corner of a clamp. Non-finite samples (a synth bug)
 * are replaced by 0 and counted, so one bad voice cannot blow up a device or a file.
 * DDKSynth's own policy (doubling, then a 16-bit clamp, §3.7) belongs to the synth, not here.
 */
import type { PortDMus, RenderPin } from '../dmus/port.js';
import { KSSTATE } from '../dmus/mxf.js';
import type { SampleFrames } from '../dmus/units.js';

export type ClipPolicy = 'none' | 'soft';

export interface WaveSinkOptions {
  /** Largest block renderBlock() renders in one go (larger requests are split). Default: the port's. */
  maxFramesPerBlock?: number;
  clip?: ClipPolicy;
  /** Where the soft clip starts bending (0 < knee < 1). Default 0.8. */
  softClipKnee?: number;
  /** Time for a held peak to fall by 20 dB, seconds (meter ballistics). Default 1.5 s. */
  peakReleaseSeconds?: number;
}

/** Per-pin meter slots: [peakL, peakR, heldL, heldR]. Master is slot 0, pin i is slot i + 1. */
export const METER_STRIDE = 4;
export const METER = { PEAK_L: 0, PEAK_R: 1, HELD_L: 2, HELD_R: 3 } as const;

export class WaveSink {
  readonly port: PortDMus;
  readonly maxFramesPerBlock: number;
  clip: ClipPolicy;
  readonly softClipKnee: number;
  /**
   * Meters, read by a UI without allocating: slot 0 is the master, slot i + 1 is pins[i]; each slot
   * is METER_STRIDE floats. PEAK_* = max |x| of the last block, HELD_* = decaying peak hold.
   * Rebuilt (new array) by syncPins(); read `pinIds` for which pin a slot belongs to.
   */
  meters: Float32Array;
  /** Pin id of each meter slot after the master (same order as `meters`). */
  pinIds: Int32Array;
  /** Non-finite samples replaced by 0 since construction. */
  nonFiniteSamples = 0;
  /**
   * Largest |sample| of the master output (either channel, after the guard and clip) since the
   * last takePeak(): an offline render reads it once at the end instead of scanning every block.
   */
  private peakSinceTake = 0;
  /** Blocks rendered. */
  blocks = 0;

  private pins: RenderPin[] = [];
  private scratchL: Float32Array[] = [];
  private scratchR: Float32Array[] = [];
  /** Gain the last block ended at, and the target the next block ramps to (linear). */
  private gainNow: Float32Array = new Float32Array(0);
  private gainTarget: Float32Array = new Float32Array(0);
  private muted: Uint8Array = new Uint8Array(0);
  /** The gain set for each mixed pin (mute aside), by slot: a Map would box the double it stores. */
  private gainSet: Float64Array = new Float64Array(0);
  /**
   * Settings by pin id for pins not mixed yet (set before the pin's syncPins), and mute for all;
   * a mixed pin's gain lives in gainSet.
   */
  private readonly gainById = new Map<number, number>();
  private readonly muteById = new Map<number, boolean>();
  private readonly peakReleaseSeconds: number;
  private decayPerFrame = 1;
  /** decayPerFrame ** decayFrames, for the block size last rendered. */
  private decayFrames = 0;
  private decayBlock = 1;

  constructor(port: PortDMus, options: WaveSinkOptions = {}) {
    this.port = port;
    this.maxFramesPerBlock = options.maxFramesPerBlock ?? port.maxFramesPerBlock;
    if (!(this.maxFramesPerBlock > 0)) throw new RangeError(`block size ${this.maxFramesPerBlock} must be positive`);
    this.clip = options.clip ?? 'none';
    this.softClipKnee = options.softClipKnee ?? 0.8;
    if (!(this.softClipKnee > 0 && this.softClipKnee < 1)) throw new RangeError(`soft clip knee ${this.softClipKnee} must be in (0, 1)`);
    this.peakReleaseSeconds = options.peakReleaseSeconds ?? 1.5;
    this.softFastLimit = float32AtOrBelow(this.softClipKnee);
    // -20 dB (x0.1) over peakReleaseSeconds: per-frame factor 0.1^(1 / (T·rate)).
    this.decayPerFrame = 0.1 ** (1 / (this.peakReleaseSeconds * port.sampleRate));
    this.meters = new Float32Array(METER_STRIDE);
    this.pinIds = new Int32Array(0);
    this.syncPins();
  }

  /**
   * Control side: rebuilds the per-pin arrays from the port's render pins. Call after creating or
   * closing a pin. Allocates (scratch buffers for new pins); never call it from the render path.
   */
  syncPins(): void {
    const pins = [...this.port.renderPins];
    const n = pins.length;
    const oldPins = this.pins;
    const oldL = this.scratchL;
    const oldR = this.scratchR;
    const oldGain = this.gainNow;
    const oldGainSet = this.gainSet;
    const gainSet = new Float64Array(n);
    const scratchL: Float32Array[] = [];
    const scratchR: Float32Array[] = [];
    const gainNow = new Float32Array(n);
    const gainTarget = new Float32Array(n);
    const muted = new Uint8Array(n);
    const pinIds = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const pin = pins[i];
      const was = oldPins.indexOf(pin);
      scratchL.push(was >= 0 ? oldL[was] : new Float32Array(this.maxFramesPerBlock));
      scratchR.push(was >= 0 ? oldR[was] : new Float32Array(this.maxFramesPerBlock));
      const target = was >= 0 ? oldGainSet[was] : (this.gainById.get(pin.id) ?? 1);
      gainSet[i] = target;
      const mute = this.muteById.get(pin.id) ?? false;
      gainTarget[i] = mute ? 0 : target;
      // A pin already mixed keeps ramping from where it was; a new pin starts at its target.
      gainNow[i] = was >= 0 ? oldGain[was] : gainTarget[i];
      muted[i] = mute ? 1 : 0;
      pinIds[i] = pin.id;
    }
    // Every pin's gain now lives in gainSet; ids the port does not have are forgotten, as mute's are.
    this.gainById.clear();
    for (const id of [...this.muteById.keys()]) if (!pins.some((p) => p.id === id)) this.muteById.delete(id);
    this.pins = pins;
    this.scratchL = scratchL;
    this.scratchR = scratchR;
    this.gainNow = gainNow;
    this.gainTarget = gainTarget;
    this.gainSet = gainSet;
    this.muted = muted;
    this.pinIds = pinIds;
    this.meters = new Float32Array(METER_STRIDE * (n + 1));
  }

  /**
   * onlyPinFast's numbers: in, [FAST.GAIN] the gain the block starts from, [FAST.STEP] its step
   * per frame, [FAST.LIMIT] the largest |x·g| to store as is; out, [FAST.PEAK_L/R] the peaks. In a
   * typed array because a double passed to or returned from a call that V8 does not inline is
   * boxed: a heap object per block.
   */
  private readonly fast = new Float64Array(5);
  /**
   * The largest |x·g| onlyPinFast stores as is with the soft clip: the largest float32 at or below
   * the knee (a double at or below it rounds to a float32 at or below the knee, which the clip
   * leaves alone). With no clip the limit is FLOAT32_MAX (a double above it rounds to infinity).
   */
  private readonly softFastLimit: number;

  /** The master output's peak |sample| since the last call (0 when nothing sounded), and resets it. */
  takePeak(): number {
    const p = this.peakSinceTake;
    this.peakSinceTake = 0;
    return p;
  }

  /** Pins mixed, in meter-slot order. */
  get mixedPins(): readonly RenderPin[] {
    return this.pins;
  }

  /** Linear gain of a pin (1 = unity). Ramped over the next block. No allocation once the pin is mixed. */
  setGain(pinId: number, gain: number): void {
    if (!(gain >= 0 && Number.isFinite(gain))) throw new RangeError(`gain ${gain} must be a finite number >= 0`);
    const i = this.slotOf(pinId);
    if (i < 0) {
      this.gainById.set(pinId, gain);
      return;
    }
    this.gainSet[i] = gain;
    if (this.muted[i] === 0) this.gainTarget[i] = gain;
  }

  getGain(pinId: number): number {
    const i = this.slotOf(pinId);
    return i >= 0 ? this.gainSet[i] : (this.gainById.get(pinId) ?? 1);
  }

  /** Mutes a pin (ramped to 0 over one block, so no click). The pin still renders, so its time runs on. */
  setMute(pinId: number, mute: boolean): void {
    this.muteById.set(pinId, mute);
    const i = this.slotOf(pinId);
    if (i < 0) return;
    this.muted[i] = mute ? 1 : 0;
    this.gainTarget[i] = mute ? 0 : this.gainSet[i];
  }

  isMuted(pinId: number): boolean {
    return this.muteById.get(pinId) ?? false;
  }

  /** Meter slot of a pin (0-based among pins), or -1. */
  slotOf(pinId: number): number {
    const ids = this.pinIds;
    for (let i = 0; i < ids.length; i++) if (ids[i] === pinId) return i;
    return -1;
  }

  /**
   * Renders `frames` frames of the mix into outL/outR [0, frames), overwriting them, and advances
   * the master clock by `frames`. Allocates nothing.
   */
  renderBlock(outL: Float32Array, outR: Float32Array, frames: SampleFrames): void {
    if (frames > outL.length || frames > outR.length) throw new RangeError(`block of ${frames} frames does not fit the output buffers`);
    let done = 0;
    while (done < frames) {
      const n = Math.min(this.maxFramesPerBlock, frames - done);
      this.renderChunk(outL, outR, done, n);
      done += n;
    }
  }

  private renderChunk(outL: Float32Array, outR: Float32Array, off: number, frames: number): void {
    const port = this.port;
    const clock = port.clock;
    // 1. Service routine at the master time of this block's first sample: events due up to it
    //    (or up to it + the stream's prefetch) reach the synths before they render the block.
    port.notify(clock.getTime());
    const position = clock.samplePosition;
    const pins = this.pins;
    // One pin (offline render, most sessions): its first write stores instead of adding to zeros.
    // `x + 0` keeps what adding to a zeroed buffer gave (a -0 sample becomes +0), bit for bit.
    let zeroed = pins.length !== 1;
    if (zeroed) {
      outL.fill(0, off, off + frames);
      outR.fill(0, off, off + frames);
    }
    const meters = this.meters;
    // The peak hold's decay over this block (a power per block only when the block size changes).
    if (frames !== this.decayFrames) {
      this.decayFrames = frames;
      this.decayBlock = this.decayPerFrame ** frames;
    }
    const decay = this.decayBlock;
    const soft = this.clip === 'soft';
    const knee = this.softClipKnee;
    const range = 1 - knee;
    let ml = 0;
    let mr = 0;
    let masterDone = false;
    const fast = this.fast;
    for (let p = 0; p < pins.length; p++) {
      const pin = pins[p];
      const m = METER_STRIDE * (p + 1);
      const sink = pin.stream.sink;
      if (pin.state !== KSSTATE.RUN || sink === undefined) {
        // Not running: silent. Its held peak still decays; its gain jumps to target (nothing to click).
        meters[m + METER.PEAK_L] = 0;
        meters[m + METER.PEAK_R] = 0;
        meters[m + METER.HELD_L] *= decay;
        meters[m + METER.HELD_R] *= decay;
        this.gainNow[p] = this.gainTarget[p];
        continue;
      }
      const sl = this.scratchL[p];
      const sr = this.scratchR[p];
      // 2. The pin's ISynthSinkDMus overwrites [0, frames) for sample positions [position, +frames).
      sink.render(sl, sr, 0, frames, position);
      // 3. Gain ramp: linear from where the last block ended to the target, reached at the last frame.
      const g0 = this.gainNow[p];
      const g1 = this.gainTarget[p];
      const step = (g1 - g0) / frames;
      let pl = 0;
      let pr = 0;
      fast[FAST.GAIN] = g0;
      fast[FAST.STEP] = step;
      fast[FAST.LIMIT] = soft ? this.softFastLimit : FLOAT32_MAX;
      if (g0 === g1 && g0 === 0) {
        // Muted (or gain 0) and settled: the pin rendered (its time ran on) but adds nothing.
      } else if (!zeroed && onlyPinFast(sl, sr, outL, outR, off, frames, fast)) {
        // The only pin, every sample finite and inside the soft clip's linear range (onlyPinFast):
        // stored as the general loop below stores them. Its peaks: the pin's max |x| in double,
        // the master's the same max rounded to float32 (rounding is monotonic, so that is the max
        // of the rounded samples).
        zeroed = true;
        masterDone = true;
        pl = fast[FAST.PEAK_L];
        pr = fast[FAST.PEAK_R];
        ml = Math.fround(pl);
        mr = Math.fround(pr);
      } else if (!zeroed) {
        // The only pin: the master stage (guard, soft clip, peaks) runs in the same pass, on
        // the float32 value the mix buffer would have held.
        zeroed = true;
        masterDone = true;
        let g = g0;
        for (let i = 0; i < frames; i++) {
          g += step;
          const a = sl[i] * g;
          const b = sr[i] * g;
          const aa = a < 0 ? -a : a;
          const ab = b < 0 ? -b : b;
          if (aa > pl) pl = aa;
          if (ab > pr) pr = ab;
          let l = Math.fround(a + 0);
          let r = Math.fround(b + 0);
          if (l - l !== 0) {
            l = 0;
            this.nonFiniteSamples++;
          }
          if (r - r !== 0) {
            r = 0;
            this.nonFiniteSamples++;
          }
          if (soft) {
            if (l > knee) l = knee + range * Math.tanh((l - knee) / range);
            else if (l < -knee) l = -knee - range * Math.tanh((-l - knee) / range);
            if (r > knee) r = knee + range * Math.tanh((r - knee) / range);
            else if (r < -knee) r = -knee - range * Math.tanh((-r - knee) / range);
          }
          outL[off + i] = l;
          outR[off + i] = r;
          const al = l < 0 ? -l : l;
          const ar = r < 0 ? -r : r;
          if (al > ml) ml = al;
          if (ar > mr) mr = ar;
        }
      } else {
        let g = g0;
        for (let i = 0; i < frames; i++) {
          g += step;
          const l = sl[i] * g;
          const r = sr[i] * g;
          outL[off + i] += l;
          outR[off + i] += r;
          const al = l < 0 ? -l : l;
          const ar = r < 0 ? -r : r;
          if (al > pl) pl = al;
          if (ar > pr) pr = ar;
        }
      }
      this.gainNow[p] = g1;
      // 4. Meters (post-gain, what the pin adds to the mix).
      meters[m + METER.PEAK_L] = pl;
      meters[m + METER.PEAK_R] = pr;
      const hl = meters[m + METER.HELD_L] * decay;
      const hr = meters[m + METER.HELD_R] * decay;
      meters[m + METER.HELD_L] = Math.max(pl, hl);
      meters[m + METER.HELD_R] = Math.max(pr, hr);
    }
    if (!zeroed) {
      outL.fill(0, off, off + frames);
      outR.fill(0, off, off + frames);
    }
    // Master: guard, optional soft clip, peaks.
    if (masterDone) {
      // Done with the only pin above.
    } else if (soft) {
      for (let i = off; i < off + frames; i++) {
        let l = outL[i];
        let r = outR[i];
        if (l - l !== 0) {
          l = 0;
          this.nonFiniteSamples++;
        }
        if (r - r !== 0) {
          r = 0;
          this.nonFiniteSamples++;
        }
        if (l > knee) l = knee + range * Math.tanh((l - knee) / range);
        else if (l < -knee) l = -knee - range * Math.tanh((-l - knee) / range);
        if (r > knee) r = knee + range * Math.tanh((r - knee) / range);
        else if (r < -knee) r = -knee - range * Math.tanh((-r - knee) / range);
        outL[i] = l;
        outR[i] = r;
        const al = l < 0 ? -l : l;
        const ar = r < 0 ? -r : r;
        if (al > ml) ml = al;
        if (ar > mr) mr = ar;
      }
    } else {
      // No clip: samples are only rewritten when one is not finite.
      for (let i = off; i < off + frames; i++) {
        const l = outL[i];
        const r = outR[i];
        if (l - l !== 0) {
          outL[i] = 0;
          this.nonFiniteSamples++;
        } else if (l > ml) ml = l;
        else if (-l > ml) ml = -l;
        if (r - r !== 0) {
          outR[i] = 0;
          this.nonFiniteSamples++;
        } else if (r > mr) mr = r;
        else if (-r > mr) mr = -r;
      }
    }
    meters[METER.PEAK_L] = ml;
    meters[METER.PEAK_R] = mr;
    if (ml > this.peakSinceTake) this.peakSinceTake = ml;
    if (mr > this.peakSinceTake) this.peakSinceTake = mr;
    const hl = meters[METER.HELD_L] * decay;
    const hr = meters[METER.HELD_R] * decay;
    meters[METER.HELD_L] = Math.max(ml, hl);
    meters[METER.HELD_R] = Math.max(mr, hr);
    this.blocks++;
    // 5. The master clock advances by what was rendered.
    clock.advance(frames);
  }
}

/**
 * The only pin's block into the output with its gain ramp, for the usual case of every sample
 * finite and at most `limit` in magnitude (so no clip bends it): out = x·g (+0, so -0 is stored as
 * +0, as the general loop stores it). Returns false, having written nothing the caller keeps, as
 * soon as a sample is past the limit or not finite (NaN fails every comparison): the caller then
 * runs the general loop over the block, which clips, zeroes and counts such samples.
 * fast[PEAK_L/R] = max |x·g| per channel.
 */
function onlyPinFast(sl: Float32Array, sr: Float32Array, outL: Float32Array, outR: Float32Array, off: number, frames: number, fast: Float64Array): boolean {
  let g = fast[FAST.GAIN];
  const step = fast[FAST.STEP];
  const limit = fast[FAST.LIMIT];
  let pl = 0;
  let pr = 0;
  for (let i = 0; i < frames; i++) {
    g += step;
    const a = sl[i] * g;
    const b = sr[i] * g;
    const aa = a < 0 ? -a : a;
    const ab = b < 0 ? -b : b;
    if (!(aa <= limit && ab <= limit)) return false;
    outL[off + i] = a + 0;
    outR[off + i] = b + 0;
    if (aa > pl) pl = aa;
    if (ab > pr) pr = ab;
  }
  fast[FAST.PEAK_L] = pl;
  fast[FAST.PEAK_R] = pr;
  return true;
}

/** Slots of WaveSink.fast (onlyPinFast's arguments and results). */
const FAST = { GAIN: 0, STEP: 1, LIMIT: 2, PEAK_L: 3, PEAK_R: 4 } as const;

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** The largest float32 that is <= x (x > 0 and finite). */
function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  const bits = new Float32Array([f]);
  new Uint32Array(bits.buffer)[0] -= 1;
  return bits[0];
}
