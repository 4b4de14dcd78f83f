/**
 * Export WAV: the engine renders the session (the open song from its start, or what is playing)
 * offline through the same stack into a file it writes. Electron asks with a save dialog; in
 * browser mode the engine runs on this machine (loopback), so the musician types the path.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/index.js';
import { getBridge } from '../bridge.js';
import { ErrorNote } from '../common.js';

export function ExportBox() {
  const duration = useAppStore((s) => s.session?.transport.song?.duration ?? 0);
  const rate = useAppStore((s) => s.session?.audio.settings.sampleRate ?? 48000);
  const a = useAppStore(useShallow((s) => ({ render: s.renderToWav, busy: s.busy.export === true })));
  const bridge = getBridge();
  const [path, setPath] = useState('dmus-export.wav');
  const [seconds, setSeconds] = useState(30);
  const [done, setDone] = useState<string | null>(null);
  const songSeconds = duration ? Math.min(3600, Math.ceil(duration / 1e7) + 2) : null;
  const run = async () => {
    setDone(null);
    const target = bridge ? await bridge.saveFile('wav-out') : path.trim();
    if (!target) return;
    const r = await a.render(target, songSeconds ?? seconds);
    if (r) setDone(`Wrote ${r.path}: ${(r.frames / rate).toFixed(1)} s, peak ${(20 * Math.log10(Math.max(r.peak, 1e-6))).toFixed(1)} dBFS`);
  };
  return (
    <section className="record-box" aria-label="Export WAV">
      <h3>Export WAV</h3>
      <div className="inline-form">
        {bridge ? null : <input aria-label="WAV file path on the engine's machine" value={path} onChange={(e) => setPath(e.target.value)} size={28} />}
        {songSeconds ? (
          <span className="muted">the whole song ({songSeconds} s)</span>
        ) : (
          <label className="field">
            <span>Seconds</span>
            <input type="number" aria-label="Seconds to export" min={1} max={3600} value={seconds} onChange={(e) => setSeconds(Math.max(1, Math.min(3600, Number(e.target.value) || 1)))} />
          </label>
        )}
        <button type="button" disabled={a.busy} onClick={() => void run()}>
          Export WAV…
        </button>
      </div>
      {done ? <p className="muted">{done}</p> : null}
      <ErrorNote place="export" />
    </section>
  );
}
