/** What one synth holds: each download with its patch, size, and unload / remap. */
import { useState } from 'react';
import { useAppStore } from '../../store/index.js';
import { formatBank, formatBytes } from '../../store/selectors.js';

export function PinDownloads(props: { pinId: number }) {
  const pin = useAppStore((s) => s.session?.pins.find((p) => p.id === props.pinId));
  const unload = useAppStore((s) => s.unload);
  const remap = useAppStore((s) => s.remap);
  const [editing, setEditing] = useState<number | null>(null);
  const [program, setProgram] = useState(1);
  if (!pin) return null;
  if (pin.downloads.length === 0) return <p className="muted">{pin.name} has no instruments yet.</p>;
  return (
    <table className="downloads" aria-label={`Instruments on ${pin.name}`}>
      <thead>
        <tr>
          <th>Instrument</th>
          <th>Answers to</th>
          <th>Size</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {pin.downloads.map((d) => (
          <tr key={d.downloadId}>
            <td>{d.source?.name ?? (d.kind === 'raw' ? 'Raw download' : d.kind === 'wave' ? 'Wave' : 'Instrument')}</td>
            <td>
              {d.patch ? `${d.patch.drum ? 'Drums' : 'Program'} ${d.patch.program + 1} · bank ${formatBank(d.patch.bank)}` : '—'}
              {d.patch && d.source && (d.patch.program !== d.source.program || d.patch.bank !== d.source.bank) ? <span className="badge">remapped</span> : null}
            </td>
            <td>{formatBytes(d.bytes)}</td>
            <td className="row-actions">
              {editing === d.downloadId ? (
                <>
                  <input type="number" aria-label="New program" min={1} max={128} value={program} onChange={(e) => setProgram(Math.max(1, Math.min(128, Number(e.target.value) || 1)))} />
                  <button
                    type="button"
                    onClick={() => {
                      setEditing(null);
                      if (d.patch) void remap(pin.id, d.downloadId, { bank: d.patch.bank, program: program - 1, drum: d.patch.drum });
                    }}
                  >
                    Remap
                  </button>
                  <button type="button" className="link" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </>
              ) : (
                <>
                  {d.source ? (
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setProgram((d.patch?.program ?? 0) + 1);
                        setEditing(d.downloadId);
                      }}
                    >
                      Remap…
                    </button>
                  ) : null}
                  <button type="button" className="link" onClick={() => void unload(pin.id, d.downloadId)}>
                    Unload
                  </button>
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
