/**
 * The on-screen keyboard: played with the mouse (drag for glissando), touch (several fingers), or
 * the computer keyboard (A W S E D … by key position; Z/X octave, C/V velocity). It plays the
 * chosen synth, group and channel through sendMidi; notes still held are released on blur.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useAppStore } from '../../store/index.js';
import { ErrorNote, PinPicker, range } from '../common.js';
import { isBlack, noteForCode, noteOff, noteOn, OCTAVE_DOWN, OCTAVE_UP, strikeVelocity, VELOCITY_DOWN, VELOCITY_UP } from './keys.js';

const OCTAVES = 3;

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'range', 'button'].includes(type);
  }
  return false;
}

export function KeyboardPanel() {
  const selected = useAppStore((s) => s.selectedPinId);
  const pin = useAppStore((s) => s.session?.pins.find((p) => p.id === selected));
  const selectPin = useAppStore((s) => s.selectPin);
  const sendMidi = useAppStore((s) => s.sendMidi);
  const [group, setGroup] = useState(1);
  const [channel, setChannel] = useState(1);
  const [velocity, setVelocity] = useState(100);
  const [baseOctave, setBaseOctave] = useState(4);
  const [held, setHeld] = useState<ReadonlySet<number>>(new Set());
  const heldRef = useRef(new Map<string, number>());
  const target = useRef({ pinId: 0, group: 1, channel: 0 });
  const g = pin ? Math.min(group, pin.channelGroups) : 1;
  target.current = { pinId: pin?.id ?? 0, group: g, channel: channel - 1 };
  const baseNote = (baseOctave + 1) * 12;

  const start = useCallback(
    (source: string, note: number, vel: number) => {
      const t = target.current;
      if (!t.pinId || heldRef.current.has(source)) return;
      heldRef.current.set(source, note);
      setHeld(new Set(heldRef.current.values()));
      void sendMidi(t.pinId, t.group, noteOn(t.channel, note, vel));
    },
    [sendMidi],
  );
  const end = useCallback(
    (source: string) => {
      const note = heldRef.current.get(source);
      if (note === undefined) return;
      heldRef.current.delete(source);
      setHeld(new Set(heldRef.current.values()));
      const t = target.current;
      if (t.pinId) void sendMidi(t.pinId, t.group, noteOff(t.channel, note));
    },
    [sendMidi],
  );
  const releaseAll = useCallback(() => {
    for (const source of [...heldRef.current.keys()]) end(source);
  }, [end]);

  // Computer keyboard.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.code === OCTAVE_DOWN) return setBaseOctave((o) => Math.max(-1, o - 1));
      if (e.code === OCTAVE_UP) return setBaseOctave((o) => Math.min(8, o + 1));
      if (e.code === VELOCITY_DOWN) return setVelocity((v) => Math.max(1, v - 10));
      if (e.code === VELOCITY_UP) return setVelocity((v) => Math.min(127, v + 10));
      const note = noteForCode(e.code, baseNote);
      if (note === null) return;
      e.preventDefault();
      start(`key:${e.code}`, note, velocity);
    };
    const up = (e: KeyboardEvent) => end(`key:${e.code}`);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', releaseAll);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', releaseAll);
    };
  }, [baseNote, velocity, start, end, releaseAll]);

  // Release everything when the target changes or the panel goes away: no stuck notes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the target is the trigger, not an input
  useEffect(() => releaseAll, [pin?.id, g, channel, releaseAll]);

  const noteAt = (x: number, y: number): { note: number; yFraction: number } | null => {
    const el = document.elementFromPoint(x, y) as HTMLElement | null;
    const key = el?.closest<HTMLElement>('[data-note]');
    if (!key) return null;
    const r = key.getBoundingClientRect();
    return { note: Number(key.dataset.note), yFraction: r.height ? (y - r.top) / r.height : 1 };
  };

  const notes = Array.from({ length: OCTAVES * 12 + 1 }, (_, i) => baseNote + i).filter((n) => n <= 127);
  const whites = notes.filter((n) => !isBlack(n));

  return (
    <section className="keyboard-panel" aria-label="Keyboard">
      <div className="keyboard-controls">
        <PinPicker value={pin?.id ?? null} onChange={selectPin} label="Play" />
        <label className="field">
          <span>Group</span>
          <select aria-label="Keyboard group" value={g} onChange={(e) => setGroup(Number(e.target.value))}>
            {range(1, pin?.channelGroups ?? 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Channel</span>
          <select aria-label="Keyboard channel" value={channel} onChange={(e) => setChannel(Number(e.target.value))}>
            {range(1, 16).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Velocity</span>
          <input type="range" aria-label="Velocity" min={1} max={127} value={velocity} onChange={(e) => setVelocity(Number(e.target.value))} />
          <output>{velocity}</output>
        </label>
        <span className="field">
          <span>Octave</span>
          <button type="button" aria-label="Octave down" onClick={() => setBaseOctave((o) => Math.max(-1, o - 1))}>
            −
          </button>
          <output>C{baseOctave}</output>
          <button type="button" aria-label="Octave up" onClick={() => setBaseOctave((o) => Math.min(8, o + 1))}>
            +
          </button>
        </span>
        <span className="muted hint">Keys A–; play, Z/X octave, C/V velocity, Esc panic</span>
        <ErrorNote place="keyboard" />
      </div>
      <div
        className="keys"
        data-testid="piano"
        onPointerDown={(e) => {
          const hit = noteAt(e.clientX, e.clientY);
          if (!hit) return;
          e.preventDefault();
          // Touch captures the pointer to the first element; release it so a slide moves across keys.
          (e.target as Element).releasePointerCapture?.(e.pointerId);
          start(`ptr:${e.pointerId}`, hit.note, strikeVelocity(velocity, hit.yFraction));
        }}
        onPointerMove={(e) => {
          const current = heldRef.current.get(`ptr:${e.pointerId}`);
          if (current === undefined) return;
          const hit = noteAt(e.clientX, e.clientY);
          if (hit && hit.note !== current) {
            end(`ptr:${e.pointerId}`);
            start(`ptr:${e.pointerId}`, hit.note, strikeVelocity(velocity, hit.yFraction));
          }
        }}
        onPointerUp={(e) => end(`ptr:${e.pointerId}`)}
        onPointerCancel={(e) => end(`ptr:${e.pointerId}`)}
        onPointerLeave={(e) => end(`ptr:${e.pointerId}`)}
      >
        {whites.map((n) => (
          <button key={n} type="button" tabIndex={-1} className={`key white${held.has(n) ? ' down' : ''}`} data-note={n} aria-label={`Note ${n}`} aria-pressed={held.has(n)}>
            {n % 12 === 0 ? <span className="key-label">C{n / 12 - 1}</span> : null}
          </button>
        ))}
        {notes.filter(isBlack).map((n) => {
          // A black key sits on the line between the white keys below and above it.
          const left = (whites.filter((w) => w < n).length / whites.length) * 100;
          return (
            <button
              key={n}
              type="button"
              tabIndex={-1}
              className={`key black${held.has(n) ? ' down' : ''}`}
              data-note={n}
              aria-label={`Note ${n}`}
              aria-pressed={held.has(n)}
              style={{ left: `${left}%`, width: `${(100 / whites.length) * 0.6}%` }}
            />
          );
        })}
      </div>
    </section>
  );
}
