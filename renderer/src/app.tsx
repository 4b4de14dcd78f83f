/**
 * The app shell: status bar (connection, transport, panic), engine notices, the panel tabs, and the
 * on-screen keyboard docked at the bottom. Menu commands from Electron arrive here.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/index.js';
import type { PanelId } from '../store/slices/ui.js';
import { AudioPanel } from './audio/audio-panel.js';
import { getBridge } from './bridge.js';
import { ChannelsPanel } from './channels/channels-panel.js';
import { InstrumentsPanel } from './instruments/instruments-panel.js';
import { KeyboardPanel } from './keyboard/keyboard-panel.js';
import { MidiPanel } from './midi/midi-panel.js';
import { PinsPanel } from './pins/pins-panel.js';
import { useMenuCommands } from './shell-commands.js';
import { StatusBar } from './status-bar.js';

const PANELS: Array<{ id: PanelId; label: string }> = [
  { id: 'pins', label: 'Synths' },
  { id: 'channels', label: 'Channels' },
  { id: 'instruments', label: 'Instruments' },
  { id: 'audio', label: 'Audio' },
  { id: 'midi', label: 'MIDI' },
];

export function App() {
  const panel = useAppStore((s) => s.panel);
  const showPanel = useAppStore((s) => s.showPanel);
  useMenuCommands(getBridge());
  const panic = useAppStore((s) => s.panic);
  useEffect(() => {
    // Escape is "all notes off" wherever the focus is, as on hardware workstations.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.repeat) void panic();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [panic]);

  return (
    <div className="app">
      <StatusBar />
      <Notices />
      <div className="tabs" role="tablist" aria-label="Panels">
        {PANELS.map((p) => (
          <button
            key={p.id}
            type="button"
            role="tab"
            id={`tab-${p.id}`}
            aria-selected={panel === p.id}
            aria-controls={`panel-${p.id}`}
            className={panel === p.id ? 'tab active' : 'tab'}
            onClick={() => showPanel(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
      <main id={`panel-${panel}`} role="tabpanel" aria-labelledby={`tab-${panel}`} className="panel-host">
        {panel === 'pins' ? <PinsPanel /> : null}
        {panel === 'channels' ? <ChannelsPanel /> : null}
        {panel === 'instruments' ? <InstrumentsPanel /> : null}
        {panel === 'audio' ? <AudioPanel /> : null}
        {panel === 'midi' ? <MidiPanel /> : null}
      </main>
      <KeyboardPanel />
    </div>
  );
}

/** The connection banner and the engine's own reports (onError) that belong to no single control. */
function Notices() {
  const link = useAppStore(useShallow((s) => ({ state: s.link.state, message: s.link.message })));
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismissNotice);
  const bridge = getBridge();
  return (
    <div className="notices" aria-live="polite">
      {link.state === 'lost' || link.state === 'restarting' || link.state === 'failed' ? (
        <div className={`banner ${link.state === 'failed' ? 'bad' : 'warn'}`} role="status">
          {link.state === 'restarting'
            ? `The audio engine stopped and is restarting; your session will be restored. ${link.message ?? ''}`
            : link.state === 'lost'
              ? `Lost the connection to the audio engine. ${link.message ?? ''}`
              : `The audio engine is not running. ${link.message ?? ''}`}
          {link.state === 'failed' && bridge ? (
            <button type="button" onClick={() => bridge.restartEngine()}>
              Start the engine again
            </button>
          ) : null}
        </div>
      ) : null}
      {notices.map((n) => (
        <div key={n.id} className="banner warn" role="alert">
          <span>
            {n.where ? <strong>{n.where}: </strong> : null}
            {n.text}
          </span>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
