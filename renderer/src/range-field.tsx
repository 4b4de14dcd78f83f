/**
 * A slider that sends while it moves, at most every 60 ms plus the final value, and follows the
 * engine's value when nothing is being dragged (the engine's report wins).
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';

export function RangeField(props: {
  label: ReactNode;
  value: number;
  min: number;
  max: number;
  step?: number;
  format?: (v: number) => string;
  onCommit: (value: number) => void;
  disabled?: boolean;
  compact?: boolean;
}) {
  const [local, setLocal] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef<number | null>(null);
  const lastSent = useRef(0);
  const commit = useRef(props.onCommit);
  commit.current = props.onCommit;

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const send = (v: number) => {
    const now = Date.now();
    pending.current = v;
    const fire = () => {
      timer.current = null;
      lastSent.current = Date.now();
      const value = pending.current;
      pending.current = null;
      if (value !== null) commit.current(value);
      // Let the engine's answer take over the displayed value again.
      setLocal(null);
    };
    if (now - lastSent.current >= 60) fire();
    else if (!timer.current) timer.current = setTimeout(fire, 60 - (now - lastSent.current));
  };

  const shown = local ?? props.value;
  return (
    <label className={props.compact ? 'range compact' : 'range field'}>
      {props.compact ? null : <span>{props.label}</span>}
      <input
        type="range"
        aria-label={typeof props.label === 'string' ? props.label : undefined}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        value={shown}
        disabled={props.disabled}
        onChange={(e) => {
          const v = Number(e.target.value);
          setLocal(v);
          send(v);
        }}
      />
      {props.format ? <output>{props.format(shown)}</output> : null}
    </label>
  );
}
