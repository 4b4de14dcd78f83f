/** One synth (render pin): name, KS state, volume, mute, channel groups, voice limit, memory, live stats and meter. */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PinInfo } from '../../../engine/protocol/messages.js';
import { useAppStore } from '../../store/index.js';
import { formatBytes, formatDb, pinMemoryBytes } from '../../store/selectors.js';
import { ErrorNote, NumberField } from '../common.js';
import { PeakMeter } from '../meters/peak-meter.js';
import { PinStats } from '../meters/pin-stats.js';
import { RangeField } from '../range-field.js';

const KS_STATES: Array<PinInfo['state']> = ['STOP', 'ACQUIRE', 'PAUSE', 'RUN'];
const STATE_WORDS: Record<PinInfo['state'], string> = { STOP: 'Stopped', ACQUIRE: 'Acquired', PAUSE: 'Paused', RUN: 'Running' };

export function PinCard(props: { pinId: number }) {
  const pin = useAppStore((s) => s.session?.pins.find((p) => p.id === props.pinId));
  const device = useAppStore((s) => {
    const id = s.session?.audio.settings.deviceId ?? null;
    return id === null ? 'Default output' : (s.devices.find((d) => d.id === id)?.name ?? `Device ${id}`);
  });
  const selected = useAppStore((s) => s.selectedPinId === props.pinId);
  const busy = useAppStore((s) => s.busy[`pin:${props.pinId}`] === true);
  const actions = useAppStore(
    useShallow((s) => ({
        renamePin: s.renamePin,
        removePin: s.removePin,
        setPinVolume: s.setPinVolume,
        setPinMuted: s.setPinMuted,
        setPinState: s.setPinState,
        setChannelGroups: s.setChannelGroups,
        setVoiceLimit: s.setVoiceLimit,
        selectPin: s.selectPin,
        showPanel: s.showPanel,
      })),
  );
  const [name, setName] = useState(pin?.name ?? '');
  useEffect(() => setName(pin?.name ?? ''), [pin?.name]);
  const [confirming, setConfirming] = useState(false);
  if (!pin) return null;

  const commitName = () => {
    const n = name.trim();
    if (n && n !== pin.name) void actions.renamePin(pin.id, n);
    else setName(pin.name);
  };

  return (
    <article className={`pin-card${selected ? ' selected' : ''}`} aria-label={`Synth ${pin.name}`} data-pin-id={pin.id} onFocus={() => actions.selectPin(pin.id)}>
      <header>
        <input
          className="pin-name"
          aria-label="Synth name"
          value={name}
          maxLength={64}
          onChange={(e) => setName(e.target.value)}
          onBlur={commitName}
          onKeyDown={(e) => {
            if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
            if (e.key === 'Escape') setName(pin.name);
          }}
        />
        <span className={`ks-state ks-${pin.state.toLowerCase()}`} title="Kernel-streaming pin state">
          {STATE_WORDS[pin.state]}
        </span>
      </header>
      <PeakMeter pinId={pin.id} label={`${pin.name} output level`} />
      <PinStats pinId={pin.id} voiceLimit={pin.voices} />
      <div className="pin-controls">
        <RangeField label="Volume" value={pin.volume} min={-9600} max={1200} step={50} format={formatDb} onCommit={(v) => void actions.setPinVolume(pin.id, v)} />
        <label className="toggle">
          <input type="checkbox" checked={pin.muted} onChange={(e) => void actions.setPinMuted(pin.id, e.target.checked)} />
          Mute
        </label>
        <label className="field">
          <span>State</span>
          <select aria-label="Pin state" value={pin.state} onChange={(e) => void actions.setPinState(pin.id, e.target.value as PinInfo['state'])}>
            {KS_STATES.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <NumberField label="Channel groups" value={pin.channelGroups} min={1} max={1000} onCommit={(v) => void actions.setChannelGroups(pin.id, v)} disabled={busy} />
        <NumberField label="Voice limit" value={pin.voices} min={1} max={4096} onCommit={(v) => void actions.setVoiceLimit(pin.id, v)} disabled={busy} />
        <div className="field readonly output-device">
          <span>Output</span>
          <span data-testid={`output-${pin.id}`}>{device}</span>
          <span className="muted">All synths play through this one output device, chosen in the Audio panel.</span>
          <button type="button" className="link" onClick={() => actions.showPanel('audio', 'output-device')}>
            Choose the output device…
          </button>
        </div>
        <div className="field readonly">
          <span>Sample memory</span>
          <span>
            {formatBytes(pinMemoryBytes(pin))} in {pin.downloads.length} download{pin.downloads.length === 1 ? '' : 's'}
          </span>
        </div>
      </div>
      <ErrorNote place={`pin:${pin.id}`} />
      <footer>
        {confirming ? (
          <>
            <span>Remove {pin.name} and its instruments?</span>
            <button type="button" className="danger" onClick={() => void actions.removePin(pin.id)}>
              Remove
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Remove synth…
          </button>
        )}
      </footer>
    </article>
  );
}
