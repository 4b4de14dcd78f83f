/**
 * The bound store's type: the union of every slice (zustand's slices pattern). Slices are typed
 * `StateCreator<AppStore, [], [], Slice>` so each one can read the others through get().
 */
import type { StateCreator } from 'zustand/vanilla';
import type { EngineLink } from '../src/engine-client.js';
import type { AudioSlice } from './slices/audio.js';
import type { ChannelsSlice } from './slices/channels.js';
import type { DownloadsSlice } from './slices/downloads.js';
import type { MidiSlice } from './slices/midi.js';
import type { PinsSlice } from './slices/pins.js';
import type { SessionSlice } from './slices/session.js';
import type { TransportSlice } from './slices/transport.js';
import type { UiSlice } from './slices/ui.js';
import type { Telemetry } from './telemetry.js';

export type AppStore = SessionSlice & UiSlice & PinsSlice & ChannelsSlice & DownloadsSlice & AudioSlice & MidiSlice & TransportSlice;

/** What every slice is built from: the engine link and the fast-data store. */
export interface StoreDeps {
  link: EngineLink;
  telemetry: Telemetry;
}

export type Slice<T> = (deps: StoreDeps) => StateCreator<AppStore, [], [], T>;
