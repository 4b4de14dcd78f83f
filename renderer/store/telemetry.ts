/**
 * Fast data (statistics ~30/s, captured MIDI) kept OUT of React state (style principle 13):
 * a vanilla zustand store whose rings are preallocated typed arrays written in place. Components
 * subscribe transiently (no re-render) and draw from a requestAnimationFrame loop, see
 * renderer/src/meters/use-frame.ts.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { NotificationData, Stats } from '../../engine/protocol/messages.js';

/** One minute of history at 10 samples a second. */
export const HISTORY_SECONDS = 60;
export const HISTORY_RATE = 10;
export const HISTORY_LENGTH = HISTORY_SECONDS * HISTORY_RATE;
export const MONITOR_LENGTH = 256;

export interface MonitorEvent {
  input: string;
  time: number;
  bytes: number[];
  /** Wall-clock arrival (ms), for the monitor's age column. */
  at: number;
}

export interface TelemetryState {
  /** The last statistics message, or null before the first one. */
  stats: Stats | null;
  /** Counts messages, so a frame loop knows whether anything changed. */
  seq: number;
  /** Total voices and summed CPU % of all pins, one entry per 1/HISTORY_RATE s, ring-indexed. */
  voices: Float32Array;
  cpu: Float32Array;
  /** Index of the next history slot, and how many are filled (≤ HISTORY_LENGTH). */
  head: number;
  filled: number;
  lastSampleAt: number;
  /** Captured MIDI for the monitor, newest last, ring-indexed. */
  monitor: Array<MonitorEvent | undefined>;
  monitorHead: number;
  monitorCount: number;
  monitorSeq: number;
}

export interface Telemetry {
  store: StoreApi<TelemetryState>;
  pushStats(stats: Stats, now?: number): void;
  pushMidi(data: NotificationData<'onMidiInput'>, now?: number): void;
  /** The history oldest-first, for plots and tests (allocates: not for the frame loop). */
  history(): { voices: number[]; cpu: number[] };
  reset(): void;
}

function initial(): TelemetryState {
  return {
    stats: null,
    seq: 0,
    voices: new Float32Array(HISTORY_LENGTH),
    cpu: new Float32Array(HISTORY_LENGTH),
    head: 0,
    filled: 0,
    lastSampleAt: Number.NEGATIVE_INFINITY,
    monitor: new Array(MONITOR_LENGTH),
    monitorHead: 0,
    monitorCount: 0,
    monitorSeq: 0,
  };
}

export function createTelemetry(): Telemetry {
  const store = createStore<TelemetryState>(() => initial());
  return {
    store,
    pushStats(stats, now = Date.now()) {
      const s = store.getState();
      let { head, filled, lastSampleAt } = s;
      if (now - lastSampleAt >= 1000 / HISTORY_RATE) {
        let voices = 0;
        let cpu = 0;
        for (const p of stats.pins) {
          voices += p.voices;
          cpu += p.cpuPercent;
        }
        s.voices[head] = voices;
        s.cpu[head] = cpu;
        head = (head + 1) % HISTORY_LENGTH;
        filled = Math.min(HISTORY_LENGTH, filled + 1);
        lastSampleAt = now;
      }
      store.setState({ stats, seq: s.seq + 1, head, filled, lastSampleAt });
    },
    pushMidi(data, now = Date.now()) {
      const s = store.getState();
      let { monitorHead, monitorCount } = s;
      for (const e of data.events) {
        s.monitor[monitorHead] = { input: e.input, time: e.time, bytes: e.bytes, at: now };
        monitorHead = (monitorHead + 1) % MONITOR_LENGTH;
        monitorCount = Math.min(MONITOR_LENGTH, monitorCount + 1);
      }
      store.setState({ monitorHead, monitorCount, monitorSeq: s.monitorSeq + 1 });
    },
    history() {
      const s = store.getState();
      const voices: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < s.filled; i++) {
        const k = (s.head - s.filled + i + HISTORY_LENGTH) % HISTORY_LENGTH;
        voices.push(s.voices[k]);
        cpu.push(s.cpu[k]);
      }
      return { voices, cpu };
    },
    reset() {
      store.setState(initial());
    },
  };
}

/** The newest `count` monitor events, newest first (allocates; the monitor calls it only when monitorSeq changed). */
export function recentMidi(s: TelemetryState, count: number): MonitorEvent[] {
  const out: MonitorEvent[] = [];
  for (let i = 1; i <= Math.min(count, s.monitorCount); i++) {
    const e = s.monitor[(s.monitorHead - i + MONITOR_LENGTH) % MONITOR_LENGTH];
    if (e) out.push(e);
  }
  return out;
}
