/**
 * A pin's stereo peak meter: bars scaled in a frame loop from the telemetry (fast decay, a peak
 * hold that falls back after a second). Levels are linear peaks 0..1, drawn on a dB scale.
 */
import { useRef } from 'react';
import { useTelemetryFrame } from './use-frame.js';

/** Linear peak to a 0..1 bar position over a -60..0 dB scale. */
export function meterPosition(peak: number): number {
  if (!(peak > 0)) return 0;
  const db = 20 * Math.log10(Math.min(peak, 1));
  return Math.max(0, Math.min(1, (db + 60) / 60));
}

const DECAY_PER_SECOND = 1.5;
const HOLD_MS = 1000;

export function PeakMeter(props: { pinId: number; label?: string }) {
  const root = useRef<HTMLDivElement>(null);
  const bars = useRef<Array<HTMLDivElement | null>>([null, null]);
  const holds = useRef<Array<HTMLDivElement | null>>([null, null]);
  const shown = useRef({ level: [0, 0], hold: [0, 0], holdAt: [0, 0], last: 0 });

  useTelemetryFrame((t, now) => {
    const s = shown.current;
    const dt = s.last ? Math.min(0.1, (now - s.last) / 1000) : 0;
    s.last = now;
    const pin = t.stats?.pins.find((p) => p.id === props.pinId);
    const peaks = pin ? [pin.peakLeft, pin.peakRight] : [0, 0];
    for (let i = 0; i < 2; i++) {
      const target = meterPosition(peaks[i]);
      s.level[i] = Math.max(target, s.level[i] - DECAY_PER_SECOND * dt);
      if (s.level[i] >= s.hold[i] || now - s.holdAt[i] > HOLD_MS) {
        s.hold[i] = s.level[i];
        s.holdAt[i] = now;
      }
      const bar = bars.current[i];
      // Clip rather than scale, so the green-to-red scale stays fixed under the bar.
      if (bar) bar.style.clipPath = `inset(0 ${(100 - s.level[i] * 100).toFixed(1)}% 0 0)`;
      const hold = holds.current[i];
      if (hold) hold.style.left = `${(s.hold[i] * 100).toFixed(1)}%`;
    }
    // For tests and screen readers: the louder channel, 0..100.
    root.current?.setAttribute('aria-valuenow', String(Math.round(Math.max(s.level[0], s.level[1]) * 100)));
  }, true);

  return (
    // biome-ignore lint/a11y/useSemanticElements: a <meter> cannot show two channels with a peak hold; the role keeps it readable
    <div ref={root} className="peak-meter" role="meter" aria-label={props.label ?? 'Output level'} aria-valuemin={0} aria-valuemax={100} aria-valuenow={0}>
      {[0, 1].map((i) => (
        <div key={i} className="peak-meter-track">
          <div
            className="peak-meter-bar"
            ref={(el) => {
              bars.current[i] = el;
            }}
          />
          <div
            className="peak-meter-hold"
            ref={(el) => {
              holds.current[i] = el;
            }}
          />
        </div>
      ))}
    </div>
  );
}
