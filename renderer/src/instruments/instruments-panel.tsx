/**
 * DLS downloads: open banks (.dls, .sf2, .sf3) by button or drag and drop, browse their instruments by
 * bank and program with the regions as a keyboard map, download to a synth's group and channel
 * (optionally remapped), and see, unload or remap what each synth holds and the memory it uses.
 */
import { useMemo, useRef, useState } from 'react';
import type { InstrumentInfo } from '../../../engine/protocol/messages.js';
import type { CollectionView } from '../../store/slices/session.js';
import { useAppStore } from '../../store/index.js';
import { formatBank, formatBytes, pinMemoryBytes, selectCollections, selectPins } from '../../store/selectors.js';
import { getBridge } from '../bridge.js';
import { ErrorNote, PinPicker, range, readFileBytes } from '../common.js';
import { KeyboardMap } from './keyboard-map.js';
import { PinDownloads } from './pin-downloads.js';

const BANK_FILES = /\.(dls|sf2|sf3)$/i;

export function InstrumentsPanel() {
  const collections = useAppStore(selectCollections);
  const progress = useAppStore((s) => s.progress);
  const busy = useAppStore((s) => s.busy.instruments === true);
  const loadBankData = useAppStore((s) => s.loadBankData);
  const loadBankPath = useAppStore((s) => s.loadBankPath);
  const setError = useAppStore((s) => s.setError);
  const closeCollection = useAppStore((s) => s.closeCollection);
  const [collectionId, setCollectionId] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const bridge = getBridge();
  const collection = collections.find((c) => c.id === collectionId) ?? collections[0];

  const openFiles = async (files: FileList | File[]) => {
    const all = Array.from(files);
    const refused = all.filter((f) => !BANK_FILES.test(f.name));
    for (const file of all.filter((f) => BANK_FILES.test(f.name))) {
      // In Electron a dropped file has a path the engine can read itself; the browser sends the bytes.
      const path = bridge?.pathForFile(file);
      const c = bridge && path ? await loadBankPath(path) : await loadBankData(file.name, await readFileBytes(file));
      if (c) setCollectionId(c.id);
    }
    // Said last, so a bank that opened fine in the same drop does not clear it.
    if (refused.length) {
      const names = refused.map((f) => f.name).join(', ');
      setError('instruments', { text: `Couldn't open ${names}: only DLS (.dls) and SoundFont (.sf2, .sf3) banks can be opened here.`, detail: null, code: null });
    }
  };

  const openButton = async () => {
    if (bridge) {
      const path = await bridge.openFile('bank');
      if (path) {
        const c = await loadBankPath(path);
        if (c) setCollectionId(c.id);
      }
    } else fileInput.current?.click();
  };

  return (
    <section
      className={`panel instruments${dragging ? ' dragging' : ''}`}
      aria-label="Instruments"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void openFiles(e.dataTransfer.files);
      }}
    >
      <header className="panel-head">
        <h2>Instruments</h2>
        <button type="button" className="primary" onClick={() => void openButton()} disabled={busy}>
          Open bank…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".dls,.sf2,.sf3"
          hidden
          data-testid="bank-file"
          onChange={(e) => {
            if (e.target.files) void openFiles(e.target.files);
            e.target.value = '';
          }}
        />
        <span className="muted">or drop .dls / .sf2 / .sf3 files here</span>
      </header>
      {progress ? (
        <div className="progress">
          <span>{progress.task}</span>
          <progress max={progress.total} value={progress.done} aria-label="Bank loading progress" />
        </div>
      ) : null}
      <ErrorNote place="instruments" />
      <div className="instruments-layout">
        <CollectionList collections={collections} selected={collection?.id ?? null} onSelect={setCollectionId} onClose={(id) => void closeCollection(id)} />
        {collection ? <InstrumentBrowser key={collection.id} collection={collection} /> : <p className="empty">Open a bank to browse its instruments.</p>}
      </div>
      <PinMemory />
    </section>
  );
}

function CollectionList(props: { collections: CollectionView[]; selected: number | null; onSelect: (id: number) => void; onClose: (id: number) => void }) {
  return (
    <ul className="collection-list" aria-label="Open banks">
      {props.collections.map((c) => (
        <li key={c.id} className={c.id === props.selected ? 'selected' : ''}>
          <button type="button" className="collection" onClick={() => props.onSelect(c.id)} aria-pressed={c.id === props.selected}>
            <strong>{c.name}</strong>
            {c.builtIn ? <span className="badge">built-in</span> : null}
            <span className="muted">
              {c.format} · {c.instrumentCount} instruments · {c.waves} waves · {formatBytes(c.bytes)}
            </span>
          </button>
          {c.warnings.length ? (
            <details className="warnings">
              <summary>
                {c.warnings.length} warning{c.warnings.length === 1 ? '' : 's'}
              </summary>
              <ul>
                {c.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </details>
          ) : null}
          {c.builtIn ? null : (
            <button type="button" className="link" onClick={() => props.onClose(c.id)} aria-label={`Close ${c.name}`}>
              Close
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

type BankKey = `${'m' | 'd'}:${number}`;

function InstrumentBrowser(props: { collection: CollectionView }) {
  const { collection } = props;
  const banks = useMemo(() => {
    const keys = new Map<BankKey, string>();
    for (const i of collection.instruments) keys.set(`${i.drum ? 'd' : 'm'}:${i.bank}`, i.drum ? `Drums ${formatBank(i.bank)}` : `Bank ${formatBank(i.bank)}`);
    return [...keys.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }, [collection]);
  const [bank, setBank] = useState<BankKey | 'all'>('all');
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<InstrumentInfo | null>(null);
  const shown = collection.instruments
    .filter((i) => bank === 'all' || `${i.drum ? 'd' : 'm'}:${i.bank}` === bank)
    .filter((i) => !filter || i.name.toLowerCase().includes(filter.toLowerCase()))
    .sort((a, b) => Number(a.drum) - Number(b.drum) || a.bank - b.bank || a.program - b.program);
  const current = selected && collection.instruments.includes(selected) ? selected : (shown[0] ?? null);
  return (
    <div className="instrument-browser">
      <div className="browser-filters">
        <label className="field">
          <span>Bank</span>
          <select value={bank} onChange={(e) => setBank(e.target.value as BankKey | 'all')} aria-label="Bank">
            <option value="all">All banks</option>
            {banks.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <input type="search" placeholder="Find an instrument" aria-label="Find an instrument" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <ol className="instrument-list" aria-label={`Instruments in ${collection.name}`}>
        {shown.map((i) => (
          <li key={`${i.drum}:${i.bank}:${i.program}`}>
            <button type="button" aria-pressed={i === current} className={i === current ? 'selected' : ''} onClick={() => setSelected(i)}>
              <span className="program">{i.drum ? 'D' : ''}{String(i.program + 1).padStart(3, '0')}</span> {i.name}
              <span className="muted"> {formatBank(i.bank)}</span>
            </button>
          </li>
        ))}
      </ol>
      {current ? (
        <div className="instrument-detail">
          <h3>{current.name}</h3>
          <p className="muted">
            {current.drum ? 'Drum kit' : 'Melodic'} · bank {formatBank(current.bank)} · program {current.program + 1}
          </p>
          <KeyboardMap instrument={current} />
          <DownloadForm collection={collection} instrument={current} />
        </div>
      ) : null}
    </div>
  );
}

function DownloadForm(props: { collection: CollectionView; instrument: InstrumentInfo }) {
  const selectedPin = useAppStore((s) => s.selectedPinId);
  const pins = useAppStore(selectPins);
  const busy = useAppStore((s) => s.busy.download === true);
  const downloadInstrument = useAppStore((s) => s.downloadInstrument);
  const downloadCollection = useAppStore((s) => s.downloadCollection);
  const [pinId, setPinId] = useState<number | null>(null);
  const [group, setGroup] = useState(1);
  const [channel, setChannel] = useState(1);
  const [assign, setAssign] = useState(true);
  const [remap, setRemap] = useState(false);
  const [asProgram, setAsProgram] = useState(props.instrument.program + 1);
  const target = pins.find((p) => p.id === (pinId ?? selectedPin)) ?? pins[0];
  const groups = target?.channelGroups ?? 1;
  const g = Math.min(group, groups);
  return (
    <form
      className="download-form"
      aria-label="Download"
      onSubmit={(e) => {
        e.preventDefault();
        if (!target) return;
        const { instrument } = props;
        void downloadInstrument(props.collection.id, instrument, {
          pinId: target.id,
          ...(assign ? { group: g, channel: channel - 1 } : {}),
          ...(remap ? { as: { bank: instrument.bank, program: asProgram - 1, drum: instrument.drum } } : {}),
        });
      }}
    >
      <PinPicker value={target?.id ?? null} onChange={setPinId} label="To synth" />
      <label className="toggle">
        <input type="checkbox" checked={assign} onChange={(e) => setAssign(e.target.checked)} />
        and play it on
      </label>
      <label className="field">
        <span>Group</span>
        <select aria-label="Target group" value={g} onChange={(e) => setGroup(Number(e.target.value))} disabled={!assign}>
          {range(1, groups).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Channel</span>
        <select aria-label="Target channel" value={channel} onChange={(e) => setChannel(Number(e.target.value))} disabled={!assign}>
          {range(1, 16).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label className="toggle">
        <input type="checkbox" checked={remap} onChange={(e) => setRemap(e.target.checked)} />
        answer to program
      </label>
      <input type="number" aria-label="Remap to program" min={1} max={128} value={asProgram} disabled={!remap} onChange={(e) => setAsProgram(Math.max(1, Math.min(128, Number(e.target.value) || 1)))} />
      <button type="submit" className="primary" disabled={!target || busy}>
        Download
      </button>
      <button type="button" disabled={!target || busy} onClick={() => target && void downloadCollection(target.id, props.collection.id)}>
        Download whole bank
      </button>
      <ErrorNote place="download" />
      {target ? <PinDownloads pinId={target.id} /> : null}
    </form>
  );
}

function PinMemory() {
  const pins = useAppStore(selectPins);
  if (pins.length === 0) return null;
  return (
    <table className="pin-memory" aria-label="Memory per synth">
      <thead>
        <tr>
          <th>Synth</th>
          <th>Downloads</th>
          <th>Sample memory</th>
        </tr>
      </thead>
      <tbody>
        {pins.map((p) => (
          <tr key={p.id}>
            <td>{p.name}</td>
            <td>{p.downloads.length}</td>
            <td>{formatBytes(pinMemoryBytes(p))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
