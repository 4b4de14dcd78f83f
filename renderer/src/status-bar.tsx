/** The top bar: engine connection, song transport with its position, record, and panic. */
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/index.js';
import { formatTime } from '../store/selectors.js';
import { ErrorNote } from './common.js';
import { useTelemetryFrame } from './meters/use-frame.js';

const LINK_WORDS = { connecting: 'Connecting…', connected: 'Engine running', lost: 'Engine disconnected', restarting: 'Engine restarting', failed: 'Engine stopped' };

export function StatusBar() {
  const link = useAppStore(useShallow((s) => ({ state: s.link.state, engine: s.link.engine })));
  const t = useAppStore(
    useShallow((s) => ({
      song: s.session?.transport.song?.name ?? null,
      duration: s.session?.transport.song?.duration ?? 0,
      playing: s.session?.transport.playing ?? false,
      recording: s.session?.transport.recording ?? false,
      recorded: s.session?.transport.recordedEvents ?? 0,
      output: s.session?.audio.output ?? null,
      reason: s.session?.audio.reason ?? null,
    })),
  );
  const actions = useAppStore(useShallow((s) => ({ play: s.play, stop: s.stop, startRecording: s.startRecording, stopRecording: s.stopRecording, panic: s.panic })));
  const panel = useAppStore((s) => s.panel);
  const position = useRef<HTMLSpanElement>(null);
  useTelemetryFrame((tm) => {
    if (position.current) position.current.textContent = formatTime(tm.stats?.transportPosition ?? 0);
  });
  return (
    <header className="status-bar">
      <h1>DMus Workstation</h1>
      <span className={`link-pill link-${link.state}`} title={link.engine ?? ''}>
        <span className="dot" /> {LINK_WORDS[link.state]}
      </span>
      {t.output === 'null' ? (
        <span className="link-pill link-lost" title={t.reason ?? ''}>
          No sound device{t.reason ? `: ${t.reason}` : ''}
        </span>
      ) : null}
      <div className="transport">
        <button type="button" onClick={() => void (t.playing ? actions.stop() : actions.play())} disabled={!t.song} title={t.song ? `Play ${t.song}` : 'Open a MIDI file first (MIDI panel)'}>
          {t.playing ? '■ Stop' : '▶ Play'}
        </button>
        <span className="position">
          <span ref={position}>0:00.0</span>
          {t.song ? <span className="muted"> / {formatTime(t.duration)}</span> : null}
        </span>
        <button
          type="button"
          className={t.recording ? 'record on' : 'record'}
          aria-pressed={t.recording}
          onClick={() => void (t.recording ? actions.stopRecording() : actions.startRecording())}
        >
          ● {t.recording ? `Recording (${t.recorded})` : 'Record'}
        </button>
      </div>
      <button type="button" className="panic" onClick={() => void actions.panic()} title="All notes off on every synth (Esc)">
        Panic
      </button>
      <ErrorNote place="panic" />
      {/* The MIDI panel shows these beside its own buttons; elsewhere the bar's buttons need them here. */}
      {panel !== 'midi' ? <ErrorNote place="transport" /> : null}
      {panel !== 'midi' ? <ErrorNote place="record" /> : null}
    </header>
  );
}
