/**
 * Seed concept: channel groups and channels (reference §2.4, §7.1, §7.3): each channel group has 16
 * MIDI channels with their own controllers, RPNs, program, bank, drum flag and voice priority.
 *
 * Struct-of-arrays over all channels of a pin: channel index = (group - 1) * 16 + midiChannel.
 * The constructor allocates (control half: setChannelGroups); reset functions run on the render
 * path (GM/GS reset SysEx, CC121) and do not allocate.
 */
import { DAUD, DAUD_CHANNEL_OFFSET } from './constants.js';

/** ChannelStates.rx value of a part that receives on no MIDI channel (GS Rx channel 0x10 = OFF). */
export const RX_OFF = 16;

/** RPN value meaning "no RPN selected" (127/127). */
export const RPN_NULL = 0x3fff;

export class ChannelStates {
  readonly groups: number;
  readonly count: number;
  /** 128 controller values per channel. */
  readonly cc: Uint8Array;
  /** 128 poly-pressure values per channel. */
  readonly polyPressure: Uint8Array;
  readonly pitchBend: Uint16Array;
  readonly channelPressure: Uint8Array;
  readonly program: Uint8Array;
  /** Bank that the last program change latched (CC0 / CC32 only take effect at the next program change). */
  readonly patchMsb: Uint8Array;
  readonly patchLsb: Uint8Array;
  readonly drum: Uint8Array;
  /** Currently selected RPN (MSB << 7 | LSB), RPN_NULL after an NRPN select. */
  readonly rpn: Uint16Array;
  /** RPN 0 range in semitones (data MSB; the LSB is ignored as DDKSynth does). */
  readonly bendRange: Uint8Array;
  /** RPN 1 14-bit fine tune, RPN 2 coarse tune MSB (64 = centre). */
  readonly fineTune: Uint16Array;
  readonly coarseTune: Uint8Array;
  readonly priority: Uint32Array;
  /**
   * The MIDI channel each channel slot (GS part) receives on: its own by default, changed by the
   * GS Rx-channel SysEx (§7.5); RX_OFF = receives nothing.
   */
  readonly rx: Uint8Array;
  /** Per channel group: 1 once a GS Rx-channel SysEx moved a part (until the group's reset). */
  readonly rxMoved: Uint8Array;
  /** GS scale tuning (§7.5): cents per note class C..B, 12 per channel slot. */
  readonly scaleTune: Int8Array;
  /** Per channel group: GS mode (a GS Reset entered it) and XG mode (XG System On), §7.2, §7.5. */
  readonly gsMode: Uint8Array;
  readonly xgMode: Uint8Array;

  constructor(groups: number, from?: ChannelStates) {
    this.groups = groups;
    const n = groups * 16;
    this.count = n;
    this.cc = new Uint8Array(n * 128);
    this.polyPressure = new Uint8Array(n * 128);
    this.pitchBend = new Uint16Array(n);
    this.channelPressure = new Uint8Array(n);
    this.program = new Uint8Array(n);
    this.patchMsb = new Uint8Array(n);
    this.patchLsb = new Uint8Array(n);
    this.drum = new Uint8Array(n);
    this.rpn = new Uint16Array(n);
    this.bendRange = new Uint8Array(n);
    this.fineTune = new Uint16Array(n);
    this.coarseTune = new Uint8Array(n);
    this.priority = new Uint32Array(n);
    this.rx = new Uint8Array(n);
    this.rxMoved = new Uint8Array(groups);
    this.scaleTune = new Int8Array(n * 12);
    this.gsMode = new Uint8Array(groups);
    this.xgMode = new Uint8Array(groups);
    for (let c = 0; c < n; c++) resetChannel(this, c, true);
    if (from) {
      // Changing the group count keeps the state of the groups that stay (issue 4).
      const keep = Math.min(from.count, n);
      this.cc.set(from.cc.subarray(0, keep * 128));
      this.polyPressure.set(from.polyPressure.subarray(0, keep * 128));
      this.pitchBend.set(from.pitchBend.subarray(0, keep));
      this.channelPressure.set(from.channelPressure.subarray(0, keep));
      this.program.set(from.program.subarray(0, keep));
      this.patchMsb.set(from.patchMsb.subarray(0, keep));
      this.patchLsb.set(from.patchLsb.subarray(0, keep));
      this.drum.set(from.drum.subarray(0, keep));
      this.rpn.set(from.rpn.subarray(0, keep));
      this.bendRange.set(from.bendRange.subarray(0, keep));
      this.fineTune.set(from.fineTune.subarray(0, keep));
      this.coarseTune.set(from.coarseTune.subarray(0, keep));
      this.priority.set(from.priority.subarray(0, keep));
      this.rx.set(from.rx.subarray(0, keep));
      this.scaleTune.set(from.scaleTune.subarray(0, keep * 12));
      const keepGroups = Math.min(from.groups, groups);
      this.rxMoved.set(from.rxMoved.subarray(0, keepGroups));
      this.gsMode.set(from.gsMode.subarray(0, keepGroups));
      this.xgMode.set(from.xgMode.subarray(0, keepGroups));
    }
  }

  /**
   * True when channel slot c plays a drum kit: a drum channel, or in XG mode any channel on bank
   * MSB 127 (§7.2). What skips coarse tuning (§7.4).
   */
  isDrumPart(c: number): boolean {
    return this.drum[c] !== 0 || (this.patchMsb[c] === 127 && this.xgMode[c >> 4] !== 0);
  }

  /** Instrument-table key of the channel's current program (bank latched at the program change). */
  patchKeyOf(c: number): number {
    return patchKey(this.drum[c] !== 0, this.patchMsb[c], this.patchLsb[c], this.program[c]);
  }
}

/**
 * The instrument table's key for a patch: ulPatch with the drum flag moved from bit 31 to bit 24,
 * so every key is a small integer (a V8 Smi): a key of 2^31 and above would be a heap number,
 * allocated at each note-on lookup.
 */
export function patchKey(drum: boolean, msb: number, lsb: number, program: number): number {
  return (drum ? 0x1000000 : 0) | ((msb & 0x7f) << 16) | ((lsb & 0x7f) << 8) | (program & 0x7f);
}

/** patchKey of a DMUS_INSTRUMENT ulPatch. */
export function patchKeyOfUlPatch(ulPatch: number): number {
  return patchKey((ulPatch & 0x80000000) !== 0, (ulPatch >>> 16) & 0x7f, (ulPatch >>> 8) & 0x7f, ulPatch & 0x7f);
}

/** Default voice priority of a channel: DAUD_STANDARD | the channel offset (§4.6). */
export function defaultPriority(midiChannel: number): number {
  return (DAUD.STANDARD | DAUD_CHANNEL_OFFSET[midiChannel]) >>> 0;
}

/**
 * State after GM On / GS Reset / stream start (§7.3): volume 100, pan 64, expression 127, bend
 * centre, mod 0, pressure 0, reverb 40, chorus 0, cutoff 64, bank 0/0, program 0, RPN null, bend
 * range 2, tuning centre (scale tuning too), default priority, receiving on its own MIDI channel,
 * channel 10 a drum channel.
 */
export function resetChannel(s: ChannelStates, c: number, full: boolean): void {
  const base = c * 128;
  s.cc.fill(0, base, base + 128);
  s.polyPressure.fill(0, base, base + 128);
  s.cc[base + 7] = 100;
  s.cc[base + 10] = 64;
  s.cc[base + 11] = 127;
  s.cc[base + 91] = 40;
  s.cc[base + 93] = 0;
  s.cc[base + 74] = 64;
  s.pitchBend[c] = 0x2000;
  s.channelPressure[c] = 0;
  s.rpn[c] = RPN_NULL;
  s.bendRange[c] = 2;
  s.fineTune[c] = 0x2000;
  s.coarseTune[c] = 64;
  if (full) {
    s.program[c] = 0;
    s.patchMsb[c] = 0;
    s.patchLsb[c] = 0;
    const midi = c & 15;
    s.drum[c] = midi === 9 ? 1 : 0;
    s.priority[c] = defaultPriority(midi);
    s.rx[c] = midi;
    s.scaleTune.fill(0, c * 12, c * 12 + 12);
  }
}

/**
 * CC121 reset all controllers (§7.3): modulation, expression, pitch bend, pressure, sustain and
 * sostenuto; volume and pan ONLY when the data byte is non-zero (the Microsoft quirk).
 */
export function resetAllControllers(s: ChannelStates, c: number, data: number): void {
  const base = c * 128;
  s.cc[base + 1] = 0;
  s.cc[base + 11] = 127;
  s.cc[base + 64] = 0;
  s.cc[base + 66] = 0;
  s.pitchBend[c] = 0x2000;
  s.channelPressure[c] = 0;
  s.polyPressure.fill(0, base, base + 128);
  if (data !== 0) {
    s.cc[base + 7] = 100;
    s.cc[base + 10] = 64;
  }
}
