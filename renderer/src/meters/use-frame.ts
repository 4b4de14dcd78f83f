/**
 * The animation-frame loop every fast view draws from (Tone.js Draw, zustand "transient updates"):
 * a transient subscription to the telemetry store marks the view dirty, and one requestAnimationFrame
 * callback draws into refs or a canvas. React never re-renders for a statistics message.
 */
import { useEffect, useRef } from 'react';
import { useApp } from '../../store/index.js';
import type { TelemetryState } from '../../store/telemetry.js';

/**
 * @param draw called with the newest telemetry; runs only after a new message unless `everyFrame`
 *   (meters that decay between messages).
 */
export function useTelemetryFrame(draw: (t: TelemetryState, now: number) => void, everyFrame = false): void {
  const { telemetry } = useApp();
  const drawRef = useRef(draw);
  drawRef.current = draw;
  useEffect(() => {
    let dirty = true;
    let frame = 0;
    const unsubscribe = telemetry.store.subscribe(() => {
      dirty = true;
    });
    const loop = (now: number) => {
      if (dirty || everyFrame) {
        dirty = false;
        drawRef.current(telemetry.store.getState(), now);
      }
      frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(frame);
      unsubscribe();
    };
  }, [telemetry, everyFrame]);
}
