/**
 * The one bound store (zustand 5, slices pattern) and its wiring to the engine: onState replaces
 * the mirrored session, results of requests are applied as the engine sent them, fast data
 * (onStats, onMidiInput) goes to the telemetry store and never into React state.
 */
import { createContext, createElement, type ReactNode, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineLink } from '../src/engine-client.js';
import { createAudioSlice } from './slices/audio.js';
import { createChannelsSlice } from './slices/channels.js';
import { createDownloadsSlice } from './slices/downloads.js';
import { createMidiSlice } from './slices/midi.js';
import { createPinsSlice } from './slices/pins.js';
import { createSessionSlice } from './slices/session.js';
import { createTransportSlice } from './slices/transport.js';
import { createUiSlice } from './slices/ui.js';
import { createTelemetry, type Telemetry } from './telemetry.js';
import type { AppStore, StoreDeps } from './types.js';

export type { AppStore } from './types.js';

export interface App {
  store: StoreApi<AppStore>;
  telemetry: Telemetry;
  link: EngineLink;
  /** Stops listening to the link. */
  dispose(): void;
}

export function createApp(link: EngineLink, telemetry: Telemetry = createTelemetry()): App {
  const deps: StoreDeps = { link, telemetry };
  const store = createStore<AppStore>()((...a) => ({
    ...createSessionSlice(deps)(...a),
    ...createUiSlice(deps)(...a),
    ...createPinsSlice(deps)(...a),
    ...createChannelsSlice(deps)(...a),
    ...createDownloadsSlice(deps)(...a),
    ...createAudioSlice(deps)(...a),
    ...createMidiSlice(deps)(...a),
    ...createTransportSlice(deps)(...a),
  }));
  const offs = [
    link.on('onState', (state) => store.getState().applyState(state)),
    link.on('onStats', (stats) => telemetry.pushStats(stats)),
    link.on('onMidiInput', (data) => telemetry.pushMidi(data)),
    link.on('onError', (data) => store.getState().pushNotice(data)),
    link.on('onProgress', (p) => store.getState().setProgress(p.done >= p.total ? null : p)),
    link.onStatus((status) => {
      store.setState({ link: status });
      if (status.state === 'connected') {
        // A new connection (first start, engine restart, socket back): the engine's session is the truth.
        telemetry.reset();
        void store.getState().refresh();
        void store.getState().listDevices();
      }
    }),
  ];
  if (link.status.state === 'connected') void store.getState().refresh();
  return {
    store,
    telemetry,
    link,
    dispose() {
      for (const off of offs) off();
    },
  };
}

const AppContext = createContext<App | null>(null);

export function AppProvider(props: { app: App; children: ReactNode }) {
  return createElement(AppContext.Provider, { value: props.app }, props.children);
}

export function useApp(): App {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppProvider>');
  return app;
}

/** Select one field (or a stable value) from the bound store; wrap object picks in useShallow. */
export function useAppStore<T>(selector: (s: AppStore) => T): T {
  return useStore(useApp().store, selector);
}
