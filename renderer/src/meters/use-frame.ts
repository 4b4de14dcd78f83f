/**
 * The animation-frame loop every fast view draws from (Tone.js Draw, zustand "transient updates"):
 * a transient subscription to the telemetry store marks views dirty, and ONE requestAnimationFrame
 * loop per telemetry store calls the views' draw functions, which write into refs or a canvas.
 * React never re-renders for a statistics message, and the loop stops when no view is mounted.
 */
import { useEffect, useRef } from 'react';
import { useApp } from '../../store/index.js';
import type { Telemetry, TelemetryState } from '../../store/telemetry.js';

interface View {
  draw: (t: TelemetryState, now: number) => void;
  everyFrame: boolean;
  dirty: boolean;
}

interface Loop {
  views: Set<View>;
  frame: number;
  unsubscribe: () => void;
}

const loops = new WeakMap<Telemetry, Loop>();

function attach(telemetry: Telemetry, view: View): () => void {
  let loop = loops.get(telemetry);
  if (!loop) {
    const views = new Set<View>();
    const tick = (now: number) => {
      const state = telemetry.store.getState();
      for (const v of views) {
        if (v.dirty || v.everyFrame) {
          v.dirty = false;
          v.draw(state, now);
        }
      }
      current.frame = requestAnimationFrame(tick);
    };
    const current: Loop = {
      views,
      frame: requestAnimationFrame(tick),
      unsubscribe: telemetry.store.subscribe(() => {
        for (const v of views) v.dirty = true;
      }),
    };
    loop = current;
    loops.set(telemetry, loop);
  }
  const active = loop;
  active.views.add(view);
  return () => {
    active.views.delete(view);
    if (active.views.size === 0) {
      cancelAnimationFrame(active.frame);
      active.unsubscribe();
      loops.delete(telemetry);
    }
  };
}

/**
 * @param draw called with the newest telemetry; runs only after a new message unless `everyFrame`
 *   (meters that decay between messages). Its latest closure is used, so it may read props.
 */
export function useTelemetryFrame(draw: (t: TelemetryState, now: number) => void, everyFrame = false): void {
  const { telemetry } = useApp();
  const drawRef = useRef(draw);
  drawRef.current = draw;
  useEffect(() => attach(telemetry, { draw: (t, now) => drawRef.current(t, now), everyFrame, dirty: true }), [telemetry, everyFrame]);
}

/** How many frame loops run (tests: one per telemetry store, whatever the number of views). */
export function activeLoops(telemetry: Telemetry): number {
  return loops.has(telemetry) ? 1 : 0;
}
