// @vitest-environment happy-dom
// The live plot of voices and CPU, drawn on a canvas from the telemetry rings: with a recording
// fake 2D context, a minute of statistics becomes two polylines across the whole 720 × 160 canvas,
// newest at the right, voices scaled to the busiest moment and CPU to 100 %, in their own colours.
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Stats } from '../../engine/protocol/messages.js';
import { createEngineLink } from '../../renderer/src/engine-client.js';
import { LivePlot } from '../../renderer/src/audio/live-plot.js';
import { AppProvider, createApp } from '../../renderer/store/index.js';
import { HISTORY_LENGTH, HISTORY_RATE } from '../../renderer/store/telemetry.js';
import { frames } from './harness.js';

const W = 720;
const H = 160;

type Call = { op: string; args: number[]; strokeStyle: string; lineWidth: number };

/** The 2D context calls the plot makes, with the stroke style in force at each. */
function recordingContext() {
  const calls: Call[] = [];
  const ctx = {
    strokeStyle: '',
    lineWidth: 1,
    fillStyle: '',
  } as Record<string, unknown>;
  for (const op of ['clearRect', 'beginPath', 'moveTo', 'lineTo', 'stroke', 'fillRect', 'fill', 'closePath', 'fillText', 'save', 'restore', 'setLineDash']) {
    ctx[op] = (...args: number[]) => calls.push({ op, args, strokeStyle: ctx.strokeStyle as string, lineWidth: ctx.lineWidth as number });
  }
  return { ctx, calls };
}

/** The polylines stroked: each from a moveTo through its lineTos to the stroke. */
function polylines(calls: Call[]): Array<{ color: string; width: number; points: Array<[number, number]> }> {
  const out: Array<{ color: string; width: number; points: Array<[number, number]> }> = [];
  let points: Array<[number, number]> = [];
  for (const c of calls) {
    if (c.op === 'beginPath') points = [];
    else if (c.op === 'moveTo' || c.op === 'lineTo') points.push([c.args[0], c.args[1]]);
    else if (c.op === 'stroke') out.push({ color: c.strokeStyle, width: c.lineWidth, points });
  }
  return out;
}

function stats(voices: number, cpu: number): Stats {
  return {
    masterTime: 0,
    latencyTime: 0,
    samplePosition: 0,
    underruns: 0,
    lastUnderrunAtMs: 0,
    lastUnderrunLateMs: 0,
    lastOnsetAtMs: 0,
    transportPosition: 0,
    // Two synths: the plot shows their sum.
    pins: [1, 2].map((id) => ({ id, voices: voices / 2, cpuPercent: cpu / 2, lostNotes: 0, eventsLost: 0, peakLeft: 0, peakRight: 0, activity: [] }) as Stats['pins'][number]),
  };
}

let recorder: ReturnType<typeof recordingContext>;
beforeEach(() => {
  recorder = recordingContext();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => recorder.ctx as unknown as CanvasRenderingContext2D);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function mount() {
  const app = createApp(createEngineLink());
  const view = render(
    <AppProvider app={app}>
      <LivePlot />
    </AppProvider>,
  );
  return { app, ...view };
}

/** Pushes `n` statistics 1/HISTORY_RATE s apart (one history sample each). */
function feed(app: ReturnType<typeof createApp>, n: number, at: (i: number) => [number, number]) {
  for (let i = 0; i < n; i++) {
    const [v, c] = at(i);
    app.telemetry.pushStats(stats(v, c), 1_000_000 + (i * 1000) / HISTORY_RATE);
  }
}

const lastFrame = () => {
  const i = recorder.calls.map((c) => c.op).lastIndexOf('clearRect');
  return recorder.calls.slice(i);
};

describe('LivePlot', () => {
  it('draws a minute of voices and CPU as two polylines scaled to the canvas, newest at the right', async () => {
    const { app, container } = mount();
    // Voices climb from 0 to 59 and back over the minute; CPU is a quarter of the voices, in %.
    const voicesAt = (i: number) => (i < 300 ? i / 5 : (599 - i) / 5);
    await act(async () => feed(app, HISTORY_LENGTH, (i) => [voicesAt(i), voicesAt(i) / 4]));
    await frames(() => polylines(lastFrame()).length >= 2);
    const frame = lastFrame();
    expect(frame[0]).toMatchObject({ op: 'clearRect', args: [0, 0, W, H] });
    const lines = polylines(frame);
    const voices = lines.find((l) => l.color === '#4fc3f7');
    const cpu = lines.find((l) => l.color === '#ffb74d');
    if (!voices || !cpu) throw new Error(`no voices or CPU line among ${lines.map((l) => l.color)}`);
    for (const line of [voices, cpu]) {
      expect(line.points).toHaveLength(HISTORY_LENGTH);
      expect(line.width).toBe(1.5);
      // Oldest at the left edge, newest at the right, evenly spaced.
      expect(line.points[0][0]).toBeCloseTo(0, 6);
      expect(line.points.at(-1)?.[0]).toBeCloseTo(W, 6);
      expect(line.points[300][0]).toBeCloseTo((300 * W) / (HISTORY_LENGTH - 1), 6);
      for (const [, y] of line.points) {
        expect(y).toBeGreaterThanOrEqual(2);
        expect(y).toBeLessThanOrEqual(H - 2);
      }
    }
    // Voices: the busiest moment (59.8 voices) reaches the top, silence sits on the bottom line.
    const peak = 299 / 5;
    const yOf = (v: number, scale: number) => H - 2 - Math.min(1, v / scale) * (H - 4);
    expect(voices.points[0][1]).toBeCloseTo(H - 2, 4);
    expect(voices.points[299][1]).toBeCloseTo(2, 4);
    expect(voices.points[150][1]).toBeCloseTo(yOf(30, peak), 3);
    // CPU on a fixed 0-100 % scale: 15 % at sample 299 is 15 % of the way up.
    expect(cpu.points[299][1]).toBeCloseTo(yOf(peak / 4, 100), 3);
    expect(cpu.points[0][1]).toBeCloseTo(H - 2, 4);
    expect(container.textContent).toContain('now 0 voices, 0.0 % CPU · scale 60 voices / 100 %');
  });

  it('draws a short history at the right edge and scales a quiet synth to at least 8 voices', async () => {
    const { app, container } = mount();
    await act(async () => feed(app, 10, () => [4, 50]));
    await frames(() => polylines(lastFrame()).length >= 2);
    const lines = polylines(lastFrame());
    const voices = lines.find((l) => l.color === '#4fc3f7');
    const cpu = lines.find((l) => l.color === '#ffb74d');
    expect(voices?.points).toHaveLength(10);
    expect(voices?.points[0][0]).toBeCloseTo(W - (9 * W) / (HISTORY_LENGTH - 1), 6);
    expect(voices?.points.at(-1)?.[0]).toBeCloseTo(W, 6);
    // 4 voices on the minimum scale of 8: halfway up; 50 % CPU: halfway up too.
    expect(voices?.points[5][1]).toBeCloseTo(H / 2, 6);
    expect(cpu?.points[5][1]).toBeCloseTo(H / 2, 6);
    expect(container.textContent).toContain('now 4 voices, 50.0 % CPU · scale 8 voices / 100 %');
  });

  it('says it is waiting before the engine has sent anything, with empty lines', async () => {
    const { container } = mount();
    await frames(() => recorder.calls.some((c) => c.op === 'clearRect'));
    expect(polylines(lastFrame()).filter((l) => l.color === '#4fc3f7' || l.color === '#ffb74d').every((l) => l.points.length === 0)).toBe(true);
    expect(container.textContent).toContain('waiting for the engine…');
  });

  it('uses the colours the stylesheet gives the plot', async () => {
    const { app, container } = mount();
    const canvas = container.querySelector('canvas') as HTMLCanvasElement;
    canvas.style.setProperty('--plot-voices', '#00ff00');
    canvas.style.setProperty('--plot-cpu', '#ff0000');
    await act(async () => feed(app, 3, () => [2, 10]));
    await frames(() => polylines(lastFrame()).length >= 2);
    const colors = polylines(lastFrame()).map((l) => l.color);
    expect(colors).toContain('#00ff00');
    expect(colors).toContain('#ff0000');
  });
});
