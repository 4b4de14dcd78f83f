/**
 * Latency and audio: the output device (one for every synth), sample rate, buffer size, queued buffers, sequencer prefetch;
 * the latency they give (the engine's figure, and the expected one while a change is on its way),
 * underruns as the engine counts them, and a plot of voices and CPU over the last minute.
 */
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AudioSettings } from '../../../engine/protocol/messages.js';
import { useAppStore } from '../../store/index.js';
import { expectedLatencyMs } from '../../store/slices/audio.js';
import { ErrorNote, NumberField } from '../common.js';
import { useTelemetryFrame } from '../meters/use-frame.js';
import { LivePlot } from './live-plot.js';

const RATES = [22050, 32000, 44100, 48000, 88200, 96000];
const BUFFERS = [32, 64, 128, 256, 512, 1024, 2048, 4096];

export function AudioPanel() {
  const audio = useAppStore((s) => s.session?.audio);
  const { devices, reason } = useAppStore(useShallow((s) => ({ devices: s.devices, reason: s.devicesReason })));
  const setAudioSettings = useAppStore((s) => s.setAudioSettings);
  const listDevices = useAppStore((s) => s.listDevices);
  const busy = useAppStore((s) => s.busy.audio === true);
  const underruns = useRef<HTMLSpanElement>(null);
  const devicePicker = useRef<HTMLSelectElement>(null);
  const focusTarget = useAppStore((s) => s.focusTarget);
  const clearFocusTarget = useAppStore((s) => s.clearFocusTarget);
  // A synth card's "choose the output device" lands here with the device picker focused.
  const shown = audio !== undefined;
  useEffect(() => {
    if (focusTarget !== 'output-device' || !shown || !devicePicker.current) return;
    devicePicker.current.focus();
    devicePicker.current.scrollIntoView?.({ block: 'nearest' });
    clearFocusTarget();
  }, [focusTarget, clearFocusTarget, shown]);
  useTelemetryFrame((t) => {
    if (underruns.current) underruns.current.textContent = t.stats ? String(t.stats.underruns) : '–';
  });
  if (!audio) return <section className="panel" aria-label="Audio" />;
  const s = audio.settings;
  const change = (patch: Partial<AudioSettings>) => void setAudioSettings(patch);
  const expected = expectedLatencyMs(s);
  return (
    <section className="panel" aria-label="Audio">
      <header className="panel-head">
        <h2>Audio and latency</h2>
        <button type="button" onClick={() => void listDevices()}>
          Rescan devices
        </button>
      </header>
      {audio.output !== 'portaudio' ? (
        <p className="banner warn">
          {audio.output === 'null' ? 'No sound device is playing: the synths run on a silent clock.' : 'Rendering offline.'} {audio.reason ?? ''}
        </p>
      ) : null}
      {reason ? <p className="muted">{reason}</p> : null}
      <ErrorNote place="audio" />
      <div className="audio-grid">
        <div className="audio-settings">
          <label className="field">
            <span>Output device</span>
            <select ref={devicePicker} aria-label="Output device" value={s.deviceId ?? ''} disabled={busy} onChange={(e) => change({ deviceId: e.target.value === '' ? null : Number(e.target.value) })}>
              <option value="">System default</option>
              {devices.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.hostApi}, {d.maxOutputChannels} ch){d.isDefault ? ' — default' : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Sample rate</span>
            <select aria-label="Sample rate" value={s.sampleRate} disabled={busy} onChange={(e) => change({ sampleRate: Number(e.target.value) })}>
              {(RATES.includes(s.sampleRate) ? RATES : [...RATES, s.sampleRate].sort((a, b) => a - b)).map((r) => (
                <option key={r} value={r}>
                  {(r / 1000).toFixed(r % 1000 ? 2 : 0)} kHz
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Buffer size</span>
            <select aria-label="Buffer size" value={s.bufferFrames} disabled={busy} onChange={(e) => change({ bufferFrames: Number(e.target.value) })}>
              {(BUFFERS.includes(s.bufferFrames) ? BUFFERS : [...BUFFERS, s.bufferFrames].sort((a, b) => a - b)).map((b) => (
                <option key={b} value={b}>
                  {b} frames ({((b * 1000) / s.sampleRate).toFixed(1)} ms)
                </option>
              ))}
            </select>
          </label>
          <NumberField label="Buffers queued" value={s.latencyBuffers} min={1} max={16} onCommit={(v) => change({ latencyBuffers: v })} disabled={busy} />
          <NumberField label="Sequencer prefetch" value={s.prefetchMs} min={0} max={1000} step={0.5} suffix="ms" onCommit={(v) => change({ prefetchMs: v })} disabled={busy} />
        </div>
        <dl className="audio-figures">
          <div>
            <dt>Output latency</dt>
            <dd>
              <strong data-testid="latency-ms">{audio.latencyMs.toFixed(1)} ms</strong>
              {Math.abs(expected - audio.latencyMs) > 0.05 ? <span className="muted"> (buffers alone: {expected.toFixed(1)} ms)</span> : null}
            </dd>
          </div>
          <div>
            <dt>Plus sequencer prefetch</dt>
            <dd>{(audio.latencyMs + s.prefetchMs).toFixed(1)} ms from a key to the sound</dd>
          </div>
          <div>
            <dt>Render thread</dt>
            <dd data-testid="render-thread" title={audio.renderThread.detail}>
              {audio.renderThread.realtime ? `real-time priority ${audio.renderThread.priority}` : 'normal priority'}
              {audio.renderThread.realtime ? null : <span className="muted"> ({audio.renderThread.detail})</span>}
            </dd>
          </div>
          <div>
            <dt>Underruns</dt>
            <dd>
              <span ref={underruns} data-testid="underruns">
                –
              </span>
            </dd>
          </div>
        </dl>
      </div>
      <LivePlot />
    </section>
  );
}
