/** Small shared pieces: the error note shown where an action failed, a pin picker, a committed number field. */
import { type ReactNode, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/index.js';

/** The error of one place, with a way to dismiss it; the engine's own words are behind "details". */
export function ErrorNote(props: { place: string }) {
  const error = useAppStore((s) => s.errors[props.place]);
  const clear = useAppStore((s) => s.clearError);
  if (!error) return null;
  return (
    <div className="error-note" role="alert">
      <span>{error.text}</span>
      {error.detail ? (
        <details>
          <summary>details</summary>
          <code>{error.detail}</code>
        </details>
      ) : null}
      <button type="button" className="link" onClick={() => clear(props.place)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}

export function PinPicker(props: { value: number | null; onChange: (id: number) => void; label?: string }) {
  const pins = useAppStore(useShallow((s) => (s.session?.pins ?? []).map((p) => `${p.id}\u0000${p.name}`)));
  return (
    <label className="field">
      <span>{props.label ?? 'Synth'}</span>
      <select aria-label={props.label ?? 'Synth'} value={props.value ?? ''} onChange={(e) => props.onChange(Number(e.target.value))} disabled={pins.length === 0}>
        {pins.length === 0 ? <option value="">no synth</option> : null}
        {pins.map((entry) => {
          const [id, name] = entry.split('\u0000');
          return (
            <option key={id} value={id}>
              {name}
            </option>
          );
        })}
      </select>
    </label>
  );
}

/**
 * A number input that commits on Enter or blur (not on every keystroke: each commit is an engine
 * request) and shows the engine's value again when it changes.
 */
export function NumberField(props: {
  label: ReactNode;
  value: number;
  min: number;
  max: number;
  step?: number;
  onCommit: (value: number) => void;
  disabled?: boolean;
  suffix?: string;
}) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  const commit = () => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) {
      setText(String(props.value));
      return;
    }
    if (v !== props.value) props.onCommit(v);
  };
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        type="number"
        value={text}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        disabled={props.disabled}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {props.suffix ? <span className="muted">{props.suffix}</span> : null}
    </label>
  );
}

/** The integers from..to inclusive (option lists: group numbers, channels). */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** Reads a dropped or picked file into bytes. */
export async function readFileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Offers bytes to the user as a download (browser mode's "save"). */
export function downloadBytes(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
