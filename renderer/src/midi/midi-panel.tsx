/** MIDI: inputs and their state, the thru map, a monitor of incoming events, recording and the song player. */
import { useRef, useState } from 'react';
import type { ThruRoute } from '../../../engine/protocol/messages.js';
import { useAppStore } from '../../store/index.js';
import { selectPins } from '../../store/selectors.js';
import { ErrorNote, PinPicker, range } from '../common.js';
import { useTelemetryFrame } from '../meters/use-frame.js';
import { ExportBox } from './export-box.js';
import { MidiMonitor } from './midi-monitor.js';
import { RecordBox } from './record-box.js';
import { SongBox } from './song-box.js';

export function MidiPanel() {
  const midi = useAppStore((s) => s.session?.midi);
  const openInput = useAppStore((s) => s.openMidiInput);
  const closeInput = useAppStore((s) => s.closeMidiInput);
  const list = useAppStore((s) => s.listMidiInputs);
  return (
    <section className="panel" aria-label="MIDI">
      <header className="panel-head">
        <h2>MIDI</h2>
        <button type="button" onClick={() => void list()}>
          Rescan inputs
        </button>
      </header>
      <ErrorNote place="midi" />
      <div className="midi-layout">
        <div>
          <h3>Inputs</h3>
          {midi && !midi.available ? <p className="banner warn">MIDI input is not available on this machine. {midi.reason ?? ''}</p> : null}
          {midi?.virtualPort ? (
            <p className="muted">
              Other programs can play the synths through the virtual port <strong>{midi.virtualPort}</strong>.
            </p>
          ) : null}
          <ul className="midi-inputs">
            {(midi?.inputs ?? []).map((i) => (
              <li key={i.name}>
                <i className={`light ${i.open ? 'on steady' : ''}`} />
                <span>{i.name}</span>
                <button type="button" onClick={() => void (i.open ? closeInput(i.name) : openInput(i.name))}>
                  {i.open ? 'Close' : 'Open'}
                </button>
              </li>
            ))}
            {midi?.available && midi.inputs.length === 0 ? <li className="muted">No MIDI inputs found.</li> : null}
          </ul>
          <InputLoss />
          <ThruMap />
        </div>
        <div>
          <SongBox />
          <RecordBox />
          <ExportBox />
          <MidiMonitor />
        </div>
      </div>
    </section>
  );
}

/**
 * What the MIDI input lost (Stats.midiInputLost): messages the capture pin had no event, IRP or
 * room for, and bytes that overran its input ring. Written by the frame loop; a warning once
 * anything was lost.
 */
function InputLoss() {
  const text = useRef<HTMLSpanElement>(null);
  useTelemetryFrame((t) => {
    const lost = t.stats?.midiInputLost;
    const el = text.current;
    if (!el) return;
    el.textContent = lost ? `${lost.messages} messages, ${lost.bytes} bytes` : '–';
    el.classList.toggle('warn', !!lost && lost.messages + lost.bytes > 0);
  });
  return (
    <p className="muted">
      Input events lost:{' '}
      <span ref={text} data-testid="midi-input-lost">
        –
      </span>
    </p>
  );
}

function ThruMap() {
  const thru = useAppStore((s) => s.session?.thru ?? []);
  const inputs = useAppStore((s) => s.session?.midi.inputs ?? []);
  const pins = useAppStore(selectPins);
  const selected = useAppStore((s) => s.selectedPinId);
  const setRoute = useAppStore((s) => s.setThruRoute);
  const clearRoute = useAppStore((s) => s.clearThruRoute);
  const [draft, setDraft] = useState<Omit<ThruRoute, 'pinId'> & { pinId: number | null }>({ input: '', inputChannel: 0, pinId: null, group: 1, channel: 0 });
  const input = draft.input || inputs[0]?.name || '';
  const pinId = draft.pinId ?? selected ?? pins[0]?.id ?? null;
  const groups = pins.find((p) => p.id === pinId)?.channelGroups ?? 1;
  const pinName = (id: number) => pins.find((p) => p.id === id)?.name ?? `synth ${id}`;
  return (
    <div className="thru">
      <h3>Thru map</h3>
      <ErrorNote place="thru" />
      <table aria-label="Thru routes">
        <thead>
          <tr>
            <th>Input</th>
            <th>Ch</th>
            <th>→ Synth</th>
            <th>Group</th>
            <th>Ch</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {thru.map((r) => (
            <tr key={`${r.input}:${r.inputChannel}`}>
              <td>{r.input}</td>
              <td>{r.inputChannel + 1}</td>
              <td>{pinName(r.pinId)}</td>
              <td>{r.group}</td>
              <td>{r.channel + 1}</td>
              <td>
                <button type="button" className="link" onClick={() => void clearRoute(r.input, r.inputChannel)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {thru.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No routes: incoming MIDI is not played.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <form
        className="inline-form"
        aria-label="Add a thru route"
        onSubmit={(e) => {
          e.preventDefault();
          if (input && pinId !== null) void setRoute({ input, inputChannel: draft.inputChannel, pinId, group: Math.min(draft.group, groups), channel: draft.channel });
        }}
      >
        <select aria-label="Route input" value={input} onChange={(e) => setDraft({ ...draft, input: e.target.value })}>
          {inputs.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name}
            </option>
          ))}
        </select>
        <ChannelSelect label="Input channel" value={draft.inputChannel} onChange={(v) => setDraft({ ...draft, inputChannel: v })} />
        <PinPicker value={pinId} onChange={(id) => setDraft({ ...draft, pinId: id })} label="Route to synth" />
        <select aria-label="Route group" value={Math.min(draft.group, groups)} onChange={(e) => setDraft({ ...draft, group: Number(e.target.value) })}>
          {range(1, groups).map((n) => (
            <option key={n} value={n}>
              group {n}
            </option>
          ))}
        </select>
        <ChannelSelect label="Route channel" value={draft.channel} onChange={(v) => setDraft({ ...draft, channel: v })} />
        <button type="submit" disabled={!input || pinId === null}>
          Add route
        </button>
      </form>
    </div>
  );
}

function ChannelSelect(props: { label: string; value: number; onChange: (v: number) => void }) {
  return (
    <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
      {range(0, 15).map((n) => (
        <option key={n} value={n}>
          ch {n + 1}
        </option>
      ))}
    </select>
  );
}
