/** The pins panel: every virtual synth as a card, and a form to create another. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/index.js';
import { ErrorNote } from '../common.js';
import { PinCard } from './pin-card.js';

export function PinsPanel() {
  const pinIds = useAppStore(useShallow((s) => (s.session?.pins ?? []).map((p) => p.id)));
  const createPin = useAppStore((s) => s.createPin);
  const busy = useAppStore((s) => s.busy.pins === true);
  const [name, setName] = useState('');
  return (
    <section className="panel" aria-label="Synths">
      <header className="panel-head">
        <h2>Synths</h2>
        <p className="muted">Each synth is an independent render pin: its own channel groups, instruments and voices.</p>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void createPin(name.trim() || undefined).then((p) => {
              if (p) setName('');
            });
          }}
        >
          <input aria-label="New synth name" placeholder="Name (optional)" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="primary" disabled={busy}>
            Add synth
          </button>
        </form>
      </header>
      <ErrorNote place="pins" />
      {pinIds.length === 0 ? <p className="empty">No synths yet. Add one to start playing.</p> : null}
      <div className="pin-grid">
        {pinIds.map((id) => (
          <PinCard key={id} pinId={id} />
        ))}
      </div>
    </section>
  );
}
