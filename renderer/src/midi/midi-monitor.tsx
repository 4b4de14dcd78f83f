/** The monitor of incoming MIDI: the newest events, rewritten by the frame loop only when some arrived. */
import { useRef } from 'react';
import { recentMidi } from '../../store/telemetry.js';
import { useTelemetryFrame } from '../meters/use-frame.js';

const ROWS = 24;
// Keyed by status nibble (0x80 = 128 …).
const NAMES: Record<number, string> = { 128: 'Note off', 144: 'Note on', 160: 'Aftertouch', 176: 'Control', 192: 'Program', 208: 'Pressure', 224: 'Pitch bend' };

/** One MIDI message in words: "ch 1  Note on  C4 (60) vel 100". */
export function describeMidi(bytes: number[]): string {
  const status = bytes[0] ?? 0;
  if (status >= 0xf0) return status === 0xf0 ? `SysEx, ${bytes.length} bytes` : `System ${status.toString(16).toUpperCase()}`;
  const kind = status & 0xf0;
  const ch = (status & 15) + 1;
  const d1 = bytes[1] ?? 0;
  const d2 = bytes[2] ?? 0;
  const name = kind === 0x90 && d2 === 0 ? 'Note off' : (NAMES[kind] ?? `Status ${status}`);
  if (kind === 0x80 || kind === 0x90) return `ch ${ch}  ${name}  ${noteName(d1)} (${d1}) vel ${d2}`;
  if (kind === 0xb0) return `ch ${ch}  ${name}  CC${d1} = ${d2}`;
  if (kind === 0xc0) return `ch ${ch}  ${name}  ${d1 + 1}`;
  if (kind === 0xe0) return `ch ${ch}  ${name}  ${((d2 << 7) | d1) - 8192}`;
  return `ch ${ch}  ${name}  ${d1}${bytes.length > 2 ? ` ${d2}` : ''}`;
}

function noteName(k: number): string {
  return `${['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'][k % 12]}${Math.floor(k / 12) - 1}`;
}

export function MidiMonitor() {
  const list = useRef<HTMLOListElement>(null);
  const lastSeq = useRef(-1);
  useTelemetryFrame((t) => {
    const el = list.current;
    if (!el || t.monitorSeq === lastSeq.current) return;
    lastSeq.current = t.monitorSeq;
    const events = recentMidi(t, ROWS);
    el.textContent = '';
    if (events.length === 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'Waiting for MIDI input…';
      el.appendChild(li);
      return;
    }
    for (const e of events) {
      const li = document.createElement('li');
      li.textContent = `${e.input.padEnd(14).slice(0, 14)}  ${describeMidi(e.bytes)}`;
      el.appendChild(li);
    }
  });
  return (
    <div className="monitor">
      <h3>Monitor</h3>
      <ol ref={list} className="monitor-list" aria-label="Incoming MIDI" aria-live="off">
        <li className="muted">Waiting for MIDI input…</li>
      </ol>
    </div>
  );
}
