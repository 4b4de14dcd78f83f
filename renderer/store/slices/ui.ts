/**
 * UI-only state: errors by the place they happened ('pins', 'pin:3', 'instruments', 'audio'...),
 * busy flags, the bank-loading progress, engine notices (onError), and the selected pin.
 */
import type { NotificationData } from '../../../engine/protocol/messages.js';
import type { FriendlyError } from '../errors.js';
import type { Slice } from '../types.js';

export type PanelId = 'pins' | 'channels' | 'instruments' | 'audio' | 'midi';

export interface Notice extends FriendlyError {
  id: number;
  where: string | null;
}

export interface UiSlice {
  errors: Record<string, FriendlyError>;
  busy: Record<string, boolean>;
  progress: NotificationData<'onProgress'> | null;
  notices: Notice[];
  selectedPinId: number | null;
  panel: PanelId;
  /** A control the panel just shown should focus (e.g. 'output-device'), until it has. */
  focusTarget: string | null;
  selectPin(id: number | null): void;
  showPanel(panel: PanelId, focus?: string): void;
  clearFocusTarget(): void;
  clearError(place: string): void;
  setError(place: string, error: FriendlyError): void;
  dismissNotice(id: number): void;
  pushNotice(data: NotificationData<'onError'>): void;
  setProgress(p: NotificationData<'onProgress'> | null): void;
}

let nextNotice = 1;

export const createUiSlice: Slice<UiSlice> = () => (set) => ({
  errors: {},
  busy: {},
  progress: null,
  notices: [],
  selectedPinId: null,
  panel: 'pins',
  focusTarget: null,
  selectPin: (id) => set({ selectedPinId: id }),
  showPanel: (panel, focus) => set({ panel, focusTarget: focus ?? null }),
  clearFocusTarget: () => set({ focusTarget: null }),
  clearError: (place) =>
    set((s) => {
      const { [place]: _gone, ...rest } = s.errors;
      return { errors: rest };
    }),
  setError: (place, error) => set((s) => ({ errors: { ...s.errors, [place]: error } })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  pushNotice: (data) =>
    set((s) => ({
      // Keep the last five: an unplugged device can report many times.
      notices: [...s.notices, { id: nextNotice++, text: data.message, detail: null, code: data.code, where: data.where }].slice(-5),
    })),
  setProgress: (progress) => set({ progress }),
});
