/** Renders a piece of the UI against the fake engine over the real RPC layer, like the page does. */
import { act, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createClient } from '../../engine/protocol/rpc.js';
import { createEngineLink } from '../../renderer/src/engine-client.js';
import { AppProvider, createApp } from '../../renderer/store/index.js';
import { createFakeEngine, type FakeEngineOptions } from '../helpers/fake-engine.js';

export const tick = () => new Promise((r) => setTimeout(r, 0));

/** Lets queued engine answers and notifications arrive (they travel over microtasks and timers). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await act(tick);
}

export async function renderWithEngine(ui: ReactNode, options: FakeEngineOptions = {}) {
  const engine = createFakeEngine(options);
  const link = createEngineLink();
  const app = createApp(link);
  link.attach(createClient(engine.pair(), { validate: true }));
  await act(async () => {
    await link.call('getState', {});
  });
  await settle();
  const view = render(<AppProvider app={app}>{ui}</AppProvider>);
  await settle();
  return { engine, link, app, store: app.store, ...view };
}

/** Runs animation frames until `check` passes (the meters draw from rAF). */
export async function frames(check: () => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await act(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    if (check()) return;
  }
  throw new Error('condition not met within the frames');
}
