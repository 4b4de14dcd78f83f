/**
 * The session as the engine last reported it (onState after every change, getState on connect)
 * and the connection's state. Nothing here is guessed: results of requests that carry engine
 * state (a PinInfo, the audio status...) are applied as the engine sent them.
 *
 * Snapshots carry each collection as a summary; its instrument list (every region, about 1 MB for
 * a large SoundFont) is asked for once with getCollection when a collection first appears, and
 * kept: an open collection never changes. Until it arrives the collection shows no instruments.
 */
import type { CollectionInfo, CollectionSummary, InstrumentInfo, PinInfo, SessionState } from '../../../engine/protocol/messages.js';
import type { LinkStatus } from '../../src/engine-client.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

/** A collection as the UI shows it: the engine's summary plus its instrument list. */
export type CollectionView = CollectionSummary & { instruments: InstrumentInfo[] };
/** The session as the UI holds it: the engine's snapshot with full collections. */
export type SessionView = Omit<SessionState, 'collections'> & { collections: CollectionView[] };

export interface SessionSlice {
  link: LinkStatus;
  session: SessionView | null;
  /** Bumped on every onState, so views can tell a fresh report from a stale one. */
  stateSeq: number;
  refresh(): Promise<void>;
  applyState(state: SessionState): void;
  applyPin(pin: PinInfo): void;
  applyCollection(collection: CollectionInfo): void;
  patchSession(patch: Partial<SessionView>): void;
}

const NO_INSTRUMENTS: InstrumentInfo[] = [];

export const createSessionSlice: Slice<SessionSlice> = (deps) => (set, get) => {
  /** Instrument lists by collection id, as getCollection / loadCollection returned them. */
  const lists = new Map<number, InstrumentInfo[]>();
  const asking = new Set<number>();
  const fetchList = (collectionId: number) => {
    if (asking.has(collectionId)) return;
    asking.add(collectionId);
    deps.link
      .call('getCollection', { collectionId })
      .then((c) => get().applyCollection(c))
      // A collection closed before its list came: the next snapshot no longer names it.
      .catch(() => undefined)
      .finally(() => asking.delete(collectionId));
  };
  return {
    link: deps.link.status,
    session: null,
    stateSeq: 0,
    async refresh() {
      const state = await act(get, set, 'session', 'read the session from the engine', () => deps.link.call('getState', {}));
      if (state) get().applyState(state);
    },
    applyState(state) {
      const selected = get().selectedPinId;
      const stillThere = state.pins.some((p) => p.id === selected);
      const open = new Set(state.collections.map((c) => c.id));
      for (const id of lists.keys()) if (!open.has(id)) lists.delete(id);
      const collections = state.collections.map((c) => ({ ...c, instruments: lists.get(c.id) ?? NO_INSTRUMENTS }));
      set((s) => ({ session: { ...state, collections }, stateSeq: s.stateSeq + 1, selectedPinId: stillThere ? selected : (state.pins[0]?.id ?? null) }));
      for (const c of state.collections) if (!lists.has(c.id)) fetchList(c.id);
    },
    applyPin(pin) {
      const session = get().session;
      if (!session) return;
      const exists = session.pins.some((p) => p.id === pin.id);
      const pins = exists ? session.pins.map((p) => (p.id === pin.id ? pin : p)) : [...session.pins, pin];
      set({ session: { ...session, pins } });
    },
    applyCollection(collection) {
      lists.set(collection.id, collection.instruments);
      const session = get().session;
      if (!session) return;
      const view: CollectionView = { ...collection, instrumentCount: collection.instruments.length };
      const exists = session.collections.some((c) => c.id === collection.id);
      const collections = exists ? session.collections.map((c) => (c.id === collection.id ? view : c)) : [...session.collections, view];
      set({ session: { ...session, collections } });
    },
    patchSession(patch) {
      const session = get().session;
      if (session) set({ session: { ...session, ...patch } });
    },
  };
};
