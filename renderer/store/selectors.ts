/** Derived views of the mirrored session, shared by panels and tests. */
import type { PinInfo } from '../../engine/protocol/messages.js';
import type { CollectionView, SessionView } from './slices/session.js';
import type { AppStore } from './types.js';

export const selectPins = (s: AppStore): PinInfo[] => s.session?.pins ?? EMPTY_PINS;
export const selectCollections = (s: AppStore): CollectionView[] => s.session?.collections ?? EMPTY_COLLECTIONS;
const EMPTY_PINS: PinInfo[] = [];
const EMPTY_COLLECTIONS: CollectionView[] = [];

export function selectPin(s: AppStore, pinId: number | null): PinInfo | undefined {
  return pinId === null ? undefined : s.session?.pins.find((p) => p.id === pinId);
}

/** Bytes of downloads on a pin (the synth's sample memory as the session knows it). */
export function pinMemoryBytes(pin: PinInfo): number {
  let total = 0;
  for (const d of pin.downloads) total += d.bytes;
  return total;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Instrument names a pin answers to, by patch key, for the channel grid's instrument menus. */
export function patchNames(pin: PinInfo, session: SessionView | null): Map<string, string> {
  const names = new Map<string, string>();
  for (const d of pin.downloads) {
    if (d.patch && d.source) names.set(patchKey(d.patch), d.source.name);
  }
  // Whole-bank downloads report no per-instrument source; name them from the open collections.
  for (const d of pin.downloads) {
    if (d.kind !== 'instrument' || d.source || d.collectionId === null) continue;
    const c = session?.collections.find((x) => x.id === d.collectionId);
    for (const i of c?.instruments ?? []) if (!names.has(patchKey(i))) names.set(patchKey(i), i.name);
  }
  return names;
}

export function patchKey(p: { bank: number; program: number; drum: boolean }): string {
  return `${p.drum ? 'd' : 'm'}:${p.bank}:${p.program}`;
}

/** "bank 0:0 program 1" in MSB:LSB form as musicians read it. */
export function formatBank(bank: number): string {
  return `${bank >> 7}:${bank & 127}`;
}

/** Reference time (100 ns) as m:ss.t */
export function formatTime(refTime: number): string {
  const seconds = Math.max(0, refTime / 1e7);
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

/** Synth volume in 1/100 dB to a readable "-6.0 dB". */
export function formatDb(centiBel: number): string {
  return `${centiBel > 0 ? '+' : ''}${(centiBel / 100).toFixed(1)} dB`;
}
