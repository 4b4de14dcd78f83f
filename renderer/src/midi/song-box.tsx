/**
 * The song player: open a MIDI file (button or drop), choose the synth, play/stop, and a position
 * bar to seek. Dragging the bar previews the time and seeks once, where it is let go (a seek per
 * pixel would restart the song's sequencer dozens of times a second); a click or the arrow keys
 * seek at once.
 */
import { useEffect, useRef, useState } from 'react';
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
  /** While the bar is held: the position it points at (null until it moves). */
  const drag = useRef<{ target: number | null } | null>(null);
  const endDrag = useRef<(() => void) | null>(null);
  const bridge = getBridge();
  const duration = t.song?.duration ?? 0;
  const seek = a.seek;
  useTelemetryFrame((tm) => {
    if (drag.current) return; // the bar and label show where it is being dragged to
    const pos = tm.stats?.transportPosition ?? 0;
    if (bar.current) bar.current.value = String(duration ? Math.min(1000, (pos / duration) * 1000) : 0);
    if (label.current) label.current.textContent = formatTime(pos);
  });
  // The drag ends wherever the pointer is let go (over the bar or not), or when the box goes away.
  useEffect(() => () => endDrag.current?.(), []);
  const startDrag = () => {
    if (drag.current) return;
    drag.current = { target: null };
    const finish = () => {
      window.removeEventListener('pointerup', finish);
      window.removeEventListener('pointercancel', finish);
      endDrag.current = null;
      const target = drag.current?.target ?? null;
      drag.current = null;
      if (target !== null) void seek(target);
    };
    endDrag.current = finish;
    window.addEventListener('pointerup', finish);
    window.addEventListener('pointercancel', finish);
  };
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
          onPointerDown={startDrag}
          onChange={(e) => {
            const position = (Number(e.target.value) / 1000) * duration;
            if (drag.current) {
              drag.current.target = position;
              if (label.current) label.current.textContent = formatTime(position);
            } else void seek(position);
          }}
        />
        <span ref={label} data-testid="song-position">
          0:00.0
        </span>
        <span className="muted">/ {formatTime(duration)}</span>
      </div>
      <ErrorNote place="transport" />
    </section>
  );
}
