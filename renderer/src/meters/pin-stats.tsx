/**
 * A pin's live statistics (voices, CPU, notes lost, events lost), written into text nodes by the
 * frame loop. Notes lost: the synth stole or refused a voice. Events lost: MIDI messages that never
 * reached the synth because the pin's event pool was full on the render thread.
 */
import { useRef } from 'react';
import { useTelemetryFrame } from './use-frame.js';

export function PinStats(props: { pinId: number; voiceLimit: number }) {
  const voices = useRef<HTMLSpanElement>(null);
  const cpu = useRef<HTMLSpanElement>(null);
  const lost = useRef<HTMLSpanElement>(null);
  const eventsLost = useRef<HTMLSpanElement>(null);
  useTelemetryFrame((t) => {
    const pin = t.stats?.pins.find((p) => p.id === props.pinId);
    if (voices.current) voices.current.textContent = pin ? String(Math.round(pin.voices)) : '–';
    if (cpu.current) cpu.current.textContent = pin ? `${pin.cpuPercent.toFixed(1)} %` : '–';
    if (lost.current) {
      lost.current.textContent = pin ? String(pin.lostNotes) : '–';
      lost.current.classList.toggle('warn', !!pin && pin.lostNotes > 0);
    }
    if (eventsLost.current) {
      eventsLost.current.textContent = pin ? String(pin.eventsLost) : '–';
      eventsLost.current.classList.toggle('warn', !!pin && pin.eventsLost > 0);
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
      <div>
        <dt>Events lost</dt>
        <dd>
          <span ref={eventsLost} data-testid={`events-lost-${props.pinId}`}>
            –
          </span>
        </dd>
      </div>
    </dl>
  );
}
