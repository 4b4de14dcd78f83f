/**
 * Seed concept: the master clock and the wave sink's statistics, published from the render thread
 * (reference §3.4–3.5: master clock = the sink's sample position; latency clock = master + output
 * latency; KSPROPERTY_SYNTH_RUNNINGSTATS-style numbers and peak meters for the UI).
 *
 * The render thread writes one block of Float64 fields per rendered block; any other thread reads
 * a consistent snapshot at any time, without locks and without allocating. Consistency comes from a
 * sequence counter (a seqlock): the writer makes it odd, writes the fields, makes it even; a reader
 * copies the fields between two reads of the counter and retries if it changed or was odd.
 *
 * Layout: bytes [0, 8) hold the Int32 sequence counter; the Float64 fields start at byte 8.
 * Field indices are in TELEMETRY; pin i's meters start at PIN_BASE + i·PIN_STRIDE.
 */

export const TELEMETRY = {
  /** Master clock: frames rendered since the clock started. */
  SAMPLE_POSITION: 0,
  /** Master clock time, 100 ns. */
  MASTER_TIME: 1,
  /** Master time + output latency, 100 ns. */
  LATENCY_TIME: 2,
  SAMPLE_RATE: 3,
  FRAMES_PER_BUFFER: 4,
  OUTPUT_LATENCY_FRAMES: 5,
  UNDERRUNS: 6,
  FRAMES_PLAYED: 7,
  BLOCKS: 8,
  /** Render time of the last timed block (one in 8) and the longest one, microseconds. */
  RENDER_LAST_US: 9,
  RENDER_MAX_US: 10,
  /** Commands and IRPs taken from the ring, and those refused (bad pin, bad buffer). */
  COMMANDS: 11,
  COMMAND_ERRORS: 12,
  /** performance.now() of the render thread when a timed block was published (staleness check). */
  PUBLISHED_MS: 13,
  /** 0 stopped, 1 running, 2 failed (see the render loop's output error). */
  STATE: 14,
  MASTER_PEAK_L: 15,
  MASTER_PEAK_R: 16,
  MASTER_HELD_L: 17,
  MASTER_HELD_R: 18,
  PIN_COUNT: 19,
  /** Bytes queued in the command ring when the block started (backlog). */
  RING_USED: 20,
  /**
   * MIDI messages lost on the render side, all pins (RenderPin.eventsLost: records dropped because
   * a pin's pool was full on the render thread, plus allocator exhaustions). Never reset.
   */
  EVENTS_LOST: 21,
  PIN_BASE: 24,
} as const;

/** Per pin: id, peak L, peak R, held L, held R, events lost (RenderPin.eventsLost). */
export const PIN_STRIDE = 6;
export const PIN_FIELD = { ID: 0, PEAK_L: 1, PEAK_R: 2, HELD_L: 3, HELD_R: 4, EVENTS_LOST: 5 } as const;

const SEQ_BYTES = 8;

export class TelemetryBlock {
  readonly buffer: SharedArrayBuffer;
  readonly maxPins: number;
  /** Number of Float64 fields. */
  readonly length: number;
  /** The live fields: the writer writes them between beginWrite() and endWrite(). */
  readonly fields: Float64Array;
  private readonly seq: Int32Array;

  static create(maxPins: number): TelemetryBlock {
    const length = TELEMETRY.PIN_BASE + maxPins * PIN_STRIDE;
    return new TelemetryBlock(new SharedArrayBuffer(SEQ_BYTES + length * 8));
  }

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.length = (buffer.byteLength - SEQ_BYTES) / 8;
    if (!Number.isInteger(this.length) || this.length < TELEMETRY.PIN_BASE) throw new RangeError(`not a telemetry block: ${buffer.byteLength} bytes`);
    this.maxPins = Math.floor((this.length - TELEMETRY.PIN_BASE) / PIN_STRIDE);
    this.seq = new Int32Array(buffer, 0, 2);
    this.fields = new Float64Array(buffer, SEQ_BYTES, this.length);
  }

  /** Writer (one thread only). */
  beginWrite(): void {
    Atomics.add(this.seq, 0, 1);
  }
  endWrite(): void {
    Atomics.add(this.seq, 0, 1);
  }

  /** Times the block was published (even = complete). */
  get sequence(): number {
    return Atomics.load(this.seq, 0);
  }

  /**
   * Reader: copies a consistent snapshot into `into` (length >= this.length). Returns false if the
   * writer kept it busy for `maxTries` attempts (then `into` may be torn: try again later).
   */
  read(into: Float64Array, maxTries = 100): boolean {
    const f = this.fields;
    const n = this.length;
    for (let t = 0; t < maxTries; t++) {
      const s1 = Atomics.load(this.seq, 0);
      if ((s1 & 1) !== 0) continue;
      for (let i = 0; i < n; i++) into[i] = f[i];
      if (Atomics.load(this.seq, 0) === s1) return true;
    }
    return false;
  }

  /** A snapshot array of the right size (allocate once per reader). */
  snapshotArray(): Float64Array {
    return new Float64Array(this.length);
  }
}
