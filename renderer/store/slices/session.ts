/**
 * The session as the engine last reported it (onState after every change, getState on connect)
 * and the connection's state. Nothing here is guessed: results of requests that carry engine
 * state (a PinInfo, the audio status...) are applied as the engine sent them.
 */
import type { CollectionInfo, PinInfo, SessionState } from '../../../engine/protocol/messages.js';
import type { LinkStatus } from '../../src/engine-client.js';
import { act } from '../act.js';
import type { Slice } from '../types.js';

export interface SessionSlice {
  link: LinkStatus;
  session: SessionState | null;
  /** Bumped on every onState, so views can tell a fresh report from a stale one. */
  stateSeq: number;
  refresh(): Promise<void>;
  applyState(state: SessionState): void;
  applyPin(pin: PinInfo): void;
  applyCollection(collection: CollectionInfo): void;
  patchSession(patch: Partial<SessionState>): void;
}

export const createSessionSlice: Slice<SessionSlice> = (deps) => (set, get) => ({
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
    set((s) => ({ session: state, stateSeq: s.stateSeq + 1, selectedPinId: stillThere ? selected : (state.pins[0]?.id ?? null) }));
  },
  applyPin(pin) {
    const session = get().session;
    if (!session) return;
    const exists = session.pins.some((p) => p.id === pin.id);
    const pins = exists ? session.pins.map((p) => (p.id === pin.id ? pin : p)) : [...session.pins, pin];
    set({ session: { ...session, pins } });
  },
  applyCollection(collection) {
    const session = get().session;
    if (!session) return;
    const exists = session.collections.some((c) => c.id === collection.id);
    const collections = exists ? session.collections.map((c) => (c.id === collection.id ? collection : c)) : [...session.collections, collection];
    set({ session: { ...session, collections } });
  },
  patchSession(patch) {
    const session = get().session;
    if (session) set({ session: { ...session, ...patch } });
  },
});
