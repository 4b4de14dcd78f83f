/**
 * How every store action talks to the engine: mark the place busy, await the engine's answer,
 * clear or set the error shown at that place (in a musician's words), and return the answer
 * (undefined when it failed — the error is already on screen where the musician acted).
 */
import { friendlyError } from './errors.js';
import type { AppStore } from './types.js';

type Get = () => AppStore;
type Set = (partial: Partial<AppStore> | ((s: AppStore) => Partial<AppStore>)) => void;

export async function act<T>(get: Get, set: Set, place: string, action: string, fn: () => Promise<T>): Promise<T | undefined> {
  set((s) => ({ busy: { ...s.busy, [place]: true } }));
  try {
    const result = await fn();
    if (get().errors[place]) get().clearError(place);
    return result;
  } catch (err) {
    set((s) => ({ errors: { ...s.errors, [place]: friendlyError(err, action) } }));
    return undefined;
  } finally {
    set((s) => ({ busy: { ...s.busy, [place]: false } }));
  }
}
