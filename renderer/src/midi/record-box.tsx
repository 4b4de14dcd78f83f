/** Record what is played (keyboard, inputs) and save it as a standard MIDI file. */
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/index.js';
import { getBridge } from '../bridge.js';
import { downloadBytes, ErrorNote } from '../common.js';

export function RecordBox() {
  const t = useAppStore(useShallow((s) => ({ recording: s.session?.transport.recording ?? false, events: s.session?.transport.recordedEvents ?? 0 })));
  const a = useAppStore(useShallow((s) => ({ start: s.startRecording, stop: s.stopRecording, save: s.saveRecording })));
  const bridge = getBridge();
  const save = async () => {
    if (bridge) {
      const path = await bridge.saveFile('midi-out');
      if (path) await a.save(path);
      return;
    }
    const r = await a.save();
    if (r?.bytes) downloadBytes(r.bytes, `dmus-recording-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.mid`, 'audio/midi');
  };
  return (
    <div className="record-box">
      <h3>Record</h3>
      <div className="inline-form">
        <button type="button" className={t.recording ? 'record on' : 'record'} aria-pressed={t.recording} onClick={() => void (t.recording ? a.stop() : a.start())}>
          {t.recording ? '■ Stop recording' : '● Start recording'}
        </button>
        <span data-testid="recorded-events">
          {t.events} event{t.events === 1 ? '' : 's'}
        </span>
        <button type="button" disabled={t.recording || t.events === 0} onClick={() => void save()}>
          Save MIDI file…
        </button>
      </div>
      <ErrorNote place="record" />
    </div>
  );
}
