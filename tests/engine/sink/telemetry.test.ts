import { describe, expect, it } from 'vitest';
import { PIN_STRIDE, TELEMETRY, TelemetryBlock } from '../../../engine/sink/telemetry.js';

describe('TelemetryBlock', () => {
  it('publishes fields a second view reads as a consistent snapshot', () => {
    const w = TelemetryBlock.create(4);
    expect(w.length).toBe(TELEMETRY.PIN_BASE + 4 * PIN_STRIDE);
    const r = new TelemetryBlock(w.buffer);
    expect(r.maxPins).toBe(4);
    w.beginWrite();
    w.fields[TELEMETRY.SAMPLE_POSITION] = 4800;
    w.fields[TELEMETRY.UNDERRUNS] = 2;
    w.endWrite();
    const snap = r.snapshotArray();
    expect(r.read(snap)).toBe(true);
    expect(snap[TELEMETRY.SAMPLE_POSITION]).toBe(4800);
    expect(snap[TELEMETRY.UNDERRUNS]).toBe(2);
    expect(r.sequence).toBe(2);
  });

  it('a reader does not accept a block while a write is in progress', () => {
    const w = TelemetryBlock.create(1);
    const snap = w.snapshotArray();
    w.beginWrite();
    expect(w.read(snap, 5)).toBe(false);
    w.endWrite();
    expect(w.read(snap, 5)).toBe(true);
  });
});
