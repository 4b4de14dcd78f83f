/**
 * An instrument's regions drawn over a 128-key keyboard: each region is a box spanning its key range
 * (x) and velocity range (y), so splits and velocity layers are visible at a glance.
 */
import type { InstrumentInfo } from '../../../engine/protocol/messages.js';
import { range } from '../common.js';

const KEY_W = 6;
const HEIGHT = 96;
const KEYS_H = 26;
const BLACK = new Set([1, 3, 6, 8, 10]);
const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

export function noteName(key: number): string {
  return `${NOTE_NAMES[key % 12]}${Math.floor(key / 12) - 1}`;
}

export function KeyboardMap(props: { instrument: InstrumentInfo }) {
  const { regions } = props.instrument;
  const width = 128 * KEY_W;
  return (
    <figure className="keyboard-map">
      <svg viewBox={`0 0 ${width} ${HEIGHT + KEYS_H}`} role="img" aria-label={`${props.instrument.name}: ${regions.length} region${regions.length === 1 ? '' : 's'}`}>
        <rect x={0} y={0} width={width} height={HEIGHT} className="map-bg" />
        {[32, 64, 96].map((v) => (
          <line key={v} x1={0} x2={width} y1={HEIGHT - (v / 128) * HEIGHT} y2={HEIGHT - (v / 128) * HEIGHT} className="map-grid" />
        ))}
        {regions.map((r, i) => {
          const x = r.keyLow * KEY_W;
          const w = (r.keyHigh - r.keyLow + 1) * KEY_W;
          const y = HEIGHT - ((r.velHigh + 1) / 128) * HEIGHT;
          const h = ((r.velHigh - r.velLow + 1) / 128) * HEIGHT;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: regions have no identity beyond their order in the file
            <rect key={i} x={x + 0.5} y={y + 0.5} width={Math.max(1, w - 1)} height={Math.max(1, h - 1)} className={`map-region r${i % 6}`}>
              <title>{`${noteName(r.keyLow)}–${noteName(r.keyHigh)}, velocity ${r.velLow}–${r.velHigh}`}</title>
            </rect>
          );
        })}
        {range(0, 127).map((k) => (
          <rect key={k} x={k * KEY_W} y={HEIGHT} width={KEY_W} height={BLACK.has(k % 12) ? KEYS_H * 0.6 : KEYS_H} className={BLACK.has(k % 12) ? 'map-key black' : 'map-key white'} />
        ))}
        {range(0, 10).map((o) => (
          <text key={o} x={o * 12 * KEY_W + 1} y={HEIGHT + KEYS_H - 3} className="map-label">
            C{o - 1}
          </text>
        ))}
      </svg>
      <figcaption className="muted">
        {regions.length} region{regions.length === 1 ? '' : 's'}:{' '}
        {regions
          .slice(0, 8)
          .map((r) => `${noteName(r.keyLow)}–${noteName(r.keyHigh)}${r.velLow > 0 || r.velHigh < 127 ? ` (vel ${r.velLow}–${r.velHigh})` : ''}`)
          .join(', ')}
        {regions.length > 8 ? ', …' : ''}
      </figcaption>
    </figure>
  );
}
