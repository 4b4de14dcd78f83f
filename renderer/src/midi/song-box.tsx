/** The song player: open a MIDI file (button or drop), choose the synth, play/stop, and a position bar to seek. */
import { useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/index.js';
import { formatTime } from '../../store/selectors.js';
import { getBridge } from '../bridge.js';
import { ErrorNote, PinPicker, readFileBytes } from '../common.js';
import { useTelemetryFrame } from '../meters/use-frame.js';

export function SongBox() {
  const t = useAppStore(useShallow((s) => ({ song: s.session?.transport.song ?? null, playing: s.session?.transport.playing ?? false, pinId: s.session?.transport.pinId ?? null })));
  const selected = useAppStore((s) => s.selectedPinId);
  const a = useAppStore(useShallow((s) => ({ openPath: s.openSongPath, openData: s.openSongData, play: s.play, stop: s.stop, seek: s.seek })));
  const [pinId, setPinId] = useState<number | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const bar = useRef<HTMLInputElement>(null);
  const label = useRef<HTMLSpanElement>(null);
  const dragging = useRef(false);
  const bridge = getBridge();
  const duration = t.song?.duration ?? 0;
  useTelemetryFrame((tm) => {
    const pos = tm.stats?.transportPosition ?? 0;
    if (bar.current && !dragging.current) bar.current.value = String(duration ? Math.min(1000, (pos / duration) * 1000) : 0);
    if (label.current) label.current.textContent = formatTime(pos);
  });
  const open = async (f?: File) => {
    if (f) {
      await a.openData(f.name, await readFileBytes(f));
    } else if (bridge) {
      const path = await bridge.openFile('song');
      if (path) await a.openPath(path);
    } else file.current?.click();
  };
  const target = pinId ?? t.pinId ?? selected;
  return (
    <section
      className="song-box"
      aria-label="Song"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const f = e.dataTransfer.files[0];
        if (f) void open(f);
      }}
    >
      <h3>Song</h3>
      <div className="inline-form">
        <button type="button" onClick={() => void open()}>
          Open MIDI file…
        </button>
        <input
          ref={file}
          type="file"
          accept=".mid,.midi,.rmi"
          hidden
          data-testid="song-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void open(f);
            e.target.value = '';
          }}
        />
        <span>{t.song ? `${t.song.name} · ${t.song.tracks} tracks · ${t.song.events} events` : 'No song open'}</span>
      </div>
      <div className="inline-form">
        <PinPicker value={target} onChange={setPinId} label="Play on" />
        <button type="button" disabled={!t.song} onClick={() => void (t.playing ? a.stop() : a.play(target ?? undefined))}>
          {t.playing ? '■ Stop' : '▶ Play'}
        </button>
        <input
          ref={bar}
          type="range"
          min={0}
          max={1000}
          defaultValue={0}
          aria-label="Song position"
          disabled={!t.song}
          className="position-bar"
          onPointerDown={() => {
            dragging.current = true;
          }}
          onPointerUp={() => {
            dragging.current = false;
          }}
          onChange={(e) => void a.seek((Number(e.target.value) / 1000) * duration)}
        />
        <span ref={label}>0:00.0</span>
        <span className="muted">/ {formatTime(duration)}</span>
      </div>
      <ErrorNote place="transport" />
    </section>
  );
}
