/** A pin's live statistics (voices, CPU, notes lost), written into text nodes by the frame loop. */
import { useRef } from 'react';
import { useTelemetryFrame } from './use-frame.js';

export function PinStats(props: { pinId: number; voiceLimit: number }) {
  const voices = useRef<HTMLSpanElement>(null);
  const cpu = useRef<HTMLSpanElement>(null);
  const lost = useRef<HTMLSpanElement>(null);
  useTelemetryFrame((t) => {
    const pin = t.stats?.pins.find((p) => p.id === props.pinId);
    if (voices.current) voices.current.textContent = pin ? String(Math.round(pin.voices)) : '–';
    if (cpu.current) cpu.current.textContent = pin ? `${pin.cpuPercent.toFixed(1)} %` : '–';
    if (lost.current) {
      lost.current.textContent = pin ? String(pin.lostNotes) : '–';
      lost.current.classList.toggle('warn', !!pin && pin.lostNotes > 0);
    }
  });
  return (
    <dl className="pin-stats">
      <div>
        <dt>Voices</dt>
        <dd>
          <span ref={voices} data-testid={`voices-${props.pinId}`}>
            –
          </span>
          <span className="muted"> / {props.voiceLimit}</span>
        </dd>
      </div>
      <div>
        <dt>CPU</dt>
        <dd>
          <span ref={cpu}>–</span>
        </dd>
      </div>
      <div>
        <dt>Notes lost</dt>
        <dd>
          <span ref={lost}>–</span>
        </dd>
      </div>
    </dl>
  );
}
