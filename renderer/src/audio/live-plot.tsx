/** Voices and CPU over the last minute, drawn on a canvas from the telemetry rings in the frame loop. */
import { useRef } from 'react';
import { HISTORY_LENGTH, HISTORY_SECONDS } from '../../store/telemetry.js';
import { useTelemetryFrame } from '../meters/use-frame.js';

const W = 720;
const H = 160;

export function LivePlot() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const legend = useRef<HTMLSpanElement>(null);
  useTelemetryFrame((t) => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const css = getComputedStyle(canvas.current as HTMLCanvasElement);
    const voiceColor = css.getPropertyValue('--plot-voices').trim() || '#4fc3f7';
    const cpuColor = css.getPropertyValue('--plot-cpu').trim() || '#ffb74d';
    ctx.clearRect(0, 0, W, H);
    ctx.strokeStyle = 'rgba(255,255,255,0.08)';
    ctx.lineWidth = 1;
    for (let i = 1; i < 6; i++) {
      const x = Math.round((i * W) / 6) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, H);
      ctx.stroke();
    }
    let maxVoices = 8;
    for (let i = 0; i < t.filled; i++) maxVoices = Math.max(maxVoices, t.voices[(t.head - 1 - i + HISTORY_LENGTH) % HISTORY_LENGTH]);
    const series = (data: Float32Array, scale: number, color: string) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = 0; i < t.filled; i++) {
        // newest at the right edge
        const k = (t.head - t.filled + i + HISTORY_LENGTH) % HISTORY_LENGTH;
        const x = W - ((t.filled - 1 - i) * W) / (HISTORY_LENGTH - 1);
        const y = H - 2 - Math.min(1, data[k] / scale) * (H - 4);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    };
    series(t.voices, maxVoices, voiceColor);
    series(t.cpu, 100, cpuColor);
    const last = (t.head - 1 + HISTORY_LENGTH) % HISTORY_LENGTH;
    if (legend.current) legend.current.textContent = t.filled ? `now ${Math.round(t.voices[last])} voices, ${t.cpu[last].toFixed(1)} % CPU · scale ${Math.round(maxVoices)} voices / 100 %` : 'waiting for the engine…';
  });
  return (
    <figure className="live-plot">
      <canvas ref={canvas} width={W} height={H} aria-label={`Voices and CPU over the last ${HISTORY_SECONDS} seconds`} />
      <figcaption>
        <span className="swatch voices" /> voices <span className="swatch cpu" /> CPU · last {HISTORY_SECONDS} s · <span ref={legend} className="muted" />
      </figcaption>
    </figure>
  );
}
