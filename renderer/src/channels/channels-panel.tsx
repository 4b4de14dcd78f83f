/**
 * Channel groups of one synth: a strip of groups (each with its 16 activity lights) and the grid of
 * the chosen group's 16 channels — instrument (names from what is downloaded), volume, pan, mute,
 * solo, drum flag, voice priority and an activity light. Lights are lit by the frame loop.
 */
import { useMemo, useRef, useState } from 'react';
import type { PinInfo } from '../../../engine/protocol/messages.js';
import type { SessionView } from '../../store/slices/session.js';
import { useAppStore } from '../../store/index.js';
import { formatBank, patchKey, patchNames } from '../../store/selectors.js';
import { ErrorNote, PinPicker, range } from '../common.js';
import { useTelemetryFrame } from '../meters/use-frame.js';
import { RangeField } from '../range-field.js';

/** How long a light stays on after activity, ms. */
const LIGHT_MS = 120;

export function ChannelsPanel() {
  const selected = useAppStore((s) => s.selectedPinId);
  const selectPin = useAppStore((s) => s.selectPin);
  const pin = useAppStore((s) => s.session?.pins.find((p) => p.id === selected));
  const session = useAppStore((s) => s.session);
  const [group, setGroup] = useState(1);
  const g = pin ? Math.min(group, pin.channelGroups) : 1;
  // Every light element with the activity index (group × 16 + channel) it shows.
  const lights = useRef(new Map<HTMLElement, number>());
  const litAt = useRef(new Float64Array(16 * 1000));

  useTelemetryFrame((t, now) => {
    const stats = t.stats?.pins.find((p) => p.id === selected);
    if (stats) for (let i = 0; i < stats.activity.length; i++) if (stats.activity[i]) litAt.current[i] = now;
    for (const [el, index] of lights.current) el.classList.toggle('on', now - litAt.current[index] < LIGHT_MS);
  }, true);

  const lightRef = (index: number) => (el: HTMLElement | null) => {
    if (!el) return;
    lights.current.set(el, index);
    return () => {
      lights.current.delete(el);
    };
  };

  if (!pin) {
    return (
      <section className="panel" aria-label="Channels">
        <h2>Channels</h2>
        <p className="empty">Add a synth first (Synths panel).</p>
      </section>
    );
  }
  return (
    <section className="panel" aria-label="Channels">
      <header className="panel-head">
        <h2>Channels</h2>
        <PinPicker value={pin.id} onChange={selectPin} />
        <span className="muted">
          {pin.channelGroups} channel group{pin.channelGroups === 1 ? '' : 's'} × 16 channels
        </span>
      </header>
      <div className="group-strip" role="tablist" aria-label="Channel groups">
        {range(1, pin.channelGroups).map((n) => (
          <button key={n} type="button" role="tab" aria-selected={n === g} className={n === g ? 'group-tab active' : 'group-tab'} onClick={() => setGroup(n)}>
            <span>Group {n}</span>
            <span className="mini-lights">
              {range(0, 15).map((ch) => (
                <i key={ch} ref={lightRef((n - 1) * 16 + ch)} className="light mini" />
              ))}
            </span>
          </button>
        ))}
      </div>
      <ErrorNote place={`channels:${pin.id}`} />
      <ChannelGrid pin={pin} group={g} session={session} lightRef={lightRef} />
    </section>
  );
}

function ChannelGrid(props: { pin: PinInfo; group: number; session: SessionView | null; lightRef: (i: number) => (el: HTMLElement | null) => (() => void) | undefined }) {
  const { pin, group } = props;
  const setChannel = useAppStore((s) => s.setChannel);
  const names = useMemo(() => patchNames(pin, props.session), [pin, props.session]);
  const channels = pin.channels[group - 1] ?? [];
  return (
    <table className="channel-grid" aria-label={`Group ${group} channels`}>
      <thead>
        <tr>
          <th>Ch</th>
          <th>Instrument</th>
          <th>Volume</th>
          <th>Pan</th>
          <th title="Mute">M</th>
          <th title="Solo">S</th>
          <th title="Drum channel">Drum</th>
          <th title="Voice priority: higher keeps its voices when the synth runs out">Priority</th>
          <th aria-label="Activity" />
        </tr>
      </thead>
      <tbody>
        {range(0, channels.length - 1).map((ch) => {
          const c = channels[ch];
          const key = patchKey(c);
          const options = [...names.entries()].filter(([k]) => k.startsWith(c.drum ? 'd:' : 'm:'));
          const known = names.has(key);
          const set = (fields: Parameters<typeof setChannel>[3]) => void setChannel(pin.id, group, ch, fields);
          return (
            <tr key={ch} data-channel={ch + 1}>
              <th scope="row">{ch + 1}</th>
              <td>
                <select
                  aria-label={`Group ${group} channel ${ch + 1} instrument`}
                  value={key}
                  onChange={(e) => {
                    const [kind, bank, program] = e.target.value.split(':');
                    set({ drum: kind === 'd', bank: Number(bank), program: Number(program) });
                  }}
                >
                  {known ? null : (
                    <option value={key}>
                      {c.drum ? 'Drums' : 'Program'} {c.program + 1} (bank {formatBank(c.bank)}) — not downloaded
                    </option>
                  )}
                  {options.map(([k, name]) => (
                    <option key={k} value={k}>
                      {name}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <RangeField compact label={`Channel ${ch + 1} volume`} value={c.volume} min={0} max={127} onCommit={(v) => set({ volume: v })} />
              </td>
              <td>
                <RangeField compact label={`Channel ${ch + 1} pan`} value={c.pan} min={0} max={127} onCommit={(v) => set({ pan: v })} />
              </td>
              <td>
                <input type="checkbox" aria-label={`Mute channel ${ch + 1}`} checked={c.mute} onChange={(e) => set({ mute: e.target.checked })} />
              </td>
              <td>
                <input type="checkbox" aria-label={`Solo channel ${ch + 1}`} checked={c.solo} onChange={(e) => set({ solo: e.target.checked })} />
              </td>
              <td>
                <input type="checkbox" aria-label={`Drum channel ${ch + 1}`} checked={c.drum} onChange={(e) => set({ drum: e.target.checked })} />
              </td>
              <td>
                <PriorityField value={c.priority} label={`Channel ${ch + 1} priority`} onCommit={(v) => set({ priority: v })} />
              </td>
              <td>
                <i className="light" ref={props.lightRef((group - 1) * 16 + ch)} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * Voice priority as DirectMusic's DAUD classes (reference §4.6): a class in the top bits, plus the
 * channel's own offset in the low bits (kept as it is, so GM's channel order within a class stays).
 */
const DAUD_CLASSES: Array<[string, number]> = [
  ['Critical', 0xf0000000],
  ['High', 0xc0000000],
  ['Standard', 0x80000000],
  ['Low', 0x40000000],
  ['Persist', 0x10000000],
];

function PriorityField(props: { value: number; label: string; onCommit: (v: number) => void }) {
  const cls = (props.value & 0xf0000000) >>> 0;
  const offset = (props.value & 0x0fffffff) >>> 0;
  const known = DAUD_CLASSES.some(([, v]) => v === cls);
  return (
    <select
      className="priority"
      aria-label={props.label}
      title={`DAUD priority 0x${props.value.toString(16).padStart(8, '0')} (class + channel offset ${offset})`}
      value={known ? String(cls) : 'custom'}
      onChange={(e) => {
        const v = (Number(e.target.value) | offset) >>> 0;
        if (v !== props.value) props.onCommit(v);
      }}
    >
      {DAUD_CLASSES.map(([name, v]) => (
        <option key={name} value={String(v)}>
          {name}
          {offset ? ` +${offset}` : ''}
        </option>
      ))}
      {!known && <option value="custom">Custom 0x{props.value.toString(16)}</option>}
    </select>
  );
}
